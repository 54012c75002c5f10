/**
 * Radar change evidence between a baseline look (best a temporal composite, radar-composite.ts) and a later
 * look of the same grid, both dB backscatter (bands `vv`, optionally `vh`). Pure: pixels in, masks out.
 * 1. Speckle: both looks are median-filtered (speckle.ts; `window`, 1 = none).
 * 2. Exclusions: pixels flagged in an optional `shadow_layover` band of either look (non-zero = radar
 *    shadow or layover, as RTC products mask them); strong scatterers, whose baseline or later VV is at least
 *    `urbanVvDb` (buildings' double bounce; they neither flood nor clear in C-band the way open ground
 *    does); permanent water, water of the baseline (radar-water.ts).
 * 3. New open water: the later look is water (its own per-scene cut, radar-water.ts) and VV (or VH) dropped
 *    (baseline − later, dB) by at least the water drop cut: Otsu's cut of that polarisation's drops over the
 *    remaining pixels, never below minWaterDropDb.
 * 4. Vegetation loss (as RADD): a forest pixel of the baseline (a `forest` band of the baseline when given,
 *    non-zero = forest; else baseline VV of at least forestVvDb) that is not water in the later look and
 *    whose VV (or VH, where both looks have it) dropped by at least that polarisation's loss drop cut:
 *    Otsu's cut of the drops of those forest pixels, never below minLossDropDb. Cleared forest loses its volume scattering,
 *    which is most of C-band VH over forest and much of VV; the ground left falls to about −12 dB VV,
 *    above open water's level, so a loss is a drop that does not reach water (step 3 takes those first).
 */
import { InputError } from '../errors.ts';
import { band, type ImageValue } from '../imagery/image.ts';
import { otsuThreshold } from './otsu.ts';
import { assertBackscatter, radarWater, RADAR_WATER_CEILING_DB } from './radar-water.ts';
import { medianFilter, SPECKLE_WINDOW } from './speckle.ts';

/** Defaults of radarChange. */
export const RADAR_CHANGE_DEFAULTS = {
  window: SPECKLE_WINDOW,
  minWaterDropDb: 3,
  minLossDropDb: 2,
  urbanVvDb: 0,
  forestVvDb: -11,
} as const;

/** Options of radarChange (defaults in RADAR_CHANGE_DEFAULTS). */
export interface RadarChangeOptions {
  /** Median filter window in pixels (1 = no filter). */
  window?: number;
  /** Smallest VV (or VH) drop of new water, in dB. */
  minWaterDropDb?: number;
  /** Smallest VV (or VH) drop of vegetation loss, in dB. */
  minLossDropDb?: number;
  /** VV (dB) at or above which a pixel is a strong scatterer and left out. */
  urbanVvDb?: number;
  /** Smallest baseline VV (dB) of forest, when the baseline has no `forest` band. */
  forestVvDb?: number;
  /** Highest accepted water threshold per polarisation in dB (radar-water.ts). */
  ceilingDb?: { vv: number; vh: number };
}

/** Change evidence between two radar looks. */
export interface RadarChange {
  /** 1 where open water is new. */
  newWater: Uint8Array;
  /** 1 where forest lost its backscatter. */
  vegetationLoss: Uint8Array;
  /** Pixels left out, by reason (a pixel counts under its first reason, in this order). */
  excluded: { invalid: number; shadowLayover: number; urban: number; permanentWater: number };
  /** Per-scene cuts in dB: drops of new water and of forest loss (never below their minimum), the later look's water cuts. */
  thresholdDb: {
    waterDropVv: number;
    waterDropVh: number | null;
    lossDropVv: number;
    lossDropVh: number | null;
    waterVv: number;
    waterVh: number | null;
  };
  /** Pixels of each evidence. */
  counts: { newWater: number; vegetationLoss: number };
  /** The baseline's VV after the speckle filter (dB; 0 where invalid): what its speckle is measured about. */
  filteredBaselineVv: Float32Array;
}

