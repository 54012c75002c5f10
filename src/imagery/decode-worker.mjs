// Worker of the tile decode pool (decode-pool.ts): decodes one compressed TIFF tile or strip with
// geotiff.js's own decoders and hands the bytes back. Plain JavaScript so that it loads under any
// loader (tsx, vitest, plain node).
import { parentPort } from 'node:worker_threads';
import { inflateSync } from 'node:zlib';
import { addDecoder, BaseDecoder, getDecoder } from 'geotiff';

// As zlib-deflate.ts on the main thread: DEFLATE through node:zlib rather than pako.
class ZlibDeflateDecoder extends BaseDecoder {
  decodeBlock(buffer) {
    const out = inflateSync(new Uint8Array(buffer));
    return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? out.buffer
      : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}
addDecoder([8, 32946], () => Promise.resolve(ZlibDeflateDecoder));

parentPort.on('message', async ({ id, compression, parameters, buffer }) => {
  try {
    const decoder = await getDecoder(compression, parameters);
    const decoded = await decoder.decode(buffer);
    parentPort.postMessage({ id, decoded }, [decoded]);
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
