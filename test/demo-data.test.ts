import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fromFile, fromUrl } from 'geotiff';
import proj4 from 'proj4';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  encodeCog,
  generateDemoSeries,
  truthChips,
  writeCog,
  type DemoManifest,
} from '../src/demo-data/index.ts';
import { buildLandscape, Cover } from '../src/demo-data/landscape.ts';
import { InputError } from '../src/errors.ts';

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'driftwatch-demo-'));
  temps.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** A 300 × 200 uint16 ramp with a nodata block, so that tiles, edges and overviews are all exercised. */
function ramp(width: number, height: number): Uint16Array {
  const data = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = 1 + x * 7 + y * 311;
  for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) data[y * width + x] = 0;
  return data;
}

const RASTER = {
  width: 300,
  height: 200,
  epsg: 32633,
  originX: 471_040,
  originY: 5_800_960,
  resolution: 10,
  nodata: 0,
};

describe('writeCog', () => {
  it('round-trips exact uint16 values, bbox, EPSG and nodata through geotiff.fromFile, whole and windowed', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ramp.tif');
    const data = ramp(300, 200);
    await writeCog(path, { ...RASTER, data }, { tileSize: 128, overviews: true });
    const tiff = await fromFile(path);
    expect(await tiff.getImageCount()).toBe(2);
    const image = await tiff.getImage();
    expect([image.getWidth(), image.getHeight()]).toEqual([300, 200]);
    expect([image.getTileWidth(), image.getTileHeight()]).toEqual([128, 128]);
    expect(image.getBoundingBox()).toEqual([471_040, 5_798_960, 474_040, 5_800_960]);
    expect(image.getResolution()).toEqual([10, -10, 0]);
    expect(image.getGeoKeys()?.ProjectedCSTypeGeoKey).toBe(32633);
    expect(image.getGDALNoData()).toBe(0);
    const whole = (await image.readRasters())[0] as Uint16Array;
    expect(Array.from(whole)).toEqual(Array.from(data));
    // A window across four tiles, including the partial right and bottom edge tiles.
    const window = (await image.readRasters({ window: [120, 100, 300, 200] }))[0] as Uint16Array;
    expect(window.length).toBe(180 * 100);
    expect(window[0]).toBe(1 + 120 * 7 + 100 * 311);
    expect(window[180 * 100 - 1]).toBe(1 + 299 * 7 + 199 * 311);
    expect(window[50 * 180 + 17]).toBe(1 + 137 * 7 + 150 * 311);
  });

  it('writes a half-resolution overview averaging valid pixels only', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ramp.tif');
    const data = ramp(300, 200);
    data[10 * 300 + 10] = 0; // one nodata pixel in block (5, 5)
    await writeCog(path, { ...RASTER, data }, { tileSize: 128, overviews: true });
    const overview = await (await fromFile(path)).getImage(1);
    expect([overview.getWidth(), overview.getHeight()]).toEqual([150, 100]);
    const px = (await overview.readRasters())[0] as Uint16Array;
    expect(px[0]).toBe(0); // all four source pixels are nodata
    // Block (7, 3): source x 14..15, y 6..7 -> mean of 1 + 7x + 311y = 1 + 7 * 14.5 + 311 * 6.5 = 2124
    expect(px[3 * 150 + 7]).toBe(2124);
    // Block (5, 5): source (10,10) is nodata; mean of (11,10), (10,11), (11,11).
    const expected = Math.round((1 + 77 + 3110 + (1 + 70 + 3421) + (1 + 77 + 3421)) / 3);
    expect(px[5 * 150 + 5]).toBe(expected);
  });

  it('lays the file out as a COG: IFDs right after the header, tile data after them, offsets ascending', async () => {
    const bytes = await encodeCog({ ...RASTER, data: ramp(300, 200) }, { tileSize: 128, overviews: true });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint16(0, true)).toBe(0x4949);
    expect(view.getUint16(2, true)).toBe(42);
    expect(view.getUint32(4, true)).toBe(8);
    const dir = await tempDir();
    const path = join(dir, 'layout.tif');
    await writeFile(path, bytes);
    const tiff = await fromFile(path);
    const full = await tiff.getImage(0);
    const overview = await tiff.getImage(1);
    const fullOffsets = (await full.fileDirectory.loadValue('TileOffsets')) as number[];
    const overviewOffsets = (await overview.fileDirectory.loadValue('TileOffsets')) as number[];
    expect(fullOffsets.length).toBe(3 * 2);
    expect(overviewOffsets.length).toBe(2 * 1);
    const all = [...overviewOffsets, ...fullOffsets];
    expect(all).toEqual([...all].sort((a, b) => a - b));
    // The second IFD starts where the first ends and before any tile data.
    const secondIfd = view.getUint32(8 + 2 + view.getUint16(8, true) * 12, true);
    expect(secondIfd).toBeGreaterThan(8);
    expect(secondIfd).toBeLessThan(all[0]!);
    expect(full.getTileWidth()).toBe(128);
  });

  it('round-trips uint8 classes without predictor, with nodata 255 and nearest-neighbour overview', async () => {
    const dir = await tempDir();
    const path = join(dir, 'scl.tif');
    const data = new Uint8Array(64 * 48);
    for (let i = 0; i < data.length; i++) data[i] = [4, 5, 6, 8, 9, 3, 10][i % 7]!;
    data[0] = 255;
    await writeCog(
      path,
      { ...RASTER, width: 64, height: 48, data, nodata: 255 },
      { tileSize: 32, overviews: true, resampling: 'nearest', predictor: 1 },
    );
    const tiff = await fromFile(path);
    const image = await tiff.getImage();
    expect(image.getBitsPerSample()).toBe(8);
    expect(image.getGDALNoData()).toBe(255);
    expect(Array.from((await image.readRasters())[0] as Uint8Array)).toEqual(Array.from(data));
    const overview = (await (await tiff.getImage(1)).readRasters())[0] as Uint8Array;
    expect(overview.length).toBe(32 * 24);
    expect(overview[1]).toBe(data[2]); // nearest: the top-left pixel of each 2 × 2 block
    expect(overview[32 + 3]).toBe(data[2 * 64 + 6]);
  });

  it('reads back through HTTP range requests with geotiff.fromUrl', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ramp.tif');
    const data = ramp(300, 200);
    await writeCog(path, { ...RASTER, data }, { tileSize: 128 });
    const size = (await stat(path)).size;
    const ranges: string[] = [];
    const server: Server = createServer((req, res) => {
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      if (!m) {
        res.writeHead(200, { 'content-length': size });
        createReadStream(path).pipe(res);
        return;
      }
      ranges.push(m[0]);
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), size - 1);
      res.writeHead(206, {
        'content-range': `bytes ${start}-${end}/${size}`,
        'content-length': end - start + 1,
      });
      createReadStream(path, { start, end }).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const image = await (await fromUrl(`http://127.0.0.1:${port}/ramp.tif`)).getImage();
      const window = (await image.readRasters({ window: [200, 150, 210, 160] }))[0] as Uint16Array;
      expect(window[0]).toBe(1 + 200 * 7 + 150 * 311);
      expect(window[99]).toBe(1 + 209 * 7 + 159 * 311);
      expect(image.getGeoKeys()?.ProjectedCSTypeGeoKey).toBe(32633);
      expect(ranges.length).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects bad input with an InputError naming the value', async () => {
    const data = ramp(300, 200);
    await expect(encodeCog({ ...RASTER, width: 301, data })).rejects.toThrow(InputError);
    await expect(encodeCog({ ...RASTER, width: 301, data })).rejects.toThrow(
      /60000 samples, expected 301×200 = 60200/,
    );
    await expect(encodeCog({ ...RASTER, data }, { tileSize: 100 })).rejects.toThrow(
      /multiple of 16, got 100/,
    );
    await expect(encodeCog({ ...RASTER, data, epsg: 4326.5 })).rejects.toThrow(/got 4326.5/);
    await expect(encodeCog({ ...RASTER, data, nodata: 70000 })).rejects.toThrow(/0–65535 .* got 70000/);
  });
});

