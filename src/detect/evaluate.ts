/**
 * Chip-level evaluation on labelled pairs (`<root>/<set>/<pair>/`): a chip is positive when ≥ 5 % of its
 * pixels are labelled changed, negative when none are; others are left out. A chip that the detector does
 * not score (under half of it clear in either image: no data, or a cloud, cloud-mask.ts) is left out too
 * and counted (`unscored`): what is under a cloud is not seen, so it is neither a hit nor a miss, as in
 * assessment, which reports such chips as not observed. Per set (all its pairs' chips pooled): AUROC of the
 * compare score, of the classical baselines (classical.ts: change vector, absolute difference, MAD χ² and,
 * where every pair of the set has a water index, water-index rise) on the same chips, and F1 of
 * `score ≥ threshold`; with `keepChips`, a row per labelled chip (ChipRow, `eval --chips`).
 */
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import type { Embedder } from '../embed/embedder.ts';
import {
  changeVectorMagnitude,
  madStatistic,
  meanAbsoluteDifference,
  waterIndexRise,
  windowMean,
} from './classical.ts';
import { comparePair, DEFAULT_PAIR_CHIP } from './compare-pair.ts';
import { DEFAULT_ALERT_THRESHOLD } from './detect-chip.ts';
import type { ChangeKind, Confidence } from './detect-types.ts';
import { auroc, f1AtThreshold } from './metrics.ts';
import { pairSetFolders, readPair, subfolders } from '../imagery/pair-folder.ts';

/** Share of changed pixels from which a chip is positive. */
export const POSITIVE_SHARE = 0.05;

/** One labelled chip of a set, scored or not (evaluate's `chips`, `eval --chips`). */
export interface ChipRow {
  /** The pair (folder name). */
  pair: string;
  /** Left pixel column of the chip. */
  x: number;
  /** Top pixel row of the chip. */
  y: number;
  /** Share of the chip's pixels labelled changed (0, or at least POSITIVE_SHARE). */
  changedShare: number;
  /** Whether the chip counts as changed. */
  positive: boolean;
  /** Whether the detector scored it (else it is left out of every figure: no data, cloud). */
  scored: boolean;
  /** Compare score, or null when not scored. */
  score: number | null;
  /** Kind of change named, or null when not scored. */
  kind: ChangeKind | null;
  /** Confidence, or null below the threshold or when not scored. */
  confidence: Confidence | null;
  /** Strengths of change, water and burn evidence (0.5 at each one's threshold), or null when not scored. */
  strengths: { change: number; water: number; burn: number } | null;
  /** Change-vector magnitude over the chip (classical.ts). */
  changeVector: number;
  /** Mean absolute difference over the chip. */
  absDifference: number;
  /** Mean MAD χ² statistic over the chip. */
  mad: number;
  /** Mean water-index rise over the chip, or null without a water index. */
  waterRise: number | null;
}

/** Scores of the evaluated chips of one set. */
export interface SetChips {
  /** Compare score per chip. */
  score: number[];
  /** Change-vector magnitude per chip. */
  changeVector: number[];
  /** Mean absolute difference per chip. */
  absDifference: number[];
  /** Mean MAD χ² statistic per chip. */
  mad: number[];
  /** Water-index rise per chip, or null when some pair of the set has no water index (RGB). */
  waterRise: number[] | null;
  /** Label per chip. */
  positive: boolean[];
  /** The pair (folder name) of each chip. */
  pair: string[];
  /** Labelled chips (positive or negative) left out because the detector did not score them. */
  unscored: number;
  /** Those chips per pair, for every pair read (0 where none). */
  unscoredByPair: Record<string, number>;
  /** Every labelled chip, scored or not, in the order read. */
  rows: ChipRow[];
}

/** One pair's figures within its set (evaluate's `byPair`). */
export interface PairResult {
  /** The pair's folder name. */
  pair: string;
  /** Positive chips scored. */
  positives: number;
  /** Negative chips scored. */
  negatives: number;
  /** Labelled chips not scored (no data, cloud). */
  unscored: number;
  /** AUROC of the score over the pair's chips, or null without both classes. */
  auroc: number | null;
  /** Negative chips at or above the alert threshold. */
  falseAlarms: number;
  /** Positive chips below it. */
  misses: number;
}

/** One row of the evaluation table. */
export interface SetResult {
  /** Set name. */
  set: string;
  /** Pairs read. */
  pairs: number;
  /** Positive chips. */
  positives: number;
  /** Negative chips. */
  negatives: number;
  /** Labelled chips left out because the detector did not score them (no data, cloud). */
  unscored: number;
  /** AUROC of the score. */
  auroc: number;
  /** AUROC of change-vector magnitude. */
  aurocChangeVector: number;
  /** AUROC of mean absolute difference. */
  aurocAbsDifference: number;
  /** AUROC of the MAD χ² statistic. */
  aurocMad: number;
  /** AUROC of water-index rise, or null when the set's images have no water index. */
  aurocWaterRise: number | null;
  /** F1 at the alert threshold. */
  f1: number;
  /** The same per pair, in folder order: where a set's ranking fails. */
  byPair: PairResult[];
  /** Every labelled chip, with options.keepChips only. */
  chips?: ChipRow[];
}

