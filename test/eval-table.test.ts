import { describe, expect, it } from 'vitest';
import { formatTable } from '../src/cli/commands/eval.ts';
import type { SetResult } from '../src/detect/evaluate.ts';

const row = (set: string, aurocWaterRise: number | null): SetResult => ({
  set,
  pairs: 2,
  positives: 10,
  negatives: 30,
  unscored: 4,
  auroc: 0.9,
  aurocChangeVector: 0.6,
  aurocAbsDifference: 0.7,
  aurocWaterRise,
  f1: 0.75,
});

describe('eval table', () => {
  it('shows the water-rise baseline where the set has a water index and a dash where it has none', () => {
    expect(formatTable([row('floods', 0.8125), row('rgb', null)], 0.5).split('\n')).toEqual([
      'set     pairs  pos  neg  not scored  AUROC score  AUROC change-vector  AUROC abs-diff  AUROC water-rise  F1@0.5',
      'floods  2      10   30   4           0.900        0.600                0.700           0.813             0.750',
      'rgb     2      10   30   4           0.900        0.600                0.700           -                 0.750',
    ]);
  });
});
