/**
 * Monitoring's kinds checked by the pair detector: one scoring core for the physics of change.
 *
 * Monitoring (detect-chip.ts) decides *when* a chip departs from its own past — its envelope, or its
 * seasonal model once it has a year of history — from chip summaries (indices, cover shares, prompt
 * scores). Whether the departure is a flood, a burn or construction is a question about pixels, which the
 * pair detector (pair-detector.ts) answers with the permanent-water rule, the post-fire spectrum, the
 * built-up gain over non-vegetated pixels, and thresholds fitted to the scene. So every monitoring
 * detection of one of those kinds is checked against the pair detection of the same chip between the
 * monitoring reference look (chooseReferenceLook) and the current look:
 *
 * - the pair detection names the same kind, over at least the minimum mapping unit of pixels where it
 *   counts them (new water, post-fire pixels; mapping-unit.ts): the monitoring detection stands;
 * - otherwise its score is capped by the pair detector's strength of that kind's own evidence (new water,
 *   post-fire dNBR, built-up gain; 0.5 at each one's threshold), so a claim the pixels do not support
 *   falls under the alert threshold, and its kind is what the pixels do support.
 *
 * Vegetation loss and generic change are left to monitoring: two images cannot tell a harvest from a
 * felling, the seasonal model can. Where the chip has no usable pair (no reference look in reach, cloud),
 * the monitoring detection stands and `pair` says why not (`unchecked`).
 */
import type { ImageValue } from '../imagery/image.ts';
import type { ChangeKind, ChipDetection } from './detect-types.ts';
import { detectPairScene, type PairChipDetection, type PairStrengths } from './pair-detector.ts';

/** Kinds whose physics the pair detector checks, and the pair strength that is that kind's evidence. */
export const CHECKED_KINDS: Readonly<Partial<Record<ChangeKind, keyof PairStrengths>>> = {
  flood: 'water',
  burn: 'burn',
  construction: 'construction',
  'vegetation-loss': 'vegetation',
};

/** Pixels of the pair detection showing the kind's own evidence, where the detector counts them. */
function kindPixels(kind: ChangeKind, pair: PairChipDetection, pixels: number): number | undefined {
  const e = pair.evidence;
  if (!('change' in e)) return undefined;
  const share = kind === 'flood' ? e.waterFraction : kind === 'burn' ? e.burnFraction : undefined;
  return share === undefined ? undefined : Math.round(share * pair.validFraction * pixels);
}

/** How the pair check went for one chip. */
export type PairCheck = 'confirmed' | 'capped' | 'unchecked' | 'not-needed';

/** A monitoring detection after its pair check. */
export type CheckedDetection = ChipDetection & {
  /** Outcome of the pair check. */
  pairCheck: PairCheck;
  /** Acquisition id of the reference look the pair used, when one did. */
  pairReference?: number;
};

/** Options of checkWithPair. */
export interface PairCheckOptions {
  /** The alert threshold on the score. */
  threshold: number;
  /** Pixels in the chip (width × height). */
  chipPixels: number;
  /** The minimum mapping unit in pixels (mmuPixels). */
  minPixels: number;
  /** Acquisition id of the reference look, recorded on the result. */
  referenceId?: number;
}

/**
 * Checks one monitoring detection against the pair detection of the same chip (undefined: no pair).
 * `threshold` is the alert threshold; a capped detection keeps its confidence only at or above it.
 */
export function checkWithPair(
  detection: ChipDetection,
  pair: PairChipDetection | undefined,
  options: PairCheckOptions,
): CheckedDetection {
  const { threshold } = options;
  const evidenceKey = CHECKED_KINDS[detection.kind];
  if (!evidenceKey || !(detection.score >= threshold)) return { ...detection, pairCheck: 'not-needed' };
  if (!pair || !pair.usable) return { ...detection, pairCheck: 'unchecked' };
  const ref = options.referenceId === undefined ? {} : { pairReference: options.referenceId };
  const counted = kindPixels(detection.kind, pair, options.chipPixels);
  const large = counted === undefined || counted >= options.minPixels;
  const st = pair.strengths;
  // Vegetation loss names a change the scene's statistics single out (two images cannot tell it from a
  // season, so the chip must stand out from the rest of its scene).
  const own = detection.kind === 'vegetation-loss' ? Math.min(st.change, st.vegetation) : st[evidenceKey];
  const named = detection.kind === 'vegetation-loss' ? own >= 0.5 : pair.kind === detection.kind;
  if (named && large) return { ...detection, pairCheck: 'confirmed', ...ref };
  const cap = large ? own : Math.min(own, 0.5 * threshold);
  const score = Math.min(detection.score, cap);
  const kind: ChangeKind = pair.kind === 'change' || pair.kind === 'vegetation-loss' ? 'change' : pair.kind;
  return {
    ...detection,
    score,
    kind: score >= threshold ? detection.kind : kind,
    confidence: score >= threshold ? detection.confidence : null,
    pairCheck: 'capped',
    ...ref,
  };
}

/** A look that a reference can be chosen from. */
export interface LookCover {
  /** Acquisition id. */
  id: number;
  /** Acquisition time, ISO 8601. */
  datetime: string;
  /** Share of the area's chips usable in this look. */
  usableShare: number;
}

/** How far back the monitoring reference look may lie, in days. */
export const REFERENCE_MAX_DAYS = 180;

