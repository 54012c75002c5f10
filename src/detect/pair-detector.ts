/**
 * The pair detector: one scene seen at two dates, cut into chips, scored chip by chip. It is the one
 * scoring core of every two-image comparison — `compare`, `eval` and post-event assessment — pure: image
 * values in, per-pixel and per-chip evidence out.
 *
 * Change (any kind). Per band, the after image is related to the before image by a relative radiometric
 * normalisation fitted on the scene's pseudo-invariant pixels (radiometric.ts; pixels showing new
 * water are left out of the fit, so a flood that covers much of a scene does not bend it); each pixel's
 * residual divided by the band's robust spread is z_b — a robust change-vector magnitude — and
 * Q = Σ_b z_b² over the B bands would be χ²(B) where nothing changed if the bands were independent.
 * Spatial context enters at two scales: the pixel statistic is S = ½[ln(1 + Q/B) + ln(1 + Q̄/B)], with Q̄
 * the mean of Q over the 5 × 5 window (CONTEXT_RADIUS) around the pixel, so an isolated noisy pixel counts
 * half and a coherent patch counts fully.
 *
 * The scene's parameters (the relations, the pixel threshold) are fitted from a bounded sample of its
 * usable chips (PairSceneSampler: whole chips ranked by a hash of their key, PAIR_SAMPLE_PIXELS pixels at
 * most), so that a scene of any size is scored batch by batch with bounded memory (scorePairChip, then
 * finishPairScene); a scene within the cap, as every development pair is, is fitted from all its pixels.
 *
 * Thresholds come from each scene's own distribution, never from constants fitted to some scenes:
 * - pixel threshold: Otsu's threshold of S over the sample's pixels, never below the floor, the value of S
 *   where Q and Q̄ sit at the χ²(B) quantile 1 − PIXEL_FALSE_ALARM (a scene without change, whose S is
 *   unimodal, then keeps at most 0.1 % false alarms per pixel under the independent-band model; real
 *   residuals have heavier tails, so the floor is a lower bound and Otsu usually decides). Pixels beyond
 *   it are the chip's changed pixels (changedFraction, the per-pixel mask, whose values name each pixel's
 *   kind of change as mask-codes.ts says).
 * - chip statistic: the 95th percentile of S over the chip's valid pixels (CHIP_QUANTILE), which passes
 *   the pixel threshold exactly when 5 % of the chip lies beyond it — the share from which evaluation
 *   counts a chip as changed.
 * - chip threshold: Otsu's threshold of the chip statistics over the scene's chips, never below the pixel
 *   threshold. Scattered noisy pixels that pass the pixel threshold in every chip of a scene thus do not
 *   make every chip an alert; the scene's changed chips have to stand out from its unchanged ones.
 * The change strength is 1 − 2^(−statistic / chip threshold): 0.5 at the threshold on every scene,
 * whatever its radiometry, so the default alert threshold means the same split on every scene.
 *
 * Kinds of change, each only where the physics says so (per pixel, then the chip's 95th percentile):
 * - new water (flood): the rise of MNDWI (NDWI without swir16) plus half the log drop of infrared
 *   brightness, both measured from the before image in the after image's radiometry (normalisedBefore:
 *   each band through the scene's relation), weighted by how water-like the after pixel is
 *   (afterWaterLikeness). A pixel that was already fully water-like in the before image as it is (near
 *   infrared at most a little above green, dark in the visible: a river, a lake, a turbid channel,
 *   whatever its water index under winter haze) is permanent water and never new water; the relations
 *   are fitted on land and are not asked about water. With reflectance and swir16 the after pixel must
 *   also have MNDWI > 0 (Xu 2006), which dark roofs, asphalt and shadows do not. Strength 0.5 at
 *   SIGNAL_THRESHOLDS.waterGain.
 * - burn: dNBR where the after pixel has a post-fire spectrum (NBR < 0: shortwave infrared above near
 *   infrared, and dark: red below BURN_MAX_RED reflectance, which bare soil and roofs exceed). Strength 0.5
 *   at moderate-low severity (dNBR 0.27).
 * - construction: the rise of NDBI where the after pixel is not vegetated (NDVI < BUILT_MAX_NDVI); 0.5 at
 *   BUILT_GAIN.
 * - vegetation loss: the drop of NDVI; 0.5 at SIGNAL_THRESHOLDS.ndviLoss.
 * Water and burn evidence alert on their own (a flood can cover most of a scene, which a scene-relative
 * threshold cannot see); construction and vegetation loss only name the kind of a chip that changed, since
 * two images cannot tell them from a season.
 *
 * Score: e = max(s_change, s_water, s_burn), or, when the comparison is about a named event (options
 * `event`, domain.ts EVENT_KINDS), that event's own evidence alone (s_water for a flood, s_burn for a fire):
 * the labels of a flood map, and the user of a flood assessment, count a harvest or a new building as no
 * flood, so generic change neither ranks nor alerts there; where the bands cannot show the event's evidence
 * (no NBR for a burn, no water index for a flood, as in RGB imagery) any change scores. Below the alert threshold the score is e itself, else
 * 1 − (1 − e)·(1 − w·s_drift)·(1 − w·s_prompt), w = PAIR_CORROBORATION_WEIGHT: embedding drift and prompt
 * deltas, when given, corroborate (confidence) and raise the score of a chip whose own evidence alerts, but
 * never lift a chip over the threshold (as in monitoring, weak signals do not add up to an alert).
 * Confidence counts the signals at 0.5 or more (detect-chip.ts confidenceOf): change, spectral (water or
 * burn evidence; construction and vegetation loss name a kind and corroborate nothing, for the reason
 * above), drift and prompt.
 *
 * A chip with under PAIR_MIN_VALID clear pixels in either image (valid, and not under a cloud the bands
 * show, cloud-mask.ts) is not scored; the clouds of an image without a cloud mask of its own are left out
 * that way.
 */
