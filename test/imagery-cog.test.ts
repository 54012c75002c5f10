import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutsideRasterError, RasterError, SourceError, SourceUnavailableError } from '../src/errors.ts';
import {
  gridCell,
  gridCellsForArea,
  openRaster,
  parseArea,
  readChips,
  type Acquisition,
  type GridSpec,
} from '../src/imagery/index.ts';
import { hasGdal, makeCog } from './helpers/cog-fixtures.ts';
import { dn10, dn20, writeScene } from './helpers/imagery-scene.ts';
import { startRangeServer, type RangeServer } from './helpers/range-server.ts';

const gdal = hasGdal();
if (!gdal) console.warn('gdal_translate not found (apt-get install gdal-bin): COG tests skipped');

const GRID: GridSpec = { epsg: 32633, chipPx: 256, resolutionM: 10 };
const FAST = { timeoutMs: 300, retries: 2, backoffMs: 5 };
const UTM33 = '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs';

describe.skipIf(!gdal)('COG reading and chips over HTTP', () => {
  let dir: string;
  let server: RangeServer;
  let files: Record<string, string>;
  const acquisition = (over: Partial<Acquisition> = {}): Acquisition => ({
    source: 'test',
    itemId: 'scene-1',
    datetime: '2024-05-01T10:00:00.000Z',
    cloudCover: 3,
    epsg: 32633,
    assets: Object.fromEntries(Object.entries(files).map(([b, f]) => [b, `${server.url}/${f}`])),
    properties: {},
    ...over,
  });
  const sceneArea = () => {
    const ring = [
      [499000, 4998000],
      [506000, 4998000],
      [506000, 5003000],
      [499000, 5003000],
      [499000, 4998000],
    ].map(([x, y]) => proj4(UTM33, 'EPSG:4326', [x!, y!]));
    return parseArea({ type: 'Polygon', coordinates: [ring] });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-cog-'));
    files = writeScene(dir);
    server = await startRangeServer(dir);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('describes a COG read over HTTP from its header', async () => {
    const reader = openRaster(`${server.url}/${files.red}`, { bandNames: ['red'] });
    const info = await reader.info();
    expect(info).toMatchObject({
      width: 700,
      height: 500,
      bands: ['red'],
      dataType: 'uint16',
      epsg: 32633,
      bounds: [499000, 4998000, 506000, 5003000],
      resolution: [10, 10],
    });
    expect(info.scaling[0]).toEqual({ scale: 1e-4, offset: 0, nodata: 0, kind: 'reflectance' });
    await reader.close();
  });

  it('reads a window in the raster CRS with exact pixel values', async () => {
    const reader = openRaster(`${server.url}/${files.red}`);
    const img = await reader.part([499100, 5002000, 499200, 5002100], 'EPSG:32633', {
      width: 10,
      height: 10,
    });
    // Pixel (0, 0) of the window is source pixel (10, 90).
    expect(img.data[0]![0]).toBe(Math.fround(dn10(2, 10, 90) * 1e-4));
    expect(img.data[0]![9 * 10 + 9]).toBe(Math.fround(dn10(2, 19, 99) * 1e-4));
    expect(img.mask.every((m) => m === 1)).toBe(true);
    expect(img.crs).toBe('EPSG:32633');
    await reader.close();
  });

  it('cuts the scene into exactly the grid cells it touches, with exact values, 20 m bands and SCL masking', async () => {
    const cells = gridCellsForArea(sceneArea(), GRID);
    expect(cells.map((c) => `${c.col}/${c.row}`)).toEqual([
      '194/1954',
      '195/1954',
      '196/1954',
      '197/1954',
      '194/1953',
      '195/1953',
      '196/1953',
      '197/1953',
      '194/1952',
      '195/1952',
      '196/1952',
      '197/1952',
    ]);
    const chips = await readChips(acquisition(), cells, GRID, {
      bands: ['blue', 'green', 'red', 'nir', 'swir16'],
    });
    expect(chips).toHaveLength(12);
    const chip = chips.find((c) => c.key === 'EPSG:32633/2560/195/1953')!;
    expect(chip.bounds).toEqual([499200, 4999680, 501760, 5002240]);
    expect(chip.image.bands).toEqual(['blue', 'green', 'red', 'nir', 'swir16']);
    expect(chip.image.width).toBe(256);
    // Chip pixel (0, 0): centre (499205, 5002235) is 10 m pixel (20, 76) and 20 m position (10.25, 38.25).
    expect(chip.image.data[2]![0]).toBe(Math.fround(dn10(2, 20, 76) * 1e-4));
    expect(chip.image.data[0]![0]).toBe(Math.fround(dn10(0, 20, 76) * 1e-4));
    // Bilinear on a linear ramp: 5000 + 9.75 + 3 × 37.75 = 5123.
    expect(chip.image.data[4]![0]).toBeCloseTo(0.5123, 6);
    // SCL cloud (x 501000…502000, y 5001000…5002000) masks 76 columns × 100 rows of this chip, and its
    // 60 m buffer (6 pixels) 6 more columns to the west and 6 more rows to the north and to the south.
    expect(chip.validFraction).toBe((65536 - 82 * 112) / 65536);
    // Row 50 lies in the cloud's rows; column 174 (x 500940…500950) is the buffer's first, 173 is clear.
    expect(chip.image.mask[50 * 256 + 174]).toBe(0);
    expect(chip.image.mask[50 * 256 + 173]).toBe(1);
    // Rows 18 and 129 are the buffer's northernmost and southernmost; 17 and 130 are clear.
    expect([17, 18, 129, 130].map((r) => chip.image.mask[r * 256 + 200])).toEqual([1, 0, 0, 1]);
    expect(chip.image.mask[30 * 256 + 200]).toBe(0);
    expect(chip.image.data[2]![30 * 256 + 200]).toBe(0);
    expect(chip.usable).toBe(true);
    // Partial corner chip: 20 columns inside the scene, of which the first 10 are blue nodata; 168 rows.
    const corner = chips.find((c) => c.key === 'EPSG:32633/2560/194/1952')!;
    expect(corner.validFraction).toBe((10 * 168) / 65536);
    expect(corner.usable).toBe(false);
    expect(corner.rgb.data.length).toBe(256 * 256 * 3);
  });

  it('resamples 20 m bands by nearest neighbour when asked', async () => {
    const cell = gridCell(GRID, 195, 1953);
    const [chip] = await readChips(acquisition(), [cell], GRID, { bands: ['swir16'], resampling: 'nearest' });
    expect(chip!.image.data[0]![0]).toBe(Math.fround(dn20(10, 38) * 1e-4));
    expect(chip!.image.data[0]![1]).toBe(Math.fround(dn20(10, 38) * 1e-4));
    expect(chip!.image.data[0]![2]).toBe(Math.fround(dn20(11, 38) * 1e-4));
  });

  it('fetches only the tiles a window needs', async () => {
    const big = makeCog(dir, 'big', {
      epsg: 32633,
      width: 2048,
      height: 2048,
      originX: 499000,
      originY: 5003000,
      res: 10,
      bands: 1,
      type: 'UInt16',
      compress: 'NONE',
      overviews: 'NONE',
      value: (_b, x, y) => (x + y) % 60000,
    });
    const size = readFileSync(big).length;
    const before = server.bytes.total;
    const reqBefore = server.requests.get('/big.tif') ?? 0;
    const reader = openRaster(`${server.url}/big.tif`);
    // One 256 × 256 window aligned to the tiles: header plus one tile.
    const img = await reader.part(
      [499000 + 2560, 5003000 - 5120, 499000 + 5120, 5003000 - 2560],
      'EPSG:32633',
      { width: 256, height: 256 },
    );
    expect(img.data[0]![0]).toBe(Math.fround((256 + 256) * 1e-4));
    const fetched = server.bytes.total - before;
    expect(size).toBeGreaterThan(8_000_000);
    expect(fetched).toBeLessThan(300_000);
    expect((server.requests.get('/big.tif') ?? 0) - reqBefore).toBeLessThanOrEqual(3);
    await reader.close();
  });

  describe('warping scenes in other CRSs onto the grid matches gdalwarp', () => {
    const cases = [
      { epsg: 4326, originX: 15.0, originY: 45.14, res: 0.0001 },
      { epsg: 32634, originX: 27000, originY: 5018000, res: 10 },
      { epsg: 3857, originX: 1669800, originY: 5639600, res: 12 },
    ];
    it.each(cases)('EPSG:$epsg', async ({ epsg, originX, originY, res }) => {
      const name = `blocks-${epsg}`;
      const path = makeCog(dir, name, {
        epsg,
        originX,
        originY,
        res,
        width: 900,
        height: 900,
        bands: 1,
        type: 'UInt16',
        value: (_b, x, y) => 100 + 10 * Math.floor(x / 40) + Math.floor(y / 40),
      });
      const reader = openRaster(`${server.url}/${name}.tif`);
      const info = await reader.info();
      // A cell well inside the raster.
      const [cx, cy] = proj4('EPSG:4326', UTM33, [
        (info.lonlatBounds[0] + info.lonlatBounds[2]) / 2,
        (info.lonlatBounds[1] + info.lonlatBounds[3]) / 2,
      ]);
      const cell = gridCell(GRID, Math.floor(cx! / 2560), Math.floor(cy! / 2560));
      const [chip] = await readChips(
        { ...acquisition(), assets: { red: `${server.url}/${name}.tif` } },
        [cell],
        GRID,
        { resampling: 'nearest' },
      );
      const ref = join(dir, `${name}-ref.tif`);
      execFileSync('gdalwarp', [
        '-q',
        '-overwrite',
        '-t_srs',
        'EPSG:32633',
        '-te',
        ...cell.bounds.map(String),
        '-ts',
        '256',
        '256',
        '-r',
        'near',
        path,
        ref,
      ]);
      const expected = (await (await (await fromFile(ref)).getImage()).readRasters())[0] as Uint16Array;
      let same = 0;
      for (let i = 0; i < expected.length; i++)
        if (Math.round(chip!.image.data[0]![i]! * 1e4) === expected[i]) same++;
      expect(same / expected.length).toBeGreaterThan(0.99);
      expect(chip!.validFraction).toBe(1);
      await reader.close();
    });
  });

  describe('bad input gives typed errors naming the asset', () => {
    it('a 404 asset is a SourceError naming the URL, not retried', async () => {
      const acq = acquisition({ assets: { ...acquisition().assets, red: `${server.url}/missing-red.tif` } });
      const err = await readChips(acq, [gridCell(GRID, 195, 1953)], GRID, { http: FAST }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SourceError);
      expect((err as Error).message).toContain(`${server.url}/missing-red.tif`);
      expect((err as Error).message).toContain('HTTP 404');
      expect(server.requests.get('/missing-red.tif')).toBe(1);
    });

    it('transient 500s are retried with backoff and then succeed', async () => {
      const f = makeCog(dir, 'flaky', {
        epsg: 32633,
        width: 64,
        height: 64,
        originX: 499200,
        originY: 5002240,
        res: 10,
        bands: 1,
        type: 'UInt16',
        value: () => 1234,
      });
      expect(f).toContain('flaky.tif');
      server.faults.set('/flaky.tif', { status: 500, times: 2 });
      const reader = openRaster(`${server.url}/flaky.tif`, { http: FAST });
      const img = await reader.preview({ maxSize: 64 });
      expect(img.data[0]![0]).toBe(Math.fround(0.1234));
      expect(server.requests.get('/flaky.tif')).toBe(3);
      // The reader counts every request it sent, the two that failed with it.
      expect(reader.requests).toBe(server.requests.get('/flaky.tif'));
    });

    it('a server failing with 500 every time is SourceUnavailableError (retryable) after the retries', async () => {
      const before = server.requests.get(`/${files.nir}`) ?? 0;
      server.faults.set(`/${files.nir}`, { status: 503 });
      const err = await readChips(acquisition(), [gridCell(GRID, 195, 1953)], GRID, { http: FAST }).catch(
        (e: unknown) => e,
      );
      server.faults.delete(`/${files.nir}`);
      expect(err).toBeInstanceOf(SourceUnavailableError);
      expect((err as SourceUnavailableError).retryable).toBe(true);
      expect((err as Error).message).toContain(`${server.url}/${files.nir}`);
      expect((err as Error).message).toContain('after 3 attempts: HTTP 503');
      expect(server.requests.get(`/${files.nir}`)! - before).toBe(3);
    });

    it('a slow server times out into SourceUnavailableError', async () => {
      server.faults.set(`/${files.green}`, { delayMs: 1000 });
      const err = await readChips(acquisition(), [gridCell(GRID, 195, 1953)], GRID, {
        http: { timeoutMs: 100, retries: 1, backoffMs: 5 },
      }).catch((e: unknown) => e);
      server.faults.delete(`/${files.green}`);
      expect(err).toBeInstanceOf(SourceUnavailableError);
      expect((err as Error).message).toMatch(
        new RegExp(`${files.green} unavailable after 2 attempts: timed out after 100 ms`),
      );
    });

    it('a truncated TIFF is a RasterError naming the href', async () => {
      const whole = readFileSync(join(dir, files.red!));
      writeFileSync(join(dir, 'truncated.tif'), whole.subarray(0, Math.floor(whole.length * 0.6)));
      const acq = acquisition({ assets: { red: `${server.url}/truncated.tif` } });
      const cells = gridCellsForArea(sceneArea(), GRID);
      const err = await readChips(acq, cells, GRID).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RasterError);
      expect((err as Error).message).toContain(`${server.url}/truncated.tif`);
    });

    it('a corrupt file is a RasterError naming the path', async () => {
      const path = join(dir, 'corrupt.tif');
      writeFileSync(path, Buffer.from('this is not a tiff at all, just text'.repeat(20)));
      const err = await openRaster(path)
        .info()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RasterError);
      expect((err as Error).message).toContain(path);
    });

    it('a cell outside the scene is a chip with valid fraction 0, not a failure; a window outside a raster is an OutsideRasterError', async () => {
      const far = gridCell(GRID, 300, 1953);
      const [chip] = await readChips(acquisition(), [far], GRID);
      expect(chip!.key).toBe(far.key);
      expect(chip!.validFraction).toBe(0);
      expect(chip!.usable).toBe(false);
      const err = await openRaster(join(dir, files.red!))
        .part([0, 0, 10, 10], 'EPSG:32633', { width: 1, height: 1 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OutsideRasterError);
      expect((err as Error).message).toBe(
        `window [0, 0, 10, 10] in EPSG:32633 lies outside raster ${join(dir, files.red!)} (bounds [499000, 4998000, 506000, 5003000] in EPSG:32633)`,
      );
    });

    it('an all-nodata window gives a chip marked unusable with valid fraction 0', async () => {
      makeCog(dir, 'empty', {
        epsg: 32633,
        width: 300,
        height: 300,
        originX: 499200,
        originY: 5002240,
        res: 10,
        bands: 1,
        type: 'UInt16',
        nodata: 0,
        value: () => 0,
      });
      const [chip] = await readChips(
        acquisition({ assets: { red: join(dir, 'empty.tif') } }),
        [gridCell(GRID, 195, 1953)],
        GRID,
      );
      expect(chip!.validFraction).toBe(0);
      expect(chip!.usable).toBe(false);
      expect(chip!.rgb.data.every((v) => v === 0)).toBe(true);
    });

    it('a missing band asset is a RasterError naming the item and band', async () => {
      const err = await readChips(acquisition(), [gridCell(GRID, 195, 1953)], GRID, {
        bands: ['red', 'nir08'],
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RasterError);
      expect((err as Error).message).toBe(
        'item "scene-1" lacks band asset "nir08" (has: blue, green, red, nir, swir16, scl)',
      );
    });

    it('an aborted signal stops the read', async () => {
      const ctrl = new AbortController();
      ctrl.abort(new Error('stop now'));
      await expect(
        readChips(acquisition(), [gridCell(GRID, 195, 1953)], GRID, { signal: ctrl.signal }),
      ).rejects.toThrow('stop now');
    });
  });
});
