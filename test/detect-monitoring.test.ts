import { describe, expect, it } from 'vitest';
import { detectChip, spectralStats } from '../src/detect/index.ts';
import type { ImageValue } from '../src/imagery/image.ts';
import { envelopePrompts, envelopeStats, MIN_HISTORY } from '../src/detect/baseline.ts';
import { chipScore, contradicted } from '../src/detect/detect-chip.ts';
import { spectralEvidence } from '../src/detect/signals.ts';
import { chipState as state } from './helpers/chip-states.ts';

/** A field through its first year: bare in winter, green in early summer. */
const field = [
  state(
    1,
    '2024-01-10T00:00:00Z',
    { ndvi: 0.2, nbr: 0.05, waterFraction: 0 },
    { embedding: [1, 0, 0], prompts: { 'vegetation loss': 0.8 } },
  ),
  state(
    2,
    '2024-03-10T00:00:00Z',
    { ndvi: 0.3, nbr: 0.1, waterFraction: 0 },
    { embedding: [0.98, 0.2, 0], prompts: { 'vegetation loss': 0.6 } },
  ),
  state(
    3,
    '2024-05-10T00:00:00Z',
    { ndvi: 0.8, nbr: 0.5, waterFraction: 0 },
    { embedding: [0.6, 0.8, 0], prompts: { 'vegetation loss': 0.05 } },
  ),
  state(
    4,
    '2024-06-10T00:00:00Z',
    { ndvi: 0.8, nbr: 0.5, waterFraction: 0 },
    { embedding: [0.6, 0.8, 0], prompts: { 'vegetation loss': 0.05 } },
  ),
];