import { band, type ImageValue } from '../imagery/image.ts';
import { BoundedSample } from './bounded-sample.ts';
import { chiSquareQuantile } from './chi-square.ts';
import { reflectanceFactor } from '../spectral/cover.ts';
import { CHANGE_PROMPTS, DEFAULT_ALERT_THRESHOLD, DRIFT_SIGMA_FLOOR, confidenceOf } from './detect-chip.ts';
import type { ChangeKind, Confidence, SignalName } from './detect-types.ts';
import type { EventKind } from '../domain.ts';
import { indexPlane } from '../spectral/indices.ts';
import { otsuThreshold } from './otsu.ts';
import {
  burnCode,
  MASK_BUILT,
  MASK_CHANGED,
  MASK_INVALID,
  MASK_UNCHANGED,
  MASK_VEGETATION_LOSS,
  MASK_WATER,
} from './mask-codes.ts';
import { afterWaterLikeness, IR_OFFSET, NOISE_FLOOR } from './pixel-change.ts';
import { clearMask } from './cloud-mask.ts';
import { windowMean } from './window-mean.ts';
import { fitBandRelation, type BandRelation } from './radiometric.ts';
import { median, quantile } from '../spectral/robust.ts';
import {
  DNBR_BREAKS,
  SIGNAL_THRESHOLDS,
  dnbrClass,
  driftStrength,
  strength,
  type DnbrClass,
} from './signals.ts';

/** Per-pixel false-alarm rate under the χ² no-change model below which the scene threshold never goes. */
export const PIXEL_FALSE_ALARM = 0.001;
/** Radius of the context window of Q̄ (2 → 5 × 5 pixels). */
export const CONTEXT_RADIUS = 2;
/** Quantile of a chip's pixel statistics that summarises it (5 % of the chip beyond → strength 0.5). */
export const CHIP_QUANTILE = 0.95;
/** Minimum valid share of a chip in both images for it to be scored. */
export const PAIR_MIN_VALID = 0.5;
/** Weight of drift and prompt strengths in the score: they corroborate, they only nudge. */
export const PAIR_CORROBORATION_WEIGHT = 0.1;
/** Red reflectance above which an after pixel is too bright to be char (bare soil, roofs, dry grass). */
export const BURN_MAX_RED = 0.1;
/** NDVI at or above which an after pixel is vegetated, so not new built-up surface. */
export const BUILT_MAX_NDVI = 0.3;
/** NDBI rise at which construction evidence reaches strength 0.5 (vegetation or soil to roof or paving). */
export const BUILT_GAIN = 0.2;
/**
 * NDVI below which a pixel that was vegetated counts as newly sealed (roofs, asphalt, concrete: NDVI ≈ 0–0.1);
 * bare soil after a harvest or ploughing stays above it (≈ 0.1–0.3), so a field laid bare is not construction.
 */
export const SEALED_MAX_NDVI = 0.1;

/** One chip of a scene at two dates. */
export interface PairChipInput {
  /** The chip's key (a grid key, or `x,y` of a pixel window). */
  key: string;
  /** The chip before. */
  before: ImageValue;
  /** The chip after, on the same pixels and with the same bands as before. */
  after: ImageValue;
  /** Embedding drift z-score against the scene, when an embedder ran. */
  driftZ?: number | null;
  /** Prompt → after − before probability, when an embedder ran. */
  promptDeltas?: Record<string, number>;
}

