/**
 * Pair comparison: chips tile the image from its top-left corner in steps of `chip` pixels (partial edge
 * chips dropped). Per chip, with no history available, the signals are:
 * - drift: cosine distance between the before and after embeddings; driftZ normalises it by the scene
 *   (median and 1.4826·MAD of all chips' drifts, spread floored at DRIFT_SIGMA_FLOOR), since most of a
 *   scene does not change;
 * - prompt: after − before probability of the change prompts;
 * - spectral: pixel evidence (pixel-change.ts) summarised per chip by its 90th percentile over valid
 *   pixels, so a chip fires when about a tenth of it changed: radiometric change (0.5 at
 *   PAIR_CHANGE_SIGMA robust σ), water appearance (0.5 at SIGNAL_THRESHOLDS.waterGain), NDVI loss and
 *   dNBR (their SIGNAL_THRESHOLDS).
 * score = 1 − (1 − w·drift)(1 − w·prompt)(1 − spectral) with w = PAIR_CORROBORATION_WEIGHT (signals.ts
 * strengths); a signal still counts as fired (for confidence) when its own strength reaches 0.5.
 * A chip with under half its pixels valid in either image is not scored (score 0, usable false).
 */
import { InputError } from '../errors.ts';
import type { Embedder } from '../embed/embedder.ts';
import { SpectralEmbedder } from '../embed/spectral.ts';
import type { ImageValue } from '../imagery/image.ts';
import { renderRgb } from '../imagery/render.ts';
import { cropImage } from './crop.ts';
import {
  CHANGE_PROMPTS,
  DEFAULT_ALERT_THRESHOLD,
  DRIFT_SIGMA_FLOOR,
  confidenceOf,
  kindOf,
} from './detect-chip.ts';
import type { ChangeKind, Confidence, SignalName } from './detect-types.ts';
import { cosineDistance } from './baseline.ts';
import type { Pair } from './pair-reader.ts';
import { pixelChange } from './pixel-change.ts';
import { median, quantile } from './robust.ts';
import {
  SIGNAL_THRESHOLDS,
  combineStrengths,
  dnbrClass,
  driftStrength,
  strength,
  type SpectralEvidence,
} from './signals.ts';

/** Default chip size of pair comparison, in pixels. */
export const DEFAULT_PAIR_CHIP = 32;
/** Prompts scored before and after (the pipeline's default prompts). */
export const PAIR_PROMPTS = ['flooded area', 'burned area', 'vegetation loss', 'new buildings'] as const;
/** Radiometric change (90th percentile, robust σ) at which the change evidence reaches strength 0.5. */
export const PAIR_CHANGE_SIGMA = 2.5;
/**
 * Weight of drift and prompt strengths in a pair's score. Without history their only reference is the
 * rest of the scene, so they corroborate (confidence) but only nudge the score.
 */
export const PAIR_CORROBORATION_WEIGHT = 0.1;
/** Quantile of pixel evidence that summarises a chip. */
export const PAIR_EVIDENCE_QUANTILE = 0.9;
/** Minimum valid share of a chip in both images for it to be scored. */
export const PAIR_MIN_VALID = 0.5;

/** Options of comparePair. */
export interface CompareOptions {
  /** Chip size in pixels (default 32). */
  chip?: number;
  /** Embedder (default: a SpectralEmbedder). */
  embedder?: Embedder;
  /** Alert threshold on score (default DEFAULT_ALERT_THRESHOLD). */
  threshold?: number;
}

/** Pixel evidence of one chip (90th percentiles over its valid pixels). */
export interface PairEvidence extends SpectralEvidence {
  /** Radiometric change, robust σ. */
  change: number;
}

/** One chip of a compared pair. */
export interface PairChip {
  /** Left pixel column in the before image. */
  x: number;
  /** Top pixel row in the before image. */
  y: number;
  /** Chip size in pixels. */
  size: number;
  /** Whether both images have at least PAIR_MIN_VALID valid pixels here. */
  usable: boolean;
  /** Combined score in [0, 1]. */
  score: number;
  /** Cosine distance between before and after embeddings. */
  drift: number | null;
  /** Drift normalised by the scene's drifts. */
  driftZ: number | null;
  /** Per prompt: before and after probability and their difference. */
  prompts: Record<string, { before: number; after: number; delta: number }>;
  /** Pixel evidence. */
  evidence: PairEvidence | Record<string, never>;
  /** Signals that fired. */
  signals: SignalName[];
  /** Kind of change. */
  kind: ChangeKind;
  /** null below threshold. */
  confidence: Confidence | null;
}

/** Result of comparePair. */
export interface PairComparison {
  /** Embedder id. */
  model: string;
  /** Chip size. */
  size: number;
  /** Chips per row. */
  cols: number;
  /** Chip rows. */
  rows: number;
  /** Chips, row-major from the top-left. */
  chips: PairChip[];
}

function validShare(img: ImageValue): number {
  let n = 0;
  for (let i = 0; i < img.mask.length; i++) n += img.mask[i] ? 1 : 0;
  return n / img.mask.length;
}

function chipQuantile(
  map: Float32Array | undefined,
  w: number,
  x: number,
  y: number,
  size: number,
): number | undefined {
  if (!map) return undefined;
  const v = new Float32Array(size * size);
  for (let r = 0; r < size; r++) v.set(map.subarray((y + r) * w + x, (y + r) * w + x + size), r * size);
  const q = quantile(v, PAIR_EVIDENCE_QUANTILE);
  return Number.isFinite(q) ? q : undefined;
}

