import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCog } from '../src/demo-data/index.ts';
import { RasterError, SourceUnavailableError } from '../src/errors.ts';
import { ChipWorkerPool, type ChipJob } from '../src/imagery/chip-pool.ts';
import { batchBounds } from '../src/imagery/chips.ts';
import { DEFAULT_HTTP } from '../src/imagery/http.ts';
import {
  gridCell,
  readChips,
  type Acquisition,
  type Chip,
  type GridCell,
  type GridSpec,
} from '../src/imagery/index.ts';
import { startRangeServer } from './helpers/range-server.ts';

/** 64 px chips at 10 m: 640 m cells. */
const GRID: GridSpec = { epsg: 32633, chipPx: 64, resolutionM: 10 };
const CELL_M = 640;
/** Scene corner 100 m off the cell corners, so chips straddle the 256 px tiles and the scene's edge. */
const ORIGIN_X = 100 * CELL_M + 100;
const ORIGIN_Y = 7_800 * CELL_M - 100;
const SIZE10 = 600;

function reflectance(size: number, res: number, band: number): Uint16Array {
  const out = new Uint16Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const h = Math.imul(x * res + 31 * band, 0x9e3779b1) ^ Math.imul(y * res, 0x85ebca6b);
      out[y * size + x] = 800 + 300 * band + ((x * res + 2 * y * res) % 700) + ((h >>> 20) & 63);
    }
  // A nodata corner.
  for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) out[y * size + x] = 0;
  return out;
}

