import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCog } from '../src/demo-data/index.ts';
import { CLOUD_SCL } from '../src/imagery/cloud-buffer.ts';
import { gridCell, INVALID_SCL, readChips, type GridCell, type GridSpec } from '../src/imagery/index.ts';

/**
 * A 10 m red band (160 × 160 px, nodata 0 at a few pixels) and a 20 m SCL (80 × 80 px) with clouds,
 * shadows, cirrus, saturated and no-data classes, read as 32 px chips of a 10 m grid. The masks must be
 * the 10 m definition computed here pixel by pixel: red present and not nodata, SCL present and of a
 * valid class, and no cloud or shadow SCL within 60 m (6 px, a square) of the pixel.
 */
const GRID: GridSpec = { epsg: 32633, chipPx: 32, resolutionM: 10 };
const OX = 499_840; // a multiple of the 320 m cell and of 20 m
const OY = 5_000_000;
const RED_PX = 160;
const SCL_PX = 80;
const BUFFER_PX = 6;

function sclValue(x: number, y: number): number {
  const dx = x - 30;
  const dy = y - 22;
  if (dx * dx + dy * dy < 40) return 9; // a cloud
  if (x >= 40 && x < 44 && y >= 28 && y < 31) return 3; // its shadow
  if (x === 70 && y === 5) return 10; // cirrus
  if (x === 12 && y === 60) return 1; // saturated
  if (x >= 0 && x < 3 && y === 79) return 0; // no data
  if (x === 79 && y === 0) return 8; // cloud in a corner
  return (x + y) % 7 === 0 ? 5 : 4;
}

const dir = mkdtempSync(join(tmpdir(), 'driftwatch-scl-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const red = Uint16Array.from({ length: RED_PX * RED_PX }, (_, i) =>
  i % 997 === 3 ? 0 : 500 + ((i * 31) % 1500),
);
const scl = Uint8Array.from({ length: SCL_PX * SCL_PX }, (_, i) => sclValue(i % SCL_PX, (i / SCL_PX) | 0));

async function scene(sclOriginX: number): Promise<Record<string, string>> {
  const sub = mkdtempSync(join(dir, 'scene-'));
  await writeCog(
    join(sub, 'red.tif'),
    {
      width: RED_PX,
      height: RED_PX,
      data: red,
      epsg: 32633,
      originX: OX,
      originY: OY,
      resolution: 10,
      nodata: 0,
    },
    { tileSize: 64 },
  );
  await writeCog(
    join(sub, 'scl.tif'),
    {
      width: SCL_PX,
      height: SCL_PX,
      data: scl,
      epsg: 32633,
      originX: sclOriginX,
      originY: OY,
      resolution: 20,
    },
    { tileSize: 32, resampling: 'nearest' },
  );
  return { red: join(sub, 'red.tif'), scl: join(sub, 'scl.tif') };
}

/** The mask of the cell by the 10 m definition. */
function expectedMask(col: number, row: number, sclOriginX: number): number[] {
  const cellM = GRID.chipPx * GRID.resolutionM;
  const x0 = col * cellM;
  const y1 = (row + 1) * cellM;
  const sclAt = (X: number, Y: number): number | null => {
    const c = Math.floor((X - sclOriginX) / 20);
    const r = Math.floor((OY - Y) / 20);
    return c >= 0 && r >= 0 && c < SCL_PX && r < SCL_PX ? scl[r * SCL_PX + c]! : null;
  };
  const out: number[] = [];
  for (let j = 0; j < GRID.chipPx; j++) {
    for (let i = 0; i < GRID.chipPx; i++) {
      const X = x0 + (i + 0.5) * 10;
      const Y = y1 - (j + 0.5) * 10;
      const c = Math.floor((X - OX) / 10);
      const r = Math.floor((OY - Y) / 10);
      const redOk = c >= 0 && r >= 0 && c < RED_PX && r < RED_PX && red[r * RED_PX + c] !== 0;
      const s = sclAt(X, Y);
      let ok = redOk && s !== null && !INVALID_SCL.has(s);
      for (let dy = -BUFFER_PX; dy <= BUFFER_PX && ok; dy++)
        for (let dx = -BUFFER_PX; dx <= BUFFER_PX && ok; dx++) {
          const n = sclAt(X + dx * 10, Y - dy * 10);
          if (n !== null && CLOUD_SCL.has(n)) ok = false;
        }
      out.push(ok ? 1 : 0);
    }
  }
  return out;
}

// Every cell over the scene and a ring of cells partly or wholly outside it.
const c0 = OX / (GRID.chipPx * GRID.resolutionM);
const r1 = OY / (GRID.chipPx * GRID.resolutionM);
const cells: GridCell[] = [];
for (let r = r1 - 6; r <= r1; r++) for (let c = c0 - 1; c <= c0 + 5; c++) cells.push(gridCell(GRID, c, r));

describe('Sentinel-2 SCL at 20 m on a 10 m grid', () => {
  it.each([
    ['aligned with the grid (classified and buffered per 20 m block)', OX, 1868],
    ['offset by 10 m (classified and buffered per 10 m pixel)', OX + 10, 2020],
  ])('masks every chip by the 10 m definition, SCL %s', async (_what, sclOriginX, invalidInside) => {
    const assets = await scene(sclOriginX);
    const chips = await readChips(
      {
        source: 'test',
        itemId: 'scene',
        datetime: '2024-06-01T00:00:00Z',
        cloudCover: 0,
        epsg: 32633,
        assets,
        properties: {},
      },
      cells,
      GRID,
      { bands: ['red'], workers: 0 },
    );
    let invalid = 0;
    for (const [k, chip] of chips.entries()) {
      const want = expectedMask(cells[k]!.col, cells[k]!.row, sclOriginX);
      expect(Array.from(chip.image.mask), `cell ${cells[k]!.col}, ${cells[k]!.row}`).toEqual(want);
      if (cells[k]!.col >= c0 && cells[k]!.col < c0 + 5 && cells[k]!.row < r1 && cells[k]!.row >= r1 - 5)
        invalid += want.filter((m) => m === 0).length;
    }
    // Pixels of the scene's 25 cells that the masks invalidate (red nodata, SCL classes and buffer).
    expect(invalid).toBe(invalidInside);
  });
});
