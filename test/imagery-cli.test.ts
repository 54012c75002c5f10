import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasGdal, makeCog, withProjectedCode } from './helpers/cog-fixtures.ts';
import { dn10, SCENE } from './helpers/imagery-scene.ts';
import { openRaster, stretchReflectance } from '../src/imagery/index.ts';

const run = promisify(execFile);
const gdal = hasGdal();
if (!gdal) console.warn('gdal_translate not found (apt-get install gdal-bin): CLI chips tests skipped');
const ROOT = join(import.meta.dirname, '..');
const RGB_BYTE = join(ROOT, '..', 'shared', 'data', 'rasters', 'RGB.byte.tif');
const shared = existsSync(RGB_BYTE);
if (!shared)
  console.warn(`${RGB_BYTE} is absent (the shared real-data folder): chips on RGB.byte.tif skipped`);
const cli = (args: string[]) =>
  run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
    cwd: ROOT,
  });

describe.skipIf(!gdal)('driftwatch chips', () => {
  let dir: string;
  let tif: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-cli-'));
    tif = makeCog(dir, 'stack', {
      ...SCENE,
      res: 10,
      bands: 3,
      type: 'UInt16',
      nodata: 0,
      descriptions: ['B02', 'B03', 'B04'],
      value: (b, x, y) => dn10(b, x, y),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object per chip of the raster footprint and writes their PNGs', async () => {
    const out = join(dir, 'png');
    const { stdout } = await cli(['chips', tif, '--json', '--out', out]);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(12);
    expect(lines[0]!.key).toBe('EPSG:32633/2560/194/1954');
    const inner = lines.find((l) => l.key === 'EPSG:32633/2560/195/1953')!;
    expect(inner.crs).toBe('EPSG:32633');
    expect(inner.bounds).toEqual([499200, 4999680, 501760, 5002240]);
    expect(inner.validFraction).toBe(1);
    expect(inner.usable).toBe(true);
    expect(inner.bands).toEqual(['blue', 'green', 'red']);
    expect((inner.lonlatBounds as number[])[0]).toBeCloseTo(14.98977, 4);
    const corner = lines.find((l) => l.key === 'EPSG:32633/2560/194/1952')!;
    expect(corner.validFraction).toBe((10 * 168) / 65536);
    expect(readdirSync(out).sort()).toHaveLength(12);
    const png = await sharp(join(out, 'EPSG-32633_2560_195_1953.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(png.info).toMatchObject({ width: 256, height: 256, channels: 3 });
    // Pixel (0, 0) is source pixel (20, 76): the fixed stretch of its red, green, blue reflectances.
    expect([...png.data.subarray(0, 3)]).toEqual(
      [dn10(2, 20, 76), dn10(1, 20, 76), dn10(0, 20, 76)].map((d) => stretchReflectance(d * 1e-4)),
    );
  });

  it('names the bands of a plain GeoTIFF with --bands and renders them in true colour', async () => {
    const plain = makeCog(dir, 'plain', {
      ...SCENE,
      width: 256,
      height: 256,
      res: 10,
      bands: 3,
      type: 'UInt16',
      value: (b, x, y) => (b === 0 ? 500 + x : b === 1 ? 600 + y : 700),
    });
    const reader = openRaster(plain);
    expect((await reader.info()).bands).toEqual(['b1', 'b2', 'b3']);
    await reader.close();
    const out = join(dir, 'png-plain');
    const { stdout } = await cli(['chips', plain, '--json', '--out', out, '--bands', 'B4,green,blue']);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The raster spans x 499000…501560, y 5000440…5003000: cols 194…195, rows 1953…1954 of 2560 m cells.
    expect(lines.map((l) => l.key)).toEqual([
      'EPSG:32633/2560/194/1954',
      'EPSG:32633/2560/195/1954',
      'EPSG:32633/2560/194/1953',
      'EPSG:32633/2560/195/1953',
    ]);
    expect(lines.every((l) => JSON.stringify(l.bands) === '["red","green","blue"]')).toBe(true);
    // Cell 195/1953 starts at x 499200, y 5002240: source pixel (20, 76) of the raster (x 499000, y 5003000).
    const png = await sharp(join(out, 'EPSG-32633_2560_195_1953.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([...png.data.subarray(0, 3)]).toEqual([520, 676, 700].map((d) => stretchReflectance(d * 1e-4)));
  });

  it('refuses --bands naming fewer bands than the file has, naming both', async () => {
    const err = (await cli(['chips', tif, '--bands', 'red,green']).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(
      `InputError: --bands "red,green" names 2 band(s) but ${tif} has 3: name each band in file order`,
    );
  });

  it('refuses a resolution that is not a positive number, naming it', async () => {
    const err = (await cli(['chips', tif, '--resolution', '-5']).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('InputError: --resolution must be a positive number, got "-5"');
  });

  it('refuses a raster in an unknown EPSG code with a CrsError naming the code', async () => {
    const path = withProjectedCode(dir, 'unknown-code', 9999);
    const err = (await cli(['chips', path]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(
      `CrsError: raster ${path}: unknown CRS EPSG:9999: the EPSG index (epsg-index) has no such code`,
    );
  });

  it('reports a missing raster with its path and exit code 2', async () => {
    const missing = join(dir, 'nope.tif');
    const err = (await cli(['chips', missing]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(`RasterError: cannot open raster file ${missing}`);
  });
});

describe.skipIf(!shared)('driftwatch chips on a real Landsat scene with no options', () => {
  it('cuts RGB.byte.tif (EPSG:32618, 300 m) at its own resolution over its own outline', async () => {
    const { stdout, stderr } = await cli(['chips', RGB_BYTE, '--json']);
    expect(stderr).toContain("chips: 300 m pixels (the input's own; --resolution to change)");
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; crs: string; bounds: number[]; bands: string[] });
    // The raster spans x 101985…339315, y 2611485…2826915: cols 1…4, rows 34…36 of 256 × 300 m = 76.8 km cells.
    const cells = [36, 35, 34].flatMap((row) => [1, 2, 3, 4].map((col) => [col, row] as const));
    expect(lines).toHaveLength(12);
    expect(lines.map((l) => l.key)).toEqual(cells.map(([c, r]) => `EPSG:32618/76800/${c}/${r}`));
    expect(lines.map((l) => l.bounds)).toEqual(
      cells.map(([c, r]) => [c * 76800, r * 76800, (c + 1) * 76800, (r + 1) * 76800]),
    );
    expect(lines.every((l) => l.crs === 'EPSG:32618' && l.bands.join() === 'blue,green,red')).toBe(true);
  });
});