/** Vegetation (4) with a cloud (9) and a cloud shadow (3), and a no-data (0) strip in the south. */
function scl(size: number): Uint8Array {
  const out = new Uint8Array(size * size).fill(4);
  for (let y = 40; y < 90; y++) for (let x = 100; x < 160; x++) out[y * size + x] = 9;
  for (let y = 200; y < 230; y++) for (let x = 30; x < 70; x++) out[y * size + x] = 3;
  for (let y = size - 10; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = 0;
  return out;
}

/** Every byte of the chips: planes, masks and renderings, with their keys and valid fractions. */
function bytesOf(chips: Chip[]): { keys: string[]; fractions: number[]; bytes: Buffer } {
  const parts: Buffer[] = [];
  for (const c of chips) {
    for (const p of c.image.data) parts.push(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    parts.push(Buffer.from(c.image.mask), Buffer.from(c.rgb.data));
  }
  return {
    keys: chips.map((c) => c.key),
    fractions: chips.map((c) => c.validFraction),
    bytes: Buffer.concat(parts),
  };
}

describe('readChips on worker threads', () => {
  let dir: string;
  let acq: Acquisition;
  let cells: GridCell[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-chip-workers-'));
    const files: Array<[string, number, Uint16Array | Uint8Array]> = [
      ['blue', 10, reflectance(SIZE10, 10, 0)],
      ['green', 10, reflectance(SIZE10, 10, 1)],
      ['red', 10, reflectance(SIZE10, 10, 2)],
      ['nir', 10, reflectance(SIZE10, 10, 3)],
      ['swir16', 20, reflectance(SIZE10 / 2, 20, 4)],
      ['scl', 20, scl(SIZE10 / 2)],
    ];
    for (const [band, res, data] of files) {
      const size = (SIZE10 * 10) / res;
      await writeCog(
        join(dir, `${band}.tif`),
        {
          width: size,
          height: size,
          data,
          epsg: 32633,
          originX: ORIGIN_X,
          originY: ORIGIN_Y,
          resolution: res,
          ...(band === 'scl' ? {} : { nodata: 0 }),
        },
        { tileSize: 256, overviews: false },
      );
    }
    acq = {
      source: 'test',
      itemId: 'scene',
      datetime: '2024-05-01T10:00:00.000Z',
      cloudCover: 5,
      epsg: 32633,
      assets: Object.fromEntries(files.map(([band]) => [band, join(dir, `${band}.tif`)])),
      properties: {},
    };
    // 11 × 11 cells over the 6 km scene: the outer ring lies partly (or, in the east and south, wholly) outside.
    cells = [];
    for (let r = 7_799; r >= 7_789; r--) for (let c = 100; c <= 110; c++) cells.push(gridCell(GRID, c, r));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same chips, byte for byte and in the same order, with 0, 1 and 2 workers', async () => {
    const inline = bytesOf(await readChips(acq, cells, GRID, { workers: 0 }));
    expect(inline.keys).toEqual(cells.map((c) => c.key));
    // 21 chips wholly outside the scene and one under the cloud have no valid pixel; 51 are wholly valid
    // and 48 in part (the scene's edge, the nodata corner, the SCL no-data strip, cloud, shadow and buffer).
    expect(inline.fractions.filter((f) => f === 0)).toHaveLength(22);
    expect(inline.fractions.filter((f) => f === 1)).toHaveLength(51);
    expect(inline.fractions[26]).toBe(0);
    for (const workers of [1, 2]) {
      const out = bytesOf(await readChips(acq, cells, GRID, { workers }));
      expect(out.keys).toEqual(inline.keys);
      expect(out.fractions).toEqual(inline.fractions);
      expect(out.bytes.length).toBe(inline.bytes.length);
      expect(out.bytes.equals(inline.bytes)).toBe(true);
    }
  });

  it('raises a failure in a worker as the same typed error as on the calling thread', async () => {
    const broken = { ...acq, assets: { ...acq.assets, red: join(dir, 'missing.tif') } };
    const inline = await readChips(broken, cells.slice(0, 4), GRID, { workers: 0 }).catch((e: unknown) => e);
    const worker = await readChips(broken, cells.slice(0, 4), GRID, { workers: 2 }).catch((e: unknown) => e);
    expect(inline).toBeInstanceOf(RasterError);
    expect(worker).toBeInstanceOf((inline as Error).constructor);
    expect((worker as Error).message).toBe((inline as Error).message);
  });

  it("reads over HTTP on a worker with the calling thread's retry policy (DEFAULT_HTTP as the CLI sets it)", async () => {
    const server = await startRangeServer(dir);
    const saved = { ...DEFAULT_HTTP };
    try {
      const remote = {
        ...acq,
        assets: Object.fromEntries(Object.keys(acq.assets).map((b) => [b, `${server.url}/${b}.tif`])),
      };
      server.faults.set('/red.tif', { status: 503 });
      Object.assign(DEFAULT_HTTP, { retries: 1, backoffMs: 1, timeoutMs: 5000 });
      const err = await readChips(remote, cells.slice(0, 1), GRID, { workers: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceUnavailableError);
      expect((err as Error).message).toBe(`GET ${server.url}/red.tif unavailable after 2 attempts: HTTP 503`);
      expect(server.requests.get('/red.tif')).toBe(2);
    } finally {
      Object.assign(DEFAULT_HTTP, saved);
      await server.close();
    }
  });

  describe('aborting', () => {
    const job = (of: GridCell[]): ChipJob => ({ acquisition: acq, cells: of, grid: GRID, options: {} });

    it('rejects a batch aborted while its worker reads it with the signal reason, and that worker reads the next batch', async () => {
      const pool = new ChipWorkerPool(1);
      const ctrl = new AbortController();
      const reason = new Error('stop reading');
      const first = pool.read(job(cells.slice(0, 11)), ctrl.signal);
      const second = pool.read(job(cells.slice(11, 22)));
      ctrl.abort(reason);
      await expect(first).rejects.toBe(reason);
      const next = bytesOf(await second);
      const inline = bytesOf(await readChips(acq, cells.slice(11, 22), GRID, { workers: 0 }));
      expect(next.keys).toEqual(cells.slice(11, 22).map((c) => c.key));
      expect(next.fractions).toEqual(inline.fractions);
      expect(next.bytes.equals(inline.bytes)).toBe(true);
    });

    it('rejects a queued batch as soon as its signal aborts, before the running batch ends, which ends unchanged', async () => {
      const pool = new ChipWorkerPool(1);
      const ctrl = new AbortController();
      const reason = new Error('stop waiting');
      const settled: string[] = [];
      const running = pool.read(job(cells.slice(0, 11))).then((chips) => {
        settled.push('running resolved');
        return chips;
      });
      const queued = pool.read(job(cells.slice(11, 22)), ctrl.signal).catch((err: unknown) => {
        settled.push('queued rejected');
        return err;
      });
      ctrl.abort(reason);
      expect(await queued).toBe(reason);
      const chips = bytesOf(await running);
      expect(settled).toEqual(['queued rejected', 'running resolved']);
      const inline = bytesOf(await readChips(acq, cells.slice(0, 11), GRID, { workers: 0 }));
      expect(chips.keys).toEqual(inline.keys);
      expect(chips.bytes.equals(inline.bytes)).toBe(true);
    });

    it('rejects readChips on workers with the reason of a signal aborted before or during the read, and the pool reads on', async () => {
      const before = new AbortController();
      const early = new Error('aborted before');
      before.abort(early);
      await expect(readChips(acq, cells, GRID, { workers: 2, signal: before.signal })).rejects.toBe(early);
      const during = new AbortController();
      const late = new Error('aborted during');
      const read = readChips(acq, cells, GRID, { workers: 2, signal: during.signal });
      during.abort(late);
      await expect(read).rejects.toBe(late);
      const again = bytesOf(await readChips(acq, cells, GRID, { workers: 2 }));
      const inline = bytesOf(await readChips(acq, cells, GRID, { workers: 0 }));
      expect(again.keys).toEqual(inline.keys);
      expect(again.bytes.equals(inline.bytes)).toBe(true);
    });
  });

  it('cuts the cells into one batch per worker at the grid row nearest to equal shares', () => {
    const rows = (count: number, across: number): GridCell[] => {
      const out: GridCell[] = [];
      for (let r = count - 1; r >= 0; r--) for (let c = 0; c < across; c++) out.push(gridCell(GRID, c, r));
      return out;
    };
    // 15 rows of 15: the even cut at 113 moves to the row starting at 120 (105 is one cell farther).
    expect(batchBounds(rows(15, 15), 2)).toEqual([0, 120, 225]);
    expect(batchBounds(rows(15, 15), 3)).toEqual([0, 75, 150, 225]);
    // One long row: no row start lies near the even cuts, which stay.
    expect(batchBounds(rows(1, 10), 3)).toEqual([0, 3, 7, 10]);
  });
});
