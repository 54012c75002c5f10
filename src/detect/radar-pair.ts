/**
 * The radar pair detector: one scene seen by radar at two dates (dB backscatter, bands `vv` and optionally
 * `vh`), cut into chips on the area's grid, scored chip by chip in the same shape as the optical pair
 * detector (pair-detector.ts), so that alerts, pixel extents, evidence and the report take either. Pure:
 * image values in, per-pixel and per-chip evidence out.
 *
 * - Scene: the usable chips are laid out at their grid positions into one before and one after mosaic
 *   (cells not given or not usable are invalid), so the speckle filter sees across chip edges and every
 *   per-scene cut — the water cuts of each look and the drop cuts — is taken from the whole scene's
 *   backscatter distribution, not from one chip's (a chip that is all new water has no split of its own).
 * - Pixels: radar-change.ts on the two mosaics: new open water = a drop of VV (or VH) beyond the scene's
 *   drop cut together with backscatter below the after look's water cut; permanent water (water of the
 *   before look), radar shadow / layover (a `shadow_layover` band) and strong scatterers are left out.
 *   Vegetation loss (as RADD) = a forest pixel whose VV (or VH) dropped beyond the scene's loss cut (Otsu
 *   of the forest pixels' drops) without reaching open-water level: new-water pixels get MASK_WATER,
 *   vegetation-loss pixels MASK_VEGETATION_LOSS, pixels invalid in either look MASK_INVALID, the rest
 *   MASK_UNCHANGED, the codes of the optical detector (mask-codes.ts).
 * - Speckle: each chip's evidence says how many looks its before image composites (`beforeLooks`) and
 *   the speckle it carries (`beforeSpeckleDb`: the robust spread of its VV about the filtered VV).
 * - Chip: the shares of the chip's valid pixels that are new water and vegetation loss, each with strength
 *   0.5 at RADAR_CHIP_SHARE (the 5 % from which the optical detector and evaluation count a chip as
 *   changed); a chip whose stronger share reaches the alert threshold alerts with the signal `radar`, a
 *   flood where the water share reaches it (the more specific kind, as in detect-chip.ts), else a
 *   vegetation loss. Unlike an optical pair, a radar pair lets vegetation loss alert on its own: a closed
 *   forest's C-band backscatter is steady through the seasons (moisture moves it by about a dB, under the
 *   loss cut's 2 dB floor), so its drop is not a season as an NDVI drop can be; RADD alerts on one look.
 *   With a named event (options `event`) only its evidence scores a chip, as in the optical detector:
 *   new water for a flood, none for a fire (radar sees no char). Drift and prompt deltas corroborate as in
 *   the optical detector: they raise the score of a chip that alerts on its own evidence, never lift one
 *   over.
 */
import { InputError } from '../errors.ts';
import { band, type ImageValue } from '../imagery/image.ts';
import { median, quantile } from '../spectral/robust.ts';
import { CHANGE_PROMPTS, DEFAULT_ALERT_THRESHOLD, confidenceOf } from './detect-chip.ts';
import type { SignalName } from './detect-types.ts';
import { MASK_INVALID, MASK_UNCHANGED, MASK_VEGETATION_LOSS, MASK_WATER } from './mask-codes.ts';
import {
  CHIP_QUANTILE,
  emptyStrengths,
  unusableChip,
  eventStrength,
  keepsMask,
  PAIR_CORROBORATION_WEIGHT,
  PAIR_MIN_VALID,
  type PairChipDetection,
  type PairChipInput,
  type PairDetectorOptions,
  type PairEvidence,
} from './pair-detector.ts';
import { cellOrigin, gridLayout, mosaicImage, type GridLayout } from './grid-mosaic.ts';
import { radarChange, type RadarChange, type RadarChangeOptions } from './radar-change.ts';
import { assertBackscatter } from './radar-water.ts';
import { SIGNAL_THRESHOLDS, driftStrength, strength } from './signals.ts';

/** Share of a chip's valid pixels that are new water at which its radar strength is 0.5. */
export const RADAR_CHIP_SHARE = 0.05;

/** One chip of a radar scene at two dates, with its place on the grid. */
export interface RadarPairChipInput extends PairChipInput {
  /** Grid column (increases eastwards). */
  col: number;
  /** Grid row (increases northwards). */
  row: number;
  /** Radar looks composited into `before` (radar-composite.ts; default 1, a single look). */
  beforeLooks?: number;
}

/** Options of detectRadarPairScene. */
export interface RadarPairOptions extends PairDetectorOptions {
  /** Options of the pixel evidence (radar-change.ts). */
  radar?: RadarChangeOptions;
}

/** The radar scene's statistics. */
export interface RadarPairSceneStats {
  /** Polarisations compared. */
  bands: string[];
  /** Per-scene cuts in dB (radar-change.ts), or null without a usable chip. */
  thresholdDb: RadarChange['thresholdDb'] | null;
  /** Pixels left out, by reason. */
  excluded: RadarChange['excluded'] | null;
  /** Valid pixels in the scene's usable chips. */
  pixels: number;
}

/** The detection of a radar scene. */
export interface RadarPairSceneDetection {
  /** Per chip, in input order. */
  chips: PairChipDetection[];
  /** Scene statistics. */
  scene: RadarPairSceneStats;
}

/** Number of set bytes. */
function count(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] ? 1 : 0;
  return n;
}

/** The polarisations every chip's before and after images have (vv first). */
function commonPolarisations(inputs: readonly PairChipInput[]): string[] {
  return ['vv', 'vh'].filter((p) => inputs.every((c) => band(c.before, p) && band(c.after, p)));
}

/** 1.4826 × the median absolute deviation from the median (the standard deviation of a normal sample); 0 when empty. */
function robustSpread(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const med = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - med)));
}

