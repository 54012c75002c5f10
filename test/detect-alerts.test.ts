import { describe, expect, it } from 'vitest';
import { clusterAlerts, matchAlert, type ChipDetection, type GridDetection } from '../src/detect/index.ts';

function det(
  score: number,
  kind: ChipDetection['kind'] = 'flood',
  confidence: ChipDetection['confidence'] = 'low',
): ChipDetection {
  return {
    score,
    drift: null,
    driftZ: null,
    promptDeltas: { 'flooded area': score / 2 },
    evidence: {},
    signals: ['spectral'],
    kind,
    confidence: score >= 0.5 ? confidence : null,
    baselineCount: 3,
  };
}
const cell = (col: number, row: number, d: ChipDetection): GridDetection => ({
  key: `EPSG:32633/2560/${col}/${row}`,
  col,
  row,
  detection: d,
});

describe('clusterAlerts', () => {
  it('groups 8-connected chips above threshold and keeps separate clusters apart', () => {
    const out = clusterAlerts([
      cell(0, 0, det(0.6)),
      cell(1, 1, det(0.9, 'flood', 'high')), // diagonal neighbour of (0,0)
      cell(2, 1, det(0.4)), // below threshold
      cell(5, 5, det(0.7, 'burn')),
    ]);
    expect(out).toEqual([
      {
        clusterKey: 'burn:EPSG:32633/2560/5/5',
        kind: 'burn',
        confidence: 'low',
        score: 0.7,
        chipKeys: ['EPSG:32633/2560/5/5'],
        prompts: { 'flooded area': 0.35 },
      },
      {
        clusterKey: 'flood:EPSG:32633/2560/0/0',
        kind: 'flood',
        confidence: 'high',
        score: 0.9,
        chipKeys: ['EPSG:32633/2560/0/0', 'EPSG:32633/2560/1/1'],
        prompts: { 'flooded area': 0.45 },
      },
    ]);
  });

  it('honours a custom threshold', () => {
    expect(clusterAlerts([cell(0, 0, det(0.6))], { threshold: 0.8 })).toEqual([]);
  });
});

describe('matchAlert', () => {
  const cand = clusterAlerts([cell(3, 3, det(0.8)), cell(4, 3, det(0.8))])[0]!;
  it('continues an open alert of the same kind that shares or touches chips', () => {
    expect(matchAlert(cand, [{ id: 7, kind: 'flood', chipKeys: ['EPSG:32633/2560/5/4'] }])).toBe(7);
    expect(matchAlert(cand, [{ id: 8, kind: 'flood', chipKeys: ['EPSG:32633/2560/3/3'] }])).toBe(8);
  });
  it('ignores other kinds, distant chips and other grids', () => {
    expect(
      matchAlert(cand, [
        { id: 1, kind: 'burn', chipKeys: ['EPSG:32633/2560/3/3'] },
        { id: 2, kind: 'flood', chipKeys: ['EPSG:32633/2560/9/9'] },
        { id: 3, kind: 'flood', chipKeys: ['EPSG:32634/2560/3/3'] },
      ]),
    ).toBeUndefined();
  });
  it('prefers the alert with most links', () => {
    expect(
      matchAlert(cand, [
        { id: 1, kind: 'flood', chipKeys: ['EPSG:32633/2560/5/4'] },
        { id: 2, kind: 'flood', chipKeys: ['EPSG:32633/2560/3/3', 'EPSG:32633/2560/4/3'] },
      ]),
    ).toBe(2);
  });
});
