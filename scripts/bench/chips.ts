/**
 * Chip extraction benchmark over local HTTP with Range support, on two scenes:
 * - small: a 4-band 2048 × 2048 px scene (one DEFLATE COG per band, 256 px tiles; written by GDAL when
 *   gdal_translate is installed, else by the project's COG writer), aligned to the chip grid: 8 × 8 chips;
 * - Sentinel-2 L2A layout: a 4096 × 4096 px spatial subset of a 10980 px tile (at the tile's real UTM
 *   origin, so chips straddle tiles) with the L2A COG layout: 10 m bands blue green red nir at
 *   4096 px, 20 m bands swir16 swir22 at 2048 px and a 20 m uint8 SCL band, 1024 px tiles, DEFLATE with
 *   horizontal predictor, one overview; the 15 × 15 chips that lie wholly inside it.
 * For each: chips/s of readChips on the main thread (1 core, decoding inline) and on a chip worker per
 * core (each reading a batch of consecutive cells with files of its own), with the speed-up, against the
 * rate of fetching and decoding the same COGs whole with geotiff.js's readRasters on one thread, through
 * the decoders the project registers (node:zlib and its own predictor loop, as the chip path; no
 * warping, masking or rendering), in chip-equivalents (scene area ÷ chip area) per second, measured in the same run;
 * HTTP requests per chip and bytes read per chip against the bytes the chip's pixels need. The load
 * average and the cores' headroom (coreHeadroom) are printed at the start and after each scene's runs:
 * on a shared machine they bound what the cores can give.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fromFile, fromUrl } from 'geotiff';
import { writeCog } from '../../src/demo-data/index.ts';
import {
  gridCell,
  readChips,
  type Acquisition,
  type GridCell,
  type GridSpec,
} from '../../src/imagery/index.ts';
import { hasGdal, makeCog } from '../../test/helpers/cog-fixtures.ts';
import { startFileRangeServer, type FileRangeServer } from './file-range-server.ts';

const GRID: GridSpec = { epsg: 32633, chipPx: 256, resolutionM: 10 };
const CELL_M = GRID.chipPx * GRID.resolutionM;
const CORES = availableParallelism();

/** The machine's load average over 1, 5 and 15 minutes. */
function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** Work for coreHeadroom: an ALU loop, or the chip path's kind of work (inflate a tile, convert its samples). */
const HEADROOM_KERNELS = {
  alu: `let x = 0; for (let i = 0; i < 1.5e8; i++) x = (x + i) % 1000003; parentPort.postMessage(x);`,
  decode: `const zlib = require('node:zlib');
    const raw = new Uint16Array(1 << 20);
    for (let i = 0; i < raw.length; i++) raw[i] = ((i * 7919) ^ (i >> 3)) & 4095;
    const z = zlib.deflateSync(raw);
    let s = 0;
    for (let k = 0; k < 24; k++) {
      const out = zlib.inflateSync(z);
      const u = new Uint16Array(out.buffer, out.byteOffset, out.length / 2);
      const f = new Float32Array(u.length);
      for (let i = 0; i < u.length; i++) f[i] = u[i] * 1e-4;
      s += f[k];
    }
    parentPort.postMessage(s);`,
};

/**
 * How many cores the machine gives now: the same fixed work on one thread and then on CORES threads at
 * once; the ratio of their rates (CORES on free cores, 1 where other work takes every core). The ALU
 * loop scales on any two hardware threads; inflating and converting samples (the chip path's kind of
 * work) only where they do not share a core's caches and memory bandwidth. A speed-up of readChips
 * over 1 core cannot exceed the second.
 */
async function coreHeadroom(kernel: keyof typeof HEADROOM_KERNELS): Promise<number> {
  const code = `const { parentPort } = require('node:worker_threads'); ${HEADROOM_KERNELS[kernel]}`;
  const spin = (threads: number): Promise<number> => {
    const t0 = performance.now();
    return Promise.all(
      Array.from(
        { length: threads },
        () => new Promise((done) => new Worker(code, { eval: true }).once('message', done)),
      ),
    ).then(() => (performance.now() - t0) / 1000);
  };
  const one = await spin(1);
  const all = await spin(CORES);
  return (CORES * one) / all;
}

/** coreHeadroom of both kernels, in words. */
async function headroom(): Promise<string> {
  const alu = await coreHeadroom('alu');
  const decode = await coreHeadroom('decode');
  return `${CORES} busy threads run ${alu.toFixed(2)}× as fast as one on an ALU loop, ${decode.toFixed(2)}× on inflating and converting samples`;
}

interface SceneFile {
  band: string;
  /** Pixel size in metres. */
  res: number;
  /** Bytes per stored sample. */
  bytes: number;
}

interface Scene {
  title: string;
  dir: string;
  files: SceneFile[];
  cells: GridCell[];
  /** Scene area ÷ chip area. */
  chipEquivalents: number;
}