/** Scores every chip of a radar scene seen at two dates (see the module comment). */
export function detectRadarPairScene(
  inputs: readonly RadarPairChipInput[],
  options: RadarPairOptions = {},
): RadarPairSceneDetection {
  const threshold = options.threshold ?? DEFAULT_ALERT_THRESHOLD;
  const minValid = options.minValid ?? PAIR_MIN_VALID;
  const px = inputs[0]?.before.width ?? 0;
  for (const c of inputs) {
    assertBackscatter(c.before, `chip ${c.key} before`);
    assertBackscatter(c.after, `chip ${c.key} after`);
    for (const img of [c.before, c.after])
      if (img.width !== px || img.height !== px)
        throw new InputError(
          `chip ${c.key} is ${img.width}×${img.height}; the scene's chips are ${px}×${px}`,
        );
  }
  const bands = commonPolarisations(inputs);
  const joint = inputs.map((c) => Uint8Array.from(c.before.mask, (v, i) => (v && c.after.mask[i] ? 1 : 0)));
  const n = px * px;
  const usable = inputs.map(
    (c, k) =>
      count(c.before.mask) / n >= minValid && count(c.after.mask) / n >= minValid && count(joint[k]!) > 0,
  );
  const used = inputs.filter((_, k) => usable[k]);
  let change: RadarChange | null = null;
  let layout: GridLayout = { col0: 0, rowTop: 0, cols: 0, rows: 0, px };
  if (used.length > 0 && bands.includes('vv')) {
    layout = gridLayout(used, px);
    // One look of the scene: the usable chips' planes at their grid places, the rest invalid.
    const look = (pick: (c: RadarPairChipInput) => ImageValue) =>
      mosaicImage(
        used.map((c) => ({ col: c.col, row: c.row, image: pick(c) })),
        layout,
        bands,
        { crs: null, bounds: null, scale: 'backscatter' },
      );
    change = radarChange(
      look((c) => c.before),
      look((c) => c.after),
      options.radar,
    );
  }
  const width = layout.cols * px;
  let pixels = 0;
  const chips = inputs.map((c, k): PairChipDetection => {
    const m = joint[k]!;
    const validFraction = count(m) / n;
    if (!usable[k] || !change) return unusableChip(c.key, validFraction);
    const origin = cellOrigin(layout, c.col, c.row);
    const codes = new Uint8Array(n);
    const drops: number[] = [];
    const residuals: number[] = [];
    const bvv = band(c.before, 'vv')!;
    const avv = band(c.after, 'vv')!;
    let valid = 0;
    let water = 0;
    let loss = 0;
    for (let y = 0; y < px; y++)
      for (let x = 0; x < px; x++) {
        const i = y * px + x;
        if (!m[i]) {
          codes[i] = MASK_INVALID;
          continue;
        }
        valid++;
        drops.push(bvv[i]! - avv[i]!);
        const j = origin + y * width + x;
        residuals.push(bvv[i]! - change.filteredBaselineVv[j]!);
        if (change.newWater[j] === 1) {
          codes[i] = MASK_WATER;
          water++;
        } else if (change.vegetationLoss[j] === 1) {
          codes[i] = MASK_VEGETATION_LOSS;
          loss++;
        } else codes[i] = MASK_UNCHANGED;
      }
    pixels += valid;
    const waterFraction = valid ? water / valid : 0;
    const lossFraction = valid ? loss / valid : 0;
    const vvDrop = quantile(Float32Array.from(drops), CHIP_QUANTILE);
    const speckle = robustSpread(residuals);
    const evidence: PairEvidence = {
      change: Number.isFinite(vvDrop) ? vvDrop : 0,
      changedFraction: valid ? (water + loss) / valid : 0,
      waterFraction,
      lossFraction,
      sensor: 'radar',
      vvDropDb: Number.isFinite(vvDrop) ? vvDrop : 0,
      beforeLooks: c.beforeLooks ?? 1,
      beforeSpeckleDb: Math.round(speckle * 1000) / 1000,
    };
    const sWater = strength(waterFraction, RADAR_CHIP_SHARE);
    const sLoss = strength(lossFraction, RADAR_CHIP_SHARE);
    const st = {
      ...emptyStrengths(),
      water: sWater,
      vegetation: sLoss,
      drift: driftStrength(c.driftZ ?? null),
      prompt: Math.max(
        0,
        ...Object.entries(c.promptDeltas ?? {})
          .filter(([p]) => p in CHANGE_PROMPTS)
          .map(([, d]) => strength(d, SIGNAL_THRESHOLDS.promptDelta)),
      ),
    };
    // An assessment of a named event is scored by its own evidence: a flood by new water; radar sees no char.
    const own = options.event ? eventStrength(st, options.event) : Math.max(sWater, sLoss);
    const w = PAIR_CORROBORATION_WEIGHT;
    const score = own < threshold ? own : 1 - (1 - own) * (1 - w * st.drift) * (1 - w * st.prompt);
    const signals: SignalName[] = [];
    if (own >= 0.5) signals.push('radar');
    if (st.drift >= 0.5) signals.push('drift');
    if (st.prompt >= 0.5) signals.push('prompt');
    const out: PairChipDetection = {
      key: c.key,
      usable: true,
      validFraction,
      score,
      kind: sWater >= 0.5 ? 'flood' : sLoss >= 0.5 ? 'vegetation-loss' : 'change',
      confidence: confidenceOf(score, signals, threshold),
      signals,
      strengths: st,
      evidence,
    };
    if (keepsMask(options, c.key)) out.mask = codes;
    return out;
  });
  return {
    chips,
    scene: {
      bands,
      thresholdDb: change?.thresholdDb ?? null,
      excluded: change?.excluded ?? null,
      pixels,
    },
  };
}
