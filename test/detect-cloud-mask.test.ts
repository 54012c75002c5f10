import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearMask, pixelSizeM, spectralCloud } from '../src/detect/cloud-mask.ts';
import { evaluateSetChips } from '../src/detect/evaluate.ts';
import { comparePair } from '../src/detect/compare-pair.ts';
import type { Embedder } from '../src/embed/embedder.ts';
import { SpectralEmbedder } from '../src/embed/spectral.ts';
import { readPair } from '../src/imagery/pair-folder.ts';
import { detectPairScene, normalisedBefore } from '../src/detect/pair-detector.ts';
import type { Bbox, ImageValue } from '../src/imagery/image.ts';

/** A reflectance image of `bands`, each pixel's values from `at(x, y)` in band order. */
function image(
  w: number,
  h: number,
  bands: string[],
  at: (x: number, y: number) => number[],
  mask?: (x: number, y: number) => boolean,
): ImageValue {
  const data = bands.map(() => new Float32Array(w * h));
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      at(x, y).forEach((v, b) => (data[b]![y * w + x] = v));
      m[y * w + x] = mask && !mask(x, y) ? 0 : 1;
    }
  return { width: w, height: h, bands, data, mask: m, crs: null, bounds: null, scale: 'reflectance' };
}

const BANDS = ['green', 'nir', 'swir16'];
const CLOUD = [0.5, 0.5, 0.4];
const FIELD = [0.08, 0.3, 0.15];

const count = (m: Uint8Array) => m.reduce((n, v) => n + v, 0);

describe('clouds seen in the bands (cloud-mask.ts)', () => {
  // 96 × 48: a cloud over the 32 left columns, a bright 4 × 4 roof of the same spectrum at x 70–73, y 20–23.
  const roof = (x: number, y: number) => x >= 70 && x < 74 && y >= 20 && y < 24;
  const scene = image(96, 48, BANDS, (x, y) => (x < 32 || roof(x, y) ? CLOUD : FIELD));

  it('masks the extended cloud, every one of its 32 × 48 pixels, and not the small roof', () => {
    const cloud = spectralCloud(scene)!;
    expect(count(cloud)).toBe(32 * 48);
    for (let y = 0; y < 48; y++) for (let x = 0; x < 96; x++) expect(cloud[y * 96 + x]).toBe(x < 32 ? 1 : 0);
    const clear = clearMask(scene);
    expect(count(clear)).toBe(96 * 48 - 32 * 48);
    expect(clear[22 * 96 + 71]).toBe(1);
  });

  it('masks a small cloud by its halo with a 60 m margin, though it fills no half of a window', () => {
    // 64 × 64 field; a 6 × 6 cloud at x, y 29–34 inside a 3-pixel ring of haze (green 0.25: brightened
    // by 0.17 over the field, above a third of the cloud's 0.42, and too dark for the cloud rule).
    const core = (x: number, y: number) => x >= 29 && x < 35 && y >= 29 && y < 35;
    const haze = (x: number, y: number) => x >= 26 && x < 38 && y >= 26 && y < 38;
    const small = image(64, 64, BANDS, (x, y) =>
      core(x, y) ? CLOUD : haze(x, y) ? [0.25, 0.35, 0.2] : FIELD,
    );
    const cloud = spectralCloud(small)!;
    // Without a georeference the pixels are taken as 10 m: every pixel within 6 of the cloud, x, y 23–40.
    expect(pixelSizeM(small)).toBe(10);
    expect(count(cloud)).toBe(18 * 18);
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++)
        expect(cloud[y * 64 + x]).toBe(x >= 23 && x < 41 && y >= 23 && y < 41 ? 1 : 0);
    // The same scene in UTM at 30 m per pixel: a margin of 2 pixels, x, y 27–36.
    const utm = { ...small, crs: 'EPSG:32633', bounds: [500_000, 0, 500_000 + 64 * 30, 64 * 30] as Bbox };
    expect(pixelSizeM(utm)).toBe(30);
    expect(count(spectralCloud(utm)!)).toBe(10 * 10);
    // The same bright object with a sharp edge is a roof: nothing is masked.
    const roofOnly = image(64, 64, BANDS, (x, y) => (core(x, y) ? CLOUD : FIELD));
    expect(count(spectralCloud(roofOnly)!)).toBe(0);
  });

  it('leaves pixels invalid in the image out of the cloud test', () => {
    const masked = image(
      96,
      48,
      BANDS,
      (x) => (x < 32 ? CLOUD : FIELD),
      (x) => x >= 16,
    );
    expect(count(spectralCloud(masked)!)).toBe(16 * 48);
    expect(count(clearMask(masked))).toBe(96 * 48 - 32 * 48);
  });

  it('makes no test without swir16: an RGB image keeps its own mask', () => {
    const rgb = image(40, 40, ['red', 'green', 'blue'], () => [0.6, 0.6, 0.6]);
    expect(spectralCloud(rgb)).toBeUndefined();
    expect(clearMask(rgb)).toBe(rgb.mask);
  });

  it('does not score a chip whose after image is a cloud, and scores its clear neighbour', () => {
    const before = image(32, 32, BANDS, () => FIELD);
    const detection = detectPairScene([
      { key: 'cloudy', before, after: image(32, 32, BANDS, () => CLOUD) },
      { key: 'clear', before, after: image(32, 32, BANDS, () => FIELD) },
    ]);
    expect(detection.chips.map((c) => [c.key, c.usable, c.validFraction])).toEqual([
      ['cloudy', false, 0],
      ['clear', true, 1],
    ]);
  });
});