/** Path of a command on PATH, or null. */
function which(command: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const gdalinfo = which('gdalinfo');
if (!gdalinfo) console.warn('gdalinfo not installed: skipping the GDAL check of the COG writer');
describe.skipIf(!gdalinfo)('writeCog read by GDAL', () => {
  it('gdalinfo reads size, CRS, transform, nodata, tiling, overview and exact pixel values', async () => {
    const dir = await tempDir();
    const path = join(dir, 'ramp.tif');
    await writeCog(path, { ...RASTER, data: ramp(300, 200) }, { tileSize: 128, overviews: true });
    const out = spawnSync(gdalinfo!, ['-json', path], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const info = JSON.parse(out.stdout) as {
      size: number[];
      geoTransform: number[];
      coordinateSystem: { wkt: string };
      bands: { type: string; block: number[]; noDataValue: number; overviews: { size: number[] }[] }[];
      metadata: { IMAGE_STRUCTURE?: Record<string, string> };
    };
    expect(info.size).toEqual([300, 200]);
    expect(info.geoTransform).toEqual([471_040, 10, 0, 5_800_960, 0, -10]);
    expect(info.coordinateSystem.wkt).toContain('ID["EPSG",32633]');
    expect(info.bands[0]!.type).toBe('UInt16');
    expect(info.bands[0]!.block).toEqual([128, 128]);
    expect(info.bands[0]!.noDataValue).toBe(0);
    expect(info.bands[0]!.overviews.map((o) => o.size)).toEqual([[150, 100]]);
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', PREDICTOR: '2' });
    const loc = which('gdallocationinfo');
    if (loc) {
      const v = spawnSync(loc, ['-valonly', path, '257', '131'], { encoding: 'utf8' });
      expect(Number(v.stdout.trim())).toBe(1 + 257 * 7 + 131 * 311);
    }
    // GDAL's own COG validator ships with its Python bindings; use it when the Python next to gdalinfo has them.
    const python = join(dirname(gdalinfo!), 'python3');
    const probe = existsSync(python)
      ? spawnSync(python, ['-c', 'import osgeo_utils.samples.validate_cloud_optimized_geotiff'])
      : null;
    if (probe?.status === 0) {
      const v = spawnSync(python, ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', path], {
        encoding: 'utf8',
      });
      expect(v.stdout).toContain('is a valid cloud optimized GeoTIFF');
    } else {
      console.warn('GDAL Python bindings not found next to gdalinfo: COG validator not run');
    }
  });
});

describe('truthChips', () => {
  it('keys chips by the stable grid rule and counts changed fractions per chip', async () => {
    const dir = await tempDir();
    const mask = new Uint8Array(128 * 128);
    // Chip of pixel columns 64..127, rows 0..63: a 32 × 32 block = 25 % changed.
    for (let y = 0; y < 32; y++) for (let x = 64; x < 96; x++) mask[y * 128 + x] = 255;
    // Chip of columns 0..63, rows 64..127: 100 pixels = 2.4 % changed (below 5 %).
    for (let i = 0; i < 100; i++) mask[(64 + Math.floor(i / 10)) * 128 + (i % 10)] = 255;
    await sharp(mask, { raw: { width: 128, height: 128, channels: 1 } })
      .png()
      .toFile(join(dir, 'm.png'));
    const manifest: DemoManifest = {
      seed: 1,
      epsg: 32633,
      resolutionM: 10,
      width: 128,
      height: 128,
      originX: 471_040,
      originY: 5_800_960,
      items: [],
      events: [
        { kind: 'flood', date: '2024-07-01', acquisitionIds: ['a'], firstAcquisition: 'a', mask: 'm.png' },
      ],
      catalog: 'catalog.json',
      area: 'area.geojson',
    };
    // Cell 640 m: col = 471040 / 640 = 736 at the west edge; the top row holds y just below 5800960 -> 9063.
    const [truth] = await truthChips(dir, manifest, 64);
    expect(truth!.positive).toEqual(['EPSG:32633/640/737/9063']);
    expect(truth!.negative).toEqual(['EPSG:32633/640/736/9063', 'EPSG:32633/640/737/9062']);
    const [loose] = await truthChips(dir, manifest, 64, 0.02);
    expect(loose!.positive).toEqual(['EPSG:32633/640/737/9063', 'EPSG:32633/640/736/9062']);
    // 32-px chips (320 m): the block fills chip (col 1473.. , row ..) exactly.
    const [small] = await truthChips(dir, manifest, 32, 0.5);
    expect(small!.positive).toEqual(['EPSG:32633/320/1474/18127']);
    await expect(truthChips(dir, manifest, 0)).rejects.toThrow(/chip size must be a positive integer, got 0/);
    await expect(truthChips(dir, { ...manifest, width: 100 }, 64)).rejects.toThrow(
      /m\.png is 128×128, expected 100×128/,
    );
  });
});

/** Reads one band of one item of a generated series. */
async function band(dir: string, itemId: string, name: string): Promise<Uint16Array | Uint8Array> {
  const image = await (await fromFile(join(dir, 'items', itemId, `${name}.tif`))).getImage();
  return (await image.readRasters())[0] as Uint16Array | Uint8Array;
}

function ratio(a: number, b: number): number {
  return (a - b) / (a + b);
}

async function hashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(
      relative(dir, path),
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    );
  }
  return out;
}

