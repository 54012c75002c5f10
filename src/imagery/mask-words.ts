/**
 * Validity masks (one byte per pixel, 0 invalid or 1 valid) combined four pixels at a time through
 * 32-bit views of their bytes, with a byte loop for what does not fill a word. Hand-written: the
 * typed-array loops are the whole of it, and the per-byte versions were a visible part of a chip's
 * cost in a CPU profile (seven masks merged per Sentinel-2 chip).
 */

/** Four valid pixels in one word. */
const ALL_VALID = 0x01010101;

/** The whole 32-bit words of `a` (from its first 4-byte-aligned byte) and where they start and end. */
function wordsOf(a: Uint8Array): { words: Int32Array; from: number; to: number } {
  const from = Math.min(a.length, (4 - (a.byteOffset % 4)) % 4);
  const count = (a.length - from) >> 2;
  return {
    words: new Int32Array(a.buffer, a.byteOffset + from, count),
    from,
    to: from + count * 4,
  };
}

/** target[i] = target[i] & source[i] for every pixel (both masks of 0 and 1). */
export function andMask(target: Uint8Array, source: Uint8Array): void {
  if (source.length !== target.length)
    throw new RangeError(`masks of ${target.length} and ${source.length} pixels cannot be merged`);
  if (target.byteOffset % 4 !== source.byteOffset % 4) {
    for (let i = 0; i < target.length; i++) target[i]! &= source[i]!;
    return;
  }
  const t = wordsOf(target);
  const s = wordsOf(source);
  for (let i = 0; i < t.from; i++) target[i]! &= source[i]!;
  const tw = t.words;
  const sw = s.words;
  for (let i = 0; i < tw.length; i++) tw[i]! &= sw[i]!;
  for (let i = t.to; i < target.length; i++) target[i]! &= source[i]!;
}

/** target[i] = 0 wherever flags[i] is 1 (a mask of 0 and 1, flags of 0 and 1). */
export function clearFlagged(target: Uint8Array, flags: Uint8Array): void {
  if (flags.length !== target.length)
    throw new RangeError(`a mask of ${target.length} pixels cannot be cleared by ${flags.length} flags`);
  if (target.byteOffset % 4 !== flags.byteOffset % 4) {
    for (let i = 0; i < target.length; i++) if (flags[i] === 1) target[i] = 0;
    return;
  }
  const t = wordsOf(target);
  const f = wordsOf(flags);
  for (let i = 0; i < t.from; i++) if (flags[i] === 1) target[i] = 0;
  const tw = t.words;
  const fw = f.words;
  // Bytes of 0 and 1: a flagged byte becomes 1 & ~1 = 0, the others keep their value.
  for (let i = 0; i < tw.length; i++) tw[i]! &= ~fw[i]!;
  for (let i = t.to; i < target.length; i++) if (flags[i] === 1) target[i] = 0;
}

/** The number of valid pixels (the sum of a mask of 0 and 1). */
export function countValid(mask: Uint8Array): number {
  const { words, from, to } = wordsOf(mask);
  let n = 0;
  for (let i = 0; i < from; i++) n += mask[i]!;
  // The four bytes (each 0 or 1) summed into the top byte of the product.
  for (let i = 0; i < words.length; i++) n += Math.imul(words[i]!, ALL_VALID) >>> 24;
  for (let i = to; i < mask.length; i++) n += mask[i]!;
  return n;
}

/** Sets every plane to 0 where the mask is 0 (skipping runs of four valid pixels at once). */
export function zeroInvalid(planes: Float32Array[], mask: Uint8Array): void {
  const zero = (i: number): void => {
    for (const p of planes) p[i] = 0;
  };
  const { words, from, to } = wordsOf(mask);
  for (let i = 0; i < from; i++) if (mask[i] === 0) zero(i);
  for (let w = 0; w < words.length; w++) {
    if (words[w] === ALL_VALID) continue;
    const base = from + w * 4;
    for (let i = base; i < base + 4; i++) if (mask[i] === 0) zero(i);
  }
  for (let i = to; i < mask.length; i++) if (mask[i] === 0) zero(i);
}
