import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../src/errors.ts';
import {
  gridCell,
  gridCellsForArea,
  groupPasses,
  LocalSource,
  openSource,
  parseArea,
  readChips,
  type Acquisition,
  type Chip,
  type GridSpec,
} from '../src/imagery/index.ts';
import { hasGdal, makeCog } from './helpers/cog-fixtures.ts';
import { dn10 } from './helpers/imagery-scene.ts';
import {
  EAST,
  PASS_SCENE,
  passArea,
  SPLIT_VALID,
  WEST,
  WHOLE_VALID,
  writeSceneTile,
} from './helpers/pass-fixtures.ts';

const gdal = hasGdal();
if (!gdal) console.warn('gdal_translate not found (apt-get install gdal-bin): pass tests skipped');
const GRID: GridSpec = { epsg: 32633, chipPx: 32, resolutionM: 10 };
const ALL_TIME = { start: '2000-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' };
const COL0 = PASS_SCENE.originX / 320;
const ROW0 = PASS_SCENE.originY / 320 - 1;

/** The chip's value of band `b` at chip pixel (i, j), and whether it is valid. */
function pixel(chip: Chip, b: number, i: number, j: number): [number, number] {
  const k = j * chip.image.width + i;
  return [chip.image.data[b]![k]!, chip.image.mask[k]!];
}

