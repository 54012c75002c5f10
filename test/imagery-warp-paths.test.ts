import { describe, expect, it } from 'vitest';
import type { Bbox } from '../src/imagery/image.ts';
import type { RasterInfo } from '../src/imagery/raster-reader.ts';
import { warpWindow, type Resampling } from '../src/imagery/warp.ts';

/** A 40 × 40 px raster at 20 m (uint16, nodata 0, reflectance × 1e-4) with two nodata pixels. */
const SIZE = 40;
const RES = 20;
const OX = 500_000;
const OY = 5_000_000;
const NODATA_AT = [
  [13, 17],
  [10, 8],
];

function raster(kind: 'reflectance' | 'class'): { info: RasterInfo; pixels: Uint16Array } {
  const pixels = new Uint16Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) pixels[y * SIZE + x] = 1000 + ((x * 37 + y * 91 + x * y) % 2000);
  for (const [x, y] of NODATA_AT) pixels[y! * SIZE + x!] = 0;
  const info: RasterInfo = {
    href: 'memory',
    width: SIZE,
    height: SIZE,
    bands: ['b'],
    dataType: 'uint16',
    epsg: 32633,
    crs: 'EPSG:32633',
    bounds: [OX, OY - SIZE * RES, OX + SIZE * RES, OY],
    lonlatBounds: [0, 0, 1, 1],
    resolution: [RES, RES],
    overviews: 0,
    scaling: [
      kind === 'class'
        ? { scale: 1, offset: 0, nodata: null, kind }
        : { scale: 1e-4, offset: 0, nodata: 0, kind },
    ],
  };
  return { info, pixels };
}

/** How the level hands over the window: copied into an array of its own, or in place in the raster's plane. */
type Layout = 'copied' | 'in-place';
const LAYOUTS: Layout[] = ['copied', 'in-place'];

async function warp(
  kind: 'reflectance' | 'class',
  bbox: Bbox,
  size: number,
  resampling: Resampling,
  layout: Layout = 'copied',
): Promise<{ data: Float32Array; mask: Uint8Array; pixels: Uint16Array }> {
  const { info, pixels } = raster(kind);
  const img = await warpWindow({
    href: 'memory',
    info,
    levels: [
      {
        width: SIZE,
        height: SIZE,
        read: async ([x0, y0, x1, y1]) => {
          // In place: the whole raster, as a window inside one stored tile is read from the tile.
          if (layout === 'in-place') return { planes: [pixels], stride: SIZE, offset: y0 * SIZE + x0 };
          const out = new Uint16Array((x1 - x0) * (y1 - y0));
          for (let y = y0; y < y1; y++)
            for (let x = x0; x < x1; x++) out[(y - y0) * (x1 - x0) + x - x0] = pixels[y * SIZE + x]!;
          return { planes: [out], stride: x1 - x0, offset: 0 };
        },
      },
    ],
    origin: [OX, OY],
    targetBbox: bbox,
    targetCrs: 'EPSG:32633',
    width: size,
    height: size,
    samples: [0],
    bandNames: ['b'],
    resampling,
  });
  return { data: img.data[0]!, mask: img.mask, pixels };
}

/**
 * The per-pixel definition on a 10 m grid over the 20 m raster (centres at quarter pixels): bilinear
 * between the four neighbours, nearest where one of them is nodata or outside, nodata invalid.
 */