/**
 * The reference look for a monitoring look: among earlier looks within REFERENCE_MAX_DAYS, the latest
 * whose usable share is at least half the best share among them (a recent look, but not a cloudy one),
 * or undefined when none lies within reach.
 */
export function chooseReferenceLook(
  current: { datetime: string },
  earlier: readonly LookCover[],
): LookCover | undefined {
  const t = Date.parse(current.datetime);
  const reach = earlier.filter((l) => {
    const dt = t - Date.parse(l.datetime);
    return dt > 0 && dt <= REFERENCE_MAX_DAYS * 86_400_000 && l.usableShare > 0;
  });
  if (reach.length === 0) return undefined;
  const best = Math.max(...reach.map((l) => l.usableShare));
  const good = reach.filter((l) => l.usableShare >= best / 2);
  return good.reduce((a, b) => (Date.parse(b.datetime) >= Date.parse(a.datetime) ? b : a));
}

/** Whether any detection of a look needs the pair check (it alerts, with a kind the pair detector checks). */
export function needsPairCheck(detections: readonly ChipDetection[], threshold: number): boolean {
  return detections.some((d) => d.score >= threshold && CHECKED_KINDS[d.kind] !== undefined);
}

/** One chip of a look to check: its monitoring detection and, where read, its pixels in both looks. */
export interface LookChip {
  /** The chip's key. */
  key: string;
  /** Its monitoring detection. */
  detection: ChipDetection;
  /** The chip in the reference look, when read. */
  before?: ImageValue;
  /** The chip in the current look, when read. */
  after?: ImageValue;
}

/** What checking one look did. */
export interface PairCheckSummary {
  /** The reference look, when one was in reach and something needed checking. */
  referenceId: number | null;
  /** Detections confirmed by the pair detector. */
  confirmed: number;
  /** Detections capped under the alert threshold or renamed. */
  capped: number;
  /** Detections that needed a check but had no usable pair (cloud, no reference in reach). */
  unchecked: number;
}

/** Options of checkLook. */
export interface LookCheckOptions {
  /** The alert threshold on the score. */
  threshold: number;
  /** Minimum valid share of a chip in both looks (the pair detector's minValid). */
  minValid: number;
  /** The minimum mapping unit in pixels (mapping-unit.ts). */
  minPixels: number;
  /** Acquisition id of the reference look, when there is one. */
  referenceId?: number;
  /** Keep the per-pixel change mask of every confirmed chip (default false). */
  keepMasks?: boolean;
}

/** What checking one look did: the checked detections, in order, and the pair detector's masks. */
export interface LookCheck {
  /** The detections after their pair check, in the order given. */
  detections: CheckedDetection[];
  /** Counts of the outcomes. */
  summary: PairCheckSummary;
  /** Per confirmed chip key, its per-pixel mask (with keepMasks). */
  masks: Map<string, Uint8Array>;
  /** Per key of every chip scored, its per-pixel mask (with keepMasks). */
  sceneMasks: Map<string, Uint8Array>;
}

/**
 * Checks every detection of one look: the chips read in both looks are scored as one scene by the pair
 * detector and each detection is checked against its chip's pair detection (checkWithPair), in order.
 * With keepMasks, the pair detector's per-pixel masks come back too (`masks`: the confirmed chips';
 * `sceneMasks`: every chip scored), so an alert's area and outline can be its changed pixels.
 */
export function checkLook(chips: readonly LookChip[], options: LookCheckOptions): LookCheck {
  const read = chips.filter((c) => c.before && c.after);
  const scene = read.length
    ? detectPairScene(
        read.map((c) => ({ key: c.key, before: c.before!, after: c.after! })),
        { threshold: options.threshold, minValid: options.minValid, keepMasks: options.keepMasks ?? false },
      )
    : { chips: [] };
  return checkLookPairs(
    chips.map((c) => ({
      key: c.key,
      detection: c.detection,
      chipPixels: c.before ? c.before.width * c.before.height : 0,
    })),
    scene.chips,
    options,
  );
}

/**
 * checkLook once the look's chips are scored: each detection is checked against the pair detection of
 * its chip (by key; none where its chip was not read in both looks), in order.
 */
export function checkLookPairs(
  chips: readonly { key: string; detection: ChipDetection; chipPixels: number }[],
  scored: readonly PairChipDetection[],
  options: LookCheckOptions,
): LookCheck {
  const { threshold, minPixels, referenceId } = options;
  const masks = new Map<string, Uint8Array>();
  const sceneMasks = new Map<string, Uint8Array>();
  for (const p of scored) if (p.mask) sceneMasks.set(p.key, p.mask);
  const pairs = new Map(scored.map((p) => [p.key, p]));
  const summary: PairCheckSummary = {
    referenceId: referenceId ?? null,
    confirmed: 0,
    capped: 0,
    unchecked: 0,
  };
  const detections = chips.map((c) => {
    const checked = checkWithPair(c.detection, pairs.get(c.key), {
      threshold,
      chipPixels: c.chipPixels,
      minPixels,
      referenceId,
    });
    if (checked.pairCheck === 'confirmed') {
      summary.confirmed++;
      const mask = pairs.get(c.key)?.mask;
      if (mask) masks.set(c.key, mask);
    } else if (checked.pairCheck === 'capped') summary.capped++;
    else if (checked.pairCheck === 'unchecked') summary.unchecked++;
    return checked;
  });
  return { detections, summary, masks, sceneMasks };
}