/** Options of detectPairScene. */
export interface PairDetectorOptions {
  /** Alert threshold on the score (default DEFAULT_ALERT_THRESHOLD). */
  threshold?: number;
  /** Minimum valid share of a chip in both images (default PAIR_MIN_VALID). */
  minValid?: number;
  /**
   * Keep each chip's per-pixel change mask with the kind of each changed pixel (default false), or, as a
   * function of the chip's key, only the masks of the chips it names (the rest are not kept at all).
   */
  keepMasks?: boolean | ((key: string) => boolean);
  /** The event the comparison is about: its evidence alone scores the chips (default: any change). */
  event?: EventKind;
  /** Pixels of usable chips the scene is fitted from at most (default PAIR_SAMPLE_PIXELS). */
  sampleCap?: number;
}

/** Per-chip evidence (statistics over the chip's valid pixels). */
export interface PairEvidence {
  /** 95th percentile of the change statistic S. */
  change: number;
  /** Share of valid pixels beyond the scene's pixel threshold. */
  changedFraction: number;
  /** 95th percentile of new-water evidence, where the bands exist. */
  waterGain?: number;
  /** Share of valid pixels whose new-water evidence reaches its threshold. */
  waterFraction?: number;
  /** Share of valid pixels of radar vegetation loss (forest backscatter drop), radar only. */
  lossFraction?: number;
  /** 95th percentile of dNBR over post-fire pixels, where the bands exist. */
  dnbr?: number;
  /** USGS class of dnbr. */
  dnbrClass?: DnbrClass;
  /** Share of valid pixels with post-fire dNBR of low severity or worse. */
  burnFraction?: number;
  /** 95th percentile of NDVI loss, where the bands exist. */
  ndviLoss?: number;
  /** 95th percentile of NDBI gain over non-vegetated after pixels, where the bands exist. */
  builtGain?: number;
  /** The sensor whose looks were compared, when radar (radar-pair.ts); absent for optical. */
  sensor?: 'radar';
  /** 95th percentile of the VV backscatter drop (before − after, dB), radar only. */
  vvDropDb?: number;
  /** Radar looks composited into the before image (1: a single look), radar only. */
  beforeLooks?: number;
  /**
   * Speckle of the before image, radar only: the robust spread (1.4826 × median absolute deviation) of
   * its VV about its speckle-filtered VV over the chip's valid pixels, in dB. A composite of n looks
   * carries about 1/√n of one look's.
   */
  beforeSpeckleDb?: number;
}

/** Strength in [0, 1) of each line of evidence (0.5 at its threshold). */
export interface PairStrengths {
  change: number;
  water: number;
  burn: number;
  construction: number;
  vegetation: number;
  drift: number;
  prompt: number;
}

export {
  MASK_BUILT,
  MASK_BURN_LOW,
  MASK_CHANGED,
  MASK_INVALID,
  MASK_UNCHANGED,
  MASK_VEGETATION_LOSS,
  MASK_WATER,
} from './mask-codes.ts';

/** One chip's detection. */
export interface PairChipDetection {
  /** The chip's key. */
  key: string;
  /** Whether both images had at least minValid valid pixels. */
  usable: boolean;
  /** Share of pixels valid in both images. */
  validFraction: number;
  /** Score in [0, 1]; the chip alerts at threshold. */
  score: number;
  /** Kind of change. */
  kind: ChangeKind;
  /** null below threshold. */
  confidence: Confidence | null;
  /** Lines of evidence that reached strength 0.5. */
  signals: SignalName[];
  /** Strengths. */
  strengths: PairStrengths;
  /** Evidence; empty when not usable. */
  evidence: PairEvidence | Record<string, never>;
  /** Per-pixel change mask, row 0 north, one value per pixel (mask-codes.ts), with keepMasks. */
  mask?: Uint8Array;
}

/** What the scene's statistics were. */
export interface PairSceneStats {
  /** Bands compared. */
  bands: string[];
  /** Per band: the radiometric relation after ≈ offset + gain·before, fitted on the scene's sample. */
  relations: Record<string, BandRelation>;
  /** Otsu's threshold of S over the sample's pixels (NaN when S has a single value). */
  otsu: number;
  /** S where Q and Q̄ sit at the χ²(B) quantile 1 − PIXEL_FALSE_ALARM. */
  floor: number;
  /** The pixel threshold used: max(otsu, floor). */
  pixelThreshold: number;
  /** Otsu's threshold of the chips' statistics (NaN with fewer than two distinct values). */
  chipOtsu: number;
  /** The chip threshold used: max(chipOtsu, pixelThreshold). */
  chipThreshold: number;
  /** Valid pixels in the scene's usable chips. */
  pixels: number;
  /** Valid pixels of the chips the scene was fitted from (PairSceneSampler; `pixels` within the cap). */
  samplePixels: number;
  /** Chips the scene was fitted from. */
  sampleChips: number;
}

/** The detection of a scene. */
export interface PairSceneDetection {
  /** Per chip, in input order. */
  chips: PairChipDetection[];
  /** Scene statistics. */
  scene: PairSceneStats;
}