describe('monitoring detection against the chip envelope', () => {
  it('takes the change-ward extreme of the history: lowest NDVI and NBR (and their tails), highest water and burn fractions and prompts', () => {
    const env = envelopeStats([
      state(1, '2024-01-01T00:00:00Z', {
        ndvi: 0.2,
        nbr: 0.4,
        ndviLow: 0.1,
        nbrLow: 0.3,
        waterFraction: 0.1,
        burnFraction: 0,
        mndwi: -0.5,
      }),
      state(2, '2024-02-01T00:00:00Z', {
        ndvi: 0.6,
        nbr: 0.1,
        ndviLow: 0.5,
        nbrLow: 0.05,
        waterFraction: 0.3,
        burnFraction: 0.02,
      }),
    ]);
    expect(env).toEqual({
      ndvi: 0.2,
      nbr: 0.1,
      ndviLow: 0.1,
      nbrLow: 0.05,
      waterFraction: 0.3,
      burnFraction: 0.02,
    });
    expect(envelopePrompts([field[0]!, field[2]!])).toEqual({ 'vegetation loss': 0.8 });
  });

  it('does not alert on a harvest the field has looked like before (bare in winter), however different from last month', () => {
    const harvest = state(
      5,
      '2024-08-10T00:00:00Z',
      { ndvi: 0.22, nbr: 0.06, waterFraction: 0 },
      { embedding: [0.99, 0.1, 0], prompts: { 'vegetation loss': 0.75 } },
    );
    const d = detectChip(harvest, field);
    expect(d.evidence.ndviLoss).toBeCloseTo(0.2 - 0.22, 12);
    expect(d.evidence.dnbr).toBeCloseTo(0.05 - 0.06, 12);
    expect(d.promptDeltas['vegetation loss']).toBeCloseTo(0.75 - 0.8, 12);
    expect(d.signals).not.toContain('spectral');
    expect(d.signals).not.toContain('prompt');
    expect(d.score).toBe(0); // whatever the drift from the green baseline: drift alone is never an alert
    expect(d.confidence).toBeNull();
  });

  it('alerts on a burn the forest has never shown, measured on the low tail of NBR', () => {
    const forest = [1, 2, 3, 4].map((i) =>
      state(i, `2024-0${i + 1}-01T00:00:00Z`, {
        ndvi: 0.8,
        nbr: 0.55,
        nbrLow: 0.5,
        ndviLow: 0.75,
        waterFraction: 0,
        burnFraction: 0,
      }),
    );
    // 10 % of the chip burnt: the mean barely moves, the 5th percentile drops to a burn scar.
    const d = detectChip(
      state(9, '2024-08-01T00:00:00Z', {
        ndvi: 0.74,
        nbr: 0.49,
        nbrLow: -0.05,
        ndviLow: 0.1,
        waterFraction: 0,
        burnFraction: 0.1,
      }),
      forest,
    );
    expect(d.evidence.dnbr).toBeCloseTo(0.55, 12);
    expect(d.evidence.dnbrClass).toBe('moderate-high');
    expect(d.kind).toBe('burn');
    expect(d.signals).toEqual(['spectral']);
    expect(d.evidence.ndviLoss).toBeCloseTo(0.65, 12);
    // The score is the strongest spectral evidence (the NDVI tail drop); the kind the most specific one.
    expect(d.score).toBeCloseTo(1 - Math.pow(2, -0.65 / 0.25), 12);
    expect(d.confidence).toBe('low');
  });

  it('does not call a darkening without the post-fire spectrum a burn: senescence lowers NBR, char does more', () => {
    const forest = [1, 2, 3, 4].map((i) =>
      state(i, `2024-0${i + 5}-01T00:00:00Z`, { ndvi: 0.85, nbr: 0.7, waterFraction: 0, burnFraction: 0 }),
    );
    // Autumn: NBR down by 0.3 (a moderate-low dNBR), NDVI down by 0.2, not one pixel of char.
    const d = detectChip(
      state(9, '2024-11-15T00:00:00Z', { ndvi: 0.65, nbr: 0.4, waterFraction: 0, burnFraction: 0 }),
      forest,
    );
    expect(d.evidence.dnbr).toBeCloseTo(0.3, 12);
    expect(d.evidence.burnGain).toBe(0);
    expect(d.kind).toBe('change');
    expect(d.signals).toEqual([]);
    expect(d.score).toBeCloseTo(1 - Math.pow(2, -0.2 / 0.25), 12);
    expect(d.confidence).toBeNull();
  });

  it('in its first season, calls an NDVI drop a vegetation loss only where a twentieth of the chip stopped being vegetated', () => {
    const canopy = [1, 2, 3].map((i) =>
      state(i, `2024-0${i + 5}-01T00:00:00Z`, { ndvi: 0.88, ndviLow: 0.8, vegetationFraction: 1 }),
    );
    // Leaf fall: the low tail drops 0.3, every pixel still vegetated.
    const browning = detectChip(
      state(9, '2024-11-15T00:00:00Z', { ndvi: 0.7, ndviLow: 0.5, vegetationFraction: 1 }),
      canopy,
    );
    expect(browning.evidence.ndviLoss).toBeCloseTo(0.3, 12);
    expect(browning.kind).toBe('change');
    expect(browning.score).toBe(0);
    // Felling: the same drop with a tenth of the chip bare.
    const felled = detectChip(
      state(9, '2024-11-15T00:00:00Z', { ndvi: 0.7, ndviLow: 0.5, vegetationFraction: 0.9 }),
      canopy,
    );
    expect(felled.kind).toBe('vegetation-loss');
    expect(felled.signals).toEqual(['spectral']);
    expect(felled.score).toBeCloseTo(1 - Math.pow(2, -0.3 / 0.25), 12);
  });

  it(`needs ${MIN_HISTORY} usable earlier states before it may alert`, () => {
    const short = field.slice(0, MIN_HISTORY - 1);
    const flood = state(9, '2024-07-01T00:00:00Z', { ndvi: 0.1, nbr: 0, waterFraction: 0.9 });
    expect(detectChip(flood, short).score).toBe(0);
    expect(detectChip(flood, field).kind).toBe('flood');
    // Disaster mode has its own pre-event baseline: one state suffices.
    const d = detectChip(flood, short.slice(0, 1), {
      preEvent: { start: '2024-01-01T00:00:00Z', end: '2024-02-01T00:00:00Z' },
    });
    expect(d.evidence.waterGain).toBeCloseTo(0.9, 12);
    expect(d.score).toBeGreaterThan(0.5);
  });

  it('lets a prompt count only where its own measurement fired: where bands can measure a change, they decide', () => {
    expect(contradicted('flood', { waterGain: 0.04 })).toBe(true);
    expect(contradicted('flood', { waterGain: 0.05 })).toBe(false);
    expect(contradicted('burn', { dnbr: 0.1, burnGain: 0.05 })).toBe(false);
    expect(contradicted('burn', { dnbr: 0.27, burnGain: 0 })).toBe(false);
    expect(contradicted('burn', { dnbr: 0.26, burnGain: 0.04 })).toBe(true);
    expect(contradicted('vegetation-loss', { ndviLoss: 0.2 })).toBe(true);
    expect(contradicted('vegetation-loss', {})).toBe(false); // no bands to say otherwise (RGB)
    expect(contradicted('construction', { ndviLoss: -1 })).toBe(false);
  });

  it('does not let weak signals add up: nothing fired, the score is the strongest evidence alone', () => {
    expect(chipScore(0.9, 0.4, 0.45)).toBe(0.45);
    expect(chipScore(0.9, 0, 0.5)).toBe(0.75); // drift corroborates up to the evidence's own strength
    expect(chipScore(0.2, 0.5, 0.5)).toBeCloseTo(1 - 0.5 * 0.5 * 0.8, 12);
  });

  it('summarises the low tail of NDVI and NBR over land pixels only (clouds and water left out)', () => {
    const n = 20;
    const plane = (f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
    // 17 forest pixels, 2 burnt pixels, 1 water pixel.
    const image: ImageValue = {
      width: n,
      height: 1,
      bands: ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'],
      data: [
        plane(() => 0.03),
        plane((i) => (i === 19 ? 0.08 : 0.05)),
        plane((i) => (i < 2 ? 0.1 : 0.03)),
        plane((i) => (i < 2 ? 0.1 : i === 19 ? 0.02 : 0.3)),
        plane((i) => (i < 2 ? 0.25 : i === 19 ? 0.01 : 0.15)),
        plane((i) => (i < 2 ? 0.3 : i === 19 ? 0.005 : 0.1)),
      ],
      mask: new Uint8Array(n).fill(1),
      crs: null,
      bounds: null,
      scale: 'reflectance',
    };
    const s = spectralStats(image);
    expect(s.waterFraction).toBe(0.05);
    expect(s.nbrLow).toBeCloseTo((0.1 - 0.3) / (0.1 + 0.3), 6); // the burnt tenth of the land pixels
    expect(s.ndviLow).toBeCloseTo(0, 6);
    expect(s.nbr).toBeGreaterThan(0.3); // while the chip mean stays that of a forest
    expect(spectralEvidence({ nbrLow: 0.5, nbr: 0.5 }, { nbrLow: s.nbrLow!, nbr: s.nbr! }).dnbr).toBeCloseTo(
      0.5 + 0.5,
      6,
    );
  });
});