/** Radar change evidence (see the module comment); throws InputError on unlike or non-radar looks. */
export function radarChange(
  baseline: ImageValue,
  later: ImageValue,
  options: RadarChangeOptions = {},
): RadarChange {
  const o = { ...RADAR_CHANGE_DEFAULTS, ceilingDb: RADAR_WATER_CEILING_DB, ...options };
  assertBackscatter(baseline, 'baseline radar look');
  assertBackscatter(later, 'later radar look');
  if (baseline.width !== later.width || baseline.height !== later.height)
    throw new InputError(
      `baseline radar look is ${baseline.width}×${baseline.height}, the later look ${later.width}×${later.height}`,
    );
  const n = baseline.width * baseline.height;
  const pols = (['vv', 'vh'] as const).filter((p) => band(baseline, p) && band(later, p));
  const pick = (img: ImageValue) => {
    const names = img.bands.filter((b) => (pols as readonly string[]).includes(b));
    return { ...img, bands: names, data: names.map((b) => band(img, b)!) };
  };
  const base = medianFilter(pick(baseline), o.window);
  const after = medianFilter(pick(later), o.window);
  const ceil = o.ceilingDb;
  const baseWater = radarWater(base, { window: 1, ceilingDb: ceil });
  const afterWater = radarWater(after, { window: 1, ceilingDb: ceil });
  const shadow = [band(baseline, 'shadow_layover'), band(later, 'shadow_layover')];
  const bvv = band(base, 'vv')!;
  const avv = band(after, 'vv')!;
  // 0: kept; else 1 + the index of the exclusion reason.
  const reason = new Uint8Array(n);
  const excluded = { invalid: 0, shadowLayover: 0, urban: 0, permanentWater: 0 };
  const reasons = ['invalid', 'shadowLayover', 'urban', 'permanentWater'] as const;
  for (let i = 0; i < n; i++) {
    const r: number =
      !base.mask[i] || !after.mask[i]
        ? 0
        : shadow.some((s) => s !== undefined && s[i] !== 0)
          ? 1
          : bvv[i]! >= o.urbanVvDb || avv[i]! >= o.urbanVvDb
            ? 2
            : baseWater.water[i]
              ? 3
              : -1;
    if (r < 0) continue;
    reason[i] = r + 1;
    excluded[reasons[r]!]++;
  }
  const forestBand = band(baseline, 'forest');
  const isForest = (i: number) =>
    reason[i] === 0 && !afterWater.water[i] && (forestBand ? forestBand[i] !== 0 : bvv[i]! >= o.forestVvDb);
  const drop = (p: 'vv' | 'vh'): Float32Array | null => {
    const b = band(base, p);
    const a = band(after, p);
    return b && a ? Float32Array.from(b, (v, i) => v - a[i]!) : null;
  };
  const cut = (plane: Float32Array, keep: (i: number) => boolean, min: number): number => {
    const kept: number[] = [];
    for (let i = 0; i < n; i++) if (keep(i)) kept.push(plane[i]!);
    const t = otsuThreshold(kept);
    return Number.isFinite(t) ? Math.max(t, min) : min;
  };
  const dv = drop('vv')!;
  const dh = drop('vh');
  const kept = (i: number) => reason[i] === 0;
  const waterCutVv = cut(dv, kept, o.minWaterDropDb);
  const waterCutVh = dh ? cut(dh, kept, o.minWaterDropDb) : null;
  const lossCut = cut(dv, isForest, o.minLossDropDb);
  const lossCutVh = dh ? cut(dh, isForest, o.minLossDropDb) : null;
  const newWater = new Uint8Array(n);
  const vegetationLoss = new Uint8Array(n);
  const counts = { newWater: 0, vegetationLoss: 0 };
  for (let i = 0; i < n; i++) {
    if (reason[i] !== 0) continue;
    const dropped = dv[i]! >= waterCutVv || (dh !== null && dh[i]! >= waterCutVh!);
    if (afterWater.water[i] && dropped) {
      newWater[i] = 1;
      counts.newWater++;
    } else if (isForest(i) && (dv[i]! >= lossCut || (dh !== null && dh[i]! >= lossCutVh!))) {
      vegetationLoss[i] = 1;
      counts.vegetationLoss++;
    }
  }
  return {
    newWater,
    vegetationLoss,
    excluded,
    thresholdDb: {
      waterDropVv: waterCutVv,
      waterDropVh: waterCutVh,
      lossDropVv: lossCut,
      lossDropVh: lossCutVh,
      waterVv: afterWater.thresholdDb.vv,
      waterVh: afterWater.thresholdDb.vh,
    },
    counts,
    filteredBaselineVv: bvv,
  };
}
