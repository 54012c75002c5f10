import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkChipsFile,
  chipRowsCsv,
  formatByPair,
  formatTable,
  pipelineChipRowsCsv,
} from '../src/cli/commands/eval.ts';
import { confusion } from '../src/pipeline/pipeline-eval.ts';
import { InputError } from '../src/errors.ts';
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
        rows: [],
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

describe('per-chip rows as CSV (eval --chips)', () => {
  it('writes a header and one line per labelled chip, empty where a value does not exist', () => {
    const scored = {
      pair: 'p,1',
      x: 32,
      y: 0,
      changedShare: 0.25,
      positive: true,
      scored: true,
      score: 0.75,
      kind: 'flood' as const,
      confidence: 'high' as const,
      strengths: { change: 0.5, water: 0.75, burn: 0 },
      changeVector: 1.5,
      absDifference: 0.125,
      mad: 2,
      waterRise: 0.3,
    };
    const unscored = {
      ...scored,
      x: 0,
      changedShare: 0,
      positive: false,
      scored: false,
      score: null,
      kind: null,
      confidence: null,
      strengths: null,
      waterRise: null,
    };
    const csv = chipRowsCsv([{ ...row('floods', 0.8), chips: [scored, unscored] }, row('other', null)]);
    expect(csv.split('\r\n')).toEqual([
      'set,pair,x,y,changed_share,positive,scored,score,kind,confidence,change,water,burn,change_vector,abs_difference,mad,water_rise',
      'floods,"p,1",32,0,0.25,1,1,0.75,flood,high,0.5,0.75,0,1.5,0.125,2,0.3',
      'floods,"p,1",0,0,0,0,0,,,,,,,1.5,0.125,2,',
      '',
    ]);
  });

  it('refuses --chips with --series, or where the file cannot be written, naming it', () => {
    expect(() => checkChipsFile('out.csv', true)).toThrow(InputError);
    expect(() => checkChipsFile('out.csv', true)).toThrow(
      new InputError('--chips out.csv: the chips of pairs (a pairs root or --pipeline), not of --series'),
    );
    const missing = join(tmpdir(), 'dw-no-such-folder', 'out.csv');
    expect(() => checkChipsFile(missing, false)).toThrow(
      new InputError(`--chips ${missing}: folder ${join(tmpdir(), 'dw-no-such-folder')} does not exist`),
    );
    expect(() => checkChipsFile(tmpdir(), false)).toThrow(
      new InputError(`--chips ${tmpdir()}: is a folder, not a file`),
    );
    expect(() => checkChipsFile(join(tmpdir(), 'out.csv'), false)).not.toThrow();
  });
});

describe('pipeline chips as CSV (eval --pipeline --chips)', () => {
  it('writes one line per chip of each area: label, evaluation, what the assessment reported, the change vector', () => {
    const chip = {
      key: 'EPSG:32631/320/7/9',
      col: 7,
      row: 9,
      labelCovered: 1,
      changedShare: 0.5,
      evaluated: true,
      positive: true,
      reported: { kind: 'construction', score: 0.625, confidence: 'low' },
      changeVector: 2.5,
      changeVectorFlagged: true,
    };
    const outside = {
      ...chip,
      col: 8,
      key: 'EPSG:32631/320/8/9',
      labelCovered: 0.25,
      changedShare: 0,
      evaluated: false,
      positive: false,
      reported: null,
      changeVector: null,
      changeVectorFlagged: false,
    };
    const none = confusion(0, 0, 0);
    const csv = pipelineChipRowsCsv({
      set: 'oscd',
      pairs: [
        {
          pair: 'town',
          chips: 2,
          positives: 1,
          negatives: 0,
          pipeline: none,
          changeVector: none,
          chipRows: [chip, outside],
        },
      ],
      pooled: { pipeline: none, changeVector: none },
    });
    expect(csv.split('\r\n')).toEqual([
      'pair,key,col,row,label_covered,changed_share,evaluated,positive,reported,kind,score,confidence,change_vector,change_vector_flagged',
      'town,EPSG:32631/320/7/9,7,9,1,0.5,1,1,1,construction,0.625,low,2.5,1',
      'town,EPSG:32631/320/8/9,8,9,0.25,0,0,0,0,,,,,0',
      '',
    ]);
  });
});
