/**
 * The classical seasonal baseline of the series evaluation, in the manner of BFAST-monitor: per pixel,
 * an ordinary least-squares season–trend model of NDVI (harmonic.ts: constant + annual + semi-annual,
 * plus a trend over two years or more) fitted on the whole stable history before the monitoring start,
 * and a pixel flagged at its first monitoring look whose residual falls below −BASELINE_Z times the
 * model's OLS residual standard deviation √(SSR / (n − p)).
 */
import type { ImageValue } from '../imagery/image.ts';
import { fitHarmonic, predictHarmonic, YEAR_MS, yearsOf } from './harmonic.ts';
import { indexPlane } from '../spectral/indices.ts';

/** Residual threshold of the baseline, in OLS standard deviations. */
export const BASELINE_Z = 3;

/** Per pixel: flagged (1) and the clear look of the monitoring period it was flagged on (1-based, 0 = never). */
export interface BaselineResult {
  flagged: Uint8Array;
  delay: Int32Array;
}

/** Runs the baseline over full-grid looks (ascending datetimes); monitoring starts at `start`. */
export function seasonalBaseline(
  images: readonly ImageValue[],
  datetimes: readonly string[],
  start: string,
): BaselineResult {
  const n = (images[0]?.width ?? 0) * (images[0]?.height ?? 0);
  const flagged = new Uint8Array(n);
  const delay = new Int32Array(n);
  const planes = images.map((im) => indexPlane(im, 'ndvi'));
  const t = datetimes.map((d) => yearsOf(d));
  const history = datetimes.map((d) => d < start);
  for (let p = 0; p < n; p++) {
    const ht: number[] = [];
    const hy: number[] = [];
    planes.forEach((pl, i) => {
      const v = pl?.[p];
      if (history[i] && v !== undefined && Number.isFinite(v)) {
        ht.push(t[i]!);
        hy.push(v);
      }
    });
    if (ht.length === 0) continue;
    const trend = (Math.max(...ht) - Math.min(...ht)) * YEAR_MS >= 730 * 86_400_000;
    const model = fitHarmonic(ht, hy, { trend });
    if (!model) continue;
    let ssr = 0;
    ht.forEach((tt, i) => (ssr += (hy[i]! - predictHarmonic(model, tt)) ** 2));
    const sd = Math.sqrt(ssr / (ht.length - (trend ? 6 : 5)));
    let looks = 0;
    for (let i = 0; i < planes.length; i++) {
      const v = planes[i]?.[p];
      if (history[i] || v === undefined || !Number.isFinite(v)) continue;
      looks++;
      if ((v - predictHarmonic(model, t[i]!)) / sd < -BASELINE_Z) {
        flagged[p] = 1;
        delay[p] = looks;
        break;
      }
    }
  }
  return { flagged, delay };
}