describe.skipIf(!gdal)('passes: items of one pass are one acquisition, mosaicked per chip', () => {
  let dir: string;
  let query: { bbox: [number, number, number, number]; datetime: typeof ALL_TIME };
  let cells: ReturnType<typeof gridCellsForArea>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dw-passes-'));
    const area = parseArea(passArea().area);
    query = { bbox: area.bbox, datetime: ALL_TIME };
    cells = gridCellsForArea(area, GRID);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a scene split across a seam plus an earlier pass: one acquisition per pass, every chip read with exact valid fractions', async () => {
    const folder = join(dir, 'seam');
    writeSceneTile(folder, 'scene_2024-05-01');
    writeSceneTile(folder, 'tile-w_2024-06-10', WEST);
    writeSceneTile(folder, 'tile-e_2024-06-10', EAST);
    const items = await new LocalSource(folder).search(query);
    expect(items.map((i) => i.itemId)).toEqual([
      'scene_2024-05-01',
      'tile-e_2024-06-10',
      'tile-w_2024-06-10',
    ]);
    const passes = groupPasses(items);
    expect(passes.map((p) => [p.itemId, p.datetime, p.items?.length ?? 1])).toEqual([
      ['scene_2024-05-01', '2024-05-01T00:00:00.000Z', 1],
      ['tile-e_2024-06-10+tile-w_2024-06-10', '2024-06-10T00:00:00.000Z', 2],
    ]);
    expect(Object.keys(passes[1]!.assets)).toEqual(['blue', 'green', 'red', 'nir']);
    expect(groupPasses(items, 0)).toHaveLength(3);

    const keys = passArea().keys;
    expect(cells.map((c) => c.key).sort()).toEqual(keys.flat().sort());
    for (const [p, expected] of [
      [passes[0]!, WHOLE_VALID],
      [passes[1]!, SPLIT_VALID],
    ] as const) {
      const chips = await readChips(p, cells, GRID);
      const byKey = new Map(chips.map((c) => [c.key, c]));
      for (const row of keys) expect(row.map((k) => byKey.get(k)!.validFraction)).toEqual(expected);
      expect(chips.every((c) => c.usable)).toBe(true);
    }

    const split = new Map((await readChips(passes[1]!, cells, GRID)).map((c) => [c.key, c]));
    // Column 1 comes from the west tile, column 2 from the east tile, on both sides of the seam at x 64.
    const c1 = split.get(keys[1]![1]!)!;
    expect(pixel(c1, 2, 31, 5)).toEqual([Math.fround(dn10(2, 63, 37) * 1e-4), 1]);
    const c2 = split.get(keys[0]![2]!)!;
    expect(pixel(c2, 2, 0, 0)).toEqual([Math.fround(dn10(2, 64, 0) * 1e-4), 1]);
    const c3 = split.get(keys[2]![3]!)!;
    expect(pixel(c3, 3, 23, 31)).toEqual([Math.fround(dn10(3, 119, 95) * 1e-4), 1]);
    expect(pixel(c3, 3, 24, 31)).toEqual([0, 0]);

    // One tile alone is partial coverage, not a failure: chips beyond it have valid fraction 0.
    const west = passes[1]!.items!.find((i) => i.itemId === 'tile-w_2024-06-10')!;
    const alone = new Map((await readChips(west, cells, GRID)).map((c) => [c.key, c]));
    expect(keys[0]!.map((k) => alone.get(k)!.validFraction)).toEqual([22 / 32, 1, 6 / 32, 0]);
  });

  it('in a pass, the item with the most valid pixels of a chip gives them and the others fill its gaps', async () => {
    const folder = join(dir, 'mosaic');
    writeSceneTile(folder, 'a_2024-06-10', WEST, () => 3000);
    writeSceneTile(folder, 'b_2024-06-10', EAST, (_b, x) => (x >= 64 && x < 68 ? 0 : 5000));
    const [pass] = groupPasses(await new LocalSource(folder).search(query));
    expect(pass!.itemId).toBe('a_2024-06-10+b_2024-06-10');
    const [c1, c2] = await readChips(
      pass!,
      [gridCell(GRID, COL0 + 1, ROW0), gridCell(GRID, COL0 + 2, ROW0)],
      GRID,
    );
    // Column 1 (x 32…63): a covers all of it, b only x 60…63: every pixel is a's.
    expect(new Set(c1!.image.data[2])).toEqual(new Set([Math.fround(0.3)]));
    // Column 2 (x 64…95): b has 28 valid columns, a 6 (x 64…69): b's pixels, a's where b has nodata.
    const row = Array.from({ length: 32 }, (_, i) => pixel(c2!, 2, i, 10)[0]);
    expect(row).toEqual([
      ...Array<number>(4).fill(Math.fround(0.3)),
      ...Array<number>(28).fill(Math.fround(0.5)),
    ]);
    expect(c2!.validFraction).toBe(1);
  });

  it('two folders that share their last name are two sources, each named by its full path', () => {
    const a = join(dir, 'a', 's2');
    const b = join(dir, 'b', 's2');
    mkdirSync(a, { recursive: true });
    mkdirSync(b, { recursive: true });
    expect(openSource({ kind: 'local', path: a }).id).toBe(`local:${a}`);
    expect(openSource({ kind: 'local', path: b }).id).toBe(`local:${b}`);
    expect(openSource({ kind: 'local', path: join(a, '..', 's2') }).id).toBe(`local:${a}`);
  });

  it('the sidecar scale, offset and nodata replace the file’s own, band by band', async () => {
    const folder = join(dir, 'scaled');
    mkdirSync(folder);
    makeCog(folder, 'scaled', {
      ...PASS_SCENE,
      res: 10,
      bands: 3,
      type: 'UInt16',
      nodata: 0,
      value: (b, x, y) => 100 * (b + 1) + x + y,
    });
    writeFileSync(
      join(folder, 'scaled.json'),
      JSON.stringify({
        datetime: '2024-04-01T10:00:00Z',
        bands: ['red', 'nir', 'swir16'],
        scale: [0.0002, 0.0001, 0.0003],
        offset: -0.05,
        nodata: 150,
      }),
    );
    const [acq] = await new LocalSource(folder).search(query);
    const [chip] = await readChips(acq!, [gridCell(GRID, COL0, ROW0)], GRID);
    expect(chip!.image.bands).toEqual(['red', 'nir', 'swir16']);
    expect(pixel(chip!, 0, 3, 4)).toEqual([Math.fround(107 * 0.0002 - 0.05), 1]);
    expect(pixel(chip!, 1, 3, 4)).toEqual([Math.fround(207 * 0.0001 - 0.05), 1]);
    expect(pixel(chip!, 2, 3, 4)).toEqual([Math.fround(307 * 0.0003 - 0.05), 1]);
    // Band 1 stores 150 where x + y = 50: those 13 pixels of the chip are nodata.
    expect(pixel(chip!, 1, 20, 30)).toEqual([0, 0]);
    expect(chip!.validFraction).toBe((1024 - 13) / 1024);
  });

  it('the Sentinel-2 baseline offset is applied by what a local item says: its baseline, else platform, level and date', async () => {
    const folder = join(dir, 'l2a');
    const sidecars: Record<string, Record<string, unknown>> = {
      b0510: { datetime: '2024-04-01T10:00:00Z', processingBaseline: '05.10' },
      b0301: { datetime: '2024-04-02T10:00:00Z', processingBaseline: '03.01' },
      stac: { datetime: '2024-04-03T10:00:00Z', 's2:processing_baseline': '04.00' },
      late: { datetime: '2023-03-01T10:00:00Z', platform: 'sentinel-2b', level: 'L2A' },
      early: { datetime: '2021-06-01T10:00:00Z', platform: 'sentinel-2a', level: 'L2A' },
      told: { datetime: '2024-04-04T10:00:00Z', processingBaseline: '05.10', offset: 0 },
      plain: { datetime: '2024-04-05T10:00:00Z' },
    };
    for (const [name, sidecar] of Object.entries(sidecars)) {
      writeSceneTile(folder, name);
      writeFileSync(join(folder, `${name}.json`), JSON.stringify(sidecar));
    }
    const acqs = await new LocalSource(folder).search(query);
    const red = async (acq: Acquisition) =>
      pixel(
        (await readChips(acq, [gridCell(GRID, COL0 + 1, ROW0)], GRID, { bands: ['red'] }))[0]!,
        0,
        0,
        0,
      )[0];
    const got: Record<string, number> = {};
    for (const acq of acqs) got[acq.itemId] = await red(acq);
    const dn = dn10(2, 32, 0);
    const offset = Math.fround(dn * 1e-4 - 0.1);
    const none = Math.fround(dn * 1e-4);
    expect(got).toEqual({
      b0510: offset,
      b0301: none,
      stac: offset,
      late: offset,
      early: none,
      told: none,
      plain: none,
    });
  });

  it('each bad sidecar field is a SourceError naming the file, the field and the value, and the item is skipped', async () => {
    const folder = join(dir, 'bad');
    const bad: Record<string, unknown> = {
      scale: { datetime: '2024-04-01T10:00:00Z', scale: '0.0001' },
      zero: { datetime: '2024-04-01T10:00:00Z', scale: 0 },
      offsets: { datetime: '2024-04-01T10:00:00Z', offset: [0, -0.1] },
      nodata: { datetime: '2024-04-01T10:00:00Z', nodata: 'none' },
      when: { datetime: 'yesterday' },
      cloud: { datetime: '2024-04-01T10:00:00Z', cloudCover: 150 },
      baseline: { datetime: '2024-04-01T10:00:00Z', processingBaseline: 'new' },
      names: { datetime: '2024-04-01T10:00:00Z', bands: ['red', 7] },
      list: [1, 2],
    };
    for (const [name, sidecar] of Object.entries(bad)) {
      writeSceneTile(folder, name);
      writeFileSync(join(folder, `${name}.json`), JSON.stringify(sidecar));
    }
    writeSceneTile(folder, 'good_2024-04-01');
    const errors: Error[] = [];
    const acqs = await new LocalSource(folder).search(query, { onItemError: (e) => errors.push(e) });
    expect(acqs.map((a) => a.itemId)).toEqual(['good_2024-04-01']);
    expect(errors.every((e) => e instanceof SourceError)).toBe(true);
    const s = (name: string) => `sidecar ${join(folder, `${name}.json`)}`;
    expect(errors.map((e) => e.message)).toEqual([
      `${s('baseline')}: "processingBaseline" is "new"; expected a baseline such as "04.00"`,
      `${s('cloud')}: "cloudCover" is 150; expected a percentage in 0…100`,
      `${s('list')} must be a JSON object, got [1,2]`,
      `${s('names')}: "bands" is ["red",7]; expected an array of band names in file order`,
      `${s('nodata')}: "nodata" is "none"; expected a number or null`,
      `${s('offsets')}: "offset" is [0,-0.1]; expected one number per band (the raster has 4: blue, green, red, nir)`,
      `${s('scale')}: "scale" is "0.0001"; expected a non-zero number or an array of one such number per band`,
      `${s('when')}: "datetime" is "yesterday"; expected an ISO 8601 date, e.g. "2024-06-10T10:20:00Z"`,
      `${s('zero')}: "scale" is 0; expected a non-zero number or an array of one such number per band`,
    ]);
  });
});