/** Whether the detector keeps the per-pixel mask of the chip `key` (PairDetectorOptions.keepMasks). */
export function keepsMask(options: Pick<PairDetectorOptions, 'keepMasks'>, key: string): boolean {
  const keep = options.keepMasks;
  return typeof keep === 'function' ? keep(key) : keep === true;
}

/**
 * Drift z-scores against the scene: (drift − median) / max(1.4826·MAD, DRIFT_SIGMA_FLOOR) over the finite
 * drifts, since most of a scene does not change; null where a drift is not finite.
 */
export function sceneDriftZ(drifts: readonly number[]): (number | null)[] {
  const finite = drifts.filter(Number.isFinite);
  const centre = median(finite);
  const spread = Math.max(1.4826 * median(finite.map((d) => Math.abs(d - centre))), DRIFT_SIGMA_FLOOR);
  return drifts.map((d) => (Number.isFinite(d) ? (d - centre) / spread : null));
}

/** Share of mask bytes that are 1. */
function share(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] ? 1 : 0;
  return mask.length ? n / mask.length : 0;
}

/** The chip's CHIP_QUANTILE of a map (undefined when absent or without finite values). */
function chipQuantile(map: Float32Array | undefined): number | undefined {
  if (!map) return undefined;
  const q = quantile(map, CHIP_QUANTILE);
  return Number.isFinite(q) ? q : undefined;
}

/** Share of finite values of map at or above t, over `valid` pixels. */
function shareAtLeast(map: Float32Array, t: number, valid: number): number {
  let n = 0;
  for (let i = 0; i < map.length; i++) if (map[i]! >= t) n++;
  return valid ? n / valid : 0;
}

/**
 * Per-pixel new-water evidence of a chip (see the module comment), or undefined without the bands. The rise
 * and the drop are measured from `reference` (the before image in the after image's radiometry,
 * normalisedBefore; default the before image itself); whether a pixel was water already is asked of the
 * before image as it is, since the scene's relations are fitted on land and do not hold for water.
 */
export function newWater(
  before: ImageValue,
  after: ImageValue,
  mask: Uint8Array,
  reference: ImageValue = before,
): Float32Array | undefined {
  const swir = band(before, 'swir16') !== undefined;
  const wb = indexPlane(reference, swir ? 'mndwi' : 'ndwi');
  const wa = indexPlane(after, swir ? 'mndwi' : 'ndwi');
  const likeAfter = afterWaterLikeness(after, mask);
  const likeBefore = afterWaterLikeness(before, mask);
  if (!wb || !wa || !likeAfter || !likeBefore) return undefined;
  const k = reflectanceFactor(before);
  const ir = ['swir16', 'nir']
    .map((nm) => [band(reference, nm), band(after, nm)] as const)
    .filter((p): p is readonly [Float32Array, Float32Array] => p[0] !== undefined && p[1] !== undefined);
  const c = (IR_OFFSET / k) * ir.length;
  // MNDWI > 0 (Xu 2006) with reflectance and swir16; NDWI > 0 (McFeeters 1996) without swir16.
  const needPositive = !swir || before.scale === 'reflectance';
  return Float32Array.from(wa, (a, i) => {
    if (!mask[i]) return Number.NaN;
    if (needPositive && !(a > 0)) return 0;
    let sb = c;
    let sa = c;
    for (const [pb, pa] of ir) {
      sb += pb[i]!;
      sa += pa[i]!;
    }
    const rise = Number.isFinite(a - wb[i]!) ? Math.max(0, a - wb[i]!) : 0;
    const drop = Math.max(0, Math.log(sb / sa));
    if (likeBefore[i]! >= 1) return 0; // permanent water
    return (rise + 0.5 * drop) * likeAfter[i]!;
  });
}

/**
 * The before image in the after image's radiometry: each compared band mapped through the scene's relation
 * (offset + gain·before), the others as they are. New water's rise and drop are measured from it, so
 * that a scene-wide difference of illumination, haze or display stretch between the dates is not read as
 * water appearing.
 */
export function normalisedBefore(
  before: ImageValue,
  relations: Readonly<Record<string, BandRelation>>,
): ImageValue {
  return {
    ...before,
    data: before.bands.map((name, i) => {
      const r = relations[name];
      const plane = before.data[i]!;
      return r ? Float32Array.from(plane, (v) => r.offset + r.gain * v) : plane;
    }),
  };
}

/** Per-pixel post-fire dNBR (0 where the after pixel has no post-fire spectrum), or undefined. */
function postFireDnbr(before: ImageValue, after: ImageValue, mask: Uint8Array): Float32Array | undefined {
  const nb = indexPlane(before, 'nbr');
  const na = indexPlane(after, 'nbr');
  if (!nb || !na) return undefined;
  const red = band(after, 'red');
  const k = reflectanceFactor(after);
  return Float32Array.from(na, (a, i) => {
    if (!mask[i]) return Number.NaN;
    const charred = a < 0 && (!red || red[i]! * k < BURN_MAX_RED);
    const d = nb[i]! - a;
    return charred && Number.isFinite(d) ? Math.max(0, d) : 0;
  });
}

