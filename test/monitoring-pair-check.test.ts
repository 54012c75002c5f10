import { describe, expect, it } from 'vitest';
import { emptyDetection } from '../src/detect/detect-chip.ts';
import type { ChangeKind } from '../src/detect/detect-types.ts';
import {
  LookCoverTally,
  outlineMaskKeys,
  PAIR_READ_PIXELS,
  pairReadCells,
  type KeyedDetection,
} from '../src/pipeline/monitoring-pair-check.ts';

/** A 4 × 3 grid of cells (cols 0…3, rows 0…2), keyed `col/row`. */
const cells = Array.from({ length: 12 }, (_, i) => ({
  key: `${i % 4}/${Math.floor(i / 4)}`,
  col: i % 4,
  row: Math.floor(i / 4),
}));

/** Every cell's detection: score 0.1 of kind change, except those given. */
function detections(given: Record<string, { score: number; kind: ChangeKind }>): KeyedDetection[] {
  return cells.map((c) => ({
    key: c.key,
    detection: { ...emptyDetection(2), score: 0.1, kind: 'change', ...given[c.key] },
  }));
}

describe('pair masks the monitoring pair check keeps', () => {
  it('names the chips it can confirm and their neighbours on the grid', () => {
    const keys = outlineMaskKeys(cells, detections({ '0/0': { score: 0.8, kind: 'flood' } }), 0.5);
    expect([...keys].sort()).toEqual(['0/0', '0/1', '1/0', '1/1']);
    const two = outlineMaskKeys(
      cells,
      detections({ '3/2': { score: 0.5, kind: 'burn' }, '1/1': { score: 0.9, kind: 'construction' } }),
      0.5,
    );
    expect([...two].sort()).toEqual([
      '0/0',
      '0/1',
      '0/2',
      '1/0',
      '1/1',
      '1/2',
      '2/0',
      '2/1',
      '2/2',
      '3/1',
      '3/2',
    ]);
  });

  it('names none for chips below the threshold or of a kind the check leaves to monitoring', () => {
    const d = detections({
      '1/1': { score: 0.49, kind: 'flood' },
      '2/1': { score: 0.9, kind: 'change' },
    });
    expect([...outlineMaskKeys(cells, d, 0.5)]).toEqual([]);
    expect([...outlineMaskKeys(cells, d, 0.45)].sort()).toEqual([
      '0/0',
      '0/1',
      '0/2',
      '1/0',
      '1/1',
      '1/2',
      '2/0',
      '2/1',
      '2/2',
    ]);
  });
});

describe('cells the monitoring pair check reads per call', () => {
  it('reads at most 2^20 pixels of a look per call, 64 cells at most and one at least', () => {
    expect(PAIR_READ_PIXELS).toBe(1_048_576);
    expect([16, 32, 128, 160, 256, 1024, 2048].map(pairReadCells)).toEqual([64, 64, 64, 40, 16, 1, 1]);
  });
});

describe("earlier looks' usable shares, tallied a batch of chip series at a time", () => {
  const at = (id: number) => `2024-0${id}-01T10:00:00.000Z`;
  const state = (id: number, usable: boolean) => ({ acquisitionId: id, datetime: at(id), usable });
  // Four chips; look 1 usable on all of them, look 2 on one, look 3 (the current look) left out, look 4 seen
  // by two chips and usable on none.
  const series = [
    { states: [state(1, true), state(2, true), state(3, true)] },
    { states: [state(1, true), state(2, false), state(3, true), state(4, false)] },
    { states: [state(1, true), state(3, false)] },
    { states: [state(1, true), state(2, false), state(4, false)] },
  ];
  const expected = [
    { id: 1, datetime: at(1), usableShare: 1 },
    { id: 2, datetime: at(2), usableShare: 0.25 },
    { id: 4, datetime: at(4), usableShare: 0 },
  ];

  it('gives each look its usable chips over every chip with a series', () => {
    const one = new LookCoverTally(3);
    one.add(series);
    expect(one.covers()).toEqual(expected);
  });

  it('gives the same shares when the chips come in batches', () => {
    const batched = new LookCoverTally(3);
    batched.add(series.slice(0, 1));
    batched.add(series.slice(1, 3));
    batched.add(series.slice(3));
    expect(batched.covers()).toEqual(expected);
  });
});
