import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCog } from '../src/demo-data/cog-writer.ts';
import { YEAR_MS } from '../src/detect/harmonic.ts';
import { evaluateSeries } from '../src/detect/series-eval.ts';

/**
 * A 16 × 16 px NDVI-only series (four 8-px chips), monthly from January 2020 to June 2022: a forest
 * with an annual cycle (0.7 ± 0.1, looks alternating ±0.01 around it), fully clouded (nodata) in
 * February 2022, and its north-east chip cleared to NDVI 0.3 from March 2022. The label says the
 * north-east chip was lost in 2022 and the rest was not.
 */
async function writeFixture(dir: string): Promise<void> {
  const site = join(dir, 'forest');
  mkdirSync(join(site, 'ndvi'), { recursive: true });
  const dates: string[] = [];
  for (let k = 0; k < 30; k++) {
    const y = 2020 + Math.floor(k / 12);
    const m = (k % 12) + 1;
    const date = `${y}-${String(m).padStart(2, '0')}-15`;
    dates.push(date);
    const t = Date.parse(`${date}T00:00:00Z`) / YEAR_MS;
    const data = new Uint16Array(256);
    for (let p = 0; p < 256; p++) {
      const cleared = p % 16 >= 8 && p < 128 && date >= '2022-03-15';
      const ndvi = cleared ? 0.3 : 0.7 + 0.1 * Math.cos(2 * Math.PI * t) + (k % 2 ? -0.01 : 0.01);
      data[p] = date === '2022-02-15' ? 0 : Math.round(ndvi * 10000);
    }
    const raster = { width: 16, height: 16, epsg: 32633, originX: 500000, originY: 5000160, resolution: 10 };
    await writeCog(join(site, 'ndvi', `${date}.tif`), { ...raster, data, nodata: 0 }, { tileSize: 16 });
  }
  const label = new Uint8Array(256);
  for (let p = 0; p < 256; p++) label[p] = p % 16 >= 8 && p < 128 ? 255 : 0;
  await writeCog(
    join(site, 'label_loss2022.tif'),
    { width: 16, height: 16, epsg: 32633, originX: 500000, originY: 5000160, resolution: 10, data: label },
    { tileSize: 16 },
  );
}

describe('series evaluation', () => {
  it('finds a clearing on its first clear look after it, confirms it, and scores detector and baseline against the label', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-series-'));
    await writeFixture(dir);
    const [r] = await evaluateSeries(dir, { chip: 8 });
    expect(r!.name).toBe('forest');
    expect(r!.looks).toBe(30);
    expect(r!.chips).toBe(4);
    const years = (Date.parse('2022-06-15') - Date.parse('2020-01-15')) / YEAR_MS;
    expect(r!.years).toBeCloseTo(years, 12);
    expect(r!.alerts).toEqual([
      {
        kind: 'vegetation-loss',
        status: 'confirmed',
        firstSeen: '2022-03-15T00:00:00.000Z',
        chips: ['1,0'],
        seasonal: true,
      },
    ]);
    expect(r!.perSiteYear).toEqual({ 'vegetation-loss': 1 / years });
    // 2022: January clear, February clouded, March cleared: the second clear look of the year.
    const perfect = {
      chip: { tp: 1, fp: 0, fn: 0, f1: 1 },
      pixel: { tp: 64, fp: 0, fn: 0, f1: 1 },
      medianDelay: 2,
      withinTwoLooks: 1,
    };
    expect(r!.event).toEqual({
      start: '2022-01-01T00:00:00.000Z',
      detectedChips: ['1,0'], // the north-east chip
      changedChips: 1,
      unchangedChips: 3,
      detector: perfect,
      baseline: perfect,
    });
  });
});