/** Per-pixel NDVI loss, or undefined. */
function ndviLoss(before: ImageValue, after: ImageValue, mask: Uint8Array): Float32Array | undefined {
  const b = indexPlane(before, 'ndvi');
  const a = indexPlane(after, 'ndvi');
  if (!b || !a) return undefined;
  return Float32Array.from(a, (v, i) => (mask[i] ? b[i]! - v : Number.NaN));
}

/** Per-pixel NDBI gain over non-vegetated after pixels, or undefined. */
function builtGain(before: ImageValue, after: ImageValue, mask: Uint8Array): Float32Array | undefined {
  const b = indexPlane(before, 'ndbi');
  const a = indexPlane(after, 'ndbi');
  const vegAfter = indexPlane(after, 'ndvi');
  const vegBefore = indexPlane(before, 'ndvi');
  if (!b || !a || !vegAfter || !vegBefore) return undefined;
  return Float32Array.from(a, (v, i) => {
    if (!mask[i]) return Number.NaN;
    const now = vegAfter[i]!;
    const built = now < BUILT_MAX_NDVI && (vegBefore[i]! < BUILT_MAX_NDVI || now < SEALED_MAX_NDVI);
    return built && Number.isFinite(v - b[i]!) ? Math.max(0, v - b[i]!) : 0;
  });
}

/** The strength that scores a chip: its event's evidence, or the strongest of change, water and burn. */
export function eventStrength(st: PairStrengths, event: EventKind | undefined): number {
  if (event === 'flood') return st.water;
  if (event === 'burn') return st.burn;
  return Math.max(st.change, st.water, st.burn);
}

/** The detection of a chip that is not scored (too little valid in either image): no score, no alert. */
export function unusableChip(key: string, validFraction: number): PairChipDetection {
  return {
    key,
    usable: false,
    validFraction,
    score: 0,
    kind: 'change',
    confidence: null,
    signals: [],
    strengths: emptyStrengths(),
    evidence: {},
  };
}

/** Every strength 0 (a chip that was not scored). */
export function emptyStrengths(): PairStrengths {
  return { change: 0, water: 0, burn: 0, construction: 0, vegetation: 0, drift: 0, prompt: 0 };
}

function checkInput(c: PairChipInput): void {
  const { before: b, after: a } = c;
  if (b.width !== a.width || b.height !== a.height) {
    throw new RangeError(`chip ${c.key}: before is ${b.width}×${b.height}, after ${a.width}×${a.height}`);
  }
}

/** Each image's clear pixels (valid and not cloud, cloud-mask.ts) and the pixels clear in both. */
interface ChipMasks {
  before: Uint8Array;
  after: Uint8Array;
  joint: Uint8Array;
}

/** The masks of a chip: what each image shows, and where both do. */
function chipMasks(c: PairChipInput): ChipMasks {
  const before = clearMask(c.before);
  const after = clearMask(c.after);
  const joint = Uint8Array.from(before, (v, i) => (v && after[i] ? 1 : 0));
  return { before, after, joint };
}

/** Whether a chip is scored: at least minValid of each image clear, and some pixel clear in both. */
function isUsable(m: ChipMasks, minValid: number): boolean {
  return share(m.before) >= minValid && share(m.after) >= minValid && share(m.joint) > 0;
}

/** The pixel statistic S of a usable chip under the scene's relations (NaN where not valid). */
function pixelStatistic(
  c: PairChipInput,
  m: Uint8Array,
  bands: readonly string[],
  relations: Readonly<Record<string, BandRelation>>,
): Float32Array {
  const B = bands.length;
  const n = m.length;
  const q = new Float32Array(n);
  for (const name of bands) {
    const { offset, gain, sigma } = relations[name]!;
    const pb = band(c.before, name)!;
    const pa = band(c.after, name)!;
    for (let p = 0; p < n; p++) q[p]! += ((pa[p]! - offset - gain * pb[p]!) / sigma) ** 2;
  }
  for (let p = 0; p < n; p++) if (!m[p] || !Number.isFinite(q[p]!)) q[p] = Number.NaN;
  const qBar = windowMean(q, c.before.width, c.before.height, CONTEXT_RADIUS);
  return Float32Array.from(q, (v, p) => 0.5 * (Math.log1p(v / B) + Math.log1p(qBar[p]! / B)));
}

/** Finite values of a map. */
function finiteCount(map: Float32Array): number {
  let n = 0;
  for (let p = 0; p < map.length; p++) if (Number.isFinite(map[p]!)) n++;
  return n;
}

