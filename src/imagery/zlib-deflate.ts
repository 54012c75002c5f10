/**
 * DEFLATE tiles decoded with node:zlib instead of geotiff.js's pako (the same bytes, a native inflater
 * several times faster), their horizontal predictor undone by horizontal-predictor.ts, registered for
 * every geotiff.js reader of the process, the decode workers' (decode-worker.mjs) included.
 */
import { inflateSync } from 'node:zlib';
import { addDecoder, BaseDecoder } from 'geotiff';
import { undoHorizontalPredictor } from './horizontal-predictor.ts';

/** What geotiff.js gives a decoder (its BaseDecoderParameters). */
interface Parameters {
  tileWidth: number;
  tileHeight: number;
  predictor: number;
  bitsPerSample: number | ArrayLike<number>;
  planarConfiguration: number;
}

class ZlibDeflateDecoder extends BaseDecoder {
  override async decode(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
    const { tileWidth, predictor, bitsPerSample, planarConfiguration } = this
      .parameters as unknown as Parameters;
    if (predictor === 2) {
      const bits = typeof bitsPerSample === 'number' ? [bitsPerSample] : Array.from(bitsPerSample);
      if (bits.every((b) => b === bits[0])) {
        const decoded = this.decodeBlock(buffer);
        const stride = planarConfiguration === 2 ? 1 : bits.length;
        if (undoHorizontalPredictor(decoded, tileWidth, bits[0]!, stride)) return decoded;
        return super.decode(buffer);
      }
    }
    return super.decode(buffer);
  }

  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    // Inflated into one buffer of the block's decoded size (node:zlib otherwise fills 16 KiB chunks and
    // concatenates them); a block that inflates to more still decodes, in more chunks.
    const { tileWidth, tileHeight, bitsPerSample, planarConfiguration } = this
      .parameters as unknown as Parameters;
    const bits = typeof bitsPerSample === 'number' ? [bitsPerSample] : Array.from(bitsPerSample);
    const pixelBytes = planarConfiguration === 2 ? bits[0]! / 8 : bits.reduce((a, b) => a + b, 0) / 8;
    const size = Math.ceil(tileWidth * tileHeight * pixelBytes);
    const out = inflateSync(
      new Uint8Array(buffer),
      Number.isFinite(size) && size >= 64 ? { chunkSize: size } : {},
    );
    return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? out.buffer
      : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}

// TIFF compression 8 (DEFLATE) and 32946 (the old Adobe code for it).
addDecoder([8, 32946], () => Promise.resolve(ZlibDeflateDecoder));