describe('generateDemoSeries', () => {
  let dir = '';
  let manifest: DemoManifest;
  beforeAll(async () => {
    dir = await tempDir();
    manifest = await generateDemoSeries(dir);
  });

  it('writes 12 acquisitions on a 512 px, 10 m UTM 33N grid aligned to 64-px chips', async () => {
    expect(manifest.seed).toBe(42);
    expect([manifest.epsg, manifest.resolutionM, manifest.width, manifest.height]).toEqual([
      32633, 10, 512, 512,
    ]);
    expect(manifest.originX % 640).toBe(0);
    expect(manifest.originY % 640).toBe(0);
    expect(manifest.items.map((i) => i.datetime.slice(0, 10))).toEqual([
      '2024-01-14',
      '2024-02-20',
      '2024-03-17',
      '2024-04-13',
      '2024-05-08',
      '2024-06-09',
      '2024-07-04',
      '2024-07-21',
      '2024-08-15',
      '2024-09-12',
      '2024-10-19',
      '2024-12-05',
    ]);
    expect(manifest.items.filter((i) => i.cloudy).map((i) => i.id)).toEqual([
      'demo-20240220',
      'demo-20240609',
      'demo-20240912',
    ]);
    expect(manifest.events).toEqual([
      {
        kind: 'flood',
        date: '2024-07-01',
        acquisitionIds: ['demo-20240704', 'demo-20240721'],
        firstAcquisition: 'demo-20240704',
        mask: 'truth/flood.png',
      },
      {
        kind: 'burn',
        date: '2024-08-09',
        acquisitionIds: ['demo-20240815', 'demo-20240912', 'demo-20241019', 'demo-20241205'],
        firstAcquisition: 'demo-20240815',
        mask: 'truth/burn.png',
      },
    ]);
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))).toEqual(manifest);
  });

  it('is deterministic: the same seed gives byte-identical files, another seed other pixels', async () => {
    // Two fresh runs at 256 px (the code path of every size) keep this test quick.
    const [first, second, other] = [await tempDir(), await tempDir(), await tempDir()];
    await generateDemoSeries(first, { size: 256 });
    await generateDemoSeries(second, { size: 256 });
    const reseeded = await generateDemoSeries(other, { seed: 7, size: 256 });
    expect([reseeded.seed, reseeded.width, reseeded.height]).toEqual([7, 256, 256]);
    const a = await hashes(first);
    const b = await hashes(second);
    const c = await hashes(other);
    expect(a.size).toBe(12 * 8 + 2 + 3 + 3); // 7 COGs + item JSON per date, 2 event masks, 3 cloud masks, 3 top files
    expect([...b.entries()]).toEqual([...a.entries()]);
    expect(c.get('items/demo-20240114/red.tif')).toMatch(/^[0-9a-f]{64}$/);
    expect(c.get('items/demo-20240114/red.tif')).not.toBe(a.get('items/demo-20240114/red.tif'));
    expect(c.get('truth/flood.png')).not.toBe(a.get('truth/flood.png'));
    // The catalog does not depend on the seed: same items, same footprint.
    expect(c.get('catalog.json')).toBe(a.get('catalog.json'));
    expect((await hashes(dir)).size).toBe(a.size);
  });

  it('rejects a size off the 64-px chip grid and a bad seed', async () => {
    await expect(generateDemoSeries(dir, { size: 500 })).rejects.toThrow(
      /multiple of 64 from 128 to 2048 pixels, got 500/,
    );
    await expect(generateDemoSeries(dir, { seed: -1 })).rejects.toThrow(InputError);
  });

  it('floods fields: MNDWI > 0 and SCL water on every flood pixel while flooded, < 0 before and after', async () => {
    const flood = await readMaskPng(join(dir, 'truth/flood.png'));
    const idx = indices(flood);
    expect(idx.length).toBeGreaterThan(64 * 64 * 3); // several chips' worth
    const land = buildLandscape(512, 42);
    // Fields and meadows only: the river itself is not part of the flood.
    expect(new Set(idx.map((i) => land.cover[i]))).toEqual(new Set([Cover.Field, Cover.Grass]));
    const mndwi = async (id: string) => {
      const [g, s] = [await band(dir, id, 'green'), await band(dir, id, 'swir16')];
      return idx.map((i) => ratio(g[i]!, s[i]!));
    };
    for (const id of manifest.events[0]!.acquisitionIds) {
      expect(Math.min(...(await mndwi(id)))).toBeGreaterThan(0);
      const scl = await band(dir, id, 'scl');
      expect(new Set(idx.map((i) => scl[i]))).toEqual(new Set([6]));
    }
    expect(Math.max(...(await mndwi('demo-20240508')))).toBeLessThan(0); // last clear date before
    expect(Math.max(...(await mndwi('demo-20240815')))).toBeLessThan(0); // receded
  });

  it('burns forest: dNBR >= 0.27 on every burn pixel from the first post-fire date on; unburnt forest stays', async () => {
    const burn = await readMaskPng(join(dir, 'truth/burn.png'));
    const idx = indices(burn);
    expect(idx.length).toBeGreaterThan(64 * 64 * 1.5);
    const nbr = async (id: string, at: number[]) => {
      const [n, s] = [await band(dir, id, 'nir'), await band(dir, id, 'swir22')];
      return at.map((i) => ratio(n[i]!, s[i]!));
    };
    const pre = await nbr('demo-20240721', idx);
    for (const id of manifest.events[1]!.acquisitionIds) {
      const post = await nbr(id, idx);
      expect(Math.min(...post.map((p, k) => pre[k]! - p))).toBeGreaterThanOrEqual(0.27);
    }
    // Pixel (25, 25) lies deep in the north-western forest, outside the burn.
    const forest = [25 * 512 + 25];
    const d = (await nbr('demo-20240721', forest))[0]! - (await nbr('demo-20240815', forest))[0]!;
    expect(Math.abs(d)).toBeLessThan(0.1);
    expect((await band(dir, 'demo-20240815', 'scl'))[forest[0]!]).toBe(4);
  });

  it('cycles fields between bare soil and full cover (NDVI ~0.2 <-> ~0.8) and keeps the town built-up (NDBI > 0)', async () => {
    const land = buildLandscape(512, 42);
    const wheat: number[] = [];
    const urban: number[] = [];
    land.cover.forEach((c, i) => {
      if (c === Cover.Field && land.parcels[land.parcel[i]!]!.crop === 'wheat') wheat.push(i);
      if (c === Cover.Urban) urban.push(i);
    });
    const median = async (id: string, at: number[], a: string, b: string) => {
      const [x, y] = [await band(dir, id, a), await band(dir, id, b)];
      const v = at.map((i) => ratio(x[i]!, y[i]!)).sort((p, q) => p - q);
      return v[Math.floor(v.length / 2)]!;
    };
    expect(await median('demo-20240508', wheat, 'nir', 'red')).toBeGreaterThan(0.75); // spring: full cover
    expect(await median('demo-20240815', wheat, 'nir', 'red')).toBeLessThan(0.25); // harvested: bare soil
    expect(await median('demo-20240704', urban, 'swir16', 'nir')).toBeGreaterThan(0);
    const scl = await band(dir, 'demo-20240815', 'scl');
    expect(new Set(wheat.map((i) => scl[i]))).toEqual(new Set([5]));
  });

  it('marks clouds and shadows in SCL exactly where the cloud masks say, and nowhere on clear dates', async () => {
    const land = buildLandscape(512, 42);
    for (const item of manifest.items) {
      const scl = await band(dir, item.id, 'scl');
      const cloudy = Array.from(scl).filter((c) => c === 8 || c === 9 || c === 10).length;
      expect(Math.round((10000 * cloudy) / scl.length) / 100).toBe(item.cloudCover);
      if (!item.cloudy) {
        expect(Array.from(scl).some((c) => c === 3 || c === 8 || c === 9 || c === 10)).toBe(false);
        continue;
      }
      expect(item.cloudCover).toBeGreaterThan(5);
      const mask = await readMaskPng(join(dir, item.cloudMask!));
      for (let i = 0; i < scl.length; i++) {
        if ((mask[i] === 255) !== [3, 8, 9, 10].includes(scl[i]!))
          throw new Error(`${item.id} pixel ${i}: SCL ${scl[i]}`);
      }
      const blue = await band(dir, item.id, 'blue');
      const thick = indices(Uint8Array.from(scl, (c) => (c === 9 ? 255 : 0)));
      expect(Math.min(...thick.map((i) => blue[i]!))).toBeGreaterThan(4000);
    }
    // The June cloud covers both forest and fields, where it would otherwise look like change.
    const june = await band(dir, 'demo-20240609', 'scl');
    const under = new Set<number>();
    june.forEach((c, i) => {
      if (c === 8 || c === 9) under.add(land.cover[i]!);
    });
    expect(under.has(Cover.Forest) && under.has(Cover.Field)).toBe(true);
  });

  it('leaves the north-east corner off-swath on 2024-10-19: every band 0, SCL 0', async () => {
    const item = manifest.items.find((i) => i.id === 'demo-20241019')!;
    expect(item.noDataPercent).toBeGreaterThan(2);
    const red = await band(dir, item.id, 'red');
    const scl = await band(dir, item.id, 'scl');
    expect([red[511], scl[511]]).toEqual([0, 0]); // top-right pixel
    expect(red[511 * 512]).toBeGreaterThan(0); // bottom-left pixel
    const off = Array.from(scl).filter((c) => c === 0).length;
    expect(Math.round((10000 * off) / scl.length) / 100).toBe(item.noDataPercent);
    expect(Array.from(red).filter((v) => v === 0).length).toBe(off);
  });

  it('writes a static STAC catalog whose items carry the footprint, projection, cloud cover and band assets', async () => {
    const catalog = JSON.parse(await readFile(join(dir, 'catalog.json'), 'utf8')) as {
      type: string;
      links: { rel: string; href: string }[];
    };
    expect(catalog.type).toBe('Catalog');
    const itemLinks = catalog.links.filter((l) => l.rel === 'item').map((l) => l.href);
    expect(itemLinks).toEqual(manifest.items.map((i) => `./items/${i.id}.json`));
    const reflectance = z.object({
      href: z.string().regex(/^\.\/demo-\d{8}\/(blue|green|red|nir|swir16|swir22)\.tif$/),
      type: z.literal('image/tiff; application=geotiff; profile=cloud-optimized'),
      'raster:bands': z.tuple([
        z.object({ scale: z.literal(0.0001), offset: z.literal(0), nodata: z.literal(0) }),
      ]),
    });
    const itemSchema = z.object({
      type: z.literal('Feature'),
      stac_version: z.literal('1.0.0'),
      id: z.string(),
      bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
      geometry: z.object({
        type: z.literal('Polygon'),
        coordinates: z.array(z.array(z.tuple([z.number(), z.number()])).length(5)).length(1),
      }),
      properties: z.object({
        datetime: z.iso.datetime(),
        'eo:cloud_cover': z.number().min(0).max(100),
        'proj:epsg': z.literal(32633),
        'proj:bbox': z.tuple([z.number(), z.number(), z.number(), z.number()]),
        'proj:shape': z.tuple([z.literal(512), z.literal(512)]),
        'proj:transform': z.array(z.number()).length(9),
      }),
      assets: z.object({
        blue: reflectance,
        green: reflectance,
        red: reflectance,
        nir: reflectance,
        swir16: reflectance,
        swir22: reflectance,
        scl: z.object({ href: z.string().regex(/scl\.tif$/) }),
      }),
    });
    const toLonLat = proj4('+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs', 'EPSG:4326');
    const [minx, miny, maxx, maxy] = [471_040, 5_795_840, 476_160, 5_800_960];
    for (const [k, href] of itemLinks.entries()) {
      const item = itemSchema.parse(JSON.parse(await readFile(join(dir, href), 'utf8')));
      const expected = manifest.items[k]!;
      expect(item.id).toBe(expected.id);
      expect(item.properties.datetime).toBe(expected.datetime);
      expect(item.properties['eo:cloud_cover']).toBe(expected.cloudCover);
      expect(item.properties['proj:bbox']).toEqual([minx, miny, maxx, maxy]);
      expect(item.properties['proj:transform']).toEqual([10, 0, minx, 0, -10, maxy, 0, 0, 1]);
      const [lon, lat] = toLonLat.forward([minx, miny]);
      expect(item.geometry.coordinates[0]![0]![0]).toBeCloseTo(lon!, 6);
      expect(item.geometry.coordinates[0]![0]![1]).toBeCloseTo(lat!, 6);
      const corners = [
        [minx, miny],
        [maxx, miny],
        [maxx, maxy],
        [minx, maxy],
      ].map((c) => toLonLat.forward(c));
      const lons = corners.map((c) => c[0]!);
      const lats = corners.map((c) => c[1]!);
      const expectedBbox = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
      item.bbox.forEach((v, i) => expect(v).toBeCloseTo(expectedBbox[i]!, 6));
      for (const asset of Object.values(item.assets)) {
        const file = join(dir, 'items', asset.href);
        const image = await (await fromFile(file)).getImage();
        expect(image.getBoundingBox()).toEqual([minx, miny, maxx, maxy]);
      }
    }
    const area = JSON.parse(await readFile(join(dir, 'area.geojson'), 'utf8')) as {
      geometry: { type: string; coordinates: [number, number][][] };
    };
    expect(area.geometry.type).toBe('Polygon');
    const ring = area.geometry.coordinates[0]!;
    const fromLonLat = proj4('EPSG:4326', '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs');
    for (const [lon, lat] of ring) {
      const [x, y] = fromLonLat.forward([lon, lat]);
      expect(x! > minx && x! < maxx && y! > miny && y! < maxy).toBe(true);
      expect(Math.min(x! - minx, maxx - x!, y! - miny, maxy - y!)).toBeCloseTo(20, 1);
    }
  });

  it('gives chip-level truth: several flood and burn chips, disjoint from the chips no event touches', async () => {
    const truth = await truthChips(dir, manifest, 64);
    expect(truth.map((t) => t.event.kind)).toEqual(['flood', 'burn']);
    const grid = new Set<string>();
    for (let c = 736; c < 744; c++) for (let r = 9056; r < 9064; r++) grid.add(`EPSG:32633/640/${c}/${r}`);
    for (const t of truth) {
      expect(t.positive.length).toBeGreaterThanOrEqual(4);
      for (const key of [...t.positive, ...t.negative]) expect(grid.has(key)).toBe(true);
      expect(t.positive.filter((k) => t.negative.includes(k))).toEqual([]);
    }
    expect(truth[0]!.negative.length).toBeGreaterThan(32);
  });
});

async function readMaskPng(path: string): Promise<Uint8Array> {
  const { data } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

function indices(mask: Uint8Array): number[] {
  const out: number[] = [];
  mask.forEach((v, i) => {
    if (v === 255) out.push(i);
  });
  return out;
}
