// Worker of the tile decode pool (decode-pool.ts): decodes one compressed TIFF tile or strip with
// geotiff.js's own decoders and hands the bytes back. Plain JavaScript so that it loads under any
// loader (tsx, vitest, plain node).
import { parentPort } from 'node:worker_threads';
import { getDecoder } from 'geotiff';

parentPort.on('message', async ({ id, compression, parameters, buffer }) => {
  try {
    const decoder = await getDecoder(compression, parameters);
    const decoded = await decoder.decode(buffer);
    parentPort.postMessage({ id, decoded }, [decoded]);
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
