/**
 * TIFF horizontal differencing (Predictor 2) undone in place, for 8-, 16- and 32-bit samples: each
 * sample adds the one `stride` samples before it in its row (stride: samples per pixel, 1 for planar
 * data), wrapping at the sample size. The same numbers as geotiff.js's `applyPredictor`, whose loop
 * makes a typed-array view per row and runs a nested loop per sample; this one runs one loop per row
 * over one view of the block (a running sum for single 16-bit samples). Blocks it does not cover
 * (other predictors, mixed sample sizes, a last row cut short) return false and are left to geotiff.js.
 */

/** Undoes Predictor 2 in `block` (width × rows pixels of `bits`-bit samples, `stride` per pixel); false when not handled. */
export function undoHorizontalPredictor(
  block: ArrayBufferLike,
  width: number,
  bits: number,
  stride: number,
): boolean {
  const bytes = bits / 8;
  const rowLength = width * stride;
  if (!(bits === 8 || bits === 16 || bits === 32) || rowLength === 0) return false;
  if (block.byteLength % (rowLength * bytes) !== 0) return false;
  if (bits === 16) undo16(new Uint16Array(block), rowLength, stride);
  else undo(bits === 8 ? new Uint8Array(block) : new Uint32Array(block), rowLength, stride);
  return true;
}

/** Each row's running sums (stores wrap at the sample size); 16-bit samples, the common case, in a loop of their own. */
function undo16(samples: Uint16Array, rowLength: number, stride: number): void {
  if (stride !== 1) return undo(samples, rowLength, stride);
  for (let o = 0; o < samples.length; o += rowLength) {
    let sum = samples[o]!;
    for (let i = o + 1; i < o + rowLength; i++) {
      sum = (sum + samples[i]!) & 0xffff;
      samples[i] = sum;
    }
  }
}

function undo(samples: Uint8Array | Uint16Array | Uint32Array, rowLength: number, stride: number): void {
  for (let o = 0; o < samples.length; o += rowLength)
    for (let i = o + stride; i < o + rowLength; i++) samples[i] = samples[i]! + samples[i - stride]!;
}
