import { describe, expect, it } from 'vitest';
import type { ChipDetection } from '../src/detect/detect-types.ts';
import { detectPairScene, type PairChipDetection } from '../src/detect/pair-detector.ts';
import { mmuPixels } from '../src/detect/mapping-unit.ts';
import { checkWithPair, chooseReferenceLook } from '../src/detect/pair-gate.ts';
import type { ImageValue } from '../src/imagery/image.ts';

const BANDS = ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'];
const VEG = [0.04, 0.07, 0.05, 0.35, 0.2, 0.1];
/** Bare soil after a harvest: NDVI 0.22, NDBI 0.15 (above the vegetation's −0.27). */
const SOIL = [0.08, 0.11, 0.14, 0.22, 0.3, 0.25];
/** A new roof: NDVI 0.08. */
const ROOF = [0.2, 0.22, 0.24, 0.28, 0.45, 0.4];

function image(size: number, pixel: (i: number) => number[]): ImageValue {
  const n = size * size;
  const data = BANDS.map(() => new Float32Array(n));
  for (let i = 0; i < n; i++) {
    const v = pixel(i);
    const shade = 0.7 + 0.6 * (((i * 37) % 256) / 256);
    for (let b = 0; b < BANDS.length; b++) data[b]![i] = shade * v[b]! + 0.002 * (((i * 17 + b * 5) % 7) - 3);
  }
  return {
    width: size,
    height: size,
    bands: BANDS,
    data,
    mask: new Uint8Array(n).fill(1),
    crs: null,
    bounds: null,
    scale: 'reflectance',
  };
}

function monitoring(kind: ChipDetection['kind'], score: number): ChipDetection {
  return {
    score,
    drift: 0.1,
    driftZ: 4,
    promptDeltas: {},
    evidence: {},
    signals: ['spectral'],
    kind,
    confidence: score >= 0.5 ? 'low' : null,
    baselineCount: 5,
  };
}

function pair(
  over: Partial<PairChipDetection> & { evidence: PairChipDetection['evidence'] },
): PairChipDetection {
  return {
    key: 'c',
    usable: true,
    validFraction: 1,
    score: 0.8,
    kind: 'flood',
    confidence: 'low',
    signals: ['spectral'],
    strengths: { change: 0.3, water: 0.8, burn: 0, construction: 0, vegetation: 0, drift: 0, prompt: 0 },
    ...over,
  };
}

const OPTIONS = { threshold: 0.5, chipPixels: 256, minPixels: 10, referenceId: 7 };

describe('minimum mapping unit', () => {
  it('is 0.1 ha in whole pixels: 10 at 10 m, 3 at 20 m, 2 at 30 m', () => {
    expect(mmuPixels(0.1, 10)).toBe(10);
    expect(mmuPixels(0.1, 20)).toBe(3);
    expect(mmuPixels(0.1, 30)).toBe(2);
    expect(mmuPixels(0.001, 30)).toBe(1);
  });
});

describe('monitoring reference look', () => {
  const now = '2024-06-30T00:00:00.000Z';
  const day = (d: number) => new Date(Date.parse(now) - d * 86_400_000).toISOString();
  it('is the latest earlier look within 180 days with at least half the best usable share', () => {
    const looks = [
      { id: 1, datetime: day(200), usableShare: 1 },
      { id: 2, datetime: day(60), usableShare: 1 },
      { id: 3, datetime: day(20), usableShare: 0.3 },
      { id: 4, datetime: day(10), usableShare: 0.6 },
      { id: 5, datetime: day(5), usableShare: 0 },
    ];
    expect(chooseReferenceLook({ datetime: now }, looks)?.id).toBe(4);
    expect(chooseReferenceLook({ datetime: now }, looks.slice(0, 1))).toBeUndefined();
  });
});

describe('pair check of monitoring detections', () => {
  it('confirms a flood the pixels show over at least the mapping unit', () => {
    const checked = checkWithPair(
      monitoring('flood', 0.8),
      pair({ evidence: { change: 1, changedFraction: 0.5, waterGain: 0.5, waterFraction: 0.5 } }),
      OPTIONS,
    );
    expect(checked).toMatchObject({
      kind: 'flood',
      score: 0.8,
      confidence: 'low',
      pairCheck: 'confirmed',
      pairReference: 7,
    });
  });

  it('caps a flood of 9 new-water pixels (under 10) at half the threshold', () => {
    const checked = checkWithPair(
      monitoring('flood', 0.8),
      pair({ evidence: { change: 1, changedFraction: 0.1, waterGain: 0.5, waterFraction: 9 / 256 } }),
      OPTIONS,
    );
    expect(checked).toMatchObject({ kind: 'flood', score: 0.25, confidence: null, pairCheck: 'capped' });
  });

  it('leaves a detection without a usable pair as it was, and says so', () => {
    expect(checkWithPair(monitoring('burn', 0.7), undefined, OPTIONS)).toMatchObject({
      score: 0.7,
      kind: 'burn',
      pairCheck: 'unchecked',
    });
    expect(checkWithPair(monitoring('change', 0.9), undefined, OPTIONS).pairCheck).toBe('not-needed');
    expect(checkWithPair(monitoring('flood', 0.4), undefined, OPTIONS).pairCheck).toBe('not-needed');
  });

  it('confirms vegetation loss only where the chip stands out from its scene', () => {
    const strengths = {
      change: 0.6,
      water: 0,
      burn: 0,
      construction: 0,
      vegetation: 0.7,
      drift: 0,
      prompt: 0,
    };
    const loss = pair({
      kind: 'vegetation-loss',
      strengths,
      evidence: { change: 2, changedFraction: 0.6, ndviLoss: 0.4 },
    });
    expect(checkWithPair(monitoring('vegetation-loss', 0.8), loss, OPTIONS).pairCheck).toBe('confirmed');
    const common = pair({
      kind: 'vegetation-loss',
      strengths: { ...strengths, change: 0.3 },
      evidence: { change: 0.5, changedFraction: 0, ndviLoss: 0.4 },
    });
    expect(checkWithPair(monitoring('vegetation-loss', 0.8), common, OPTIONS)).toMatchObject({
      score: 0.3,
      kind: 'change',
      confidence: null,
      pairCheck: 'capped',
    });
  });

  it('names a field laid bare vegetation loss, not construction, and a new roof construction', () => {
    const chips = Array.from({ length: 16 }, (_, k) => ({
      key: `c${k}`,
      before: image(16, () => VEG),
      after: image(16, (i) => (k === 5 && i < 128 ? SOIL : k === 9 && i < 128 ? ROOF : VEG)),
    }));
    const d = detectPairScene(chips);
    expect(d.chips.filter((c) => c.confidence !== null).map((c) => [c.key, c.kind])).toEqual([
      ['c5', 'vegetation-loss'],
      ['c9', 'construction'],
    ]);
    expect(d.chips[5]!.evidence.builtGain).toBe(0);
    const harvest = checkWithPair(monitoring('construction', 0.9), d.chips[5], OPTIONS);
    expect(harvest).toMatchObject({ score: 0, kind: 'change', confidence: null, pairCheck: 'capped' });
    expect(checkWithPair(monitoring('construction', 0.9), d.chips[9], OPTIONS).pairCheck).toBe('confirmed');
  });
});
