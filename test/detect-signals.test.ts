import { describe, expect, it } from 'vitest';
import { detectChip, dnbrClass, spectralStats, DEFAULT_ALERT_THRESHOLD } from '../src/detect/index.ts';
import { selectBaseline } from '../src/detect/baseline.ts';
import { combineStrengths, spectralEvidence, strength } from '../src/detect/signals.ts';
import { auroc, f1AtThreshold } from '../src/detect/metrics.ts';
import { constantImage as image, chipState as state } from './helpers/chip-states.ts';

describe('spectral signals', () => {
  it('classes dNBR by the USGS breaks 0.10 / 0.27 / 0.44 / 0.66', () => {
    expect([0.05, 0.1, 0.2, 0.27, 0.4, 0.44, 0.6, 0.66, 0.9].map(dnbrClass)).toEqual([
      'unburned',
      'low',
      'low',
      'moderate-low',
      'moderate-low',
      'moderate-high',
      'moderate-high',
      'high',
      'high',
    ]);
  });

  it('summarises a pure-water chip: MNDWI 0.818…, NDWI 0.667, water fraction 1', () => {
    const s = spectralStats(image({ green: 0.1, nir: 0.02, swir16: 0.01 }));
    expect(s.validFraction).toBe(1);
    expect(s.mndwi).toBeCloseTo(0.09 / 0.11, 6);
    expect(s.ndwi).toBeCloseTo(0.08 / 0.12, 6);
    expect(s.waterFraction).toBe(1);
    expect(s.vegetationFraction).toBe(0);
    expect(s.ndvi).toBeUndefined();
  });

  it('gives { validFraction: 0 } for an all-invalid image', () => {
    const img = image({ red: 0.1 });
    img.mask.fill(0);
    expect(spectralStats(img)).toEqual({ validFraction: 0 });
  });

  it('computes dNBR, water gain and NDVI loss between stats', () => {
    const e = spectralEvidence(
      { nbr: 0.6, ndvi: 0.7, waterFraction: 0.1 },
      { nbr: -0.1, ndvi: 0.2, waterFraction: 0.5 },
    );
    expect(e.dnbr).toBeCloseTo(0.7, 12);
    expect(e.dnbrClass).toBe('high');
    expect(e.waterGain).toBeCloseTo(0.4, 12);
    expect(e.ndviLoss).toBeCloseTo(0.5, 12);
  });

  it('maps a value to strength 0.5 at its threshold and combines strengths as 1 − Π(1 − s)', () => {
    expect(strength(0.27, 0.27)).toBe(0.5);
    expect(strength(0.54, 0.27)).toBe(0.75);
    expect(strength(-1, 0.27)).toBe(0);
    expect(combineStrengths([0.5, 0.5])).toBe(0.75);
    expect(combineStrengths([])).toBe(0);
  });
});

