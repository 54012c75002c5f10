import { describe, expect, it } from 'vitest';
import { chiSquareCdf, chiSquareQuantile, gammaP } from '../src/detect/chi-square.ts';
import { otsuThreshold } from '../src/detect/otsu.ts';
import { fitBandRelation } from '../src/detect/radiometric.ts';
import {
  detectPairScene,
  MASK_BUILT,
  MASK_BURN_LOW,
  MASK_UNCHANGED,
  MASK_WATER,
} from '../src/detect/pair-detector.ts';
import type { ImageValue } from '../src/imagery/image.ts';
import { BANDS, ROOF, WATER, noise, scene } from './helpers/pair-scene.ts';
import { eventKindOf } from '../src/domain.ts';

describe('chi-square distribution', () => {
  it('gives the tabulated CDF values and quantiles', () => {
    expect(chiSquareCdf(3.841458820694124, 1)).toBeCloseTo(0.95, 10);
    expect(chiSquareCdf(2 * Math.LN2, 2)).toBeCloseTo(0.5, 12);
    expect(chiSquareQuantile(0.999, 6)).toBeCloseTo(22.457744484825323, 6);
    expect(chiSquareQuantile(0.999, 3)).toBeCloseTo(16.26623619623813, 6);
    expect(gammaP(1, 1)).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(chiSquareCdf(0, 4)).toBe(0);
    expect(() => chiSquareQuantile(1, 3)).toThrow('p = 1');
  });
});

describe('Otsu threshold', () => {
  it('cuts a two-valued histogram right above its lower value', () => {
    expect(otsuThreshold([0, 0, 0, 0, 10, 10, 10])).toBe(10 / 256);
  });
  it('puts the cut of two separated clusters between them', () => {
    const v = [1, 1.1, 0.9, 1.05, 0.95, 5, 5.1, 4.9];
    const t = otsuThreshold(v);
    expect(v.filter((x) => x > t)).toEqual([5, 5.1, 4.9]);
  });
  it('is NaN without two distinct finite values', () => {
    expect(otsuThreshold([3, 3, Number.NaN])).toBeNaN();
  });
});

describe('relative radiometric normalisation', () => {
  it('recovers gain and offset over pseudo-invariant pixels, ignoring changed ones', () => {
    const x = Float32Array.from({ length: 110 }, (_, i) => 0.01 * (i % 100) + 0.05);
    const y = Float32Array.from(x, (v, i) => (i >= 100 ? v + 0.5 : 0.02 + 1.1 * v));
    const rel = fitBandRelation(x, y, new Uint8Array(110).fill(1), 0.005);
    expect(rel.gain).toBeCloseTo(1.1, 5);
    expect(rel.offset).toBeCloseTo(0.02, 5);
    expect(rel.sigma).toBe(0.005);
  });
});

