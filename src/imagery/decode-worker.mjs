// Worker of the tile decode pool (decode-pool.ts): decodes one compressed TIFF tile or strip with
// decodeTile (geotiff.js's decoders, DEFLATE through node:zlib) and hands the bytes back. Plain
// JavaScript that loads the TypeScript modules through tsx's scoped import, so that it starts under any
// loader (tsx, vitest, plain node).
import { parentPort } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const pool = tsImport('./decode-pool.ts', import.meta.url);

parentPort.on('message', async ({ id, compression, parameters, buffer }) => {
  try {
    const { decodeTile } = await pool;
    const decoded = await decodeTile(compression, parameters, buffer);
    parentPort.postMessage({ id, decoded }, [decoded]);
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