/** A smooth field plus 8 bits of per-pixel noise, on ground coordinates so 10 m and 20 m bands agree. */
function reflectance(width: number, height: number, res: number, band: number): Uint16Array {
  const out = new Uint16Array(width * height);
  const sx = Float64Array.from({ length: width }, (_, x) => Math.sin((x * res) / 900 + band));
  const cy = Float64Array.from({ length: height }, (_, y) => Math.cos((y * res) / 1300));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const h = Math.imul(x * res + 7919 * band, 0x9e3779b1) ^ Math.imul(y * res, 0x85ebca6b);
      out[y * width + x] = 900 + band * 250 + Math.round(600 * sx[x]! * cy[y]!) + ((h >>> 13) & 255);
    }
  }
  return out;
}

/** Vegetation (4) and bare soil (5) with cloud (9) and cloud shadow (3) blobs. */
function scl(width: number, height: number, res: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const f = Math.sin((x * res) / 2300) * Math.cos((y * res) / 1700);
      out[y * width + x] = f > 0.92 ? 9 : f < -0.95 ? 3 : (x * res + y * res) % 5000 < 2500 ? 4 : 5;
    }
  }
  return out;
}

async function smallScene(): Promise<Scene> {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-bench-small-'));
  const size = 2048;
  const col0 = 195;
  const row0 = 1950;
  const bands = ['blue', 'green', 'red', 'nir'];
  const gdal = hasGdal();
  const value = (b: number, x: number, y: number): number =>
    500 + b * 700 + ((x * 7 + y * 13) % 1500) + Math.round(200 * Math.sin(x / 50) * Math.cos(y / 70));
  for (const [b, band] of bands.entries()) {
    const origin = { originX: col0 * CELL_M, originY: (row0 + 8) * CELL_M };
    if (gdal) {
      makeCog(dir, band, {
        epsg: 32633,
        width: size,
        height: size,
        ...origin,
        res: 10,
        bands: 1,
        type: 'UInt16',
        nodata: 0,
        value,
      });
    } else {
      const data = new Uint16Array(size * size);
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = value(b, x, y);
      await writeCog(
        join(dir, `${band}.tif`),
        { width: size, height: size, data, epsg: 32633, ...origin, resolution: 10, nodata: 0 },
        { tileSize: 256, overviews: true },
      );
    }
  }
  const cells: GridCell[] = [];
  for (let r = row0 + 7; r >= row0; r--)
    for (let c = col0; c < col0 + 8; c++) cells.push(gridCell(GRID, c, r));
  return {
    title: `small: ${bands.length} bands × ${size}×${size} px at 10 m (DEFLATE COG by ${gdal ? 'GDAL' : 'the project writer'}, 256 px tiles), ${cells.length} chips`,
    dir,
    files: bands.map((band) => ({ band, res: 10, bytes: 2 })),
    cells,
    chipEquivalents: (size * 10) ** 2 / CELL_M ** 2,
  };
}

async function sentinel2Scene(): Promise<Scene> {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-bench-s2-'));
  // Upper-left corner of a Sentinel-2 tile in UTM zone 33N (a 10980 px tile starts at x = 399960).
  const originX = 399_960;
  const originY = 5_300_040;
  const size10 = 4096;
  const files: SceneFile[] = [
    { band: 'blue', res: 10, bytes: 2 },
    { band: 'green', res: 10, bytes: 2 },
    { band: 'red', res: 10, bytes: 2 },
    { band: 'nir', res: 10, bytes: 2 },
    { band: 'swir16', res: 20, bytes: 2 },
    { band: 'swir22', res: 20, bytes: 2 },
    { band: 'scl', res: 20, bytes: 1 },
  ];
  for (const [b, f] of files.entries()) {
    const size = (size10 * 10) / f.res;
    const data = f.band === 'scl' ? scl(size, size, f.res) : reflectance(size, size, f.res, b);
    await writeCog(
      join(dir, `${f.band}.tif`),
      {
        width: size,
        height: size,
        data,
        epsg: 32633,
        originX,
        originY,
        resolution: f.res,
        ...(f.band === 'scl' ? {} : { nodata: 0 }),
      },
      { tileSize: 1024, overviews: true, resampling: f.band === 'scl' ? 'nearest' : 'average' },
    );
  }
  const extent = size10 * 10;
  const cells: GridCell[] = [];
  const c0 = Math.ceil(originX / CELL_M);
  const c1 = Math.floor((originX + extent) / CELL_M);
  const r0 = Math.ceil((originY - extent) / CELL_M);
  const r1 = Math.floor(originY / CELL_M);
  for (let r = r1 - 1; r >= r0; r--) for (let c = c0; c < c1; c++) cells.push(gridCell(GRID, c, r));
  return {
    title: `Sentinel-2 L2A layout (a ${size10}² px subset of a 10980² px tile): 4 bands × ${size10}² px at 10 m, 2 bands + SCL × ${size10 / 2}² px at 20 m (DEFLATE, predictor 2, 1024 px tiles, one overview), ${cells.length} chips wholly inside`,
    dir,
    files,
    cells,
    chipEquivalents: extent ** 2 / CELL_M ** 2,
  };
}