describe('detectChip', () => {
  const history = [
    state(1, '2024-06-01T00:00:00Z', { nbr: 0.6, ndvi: 0.7, waterFraction: 0, burnFraction: 0 }),
    state(2, '2024-06-11T00:00:00Z', { nbr: 0.6, ndvi: 0.7, waterFraction: 0, burnFraction: 0 }),
    state(3, '2024-06-21T00:00:00Z', { nbr: 0.6, ndvi: 0.7, waterFraction: 0, burnFraction: 0 }),
  ];

  it('detects a burn (NBR 0.6 → −0.1, 30 % of the chip post-fire spectrum): dNBR 0.7 high, kind burn, score from the strongest spectral evidence', () => {
    const d = detectChip(
      state(4, '2024-07-01T00:00:00Z', { nbr: -0.1, ndvi: 0.5, waterFraction: 0, burnFraction: 0.3 }),
      history,
    );
    expect(d.baselineCount).toBe(3);
    expect(d.drift).toBeCloseTo(0, 12);
    expect(d.driftZ).toBeCloseTo(0, 9);
    expect(d.evidence.dnbr).toBeCloseTo(0.7, 12);
    expect(d.evidence.dnbrClass).toBe('high');
    expect(d.evidence.ndviLoss).toBeCloseTo(0.2, 12);
    expect(d.signals).toEqual(['spectral']);
    expect(d.kind).toBe('burn');
    expect(d.score).toBeCloseTo(1 - Math.pow(2, -0.7 / 0.27), 12);
    expect(d.confidence).toBe('low');
  });

  it('raises highest confidence when drift, prompt and spectral evidence agree on a flood', () => {
    const hist = history.map((h) => ({ ...h, prompts: { 'flooded area': 0.05 } }));
    const cur = state(
      4,
      '2024-07-01T00:00:00Z',
      { nbr: 0.6, ndvi: 0.7, waterFraction: 0.8 },
      {
        embedding: [0.8, 0.6, 0],
        prompts: { 'flooded area': 0.95 },
      },
    );
    const d = detectChip(cur, hist);
    expect(d.drift).toBeCloseTo(0.2, 6);
    expect(d.driftZ).toBeCloseTo(0.2 / 0.005, 4); // history never moved: spread floored at 0.005
    expect(d.promptDeltas['flooded area']).toBeCloseTo(0.9, 12);
    expect(d.evidence.waterGain).toBeCloseTo(0.8, 12);
    expect(d.signals).toEqual(['drift', 'prompt', 'spectral']);
    expect(d.kind).toBe('flood');
    expect(d.confidence).toBe('highest');
  });

  it('uses the documented prior (spread 0.02) with fewer than 3 earlier states', () => {
    const d = detectChip(
      state(4, '2024-07-01T00:00:00Z', {}, { embedding: [0.8, 0.6, 0] }),
      history.slice(0, 1),
    );
    expect(d.driftZ).toBeCloseTo(0.2 / 0.02, 4);
    expect(d.baselineCount).toBe(1);
  });

  it('never scores an unusable or mostly cloudy chip, and gives score 0 without a baseline', () => {
    const bad = detectChip(
      state(4, '2024-07-01T00:00:00Z', { nbr: -0.5 }, { usable: false, embedding: null }),
      history,
    );
    expect(bad.score).toBe(0);
    expect(bad.confidence).toBeNull();
    const cloudy = detectChip(state(4, '2024-07-01T00:00:00Z', { nbr: -0.5, cloudFraction: 0.9 }), history);
    expect(cloudy.score).toBe(0);
    const first = detectChip(state(1, '2024-07-01T00:00:00Z', { nbr: -0.5 }), []);
    expect(first.baselineCount).toBe(0);
    expect(first.score).toBe(0);
  });

  it('skips cloudy states in the baseline, keeps only the last K, and honours a pre-event window', () => {
    const h = [
      ...history,
      state(5, '2024-06-25T00:00:00Z', { cloudFraction: 0.8 }),
      state(6, '2024-06-26T00:00:00Z', {}, { usable: false, embedding: null }),
    ];
    const cur = state(9, '2024-07-01T00:00:00Z', {});
    expect(selectBaseline(cur, h).map((s) => s.acquisitionId)).toEqual([3, 2, 1]);
    expect(selectBaseline(cur, h, { baselineSize: 2 }).map((s) => s.acquisitionId)).toEqual([3, 2]);
    expect(
      selectBaseline(cur, h, {
        preEvent: { start: '2024-06-05T00:00:00Z', end: '2024-06-30T00:00:00Z' },
      }).map((s) => s.acquisitionId),
    ).toEqual([3, 2]);
  });

  it('prefers the same season of earlier years when there are at least two such states', () => {
    const h = [
      state(1, '2022-07-10T00:00:00Z', {}),
      state(2, '2023-06-20T00:00:00Z', {}),
      state(3, '2024-01-15T00:00:00Z', {}),
      state(4, '2024-03-15T00:00:00Z', {}),
    ];
    const cur = state(9, '2024-07-01T00:00:00Z', {});
    expect(selectBaseline(cur, h).map((s) => s.acquisitionId)).toEqual([2, 1]);
    expect(selectBaseline(cur, h.slice(1)).map((s) => s.acquisitionId)).toEqual([4, 3, 2]);
  });

  it('absorbs a chip that always swings: a field whose history varies does not alarm', () => {
    const swings = [0, 1, 2, 3, 4, 5].map((i) =>
      state(i, `2024-0${i + 1}-01T00:00:00Z`, {}, { embedding: i % 2 ? [0.8, 0.6, 0] : [1, 0, 0] }),
    );
    const d = detectChip(state(9, '2024-08-01T00:00:00Z', {}, { embedding: [0.8, 0.6, 0] }), swings);
    expect(d.signals).not.toContain('drift');
    expect(d.score).toBeLessThan(DEFAULT_ALERT_THRESHOLD);
  });
});

describe('metrics', () => {
  it('computes AUROC with ties counted half and F1 at a threshold', () => {
    expect(auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(auroc([0.5, 0.5], [false, true])).toBe(0.5);
    expect(f1AtThreshold([0.1, 0.6, 0.7, 0.2], [false, true, false, true], 0.5)).toBe(0.5);
  });

  it('refuses a score that is not a finite number instead of ranking it (it used to loop forever)', () => {
    expect(() => auroc([0.1, Number.NaN, 0.3], [false, true, true])).toThrow(
      'auroc: score 1 is NaN, not a finite number',
    );
    expect(() => auroc([Infinity, 0.2], [true, false])).toThrow('auroc: score 0 is Infinity');
  });
});
