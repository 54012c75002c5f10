import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasGdal, makeCog } from './helpers/cog-fixtures.ts';
import { dn10, SCENE } from './helpers/imagery-scene.ts';
import { stretchReflectance } from '../src/imagery/index.ts';

const run = promisify(execFile);
const gdal = hasGdal();
if (!gdal) console.warn('gdal_translate not found (apt-get install gdal-bin): CLI chips tests skipped');
const ROOT = join(import.meta.dirname, '..');
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

  it('reports a missing raster with its path and exit code 2', async () => {
    const missing = join(dir, 'nope.tif');
    const err = (await cli(['chips', missing]).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(`RasterError: cannot open raster file ${missing}`);
  });
});