/** Compares the before and after images of a pair chip by chip. */
export async function comparePair(pair: Pair, options: CompareOptions = {}): Promise<PairComparison> {
  const size = options.chip ?? DEFAULT_PAIR_CHIP;
  const threshold = options.threshold ?? DEFAULT_ALERT_THRESHOLD;
  const { before, after } = pair;
  if (!Number.isInteger(size) || size < 2) throw new InputError(`chip size ${size} must be an integer ≥ 2`);
  if (
    before.width !== after.width ||
    before.height !== after.height ||
    before.bands.length !== after.bands.length
  ) {
    throw new InputError(
      `${pair.dir}: before (${before.width}×${before.height}, ${before.bands.length} bands) and after (${after.width}×${after.height}, ${after.bands.length} bands) differ`,
    );
  }
  const cols = Math.floor(before.width / size);
  const rows = Math.floor(before.height / size);
  if (cols === 0 || rows === 0) {
    throw new InputError(
      `${pair.dir}: image ${before.width}×${before.height} is smaller than one ${size}-pixel chip`,
    );
  }
  const embedder = options.embedder ?? new SpectralEmbedder();
  const maps = pixelChange(before, after);

  const cells: Array<{ x: number; y: number; usable: boolean; b: ImageValue; a: ImageValue }> = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = c * size;
      const y = r * size;
      const b = cropImage(before, x, y, size);
      const a = cropImage(after, x, y, size);
      cells.push({ x, y, b, a, usable: validShare(b) >= PAIR_MIN_VALID && validShare(a) >= PAIR_MIN_VALID });
    }
  }
  const usable = cells.filter((c) => c.usable);
  const inputs = (which: 'b' | 'a') =>
    usable.map((c) => ({
      id: `${pair.id}@${c.x},${c.y}/${which === 'b' ? 'before' : 'after'}`,
      image: c[which],
      rgb: renderRgb(c[which]),
    }));
  const vb = await embedder.embedImages(inputs('b'));
  const va = await embedder.embedImages(inputs('a'));
  const texts = await embedder.embedTexts([...PAIR_PROMPTS]);
  const pb = embedder.score(vb, texts);
  const pa = embedder.score(va, texts);
  const drifts = usable.map((_, i) => cosineDistance(vb[i]!, va[i]!));
  const finite = drifts.filter(Number.isFinite);
  const centre = median(finite);
  const spread = Math.max(1.4826 * median(finite.map((d) => Math.abs(d - centre))), DRIFT_SIGMA_FLOOR);

  const chips: PairChip[] = [];
  let u = 0;
  for (const cell of cells) {
    if (!cell.usable) {
      chips.push({
        x: cell.x,
        y: cell.y,
        size,
        usable: false,
        score: 0,
        drift: null,
        driftZ: null,
        prompts: {},
        evidence: {},
        signals: [],
        kind: 'change',
        confidence: null,
      });
      continue;
    }
    const i = u++;
    const drift = Number.isFinite(drifts[i]!) ? drifts[i]! : null;
    const driftZ = drift === null ? null : (drift - centre) / spread;
    const prompts: PairChip['prompts'] = {};
    const promptDeltas: Record<string, number> = {};
    PAIR_PROMPTS.forEach((p, j) => {
      const before = pb[i]![j]!;
      const after = pa[i]![j]!;
      prompts[p] = { before, after, delta: after - before };
      promptDeltas[p] = after - before;
    });
    const w = before.width;
    const evidence: PairEvidence = { change: chipQuantile(maps.change, w, cell.x, cell.y, size) ?? 0 };
    const water = chipQuantile(maps.water, w, cell.x, cell.y, size);
    if (water !== undefined) evidence.waterGain = water;
    const ndviLoss = chipQuantile(maps.ndviLoss, w, cell.x, cell.y, size);
    if (ndviLoss !== undefined) evidence.ndviLoss = ndviLoss;
    const dnbr = chipQuantile(maps.dnbr, w, cell.x, cell.y, size);
    if (dnbr !== undefined) {
      evidence.dnbr = dnbr;
      evidence.dnbrClass = dnbrClass(dnbr);
    }
    const sDrift = driftStrength(driftZ);
    const sPrompt = Math.max(
      0,
      ...Object.entries(promptDeltas)
        .filter(([p]) => p in CHANGE_PROMPTS)
        .map(([, d]) => strength(d, SIGNAL_THRESHOLDS.promptDelta)),
    );
    const sSpectral = Math.max(
      strength(evidence.change, PAIR_CHANGE_SIGMA),
      strength(evidence.waterGain, SIGNAL_THRESHOLDS.waterGain),
      strength(evidence.ndviLoss, SIGNAL_THRESHOLDS.ndviLoss),
      strength(evidence.dnbr, SIGNAL_THRESHOLDS.dnbr),
    );
    const signals: SignalName[] = [];
    if (sDrift >= 0.5) signals.push('drift');
    if (sPrompt >= 0.5) signals.push('prompt');
    if (sSpectral >= 0.5) signals.push('spectral');
    const w8 = PAIR_CORROBORATION_WEIGHT;
    const score = combineStrengths([w8 * sDrift, w8 * sPrompt, sSpectral]);
    chips.push({
      x: cell.x,
      y: cell.y,
      size,
      usable: true,
      score,
      drift,
      driftZ,
      prompts,
      evidence,
      signals,
      kind: kindOf(evidence, promptDeltas),
      confidence: confidenceOf(score, signals, threshold),
    });
  }
  return { model: embedder.id, size, cols, rows, chips };
}