interface Run {
  seconds: number;
  requests: number;
  bytes: number;
}

async function timed(server: FileRangeServer, fn: () => Promise<void>): Promise<Run> {
  const before = server.totals();
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const after = server.totals();
  return { seconds, requests: after.requests - before.requests, bytes: after.bytes - before.bytes };
}

function best(runs: Run[]): Run {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

async function measure(scene: Scene): Promise<void> {
  const server = await startFileRangeServer(scene.dir);
  const acq: Acquisition = {
    source: 'bench',
    itemId: 'scene',
    datetime: '2024-01-01T00:00:00Z',
    cloudCover: 0,
    epsg: 32633,
    assets: Object.fromEntries(scene.files.map((f) => [f.band, `${server.url}/${f.band}.tif`])),
    properties: {},
  };
  const baseline = (): Promise<Run> =>
    timed(server, async () => {
      for (const f of scene.files) {
        const tiff = await fromUrl(`${server.url}/${f.band}.tif`, { allowFullFile: false });
        await (await tiff.getImage(0)).readRasters();
      }
    });
  const chips = (workers: number): Promise<Run> =>
    timed(server, async () => {
      const out = await readChips(acq, scene.cells, GRID, { workers, decodeWorkers: 0 });
      if (out.length !== scene.cells.length || out.some((c) => !(c.validFraction > 0)))
        throw new Error('benchmark chips are incomplete');
    });
  // Warm up once, then take the best of two of each, interleaved.
  await baseline();
  await chips(0);
  await chips(CORES);
  const runs = { base: [] as Run[], one: [] as Run[], all: [] as Run[] };
  for (let i = 0; i < 2; i++) {
    runs.base.push(await baseline());
    runs.one.push(await chips(0));
    runs.all.push(await chips(CORES));
  }
  await server.close();
  const n = scene.cells.length;
  const base = best(runs.base);
  const one = best(runs.one);
  const all = best(runs.all);
  const baseRate = scene.chipEquivalents / base.seconds;
  const oneRate = n / one.seconds;
  const allRate = n / all.seconds;
  // What the chips' pixels need: their samples at native resolution, and their share of the stored tiles.
  let stored = 0;
  for (const f of scene.files) {
    const image = await (await fromFile(join(scene.dir, `${f.band}.tif`))).getImage(0);
    const counts = (await image.fileDirectory.loadValue('TileByteCounts')) as ArrayLike<number>;
    for (let i = 0; i < counts.length; i++) stored += Number(counts[i]);
  }
  const share = n / scene.chipEquivalents;
  const rawPerChip = scene.files.reduce((s, f) => s + (CELL_M / f.res) ** 2 * f.bytes, 0);
  const kib = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
  console.log(`scene ${scene.title}, ${GRID.chipPx} px chips over local HTTP`);
  console.log(
    `  baseline (fetch + decode whole COGs with geotiff.js readRasters and the project's decoders, one thread): ${base.seconds.toFixed(3)} s = ${baseRate.toFixed(1)} chip-equivalents/s`,
  );
  console.log(
    `  readChips, 1 core (on the main thread): ${one.seconds.toFixed(3)} s = ${oneRate.toFixed(1)} chips/s`,
  );
  console.log(
    `  readChips, ${CORES} cores (${CORES} chip workers): ${all.seconds.toFixed(3)} s = ${allRate.toFixed(1)} chips/s, speed-up ${(allRate / oneRate).toFixed(2)}× over 1 core`,
  );
  console.log(
    `  HTTP requests per chip: ${(one.requests / n).toFixed(2)} (${one.requests} requests for ${n} chips × ${scene.files.length} files); ${(all.requests / n).toFixed(2)} on ${CORES} cores (each worker opens the files)`,
  );
  console.log(
    `  bytes read per chip: ${kib(one.bytes / n)}; the chip's pixels need ${kib((stored * share) / n)} of stored tiles (${kib(rawPerChip)} decoded)`,
  );
  console.log(`  ratio chips/s ÷ baseline, all cores: ${(allRate / baseRate).toFixed(2)}`);
  console.log(`  load average (1, 5, 15 min) after the runs: ${load()}; now ${await headroom()}`);
  console.log(`ratio chips/s ÷ baseline: ${(oneRate / baseRate).toFixed(2)}`);
  rmSync(scene.dir, { recursive: true, force: true });
}

console.log(`${CORES} cores; load average (1, 5, 15 min) at the start: ${load()}; ${await headroom()}`);
await measure(await smallScene());
const t0 = performance.now();
const s2 = await sentinel2Scene();
console.log(`(Sentinel-2 layout scene written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
await measure(s2);