describe('new water in the after image radiometry', () => {
  it('maps each compared band of the before image through its relation, and leaves the others', () => {
    const before = image(2, 1, ['green', 'nir'], (x) => [0.1 * (x + 1), 0.5]);
    const out = normalisedBefore(before, { green: { offset: 0.1, gain: 2, sigma: 0.01 } });
    expect(Array.from(out.data[0]!)).toEqual([
      Math.fround(0.1 + 2 * Math.fround(0.1)),
      Math.fround(0.1 + 2 * Math.fround(0.2)),
    ]);
    expect(out.data[1]).toBe(before.data[1]);
    expect(Array.from(before.data[0]!)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  });
});

describe('evaluation leaves unscored chips out and counts them', () => {
  let tmp = '';
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'dw-cloud-eval-'));
  });
  afterAll(async () => rm(tmp, { recursive: true, force: true }));

  async function png(file: string, channels: 1 | 3, fill: (x: number, y: number) => number[]) {
    const data = Buffer.alloc(64 * 64 * channels);
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++) fill(x, y).forEach((v, c) => (data[(y * 64 + x) * channels + c] = v));
    const img = sharp(data, { raw: { width: 64, height: 64, channels } });
    await (channels === 1 ? img.toColourspace('b-w') : img).png().toFile(file);
  }

  it('a flood under a cloud is neither a hit nor a miss: 1 unscored, 1 positive, 2 negatives, AUROC 1', async () => {
    const dir = join(tmp, 'floods', 'p1');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'pair.json'),
      JSON.stringify({ kind: 'flood', bands: ['swir16', 'nir', 'green'], scale: 'uint8 display stretch' }),
    );
    const land = [100, 120, 60];
    // after: the top-left chip floods, the top-right one is under a cloud (labelled flooded too).
    await png(join(dir, 'before.png'), 3, () => land);
    await png(join(dir, 'after.png'), 3, (x, y) =>
      y < 32 && x < 32 ? [10, 20, 50] : y < 32 ? [200, 210, 220] : land,
    );
    await png(join(dir, 'label.png'), 1, (_x, y) => [y < 32 ? 255 : 0]);
    const chips = await evaluateSetChips(join(tmp, 'floods'));
    expect(chips.unscored).toBe(1);
    expect(chips.positive).toEqual([true, false, false]);
    expect(chips.pair).toEqual(['p1', 'p1', 'p1']);
    expect(chips.unscoredByPair).toEqual({ p1: 1 });
    expect(chips.score[0]).toBeCloseTo(0.996991, 6);
    expect(chips.score.slice(1)).toEqual([0, 0]);
    // The water-index rise baseline on the same three chips: MNDWI of the flood − MNDWI of the land.
    const mndwi = (g: number, s: number) => (g - s) / (g + s);
    expect(chips.waterRise![0]).toBeCloseTo(mndwi(50, 10) - mndwi(60, 100), 6);
    expect(chips.waterRise!.slice(1)).toEqual([0, 0]);
    // Every labelled chip is a row, the one under the cloud too (not scored: no score, kind or strengths).
    expect(
      chips.rows.map((r) => [r.x, r.y, r.changedShare, r.positive, r.scored, r.kind, r.confidence]),
    ).toEqual([
      [0, 0, 1, true, true, 'flood', 'highest'],
      [32, 0, 1, true, false, null, null],
      [0, 32, 0, false, true, 'change', null],
      [32, 32, 0, false, true, 'change', null],
    ]);
    expect(chips.rows[0]!.score).toBe(chips.score[0]);
    expect(chips.rows[1]!.score).toBeNull();
    expect(chips.rows[1]!.strengths).toBeNull();
    expect(chips.rows[0]!.waterRise).toBe(chips.waterRise![0]);
  });

  it('compare embeds only the chips the detector scores: the chip under the cloud is not embedded', async () => {
    const spectral = new SpectralEmbedder();
    const embedded: string[] = [];
    const counting: Embedder = {
      id: spectral.id,
      dimension: spectral.dimension,
      embedImages: (chips, o) => {
        embedded.push(...chips.map((c) => c.id));
        return spectral.embedImages(chips, o);
      },
      embedTexts: (p) => spectral.embedTexts(p),
      score: (v, t) => spectral.score(v, t),
      close: () => spectral.close(),
    };
    const cmp = await comparePair(await readPair(join(tmp, 'floods', 'p1')), { embedder: counting });
    expect(embedded).toEqual([
      'p1@0,0/before',
      'p1@0,32/before',
      'p1@32,32/before',
      'p1@0,0/after',
      'p1@0,32/after',
      'p1@32,32/after',
    ]);
    expect(cmp.chips.map((c) => [c.x, c.y, c.usable, c.drift === null])).toEqual([
      [0, 0, true, false],
      [32, 0, false, true],
      [0, 32, true, false],
      [32, 32, true, false],
    ]);
  });
});
