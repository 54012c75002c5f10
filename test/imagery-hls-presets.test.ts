import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCog } from '../src/demo-data/cog-writer.ts';
import { SourceError } from '../src/errors.ts';
import { readChips } from '../src/imagery/chips.ts';
import { HLS_SCALE } from '../src/imagery/collection-presets.ts';
import { gridCell } from '../src/imagery/grid.ts';
import { applyQaBands, qaInvalid } from '../src/imagery/qa-bands.ts';
import { HINTS } from '../src/imagery/source.ts';
import { itemToAcquisition } from '../src/imagery/stac-item.ts';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

const TIF = 'image/tiff; application=geotiff; profile=cloud-optimized';
const L30_KEYS = ['B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B09', 'B10', 'B11', 'Fmask', 'SZA'];
const S30_KEYS = [
  'B01',
  'B02',
  'B03',
  'B04',
  'B05',
  'B06',
  'B07',
  'B08',
  'B8A',
  'B09',
  'B10',
  'B11',
  'B12',
  'Fmask',
  'VZA',
];

/** An HLS v2.0 item as CMR-STAC (LPCLOUD) or Planetary Computer serves it, trimmed to what is read. */
function hlsItem(
  sensor: 'L30' | 'S30',
  collection: string,
  href: (key: string) => string,
  keys: string[] = sensor === 'L30' ? L30_KEYS : S30_KEYS,
): unknown {
  const id = `HLS.${sensor}.T33UUU.2024162T100031.v2.0`;
  // Some servers state the scale in raster:bands too; the preset must not apply it a second time.
  const rb = [{ scale: HLS_SCALE, offset: 0, nodata: -9999 }];
  return {
    type: 'Feature',
    id,
    collection,
    properties: { datetime: '2024-06-10T10:00:31Z', 'eo:cloud_cover': 7, 'proj:epsg': 32633 },
    assets: {
      ...Object.fromEntries(
        keys.map((k) => [k, { href: href(k), type: TIF, ...(k === 'Fmask' ? {} : { 'raster:bands': rb }) }]),
      ),
      browse: { href: href('jpg'), type: 'image/jpeg' },
      metadata: { href: href('xml'), type: 'application/xml' },
    },
  };
}

const LP = 'https://data.lpdaac.earthdatacloud.nasa.gov/lp-prod-protected';
const lpHref = (product: string, sensor: string) => (key: string) =>
  `${LP}/${product}/HLS.${sensor}.T33UUU.2024162T100031.v2.0/HLS.${sensor}.T33UUU.2024162T100031.v2.0.${key}.tif`;

const REFLECTANCE = { scale: 0.0001, offset: 0, nodata: -9999, kind: 'reflectance' };
const FMASK = { scale: 1, offset: 0, nodata: null, kind: 'class' };

describe('HLS band mapping', () => {
  it('maps CMR-STAC HLSL30.v2.0 B02–B07 and Fmask to blue green red nir swir16 swir22 fmask with no API preset', () => {
    const href = lpHref('HLSL30.020', 'L30');
    const acq = itemToAcquisition(hlsItem('L30', 'HLSL30.v2.0', href), {
      source: 'stac:cmr.earthdata.nasa.gov',
      base: 'https://cmr.earthdata.nasa.gov/stac/LPCLOUD/search',
      collection: 'HLSL30.v2.0',
    });
    expect(acq.assets).toEqual({
      blue: href('B02'),
      green: href('B03'),
      red: href('B04'),
      nir: href('B05'),
      swir16: href('B06'),
      swir22: href('B07'),
      fmask: href('Fmask'),
    });
    expect(acq.properties[HINTS.scaling]).toEqual({
      blue: REFLECTANCE,
      green: REFLECTANCE,
      red: REFLECTANCE,
      nir: REFLECTANCE,
      swir16: REFLECTANCE,
      swir22: REFLECTANCE,
      fmask: FMASK,
    });
    expect(acq.properties[HINTS.signing]).toBeUndefined();
    expect(acq.epsg).toBe(32633);
    expect(acq.cloudCover).toBe(7);
  });

  it('maps Planetary Computer hls2-s30 B02 B03 B04 B8A B11 B12 and Fmask (not B05 or B08) and signs with its token', () => {
    const href = (key: string) => `https://hls2euwest.blob.core.windows.net/hls2/s30/${key}.tif`;
    const acq = itemToAcquisition(hlsItem('S30', 'hls2-s30', href), {
      source: 'planetary-computer',
      base: 'https://planetarycomputer.microsoft.com/api/stac/v1/search',
      preset: 'planetary-computer',
      tokenUrl: 'https://planetarycomputer.microsoft.com/api/sas/v1/token/hls2-s30',
    });
    expect(acq.assets).toEqual({
      blue: href('B02'),
      green: href('B03'),
      red: href('B04'),
      nir: href('B8A'),
      swir16: href('B11'),
      swir22: href('B12'),
      fmask: href('Fmask'),
    });
    expect((acq.properties[HINTS.scaling] as Record<string, unknown>).nir).toEqual(REFLECTANCE);
    expect(acq.properties[HINTS.signing]).toEqual({
      kind: 'planetary-computer',
      tokenUrl: 'https://planetarycomputer.microsoft.com/api/sas/v1/token/hls2-s30',
    });
    // The same item from CMR-STAC and PC's L30 collection name map the same way per sensor.
    const cmr = itemToAcquisition(hlsItem('S30', 'HLSS30.v2.0', href), { source: 'cmr', base: 'https://x/' });
    expect(cmr.assets).toEqual(acq.assets);
    const pcL30 = itemToAcquisition(hlsItem('L30', 'hls2-l30', href), {
      source: 'planetary-computer',
      base: 'https://x/',
      preset: 'planetary-computer',
    });
    expect(pcL30.assets.nir).toBe(href('B05'));
    expect(pcL30.assets.swir16).toBe(href('B06'));
  });
});