/**
 * Pixels of usable chips from which a scene is fitted at most (PairSceneSampler): 2^21. That is above
 * every development scene (the largest, OSCD Rennes, has 563 × 339 = 190,857 pixels) and every city of
 * the OSCD kind (the largest are near 1.3 M pixels), so such pairs are fitted from all their pixels, as
 * they were evaluated; a larger scene's medians and Otsu cut come from a sample of this many pixels
 * (2,048 chips of 32 px, 32 of 256 px; both looks' bands of the sample ≈ 100 MiB at six bands).
 */
export const PAIR_SAMPLE_PIXELS = 2 ** 21;

/**
 * A scene's parameters (PairSceneSampler.fit): everything scoring one of its chips needs besides the chip,
 * apart from the chip threshold, which comes from every chip's statistic (finishPairScene).
 */
export interface PairSceneFit {
  /** Bands compared: those both images of every chip of the scene have, in the first chip's order. */
  bands: string[];
  /** Per band: the radiometric relation after ≈ offset + gain·before, fitted on the sample. */
  relations: Record<string, BandRelation>;
  /** Otsu's threshold of S over the sample's pixels (NaN when S has a single value). */
  otsu: number;
  /** S where Q and Q̄ sit at the χ²(B) quantile 1 − PIXEL_FALSE_ALARM. */
  floor: number;
  /** The pixel threshold used: max(otsu, floor). */
  pixelThreshold: number;
  /** Valid pixels of the sample's chips (all the scene's usable pixels when it is within the cap). */
  samplePixels: number;
  /** Chips in the sample. */
  sampleChips: number;
}

/**
 * Gathers a scene chip by chip for its fit, holding a bounded sample of it, so that a scene of any size is
 * scored with no more than the sample and one batch of chips in memory: the bands every chip has, and the
 * usable chips of a BoundedSample (whole chips, ranked by a hash of their key, at most `sampleCap` pixels;
 * whole chips, since S looks at each pixel's neighbours). A scene whose usable chips hold at most
 * `sampleCap` pixels is fitted from all of them; a larger one from the same sample, with the same fit,
 * whatever the order its chips come in.
 */
export class PairSceneSampler {
  private readonly sample: BoundedSample<{ input: PairChipInput; mask: Uint8Array }>;
  private readonly minValid: number;
  private bands: string[] | undefined;
  private noiseFloor = Number.NaN;

  constructor(options: PairDetectorOptions = {}) {
    this.minValid = options.minValid ?? PAIR_MIN_VALID;
    this.sample = new BoundedSample(options.sampleCap ?? PAIR_SAMPLE_PIXELS);
  }

  /** Adds a chip of the scene; returns whether it is usable (one that is not is never scored). */
  add(c: PairChipInput): boolean {
    checkInput(c);
    if (this.bands === undefined) {
      this.bands = [...c.before.bands];
      this.noiseFloor = NOISE_FLOOR / reflectanceFactor(c.before);
    }
    this.bands = this.bands.filter((b) => c.before.bands.includes(b) && c.after.bands.includes(b));
    const masks = chipMasks(c);
    const mask = masks.joint;
    const usable = isUsable(masks, this.minValid);
    if (usable) this.sample.offer(c.key, mask.length, { input: c, mask });
    return usable;
  }

  /** Whether every usable chip added is in the sample (the scene is within the cap). */
  get complete(): boolean {
    return this.sample.leftOut === 0;
  }

  /** The usable chips of the sample, in the order they were added. */
  chips(): PairChipInput[] {
    return this.sample.items().map((s) => s.input);
  }