/** Options of evaluate. */
export interface EvaluateOptions {
  /** Chip size (default 32). */
  chip?: number;
  /** Embedder (default spectral). */
  embedder?: Embedder;
  /** Alert threshold (default DEFAULT_ALERT_THRESHOLD). */
  threshold?: number;
  /** Keep every labelled chip's row in the result (`chips`; default false). */
  keepChips?: boolean;
}

/** Evaluated chips of one set folder. */
export async function evaluateSetChips(
  setDir: string,
  options: EvaluateOptions = {},
): Promise<SetChips & { pairs: number }> {
  const size = options.chip ?? DEFAULT_PAIR_CHIP;
  const out: SetChips & { pairs: number } = {
    score: [],
    changeVector: [],
    absDifference: [],
    mad: [],
    waterRise: [],
    positive: [],
    pair: [],
    unscored: 0,
    unscoredByPair: {},
    rows: [],
    pairs: 0,
  };
  for (const id of subfolders(setDir)) {
    const pair = await readPair(join(setDir, id));
    if (!pair.label) throw new InputError(`pair ${pair.dir} has no label.png to evaluate against`);
    out.pairs++;
    out.unscoredByPair[id] = 0;
    const cmp = await comparePair(pair, {
      chip: size,
      embedder: options.embedder,
      threshold: options.threshold,
    });
    const cva = changeVectorMagnitude(pair.before, pair.after);
    const absDiff = meanAbsoluteDifference(pair.before, pair.after);
    const madZ = madStatistic(pair.before, pair.after);
    const rise = waterIndexRise(pair.before, pair.after);
    if (!rise) out.waterRise = null;
    const w = pair.before.width;
    for (const chip of cmp.chips) {
      let changed = 0;
      for (let r = 0; r < size; r++)
        for (let c = 0; c < size; c++) if (pair.label[(chip.y + r) * w + chip.x + c]! >= 128) changed++;
      const share = changed / (size * size);
      if (share > 0 && share < POSITIVE_SHARE) continue;
      const base = {
        changeVector: windowMean(cva, w, chip.x, chip.y, size),
        absDifference: windowMean(absDiff, w, chip.x, chip.y, size),
        mad: windowMean(madZ, w, chip.x, chip.y, size),
        waterRise: rise ? windowMean(rise, w, chip.x, chip.y, size) : null,
      };
      const st = chip.usable ? chip.strengths : null;
      out.rows.push({
        pair: id,
        x: chip.x,
        y: chip.y,
        changedShare: share,
        positive: share >= POSITIVE_SHARE,
        scored: chip.usable,
        score: chip.usable ? chip.score : null,
        kind: chip.usable ? chip.kind : null,
        confidence: chip.usable ? chip.confidence : null,
        strengths: st ? { change: st.change, water: st.water, burn: st.burn } : null,
        ...base,
      });
      if (!chip.usable) {
        out.unscored++;
        out.unscoredByPair[id]!++;
        continue;
      }
      out.score.push(chip.score);
      out.changeVector.push(base.changeVector);
      out.absDifference.push(base.absDifference);
      out.mad.push(base.mad);
      if (base.waterRise !== null && out.waterRise) out.waterRise.push(base.waterRise);
      out.positive.push(share >= POSITIVE_SHARE);
      out.pair.push(id);
    }
  }
  return out;
}

/** Per-pair figures of a set's evaluated chips, in the order the pairs were read. */
export function pairResults(chips: SetChips, threshold: number): PairResult[] {
  const byPair = new Map<string, number[]>();
  chips.pair.forEach((p, i) => {
    const list = byPair.get(p);
    if (list) list.push(i);
    else byPair.set(p, [i]);
  });
  return Object.entries(chips.unscoredByPair).map(([pair, unscored]) => {
    const idx = byPair.get(pair) ?? [];
    const score = idx.map((i) => chips.score[i]!);
    const positive = idx.map((i) => chips.positive[i]!);
    const positives = positive.filter(Boolean).length;
    const a = auroc(score, positive);
    return {
      pair,
      positives,
      negatives: idx.length - positives,
      unscored,
      auroc: Number.isNaN(a) ? null : a,
      falseAlarms: score.filter((v, i) => v >= threshold && !positive[i]).length,
      misses: score.filter((v, i) => v < threshold && positive[i]).length,
    };
  });
}

/** Evaluates every set under root (a folder of set folders of pair folders). */
export async function evaluate(root: string, options: EvaluateOptions = {}): Promise<SetResult[]> {
  const sets = pairSetFolders(root);
  const threshold = options.threshold ?? DEFAULT_ALERT_THRESHOLD;
  const results: SetResult[] = [];
  for (const set of sets) {
    const chips = await evaluateSetChips(join(root, set), options);
    const positives = chips.positive.filter(Boolean).length;
    results.push({
      set,
      pairs: chips.pairs,
      positives,
      negatives: chips.positive.length - positives,
      unscored: chips.unscored,
      auroc: auroc(chips.score, chips.positive),
      aurocChangeVector: auroc(chips.changeVector, chips.positive),
      aurocAbsDifference: auroc(chips.absDifference, chips.positive),
      aurocMad: auroc(chips.mad, chips.positive),
      aurocWaterRise: chips.waterRise ? auroc(chips.waterRise, chips.positive) : null,
      f1: f1AtThreshold(chips.score, chips.positive, threshold),
      byPair: pairResults(chips, threshold),
      ...(options.keepChips ? { chips: chips.rows } : {}),
    });
  }
  if (results.length === 0) throw new InputError(`pairs root ${root} has no set folders`);
  return results;
}
