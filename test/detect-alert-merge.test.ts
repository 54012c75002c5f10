/** The alert-merge rule on its own: which open alert a cluster continues, and what the merge keeps. */
import { describe, expect, it } from 'vitest';
import { mergeAlert, type OpenAlert } from '../src/detect/alert-merge.ts';
import type { AlertCandidate } from '../src/detect/cluster.ts';

const grid = 'EPSG:32633/320';
const candidate: AlertCandidate = {
  clusterKey: `flood:${grid}/5/5`,
  kind: 'flood',
  confidence: 'high',
  score: 0.7,
  chipKeys: [`${grid}/5/5`, `${grid}/6/5`],
  prompts: { 'flooded area': 0.3, 'burned area': 0.05 },
};
const open: OpenAlert = {
  id: 7,
  kind: 'flood',
  chipKeys: [`${grid}/4/5`],
  confidence: 'low',
  score: 0.9,
  prompts: { 'flooded area': 0.4 },
  firstAcquisitionId: 1,
};

describe('mergeAlert', () => {
  it('continues the touching open alert of its kind: chip union, higher confidence and score, larger prompt deltas', () => {
    expect(mergeAlert(candidate, [open], 2, { cellKm2: 0.1 })).toEqual({
      action: 'continue',
      id: 7,
      kind: 'flood',
      chipKeys: [`${grid}/4/5`, `${grid}/5/5`, `${grid}/6/5`],
      confidence: 'high',
      score: 0.9,
      prompts: { 'flooded area': 0.4, 'burned area': 0.05 },
      areaKm2: 3 * 0.1,
      keepLargerArea: false,
    });
  });

  it('keeps the larger area when the caller counted it in pixels', () => {
    const merge = mergeAlert(candidate, [open], 2, { cellKm2: 0.1, affectedKm2: 0.05 });
    expect(merge).toMatchObject({ action: 'continue', areaKm2: 0.05, keepLargerArea: true });
  });

  it('raises a new alert for another kind, a distant cluster, or the acquisition that raised the open one', () => {
    expect(mergeAlert(candidate, [{ ...open, kind: 'burn' }], 2, { cellKm2: 0.1 })).toEqual({
      action: 'raise',
      areaKm2: 2 * 0.1,
    });
    expect(mergeAlert(candidate, [{ ...open, chipKeys: [`${grid}/9/9`] }], 2, { cellKm2: 0.1 }).action).toBe(
      'raise',
    );
    expect(mergeAlert(candidate, [open], 1, { cellKm2: 0.1, affectedKm2: 0.5 })).toEqual({
      action: 'raise',
      areaKm2: 0.5,
    });
  });
});