  /**
   * The scene's fit: relations on the sample's pseudo-invariant pixels, then Otsu of S over its pixels. A
   * complete sample is taken in the order its chips came (the fit of one call over the whole scene), one
   * that left chips out in rank order, so that its sums do not depend on the order of the scene's chips.
   */
  fit(): PairSceneFit {
    const sample = this.complete ? this.sample.items() : this.sample.ranked();
    const bands = this.bands ?? [];
    const B = bands.length;
    const relations: Record<string, BandRelation> = {};
    const total = sample.reduce((s, c) => s + c.mask.length, 0);
    const joint = new Uint8Array(total);
    {
      let o = 0;
      for (const { input: c, mask } of sample) {
        const w = newWater(c.before, c.after, mask);
        const fit = w
          ? Uint8Array.from(mask, (v, p) => (v && !(w[p]! >= SIGNAL_THRESHOLDS.waterGain) ? 1 : 0))
          : mask;
        joint.set(fit, o);
        o += mask.length;
      }
    }
    // One pair of sample-long planes, refilled band after band (the fit keeps none of them).
    const x = new Float32Array(total);
    const y = new Float32Array(total);
    for (const name of bands) {
      let o = 0;
      for (const { input: c, mask } of sample) {
        x.set(band(c.before, name)!, o);
        y.set(band(c.after, name)!, o);
        o += mask.length;
      }
      relations[name] = fitBandRelation(x, y, joint, this.noiseFloor);
    }
    const stats = B > 0 ? sample.map((s) => pixelStatistic(s.input, s.mask, bands, relations)) : [];
    const floor = B > 0 ? Math.log1p(chiSquareQuantile(1 - PIXEL_FALSE_ALARM, B) / B) : Number.NaN;
    const samplePixels = stats.reduce((n, s) => n + finiteCount(s), 0);
    const all = new Float32Array(samplePixels);
    {
      let o = 0;
      for (const s of stats) for (let p = 0; p < s.length; p++) if (Number.isFinite(s[p]!)) all[o++] = s[p]!;
    }
    const otsu = otsuThreshold(all);
    const pixelThreshold = Number.isFinite(otsu) ? Math.max(otsu, floor) : floor;
    return { bands, relations, otsu, floor, pixelThreshold, samplePixels, sampleChips: sample.length };
  }
}

/** A chip scored with its scene's fit, before the chip threshold is known (finishPairScene completes it). */
export interface PairChipScore {
  /** The chip's key. */
  key: string;
  /** Share of pixels valid in both images. */
  validFraction: number;
  /** The chip statistic (CHIP_QUANTILE of S); NaN when not scored or without a finite S. */
  statistic: number;
  /** Valid pixels of the chip with a finite S (0 when not scored). */
  pixels: number;
  /** What the chip threshold does not change, or null when the chip is not scored. */
  scored: {
    /** The chip's evidence. */
    evidence: PairEvidence;
    /** Its strengths; `change` is set by finishPairScene. */
    strengths: PairStrengths;
    /** The event whose evidence alone scores the chip (the option's, where the bands show it). */
    event: 'flood' | 'burn' | undefined;
    /** Per-pixel mask, with keepMasks. */
    mask?: Uint8Array;
  } | null;
}

/** The score of a chip that is not scored. */
function unscored(key: string, validFraction: number): PairChipScore {
  return { key, validFraction, statistic: Number.NaN, pixels: 0, scored: null };
}

/** The score of a chip that is not usable (PairSceneSampler.add said so): no fit needed. */
export function unusablePairChip(c: PairChipInput): PairChipScore {
  return unscored(c.key, share(chipMasks(c).joint));
}

/** Scores one chip with its scene's fit (see the module comment), all but what the chip threshold decides. */
export function scorePairChip(
  c: PairChipInput,
  fit: PairSceneFit,
  options: PairDetectorOptions = {},
): PairChipScore {
  checkInput(c);
  const masks = chipMasks(c);
  const m = masks.joint;
  const validFraction = share(m);
  const { bands, pixelThreshold } = fit;
  if (!isUsable(masks, options.minValid ?? PAIR_MIN_VALID) || bands.length === 0) {
    return unscored(c.key, validFraction);
  }
  const s = pixelStatistic(c, m, bands, fit.relations);
  const valid = m.reduce((n, v) => n + v, 0);
  const statistic = chipQuantile(s);
  const change = statistic ?? 0;
  const evidence: PairEvidence = {
    change,
    changedFraction: shareAtLeast(s, pixelThreshold + 1e-12, valid),
  };
  const water = newWater(c.before, c.after, m, normalisedBefore(c.before, fit.relations));
  const burn = postFireDnbr(c.before, c.after, m);
  const veg = ndviLoss(c.before, c.after, m);
  const built = builtGain(c.before, c.after, m);
  if (water) {
    evidence.waterGain = chipQuantile(water) ?? 0;
    evidence.waterFraction = shareAtLeast(water, SIGNAL_THRESHOLDS.waterGain, valid);
  }
  if (burn) {
    evidence.dnbr = chipQuantile(burn) ?? 0;
    evidence.dnbrClass = dnbrClass(evidence.dnbr);
    evidence.burnFraction = shareAtLeast(burn, DNBR_BREAKS[0], valid);
  }
  if (veg) evidence.ndviLoss = chipQuantile(veg) ?? 0;
  if (built) evidence.builtGain = chipQuantile(built) ?? 0;
  const strengths: PairStrengths = {
    change: 0,
    water: strength(evidence.waterGain, SIGNAL_THRESHOLDS.waterGain),
    burn: strength(evidence.dnbr, SIGNAL_THRESHOLDS.dnbr),
    construction: strength(evidence.builtGain, BUILT_GAIN),
    vegetation: strength(evidence.ndviLoss, SIGNAL_THRESHOLDS.ndviLoss),
    drift: driftStrength(c.driftZ ?? null),
    prompt: Math.max(
      0,
      ...Object.entries(c.promptDeltas ?? {})
        .filter(([p]) => p in CHANGE_PROMPTS)
        .map(([, d]) => strength(d, SIGNAL_THRESHOLDS.promptDelta)),
    ),
  };
  // An event whose evidence these bands cannot show (a burn without NBR, a flood without a water
  // index: RGB imagery) scores any change, as without an event.
  const event =
    options.event === 'flood' && water ? 'flood' : options.event === 'burn' && burn ? 'burn' : undefined;
  const scored: NonNullable<PairChipScore['scored']> = { evidence, strengths, event };
  if (keepsMask(options, c.key)) {
    scored.mask = Uint8Array.from(s, (v, p) => {
      if (!m[p]) return MASK_INVALID;
      if (water && water[p]! >= SIGNAL_THRESHOLDS.waterGain) return MASK_WATER;
      if (burn && burn[p]! >= DNBR_BREAKS[0]) return burnCode(burn[p]!);
      if (!(v > pixelThreshold)) return MASK_UNCHANGED;
      if (built && built[p]! >= BUILT_GAIN) return MASK_BUILT;
      if (veg && veg[p]! >= SIGNAL_THRESHOLDS.ndviLoss) return MASK_VEGETATION_LOSS;
      return MASK_CHANGED;
    });
  }
  return { key: c.key, validFraction, statistic: statistic ?? Number.NaN, pixels: finiteCount(s), scored };
}

