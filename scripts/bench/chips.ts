/**
 * Chip extraction benchmark: a 4-band 2048 × 2048 px scene (one DEFLATE COG per band, 256 px tiles,
 * aligned to the grid so it is exactly 8 × 8 chips) served over local HTTP with Range support.
 * Measures chips/s of readChips against the rate of fetching and decoding the same COGs whole with
 * geotiff.js (no warping, masking or rendering), in the same run, and HTTP requests per chip.
 * Needs gdal_translate (Debian package gdal-bin) to build the scene.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromUrl } from 'geotiff';
import {
  gridCell,
  readChips,
  type Acquisition,
  type GridCell,
  type GridSpec,
} from '../../src/imagery/index.ts';
import { hasGdal, makeCog } from '../../test/helpers/cog-fixtures.ts';
import { startRangeServer } from '../../test/helpers/range-server.ts';

if (!hasGdal()) {
  console.log('bench:chips needs gdal_translate (apt-get install gdal-bin); skipped');
  process.exit(0);
}
const GRID: GridSpec = { epsg: 32633, chipPx: 256, resolutionM: 10 };
const COL0 = 195;
const ROW0 = 1950;
const SIZE = 2048;
const bands = ['blue', 'green', 'red', 'nir'];
const dir = mkdtempSync(join(tmpdir(), 'driftwatch-bench-'));
const originX = COL0 * 2560;
const originY = (ROW0 + 8) * 2560;
for (const [b, name] of bands.entries()) {
  makeCog(dir, name, {
    epsg: 32633,
    width: SIZE,
    height: SIZE,
    originX,
    originY,
    res: 10,
    bands: 1,
    type: 'UInt16',
    nodata: 0,
    value: (_s, x, y) =>
      500 + b * 700 + ((x * 7 + y * 13) % 1500) + Math.round(200 * Math.sin(x / 50) * Math.cos(y / 70)),
  });
}
const server = await startRangeServer(dir);
const cells: GridCell[] = [];
for (let r = ROW0 + 7; r >= ROW0; r--) for (let c = COL0; c < COL0 + 8; c++) cells.push(gridCell(GRID, c, r));
const acq: Acquisition = {
  source: 'bench',
  itemId: 'scene',
  datetime: '2024-01-01T00:00:00Z',
  cloudCover: 0,
  epsg: 32633,
  assets: Object.fromEntries(bands.map((b) => [b, `${server.url}/${b}.tif`])),
  properties: {},
};

async function baseline(): Promise<number> {
  const t0 = performance.now();
  for (const b of bands) {
    const tiff = await fromUrl(`${server.url}/${b}.tif`, { allowFullFile: false });
    const image = await tiff.getImage(0);
    await image.readRasters();
  }
  return (performance.now() - t0) / 1000;
}

async function chips(): Promise<{ seconds: number; requests: number }> {
  const before = server.totalRequests();
  const t0 = performance.now();
  const out = await readChips(acq, cells, GRID, { concurrency: 4 });
  const seconds = (performance.now() - t0) / 1000;
  if (out.length !== cells.length || out.some((c) => c.validFraction !== 1))
    throw new Error('benchmark chips are incomplete');
  return { seconds, requests: server.totalRequests() - before };
}

// Warm up once, then take the best of three of each.
await baseline();
await chips();
const base: number[] = [];
const runs: Array<{ seconds: number; requests: number }> = [];
for (let i = 0; i < 3; i++) {
  base.push(await baseline());
  runs.push(await chips());
}
const baseSeconds = Math.min(...base);
const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const chipRate = cells.length / best.seconds;
const baseRate = cells.length / baseSeconds;
console.log(
  `scene: ${bands.length} bands × ${SIZE}×${SIZE} px (DEFLATE COG, 256 px tiles), ${cells.length} chips of ${GRID.chipPx} px over local HTTP`,
);
console.log(
  `baseline (fetch + decode whole COGs, no chipping): ${baseSeconds.toFixed(3)} s = ${baseRate.toFixed(1)} chip-equivalents/s`,
);
console.log(
  `readChips (windowed range reads, masks, RGB):     ${best.seconds.toFixed(3)} s = ${chipRate.toFixed(1)} chips/s`,
);
console.log(`ratio chips/s ÷ baseline: ${(chipRate / baseRate).toFixed(2)}`);
console.log(
  `HTTP requests per chip: ${(best.requests / cells.length).toFixed(2)} (${best.requests} requests for ${cells.length} chips × ${bands.length} bands)`,
);
await server.close();
rmSync(dir, { recursive: true, force: true });
