import { describe, expect, it } from 'vitest';
import { clearMask } from '../src/detect/cloud-mask.ts';
import { cellOrigin, cellPart, gridLayout, mosaicImage } from '../src/detect/grid-mosaic.ts';
import { sceneClearImages, type GridImage } from '../src/detect/scene-clear-mask.ts';
import type { ImageValue } from '../src/imagery/image.ts';

const BANDS = ['green', 'nir', 'swir16'];
const CLOUD = [0.5, 0.5, 0.4];
// Brightened by 0.17 in green over the field (above a third of the cloud's 0.42), too dark for the cloud rule.
const HAZE = [0.25, 0.35, 0.2];
const FIELD = [0.08, 0.3, 0.15];

/** A 32 × 32 scene: a 6 × 6 cloud at x, y 5–10 in haze over x, y 1–14, field elsewhere. */
function sceneValue(x: number, y: number): number[] {
  if (x >= 5 && x < 11 && y >= 5 && y < 11) return CLOUD;
  if (x >= 1 && x < 15 && y >= 1 && y < 15) return HAZE;
  return FIELD;
}

/** The 16 × 16 chip of the scene whose north-west pixel is (x0, y0), with `bands`. */
function chip(x0: number, y0: number, bands: string[] = BANDS): ImageValue {
  const data = bands.map(() => new Float32Array(16 * 16));
  for (let y = 0; y < 16; y++)
    for (let x = 0; x < 16; x++)
      sceneValue(x0 + x, y0 + y).forEach((v, b) => b < bands.length && (data[b]![y * 16 + x] = v));
  return {
    width: 16,
    height: 16,
    bands,
    data,
    mask: new Uint8Array(256).fill(1),
    crs: null,
    bounds: null,
    scale: 'reflectance',
  };
}

const masked = (m: Uint8Array) => m.reduce((n, v) => n + (v ? 0 : 1), 0);

// The 2 × 2 chips on the grid (rows grow north: row 6 is the northern one), given out of order.
const chips: GridImage[] = [
  { col: 11, row: 5, image: chip(16, 16) },
  { col: 10, row: 6, image: chip(0, 0) },
  { col: 10, row: 5, image: chip(0, 16) },
  { col: 11, row: 6, image: chip(16, 0) },
];

describe('the cloud test over a scene of grid chips (scene-clear-mask.ts)', () => {
  it('misses the cloud chip by chip: its own chip is mostly haze, so its ring is not brighter than the chip', () => {
    expect(masked(clearMask(chips[1]!.image))).toBe(0);
  });

  it('masks the cloud over the mosaic with its 6-pixel margin, 17 × 17 pixels split over the four chips', () => {
    const out = sceneClearImages(chips);
    // North-west chip whole (x, y 0–15), the eastern chip's column x 16, the southern chip's row y 16,
    // and the south-east chip's corner pixel.
    expect(out.map((im) => masked(im.mask))).toEqual([1, 256, 16, 16]);
    const east = out[3]!.mask;
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) expect(east[y * 16 + x]).toBe(x === 0 ? 0 : 1);
    const southEast = out[0]!.mask;
    expect(southEast[0]).toBe(0);
    expect(masked(southEast)).toBe(1);
    // Pixels and bands are the chips' own; only the mask is the mosaic's.
    expect(out[1]!.data).toBe(chips[1]!.image.data);
  });

  it('mosaics each block of cells on its own: with 16-pixel blocks every chip is its own scene', () => {
    const out = sceneClearImages(chips, 16);
    expect(out.map((im) => masked(im.mask))).toEqual([0, 0, 0, 0]);
  });

  it('tests a chip whose bands differ from the first on its own', () => {
    const odd = { col: 11, row: 6, image: chip(16, 0, ['green', 'nir']) };
    const out = sceneClearImages([chips[1]!, odd, chips[2]!]);
    // Without the eastern chip the cloud's margin still covers the north-west chip and the southern row.
    expect(out.map((im) => masked(im.mask))).toEqual([256, 0, 16]);
    expect(out[1]!.mask).toEqual(odd.image.mask);
  });

  it('keeps the invalid pixels of each chip invalid', () => {
    const holed = {
      ...chips[0]!,
      image: { ...chips[0]!.image, mask: new Uint8Array(256).fill(1).fill(0, 200) },
    };
    const out = sceneClearImages([holed, ...chips.slice(1)]);
    // 56 invalid pixels at the end of the south-east chip, plus its corner pixel under the cloud's margin.
    expect(masked(out[0]!.mask)).toBe(57);
  });

  it('returns nothing for no chips', () => {
    expect(sceneClearImages([])).toEqual([]);
  });
});

describe('grid mosaics (grid-mosaic.ts)', () => {
  const cells = [
    { col: 4, row: 9 },
    { col: 6, row: 8 },
  ];
  it('lays out the bounding box of cells: western column, northern row, 3 × 2 cells', () => {
    expect(gridLayout(cells, 2)).toEqual({ col0: 4, rowTop: 9, cols: 3, rows: 2, px: 2 });
  });

  it('puts each chip at its place, north first, and takes it back out; unfilled cells invalid', () => {
    const layout = gridLayout(cells, 2);
    const img = (v: number): ImageValue => ({
      width: 2,
      height: 2,
      bands: ['nir', 'green'],
      data: [Float32Array.of(v, v + 1, v + 2, v + 3), Float32Array.of(-v, -v, -v, -v)],
      mask: Uint8Array.of(1, 1, 0, 1),
      crs: null,
      bounds: null,
      scale: 'reflectance',
    });
    const m = mosaicImage(
      [
        { ...cells[0]!, image: img(10) },
        { ...cells[1]!, image: img(20) },
      ],
      layout,
      ['green', 'nir'],
      { crs: 'EPSG:32633', bounds: null, scale: 'reflectance' },
    );
    expect([m.width, m.height, m.bands, m.crs]).toEqual([6, 4, ['green', 'nir'], 'EPSG:32633']);
    // 6 × 4: (4, 9) is the top-left 2 × 2, (6, 8) the bottom-right one.
    expect(Array.from(m.data[1]!)).toEqual([
      10, 11, 0, 0, 0, 0, 12, 13, 0, 0, 0, 0, 0, 0, 0, 0, 20, 21, 0, 0, 0, 0, 22, 23,
    ]);
    expect(Array.from(m.mask)).toEqual([
      1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1,
    ]);
    expect(cellOrigin(layout, 6, 8)).toBe(16);
    expect(Array.from(cellPart(m.data[1]!, layout, 6, 8))).toEqual([20, 21, 22, 23]);
    expect(Array.from(cellPart(m.mask, layout, 5, 9))).toEqual([0, 0, 0, 0]);
  });
});