/** A chip's detection once the chip threshold is known. */
function finishChip(c: PairChipScore, chipThreshold: number, threshold: number): PairChipDetection {
  if (!c.scored) return unusableChip(c.key, c.validFraction);
  const { evidence, event } = c.scored;
  const change = evidence.change;
  const st: PairStrengths = {
    ...c.scored.strengths,
    change: change > 0 ? 1 - Math.pow(2, -change / chipThreshold) : 0,
  };
  const base = eventStrength(st, event);
  const w = PAIR_CORROBORATION_WEIGHT;
  // Corroboration raises the score of a chip that alerts on its own evidence, never lifts one over.
  const score = base < threshold ? base : 1 - (1 - base) * (1 - w * st.drift) * (1 - w * st.prompt);
  const signals: SignalName[] = [];
  if (st.change >= 0.5) signals.push('change');
  if (Math.max(st.water, st.burn) >= 0.5) signals.push('spectral');
  if (st.drift >= 0.5) signals.push('drift');
  if (st.prompt >= 0.5) signals.push('prompt');
  const kind: ChangeKind =
    event && base >= 0.5
      ? event
      : st.water >= 0.5
        ? 'flood'
        : st.burn >= 0.5
          ? 'burn'
          : st.construction >= 0.5
            ? 'construction'
            : st.vegetation >= 0.5
              ? 'vegetation-loss'
              : 'change';
  const out: PairChipDetection = {
    key: c.key,
    usable: true,
    validFraction: c.validFraction,
    score,
    kind,
    confidence: confidenceOf(score, signals, threshold),
    signals,
    strengths: st,
    evidence,
  };
  if (c.scored.mask) out.mask = c.scored.mask;
  return out;
}

/**
 * The scene's detection from its fit and every chip's score, in the order given: the chip threshold is
 * Otsu's of the chips' statistics (one number per chip, so the whole scene's), never below the pixel
 * threshold.
 */
export function finishPairScene(
  scores: readonly PairChipScore[],
  fit: PairSceneFit,
  options: PairDetectorOptions = {},
): PairSceneDetection {
  const threshold = options.threshold ?? DEFAULT_ALERT_THRESHOLD;
  const { bands, relations, otsu, floor, pixelThreshold, samplePixels, sampleChips } = fit;
  const chipOtsu = otsuThreshold(scores.map((c) => c.statistic));
  const chipThreshold = Number.isFinite(chipOtsu) ? Math.max(pixelThreshold, chipOtsu) : pixelThreshold;
  const chips = scores.map((c) => finishChip(c, chipThreshold, threshold));
  const pixels = scores.reduce((n, c) => n + c.pixels, 0);
  return {
    chips,
    scene: {
      bands,
      relations,
      otsu,
      floor,
      pixelThreshold,
      chipOtsu,
      chipThreshold,
      pixels,
      samplePixels,
      sampleChips,
    },
  };
}

/** Scores every chip of a scene seen at two dates (see the module comment), fitted from its sample. */
export function detectPairScene(
  inputs: readonly PairChipInput[],
  options: PairDetectorOptions = {},
): PairSceneDetection {
  const sampler = new PairSceneSampler(options);
  for (const c of inputs) sampler.add(c);
  const fit = sampler.fit();
  return finishPairScene(
    inputs.map((c) => scorePairChip(c, fit, options)),
    fit,
    options,
  );
}
