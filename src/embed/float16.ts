/**
 * IEEE 754 half-precision conversion for the float16 model variant: onnxruntime takes and returns
 * float16 tensors as their raw 16-bit patterns (Uint16Array).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to `value` (round half to even; overflow → ±Infinity). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = full & ((1 << shift) - 1);
    let m = full >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  const m = mantissa >>> 13;
  const rest = mantissa & 0x1fff;
  let h = sign | (e << 10) | m;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) h++; // a carry rolls into the exponent correctly
  return h;
}

/** The value of a float16 bit pattern. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** float32 values → float16 bit patterns. */
export function toFloat16Array(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]!);
  return out;
}

/** float16 bit patterns → float32 values. */
export function fromFloat16Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fromFloat16Bits(bits[i]!);
  return out;
}
