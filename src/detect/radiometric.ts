/**
 * Relative radiometric normalisation of one band between two dates, fitted on a whole scene: after is
 * regressed on before over pseudo-invariant pixels, so gains and offsets of illumination, atmosphere,
 * season-wide phenology or display stretch are absorbed and what remains is change. The relation starts as
 * after = before + median(after − before) and is refitted by least squares on the pixels whose residual
 * lies within INVARIANT_SIGMA robust σ (1.4826·MAD), REFITS times, so large changes do not bend it.
 */
import { median } from '../spectral/robust.ts';

/** Residuals past which a pixel is not taken as pseudo-invariant when refitting, in robust σ. */
export const INVARIANT_SIGMA = 2.5;
/** Least-squares refits after the median start. */
export const REFITS = 2;

/** after ≈ offset + gain·before, with the robust spread of the residuals. */
export interface BandRelation {
  /** Intercept, in the image's units. */
  offset: number;
  /** Slope. */
  gain: number;
  /** Robust residual spread (1.4826·MAD of all residuals about the final fit), at least the floor given. */
  sigma: number;
}

/** Least-squares fit y ≈ a + b·x over pixels where use[i] is 1 (b = 1 when x has no spread there). */
function fitLine(x: ArrayLike<number>, y: ArrayLike<number>, use: Uint8Array): { a: number; b: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < use.length; i++) {
    if (!use[i]) continue;
    n++;
    sx += x[i]!;
    sy += y[i]!;
  }
  if (n < 2) return { a: n ? sy - sx : 0, b: 1 };
  const mx = sx / n;
  const my = sy / n;
  let cxy = 0;
  let cxx = 0;
  for (let i = 0; i < use.length; i++) {
    if (!use[i]) continue;
    cxy += (x[i]! - mx) * (y[i]! - my);
    cxx += (x[i]! - mx) ** 2;
  }
  const b = cxx > 0 ? cxy / cxx : 1;
  return { a: my - b * mx, b };
}

/**
 * The relation of band `y` (after) to band `x` (before) over the pixels where mask is 1; `floor` is the
 * smallest σ returned (the noise floor, in the image's units), so noise-free images stay finite.
 */
export function fitBandRelation(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  mask: Uint8Array,
  floor: number,
): BandRelation {
  const n = mask.length;
  let a = median(Float32Array.from({ length: n }, (_, i) => (mask[i] ? y[i]! - x[i]! : Number.NaN)));
  if (!Number.isFinite(a)) return { offset: 0, gain: 1, sigma: Math.max(floor, 1e-12) };
  let b = 1;
  let sigma = Math.max(floor, 1e-12);
  const abs = new Float32Array(n);
  for (let pass = 0; pass <= REFITS; pass++) {
    for (let i = 0; i < n; i++) abs[i] = mask[i] ? Math.abs(y[i]! - (a + b * x[i]!)) : Number.NaN;
    sigma = Math.max(1.4826 * median(abs), floor, 1e-12);
    if (pass === REFITS) break;
    const use = new Uint8Array(n);
    for (let i = 0; i < n; i++) use[i] = mask[i] && abs[i]! <= INVARIANT_SIGMA * sigma ? 1 : 0;
    ({ a, b } = fitLine(x, y, use));
  }
  return { offset: a, gain: b, sigma };
}
