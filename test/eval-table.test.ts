import { describe, expect, it } from 'vitest';
import { formatByPair, formatTable } from '../src/cli/commands/eval.ts';
import { pairResults, type SetResult } from '../src/detect/evaluate.ts';

const row = (set: string, aurocWaterRise: number | null): SetResult => ({
  set,
  pairs: 2,
  positives: 10,
  negatives: 30,
  unscored: 4,
  auroc: 0.9,
  aurocChangeVector: 0.6,
  aurocAbsDifference: 0.7,
  aurocMad: 0.65,
  aurocWaterRise,
  f1: 0.75,
  byPair: [
    { pair: 'a', positives: 4, negatives: 10, unscored: 4, auroc: 0.85, falseAlarms: 2, misses: 1 },
    { pair: 'b', positives: 0, negatives: 20, unscored: 0, auroc: null, falseAlarms: 0, misses: 0 },
  ],
});

describe('eval table', () => {
  it('shows the water-rise baseline where the set has a water index and a dash where it has none', () => {
    expect(formatTable([row('floods', 0.8125), row('rgb', null)], 0.5).split('\n')).toEqual([
      'set     pairs  pos  neg  not scored  AUROC score  AUROC change-vector  AUROC abs-diff  AUROC MAD  AUROC water-rise  F1@0.5',
      'floods  2      10   30   4           0.900        0.600                0.700           0.650      0.813             0.750',
      'rgb     2      10   30   4           0.900        0.600                0.700           0.650      -                 0.750',
    ]);
  });

  it('lists each pair with --by-pair, a dash for the AUROC of a pair without both classes', () => {
    expect(formatByPair([row('floods', 0.8)], 0.5).split('\n')).toEqual([
      'set     pair  pos  neg  not scored  AUROC score  false alarms@0.5  misses@0.5',
      'floods  a     4    10   4           0.850        2                 1',
      'floods  b     0    20   0           -            0                 0',
    ]);
  });
});

describe('per-pair figures', () => {
  it('splits a set by pair: AUROC over its chips, false alarms and misses at the threshold, its unscored chips', () => {
    const out = pairResults(
      {
        score: [0.9, 0.2, 0.6, 0.4, 0.7, 0.1],
        changeVector: [],
        absDifference: [],
        mad: [],
        waterRise: null,
        positive: [true, false, false, true, false, false],
        pair: ['p', 'p', 'p', 'p', 'q', 'q'],
        unscored: 3,
        unscoredByPair: { p: 1, q: 0, r: 2 },
      },
      0.5,
    );
    expect(out).toEqual([
      // p: positives 0.9 and 0.4 against negatives 0.2 and 0.6: 3 of 4 pairs ranked right.
      { pair: 'p', positives: 2, negatives: 2, unscored: 1, auroc: 0.75, falseAlarms: 1, misses: 1 },
      { pair: 'q', positives: 0, negatives: 2, unscored: 0, auroc: null, falseAlarms: 1, misses: 0 },
      { pair: 'r', positives: 0, negatives: 0, unscored: 2, auroc: null, falseAlarms: 0, misses: 0 },
    ]);
  });
});
