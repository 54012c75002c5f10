/**
 * Pair comparison: chips tile the image from its top-left corner in steps of `chip` pixels (partial edge
 * chips dropped) and are scored by the pair detector (pair-detector.ts), the same core that post-event
 * assessment runs, so `compare` and `eval` measure exactly what raises alerts. The embedder adds, per
 * chip, the drift between the before and after embeddings normalised by the scene (median and
 * 1.4826·MAD of the drifts of the chips the detector scores, spread floored at DRIFT_SIGMA_FLOOR, since most
 * of a scene does not change) and the prompt deltas; they corroborate (confidence) and only nudge the
 * score. A chip the detector does not score (under half of it valid and clear of cloud in either image) is
 * not embedded.
 *
 * A pair whose `pair.json` names an event kind (`"kind": "flood"`, domain.ts eventKindOf) is scored by that
 * event's evidence, as an assessment of that event is; `event: null` scores any change whatever the pair says.
 */
import { DEFAULT_PROMPTS, eventKindOf, type EventKind } from '../domain.ts';
import { InputError } from '../errors.ts';
import type { Embedder } from '../embed/embedder.ts';
import { SpectralEmbedder } from '../embed/spectral.ts';
import type { ImageValue } from '../imagery/image.ts';
import { renderRgb } from '../imagery/render.ts';
import { clearMask } from './cloud-mask.ts';
import { cropImage } from './crop.ts';
import { DEFAULT_ALERT_THRESHOLD } from './detect-chip.ts';
import type { ChangeKind, Confidence, SignalName } from './detect-types.ts';
import { cosineDistance } from './baseline.ts';
import type { Pair } from '../imagery/pair-folder.ts';
import {
  finishPairScene,
  PAIR_MIN_VALID,
  PairSceneSampler,
  sceneDriftZ,
  scorePairChip,
  unusablePairChip,
  type PairEvidence,
  type PairSceneStats,
  type PairStrengths,
} from './pair-detector.ts';

export type { PairEvidence } from './pair-detector.ts';

/** Default chip size of pair comparison, in pixels. */
export const DEFAULT_PAIR_CHIP = 32;
/** Prompts scored before and after (the pipeline's default prompts). */
export const PAIR_PROMPTS = DEFAULT_PROMPTS;

/** Options of comparePair. */
export interface CompareOptions {
  /** Chip size in pixels (default 32). */
  chip?: number;
  /** Embedder (default: a SpectralEmbedder). */
  embedder?: Embedder;
  /** Alert threshold on score (default DEFAULT_ALERT_THRESHOLD). */
  threshold?: number;
  /** The event scored (default: the one the pair's kind names; null: any change). */
  event?: EventKind | null;
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
  /** Strength of each line of evidence (0.5 at its threshold). */
  strengths: PairStrengths | null;
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
  /** The scene's statistics (radiometric relations, pixel threshold). */
  scene: PairSceneStats;
  /** The event whose evidence scored the chips; null when any change did. */
  event: EventKind | null;
}

/** Compares the before and after images of a pair chip by chip. */
export async function comparePair(pair: Pair, options: CompareOptions = {}): Promise<PairComparison> {
  const size = options.chip ?? DEFAULT_PAIR_CHIP;
  const threshold = options.threshold ?? DEFAULT_ALERT_THRESHOLD;
  // Clouds are found over the whole scene (cloud-mask.ts), so a cloud's window and halo are not cut at
  // chip edges; each chip's own test then measures a bright object's halo against the chip's own pixels,
  // which finds some haze more (scene-wide alone would score 12 more chips of ombria-s2, 45 of ombria-2021).
  const before = { ...pair.before, mask: clearMask(pair.before) };
  const after = { ...pair.after, mask: clearMask(pair.after) };
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
  const event = options.event === undefined ? eventKindOf(pair.meta.kind) : (options.event ?? undefined);

  // The detector decides which chips it scores (valid and clear of cloud in both images, PAIR_MIN_VALID);
  // only those are embedded, and the scene's drift is normalised over them alone.
  const sampler = new PairSceneSampler({ minValid: PAIR_MIN_VALID });
  const cells: Array<{ x: number; y: number; key: string; usable: boolean; b: ImageValue; a: ImageValue }> =
    [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = c * size;
      const y = r * size;
      const key = `${x},${y}`;
      const b = cropImage(before, x, y, size);
      const a = cropImage(after, x, y, size);
      cells.push({ x, y, key, b, a, usable: sampler.add({ key, before: b, after: a }) });
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
  const driftZ = sceneDriftZ(drifts);

  const corroboration = new Map<
    string,
    {
      drift: number | null;
      driftZ: number | null;
      prompts: PairChip['prompts'];
      deltas: Record<string, number>;
    }
  >();
  usable.forEach((cell, i) => {
    const drift = Number.isFinite(drifts[i]!) ? drifts[i]! : null;
    const prompts: PairChip['prompts'] = {};
    const deltas: Record<string, number> = {};
    PAIR_PROMPTS.forEach((p, j) => {
      const b = pb[i]![j]!;
      const a = pa[i]![j]!;
      prompts[p] = { before: b, after: a, delta: a - b };
      deltas[p] = a - b;
    });
    corroboration.set(cell.key, {
      drift,
      driftZ: driftZ[i]!,
      prompts,
      deltas,
    });
  });
  const fit = sampler.fit();
  const scoring = { threshold, event };
  const detection = finishPairScene(
    cells.map((cell) => {
      const input = { key: cell.key, before: cell.b, after: cell.a };
      const co = corroboration.get(cell.key);
      if (!cell.usable || !co) return unusablePairChip(input);
      return scorePairChip({ ...input, driftZ: co.driftZ, promptDeltas: co.deltas }, fit, scoring);
    }),
    fit,
    scoring,
  );
  const chips: PairChip[] = detection.chips.map((d, i) => {
    const cell = cells[i]!;
    const co = corroboration.get(d.key);
    return {
      x: cell.x,
      y: cell.y,
      size,
      usable: d.usable,
      score: d.score,
      drift: d.usable ? (co?.drift ?? null) : null,
      driftZ: d.usable ? (co?.driftZ ?? null) : null,
      prompts: d.usable ? (co?.prompts ?? {}) : {},
      evidence: d.evidence,
      strengths: d.usable ? d.strengths : null,
      signals: d.signals,
      kind: d.kind,
      confidence: d.confidence,
    };
  });
  return { model: embedder.id, size, cols, rows, chips, scene: detection.scene, event: event ?? null };
}
