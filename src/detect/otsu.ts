/**
 * Otsu's threshold: the cut of a histogram that maximises the between-class variance of the two sides
 * (Otsu 1979). Used per scene on change statistics, so the threshold adapts to each scene's own
 * distribution instead of a constant fitted to some scenes.
 */

/** Histogram bins of otsuThreshold. */
export const OTSU_BINS = 256;

/**
 * Otsu's threshold of the finite values (NaN when fewer than two distinct values). The values are binned
 * into OTSU_BINS equal bins between their minimum and maximum; the threshold is the upper edge of the
 * last bin of the lower class, so `value > threshold` selects the upper class.
 */
export function otsuThreshold(values: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n < 2 || !(hi > lo)) return Number.NaN;
  const width = (hi - lo) / OTSU_BINS;
  const hist = new Float64Array(OTSU_BINS);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) hist[Math.min(OTSU_BINS - 1, Math.floor((v - lo) / width))]!++;
  }
  let total = 0;
  for (let i = 0; i < OTSU_BINS; i++) total += i * hist[i]!;
  let wLow = 0;
  let sumLow = 0;
  let best = -1;
  let cut = 0;
  for (let i = 0; i < OTSU_BINS - 1; i++) {
    wLow += hist[i]!;
    sumLow += i * hist[i]!;
    const wHigh = n - wLow;
    if (wLow === 0 || wHigh === 0) continue;
    const between = wLow * wHigh * (sumLow / wLow - (total - sumLow) / wHigh) ** 2;
    if (between > best) {
      best = between;
      cut = i;
    }
  }
  return lo + (cut + 1) * width;
}
