/** A NaN-aware box filter, the spatial context of the pair detector's statistic and of its cloud test. */

/** NaN-aware mean over the (2r+1)² window of each valid pixel (integral images). */
export function windowMean(map: Float32Array, width: number, height: number, r: number): Float32Array {
  const W = width + 1;
  const S = new Float64Array(W * (height + 1));
  const N = new Float64Array(W * (height + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = map[y * width + x]!;
      const ok = Number.isFinite(v);
      const i = (y + 1) * W + x + 1;
      S[i] = (ok ? v : 0) + S[i - 1]! + S[i - W]! - S[i - W - 1]!;
      N[i] = (ok ? 1 : 0) + N[i - 1]! + N[i - W]! - N[i - W - 1]!;
    }
  }
  const out = new Float32Array(map.length);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - r) * W;
    const y1 = Math.min(height, y + r + 1) * W;
    for (let x = 0; x < width; x++) {
      if (!Number.isFinite(map[y * width + x]!)) {
        out[y * width + x] = Number.NaN;
        continue;
      }
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(width, x + r + 1);
      const s = S[y1 + x1]! - S[y0 + x1]! - S[y1 + x0]! + S[y0 + x0]!;
      const n = N[y1 + x1]! - N[y0 + x1]! - N[y1 + x0]! + N[y0 + x0]!;
      out[y * width + x] = s / n;
    }
  }
  return out;
}
