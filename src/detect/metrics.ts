/** Ranking and classification metrics for evaluation. */
import { InputError } from '../errors.ts';

/**
 * Area under the ROC curve (Mann–Whitney, ties count half); NaN without both classes. A score that is not
 * a finite number cannot be ranked: an InputError names its index and value.
 */
export function auroc(scores: readonly number[], positive: readonly boolean[]): number {
  if (scores.length !== positive.length) {
    throw new InputError(`auroc: ${scores.length} scores but ${positive.length} labels`);
  }
  const bad = scores.findIndex((s) => !Number.isFinite(s));
  if (bad >= 0) throw new InputError(`auroc: score ${bad} is ${scores[bad]}, not a finite number`);
  const order = scores.map((s, i) => [s, positive[i]!] as const).sort((a, b) => a[0] - b[0]);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (order[k]![1]) {
        nPos++;
        rankSum += rank;
      }
    }
    i = j;
  }
  const nNeg = order.length - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** F1 of predictions `score ≥ threshold` (0 when there are no true positives). */
export function f1AtThreshold(
  scores: readonly number[],
  positive: readonly boolean[],
  threshold: number,
): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    const p = s >= threshold;
    if (p && positive[i]) tp++;
    else if (p) fp++;
    else if (positive[i]) fn++;
  });
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}