describe('pair detector', () => {
  it('alerts on the one chip whose half turned to roofs, as construction, and on no other', () => {
    const d = detectPairScene(
      scene((k, i) => (k === 5 && i < 128 ? ROOF : null)),
      { keepMasks: true },
    );
    expect(d.chips.filter((c) => c.confidence !== null).map((c) => [c.key, c.kind])).toEqual([
      ['c5', 'construction'],
    ]);
    const c5 = d.chips[5]!;
    // The NDBI rise names the kind; it does not corroborate the change (two images cannot tell a building
    // site from a season), so change is the one signal and the confidence is low.
    expect(c5.signals).toEqual(['change']);
    expect(c5.confidence).toBe('low');
    expect(c5.evidence.changedFraction).toBe(128 / 256);
    expect(c5.mask![0]).toBe(MASK_BUILT);
    expect(c5.mask![255]).toBe(MASK_UNCHANGED);
    expect(c5.mask!.filter((v) => v === MASK_BUILT)).toHaveLength(128);
    expect(d.chips[4]!.mask!.every((v) => v === MASK_UNCHANGED)).toBe(true);
    expect(d.scene.floor).toBeCloseTo(Math.log1p(22.457744484825323 / 6), 6);
    expect(d.scene.bands).toEqual(BANDS);
  });

  it('calls new water a flood, and water that was there before nothing', () => {
    const d = detectPairScene(
      scene(
        (k, i) => ((k === 2 || k === 9) && i < 96 ? WATER : null),
        (k, i) => (k === 9 && i < 96 ? WATER : null),
      ),
      { keepMasks: true },
    );
    expect(d.chips.filter((c) => c.confidence !== null).map((c) => [c.key, c.kind])).toEqual([
      ['c2', 'flood'],
    ]);
    expect(d.chips[2]!.evidence.waterFraction).toBe(96 / 256);
    expect(d.chips[9]!.evidence.waterFraction).toBe(0);
    const water = (k: number) =>
      [...d.chips[k]!.mask!.keys()].filter((i) => d.chips[k]!.mask![i] === MASK_WATER);
    expect(water(2)).toEqual([...Array(96).keys()]);
    expect(water(9)).toEqual([]);
    expect(d.chips[9]!.score).toBeLessThan(0.5);
  });

  it('scores a flood event by new water alone: new roofs and a burn stay below the threshold, the flood alerts', () => {
    const CHAR = [0.03, 0.04, 0.05, 0.08, 0.12, 0.14];
    const after = (k: number, i: number) =>
      k === 2 && i < 96 ? WATER : k === 5 && i < 128 ? ROOF : k === 6 && i < 128 ? CHAR : null;
    const any = detectPairScene(scene(after));
    const flood = detectPairScene(scene(after), { event: 'flood' });
    const burn = detectPairScene(scene(after), { event: 'burn' });
    const alerts = (d: typeof any) =>
      d.chips.filter((c) => c.confidence !== null).map((c) => [c.key, c.kind]);
    expect(alerts(any)).toEqual([
      ['c2', 'flood'],
      ['c5', 'construction'],
      ['c6', 'burn'],
    ]);
    expect(alerts(flood)).toEqual([['c2', 'flood']]);
    expect(alerts(burn)).toEqual([['c6', 'burn']]);
    // The evidence is the same whatever the event: only the score follows the event's own strength.
    expect(flood.chips[5]!.strengths).toEqual(any.chips[5]!.strengths);
    expect(flood.chips[5]!.score).toBe(any.chips[5]!.strengths.water);
    expect(flood.chips[2]!.score).toBe(any.chips[2]!.score);
  });

  it('scores any change when the bands cannot show the event: a burn or a flood named for RGB imagery', () => {
    const rgb = (img: ImageValue): ImageValue => ({
      ...img,
      bands: ['red', 'green', 'blue'],
      data: [img.data[2]!, img.data[1]!, img.data[0]!],
    });
    const chips = scene((k, i) => (k === 5 && i < 128 ? ROOF : null)).map((c) => ({
      ...c,
      before: rgb(c.before),
      after: rgb(c.after),
    }));
    const any = detectPairScene(chips);
    expect(any.chips.filter((c) => c.confidence !== null).map((c) => c.key)).toEqual(['c5']);
    for (const event of ['burn', 'flood'] as const) {
      const d = detectPairScene(chips, { event });
      expect(d.chips.map((c) => [c.score, c.kind])).toEqual(any.chips.map((c) => [c.score, c.kind]));
    }
  });

  it('reads the event kind a free-text kind of change names', () => {
    expect(
      [
        'flood',
        ' Flooding ',
        'inundation',
        'fire',
        'wildfire',
        'burn-scar',
        'urban-change',
        '',
        undefined,
      ].map(eventKindOf),
    ).toEqual(['flood', 'flood', 'flood', 'burn', 'burn', 'burn', undefined, undefined, undefined]);
  });

  it('marks burnt pixels by USGS dNBR class: char as high, scorched canopy as moderate-high', () => {
    // NBR of VEG (0.35 − 0.1) / 0.45 = 0.556; of CHAR −0.273 (dNBR 0.83), of SCORCHED −0.032 (dNBR 0.59).
    const CHAR = [0.03, 0.04, 0.05, 0.08, 0.12, 0.14];
    const SCORCHED = [0.04, 0.05, 0.06, 0.15, 0.17, 0.16];
    const d = detectPairScene(
      scene((k, i) => (k === 6 ? (i < 64 ? CHAR : i < 128 ? SCORCHED : null) : null)),
      { keepMasks: true },
    );
    expect(d.chips.filter((c) => c.confidence !== null).map((c) => [c.key, c.kind])).toEqual([
      ['c6', 'burn'],
    ]);
    const mask = d.chips[6]!.mask!;
    const where = (code: number) => [...mask.keys()].filter((i) => mask[i] === code);
    expect(where(MASK_BURN_LOW + 3)).toEqual([...Array(64).keys()]);
    expect(where(MASK_BURN_LOW + 2)).toEqual([...Array(64).keys()].map((i) => 64 + i));
    expect(where(MASK_UNCHANGED)).toEqual([...Array(128).keys()].map((i) => 128 + i));
  });

  it('raises nothing on a scene whose two dates differ only by noise and a radiometric gain', () => {
    const rand = noise(11);
    const chips = scene(() => null).map((c) => ({
      ...c,
      after: {
        ...c.after,
        data: c.after.data.map((p) => Float32Array.from(p, (v) => 1.08 * v + 0.01 + 0.001 * rand())),
      },
    }));
    const d = detectPairScene(chips);
    expect(d.chips.filter((c) => c.confidence !== null)).toEqual([]);
    expect(d.scene.relations.nir!.gain).toBeCloseTo(1.08, 2);
    expect(d.scene.relations.nir!.offset).toBeCloseTo(0.01, 2);
  });

  it('does not score chips with under half their pixels valid', () => {
    const chips = scene(() => null);
    chips[0]!.after.mask.fill(0, 0, 200);
    const d = detectPairScene(chips);
    expect(d.chips[0]).toMatchObject({ usable: false, score: 0, confidence: null, evidence: {} });
    expect(d.chips[1]!.usable).toBe(true);
  });
});