function expected(
  pixels: Uint16Array,
  bbox: Bbox,
  size: number,
  bilinear: boolean,
  scale: number,
): { data: number[]; mask: number[] } {
  const data: number[] = [];
  const mask: number[] = [];
  const at = (x: number, y: number): number =>
    x >= 0 && y >= 0 && x < SIZE && y < SIZE ? pixels[y * SIZE + x]! : NaN;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const u = (bbox[0] + (i + 0.5) * 10 - OX) / RES;
      const v = (OY - (bbox[3] - (j + 0.5) * 10)) / RES;
      if (!(u >= 0 && v >= 0 && u < SIZE && v < SIZE)) {
        data.push(0);
        mask.push(0);
        continue;
      }
      let val = at(Math.floor(u), Math.floor(v));
      if (bilinear) {
        const bx = Math.floor(u - 0.5);
        const by = Math.floor(v - 0.5);
        const tx = u - 0.5 - bx;
        const ty = v - 0.5 - by;
        const q = [at(bx, by), at(bx + 1, by), at(bx, by + 1), at(bx + 1, by + 1)];
        if (q.every((a) => a === a && a !== 0)) {
          const [a00, a10, a01, a11] = q as [number, number, number, number];
          val = (a00 * (1 - tx) + a10 * tx) * (1 - ty) + (a01 * (1 - tx) + a11 * tx) * ty;
        }
      }
      const invalid = val !== val || (scale !== 1 && val === 0);
      data.push(invalid ? 0 : Math.fround(val * scale));
      mask.push(invalid ? 0 : 1);
    }
  }
  return { data, mask };
}

describe('separable warps of a 20 m band onto a 10 m grid', () => {
  // 30 × 30 target pixels: wholly inside the raster, and straddling its north-west corner.
  const inside: Bbox = [OX + 100, OY - 400, OX + 400, OY - 100];
  const corner: Bbox = [OX - 100, OY - 200, OX + 200, OY + 100];

  it.each(LAYOUTS)(
    'bilinear gives the per-pixel formula on every pixel, nearest next to nodata, inside and across the edge (window %s)',
    async (layout) => {
      for (const bbox of [inside, corner]) {
        const { data, mask, pixels } = await warp('reflectance', bbox, 30, 'bilinear', layout);
        const want = expected(pixels, bbox, 30, true, 1e-4);
        expect(Array.from(data)).toEqual(want.data);
        expect(Array.from(mask)).toEqual(want.mask);
      }
    },
  );

  it('the nodata pixels fall in the window, so some rows take the per-pixel fallback', async () => {
    const { mask } = await warp('reflectance', inside, 30, 'bilinear');
    // Source pixels (13, 17) and (10, 8) are nodata: their 10 m pixels (target columns 16, 17 of rows
    // 24, 25 and columns 10, 11 of rows 6, 7) are the only invalid ones.
    const invalid = Array.from(mask.keys()).filter((k) => mask[k] === 0);
    expect(invalid).toEqual([
      6 * 30 + 10,
      6 * 30 + 11,
      7 * 30 + 10,
      7 * 30 + 11,
      24 * 30 + 16,
      24 * 30 + 17,
      25 * 30 + 16,
      25 * 30 + 17,
    ]);
  });

  it.each(LAYOUTS)(
    'nearest (a class band) gives each source pixel to its 2 × 2 target pixels, rows read once and copied (window %s)',
    async (layout) => {
      for (const bbox of [inside, corner]) {
        const { data, mask, pixels } = await warp('class', bbox, 30, 'nearest', layout);
        const want = expected(pixels, bbox, 30, false, 1);
        expect(Array.from(data)).toEqual(want.data);
        expect(Array.from(mask)).toEqual(want.mask);
      }
    },
  );

  it.each(LAYOUTS)(
    "on the raster's own pixels every target pixel is its source pixel scaled, nodata invalid and 0 (window %s)",
    async (layout) => {
      // 20 × 20 target pixels of 20 m from source column 10, row 10: source pixel (13, 17) is nodata.
      const own: Bbox = [OX + 200, OY - 600, OX + 600, OY - 200];
      for (const resampling of ['bilinear', 'nearest'] as const) {
        const { data, mask, pixels } = await warp('reflectance', own, 20, resampling, layout);
        const want: number[] = [];
        for (let j = 0; j < 20; j++)
          for (let i = 0; i < 20; i++) want.push(Math.fround(pixels[(10 + j) * SIZE + 10 + i]! * 1e-4));
        expect(Array.from(data)).toEqual(want);
        expect(Array.from(mask.keys()).filter((k) => mask[k] === 0)).toEqual([7 * 20 + 3]);
        expect(data[7 * 20 + 3]).toBe(0);
      }
    },
  );
});