describe('HLS Fmask', () => {
  it('decodes cloud, adjacent, shadow and snow bits as invalid and keeps cirrus (unused), water and aerosol bits', () => {
    const values = [0, 1, 2, 4, 8, 16, 32, 64, 128, 192, 32 | 192, 32 | 8, 255, 1.5, -1];
    expect(values.map((v) => qaInvalid('fmask', v))).toEqual([
      false,
      false,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
    const mask = new Uint8Array([1, 1, 1, 1, 0]);
    applyQaBands(new Map([['fmask', Float32Array.from([32, 2, 64 | 1, 4, 0])]]), mask);
    expect(Array.from(mask)).toEqual([1, 0, 1, 0, 0]);
  });

  it('reads S30 chips of reflectance DN × 0.0001 from B8A as nir, with Fmask as the validity mask', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftwatch-hls-'));
    temps.push(dir);
    const base = { width: 16, height: 16, epsg: 32633, originX: 480_000, originY: 5_760_480, resolution: 30 };
    for (const [b, key] of S30_KEYS.filter((k) => k !== 'Fmask' && k !== 'VZA').entries()) {
      const data = Uint16Array.from({ length: 256 }, (_, i) => 1000 * (b + 1) + i);
      await writeCog(join(dir, `${key}.tif`), { ...base, data }, { tileSize: 16 });
    }
    const fmask = new Uint8Array(256).fill(64); // aerosol level 1 (low): valid
    fmask[0] = 2; // cloud
    fmask[1] = 4; // adjacent to cloud or shadow
    fmask[2] = 8; // cloud shadow
    fmask[3] = 16; // snow/ice
    fmask[4] = 32 | 192; // water, high aerosol: valid
    fmask[5] = 1; // cirrus bit (unused in v2.0): valid
    fmask[6] = 255; // fill
    await writeCog(join(dir, 'Fmask.tif'), { ...base, data: fmask }, { tileSize: 16 });
    await writeCog(join(dir, 'VZA.tif'), { ...base, data: new Uint16Array(256) }, { tileSize: 16 });
    const acq = itemToAcquisition(
      hlsItem('S30', 'HLSS30.v2.0', (k) => join(dir, `${k}.tif`)),
      { source: 'cmr', base: join(dir, 'item.json') },
    );
    const grid = { epsg: 32633, chipPx: 8, resolutionM: 30 };
    const [chip] = await readChips(acq, [gridCell(grid, 2000, 24001)], grid);
    const image = chip!.image;
    expect(image.bands).toEqual(['blue', 'green', 'red', 'nir', 'swir16', 'swir22']);
    expect(Array.from(image.mask.subarray(0, 9))).toEqual([0, 0, 0, 0, 1, 1, 0, 1, 1]);
    expect(chip!.validFraction).toBe(59 / 64);
    // Index in S30_KEYS: B02 1, B8A 8, B11 11, B12 12 (value 1000 × (index + 1) + raster pixel).
    // Row 1, column 0 of the chip is raster pixel 16.
    expect(image.data[0]![8]).toBe(Math.fround((2000 + 16) * 0.0001));
    expect(image.data[3]![8]).toBe(Math.fround((9000 + 16) * 0.0001));
    expect(image.data[4]![4]).toBe(Math.fround((12000 + 4) * 0.0001));
    expect(image.data[5]![63]).toBe(Math.fround((13000 + 7 * 16 + 7) * 0.0001));
  });
});

describe('HLS bad input', () => {
  it('refuses an S30 item lacking B8A, and an L30 item lacking Fmask, with a SourceError naming the asset', () => {
    const href = lpHref('HLSS30.020', 'S30');
    const noNir = hlsItem(
      'S30',
      'HLSS30.v2.0',
      href,
      S30_KEYS.filter((k) => k !== 'B8A'),
    );
    const ctx = { source: 'cmr', base: 'https://cmr.earthdata.nasa.gov/stac/LPCLOUD/search' };
    expect(() => itemToAcquisition(noNir, ctx)).toThrow(SourceError);
    expect(() => itemToAcquisition(noNir, ctx)).toThrow(
      'item "HLS.S30.T33UUU.2024162T100031.v2.0" from https://cmr.earthdata.nasa.gov/stac/LPCLOUD/search of collection HLSS30.v2.0 lacks asset "B8A" (nir) (has: B01, B02, B03, B04, B05, B06, B07, B08, B09, B10, B11, B12, Fmask, VZA, browse, metadata)',
    );
    const noMask = hlsItem('L30', 'hls2-l30', lpHref('HLSL30.020', 'L30'), [
      'B02',
      'B03',
      'B04',
      'B05',
      'B06',
    ]);
    expect(() => itemToAcquisition(noMask, { ...ctx, preset: 'planetary-computer' })).toThrow(
      'item "HLS.L30.T33UUU.2024162T100031.v2.0" from https://cmr.earthdata.nasa.gov/stac/LPCLOUD/search of collection hls2-l30 lacks assets "B07" (swir22), "Fmask" (fmask) (has: B02, B03, B04, B05, B06, browse, metadata)',
    );
  });
});
