import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeCog } from '../../src/demo-data/index.ts';
import { noise } from './series-fixture.ts';

const BANDS = ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'] as const;
const FIELD = [0.06, 0.09, 0.1, 0.25, 0.22, 0.14];
const FOREST = [0.03, 0.05, 0.03, 0.3, 0.15, 0.07];
const ROOF = [0.2, 0.22, 0.24, 0.28, 0.32, 0.3];

/** A pixel rectangle [x0, x1) × [y0, y1). */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A rectangle of the after image painted with a spectrum (blue, green, red, nir, swir16, swir22), unlabelled. */
export interface Overlay {
  rect: Rect;
  spectrum: readonly number[];
}

/**
 * Writes an OSCD-like pair folder under `dir`: before.tif and after.tif (6-band uint16 reflectance ×10000,
 * 128 × 128 px at 10 m in UTM 33N, on the 320 m chip grid), label.png on the same pixels and pair.json.
 * Forest west, fields east; `built` rectangles turn to roofs after, and the label marks them; `overlays`
 * (a haze, a cloud) are painted over the after image in order and left out of the label.
 */
export async function writeGeorefPair(
  dir: string,
  built: readonly Rect[],
  overlays: readonly Overlay[] = [],
): Promise<void> {
  const size = 128;
  const originX = 1560 * 320;
  const originY = 15625 * 320;
  mkdirSync(join(dir, 'bands'), { recursive: true });
  const within = (r: Rect, x: number, y: number) => x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1;
  const inside = (x: number, y: number) => built.some((r) => within(r, x, y));
  for (const [t, name] of ['before', 'after'].entries()) {
    const files: string[] = [];
    for (const [b, band] of BANDS.entries()) {
      const data = new Uint16Array(size * size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const over = t === 1 ? overlays.findLast((o) => within(o.rect, x, y)) : undefined;
          const spectrum = over
            ? over.spectrum
            : t === 1 && inside(x, y)
              ? ROOF
              : x < size / 2
                ? FOREST
                : FIELD;
          data[y * size + x] = Math.round(spectrum[b]! * (1 + 0.04 * noise(t * 7 + b, y * size + x)) * 10000);
        }
      }
      const file = join(dir, 'bands', `${name}-${band}.tif`);
      await writeCog(file, {
        width: size,
        height: size,
        data,
        epsg: 32633,
        originX,
        originY,
        resolution: 10,
      });
      files.push(file);
    }
    const vrt = join(dir, 'bands', `${name}.vrt`);
    execFileSync('gdalbuildvrt', ['-q', '-separate', vrt, ...files]);
    execFileSync('gdal_translate', ['-q', '-of', 'GTiff', vrt, join(dir, `${name}.tif`)]);
  }
  const label = Buffer.alloc(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) label[y * size + x] = inside(x, y) ? 255 : 0;
  await sharp(label, { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toFile(join(dir, 'label.png'));
  writeFileSync(
    join(dir, 'pair.json'),
    JSON.stringify({
      kind: 'urban-change',
      bands: [...BANDS],
      scale: 'uint16 top-of-atmosphere reflectance x10000',
      before: '20240401',
      after: '20240901',
    }),
  );
}
