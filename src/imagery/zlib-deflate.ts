/**
 * DEFLATE tiles decoded with node:zlib instead of geotiff.js's pako (the same bytes, a native inflater
 * several times faster), registered for every geotiff.js reader of the process. decode-worker.mjs
 * registers the same decoder in the worker threads.
 */
import { inflateSync } from 'node:zlib';
import { addDecoder, BaseDecoder } from 'geotiff';

class ZlibDeflateDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    const out = inflateSync(new Uint8Array(buffer));
    return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? out.buffer
      : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}

// TIFF compression 8 (DEFLATE) and 32946 (the old Adobe code for it).
addDecoder([8, 32946], () => Promise.resolve(ZlibDeflateDecoder));
