import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import { SpectralEmbedder, SPECTRAL_DIMENSION, SPECTRAL_PROMPTS } from '../src/embed/spectral.ts';
import { BAND_OFFSET, BAND_FEATURES, coverOffset, spectralFeatures } from '../src/embed/spectral-features.ts';
import { constantImage as image } from './helpers/chip-states.ts';

const rgb = { width: 4, height: 4, data: new Uint8Array(48) };
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const water = image({ green: 0.1, nir: 0.02, swir16: 0.01 });

describe('SpectralEmbedder', () => {
  it('has id spectral-v1 and a fixed dimension of 113', () => {
    const e = new SpectralEmbedder();
    expect(e.id).toBe('spectral-v1');
    expect(e.dimension).toBe(113);
    expect(SPECTRAL_DIMENSION).toBe(113);
  });

  it('embeds a pure-water chip as an L2-normalised vector whose water cover is 1 (relative to the anchor)', async () => {
    const [v] = await new SpectralEmbedder().embedImages([{ id: 'w', image: water, rgb }]);
    let norm = 0;
    for (const x of v!) norm += x * x;
    expect(Math.sqrt(norm)).toBeCloseTo(1, 6);
    expect(v![coverOffset('water')]! / v![0]!).toBeCloseTo(1, 6);
    expect(v![coverOffset('vegetation')]).toBe(0);
  });

  it('scores prompts as sigmoid(w·f + b) from cover fractions', async () => {
    const e = new SpectralEmbedder();
    const [v] = await e.embedImages([{ id: 'w', image: water, rgb }]);
    const t = await e.embedTexts(['water', 'flooded area', 'vegetation', 'cloud', 'bare soil']);
    const [s] = e.score([v!], t);
    expect(s![0]).toBeCloseTo(sigmoid(7), 9);
    expect(s![1]).toBeCloseTo(sigmoid(6), 9);
    expect(s![2]).toBeCloseTo(sigmoid(-4), 9);
    expect(s![3]).toBeCloseTo(sigmoid(-4), 9);
    expect(s![4]).toBeCloseTo(sigmoid(-5), 9);
  });

  it('scores a vegetated chip (NDVI 0.6) high on vegetation', async () => {
    const e = new SpectralEmbedder();
    const veg = image({ red: 0.05, green: 0.08, blue: 0.04, nir: 0.2, swir16: 0.12 });
    const [v] = await e.embedImages([{ id: 'v', image: veg, rgb }]);
    const [s] = e.score([v!], await e.embedTexts(['vegetation', 'water']));
    expect(s![0]).toBeCloseTo(sigmoid(6), 9);
    expect(s![1]).toBeCloseTo(sigmoid(-3), 9);
  });

  it('puts RGB-only and 6-band chips in one space, with absent bands flagged 0', () => {
    const a = spectralFeatures('rgb', image({ red: 0.1, green: 0.1, blue: 0.1 }));
    const b = spectralFeatures(
      'six',
      image({ blue: 0.1, green: 0.1, red: 0.1, nir: 0.3, swir16: 0.2, swir22: 0.1 }),
    );
    expect(a.length).toBe(b.length);
    const nirPresent = BAND_OFFSET + 3 * BAND_FEATURES;
    expect(a[nirPresent]).toBe(0);
    expect(b[nirPresent]).toBe(1);
    expect(a[BAND_OFFSET + 2 * BAND_FEATURES + 1]).toBeCloseTo(0.1, 6); // red mean
  });

  it('is deterministic', async () => {
    const e = new SpectralEmbedder();
    const [a] = await e.embedImages([{ id: 'a', image: water, rgb }]);
    const [b] = await e.embedImages([{ id: 'a', image: water, rgb }]);
    expect(Array.from(a!)).toEqual(Array.from(b!));
  });

  it('rejects an unknown prompt, listing the supported ones', async () => {
    const e = new SpectralEmbedder();
    await expect(e.embedTexts(['volcano'])).rejects.toThrow(InputError);
    await expect(e.embedTexts(['volcano'])).rejects.toThrow(/"volcano".*"flooded area"/);
    for (const p of ['flooded area', 'burned area', 'vegetation loss', 'new buildings'])
      expect(SPECTRAL_PROMPTS).toContain(p);
  });

  it('rejects chips without usable bands, with NaN pixels, or all masked, naming the chip', () => {
    expect(() => spectralFeatures('chip-a', image({ vv: 1, vh: 2 }))).toThrow(
      /chip chip-a: none of its bands \[vv, vh\]/,
    );
    const nan = image({ red: 0.1 });
    nan.data[0]![5] = Number.NaN;
    expect(() => spectralFeatures('chip-b', nan)).toThrow(
      /chip chip-b: band red has a non-finite value \(NaN\) at valid pixel 5/,
    );
    expect(() => spectralFeatures('chip-c', image({ red: 0.1 }, 4, new Uint8Array(16)))).toThrow(
      /chip chip-c: all 16 pixels are masked invalid/,
    );
    expect(() => spectralFeatures('chip-c', image({ red: 0.1 }, 4, new Uint8Array(16)))).toThrow(InputError);
  });

  it('ignores NaN at masked pixels', () => {
    const m = new Uint8Array(16).fill(1);
    m[0] = 0;
    const img = image({ red: 0.2 }, 4, m);
    img.data[0]![0] = Number.NaN;
    const f = spectralFeatures('ok', img);
    expect(f[BAND_OFFSET + 2 * BAND_FEATURES + 1]).toBeCloseTo(0.2, 6);
  });
});
