import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCog } from '../src/demo-data/cog-writer.ts';
import { SourceError } from '../src/errors.ts';
import { readChips } from '../src/imagery/chips.ts';
import { LANDSAT_C2_OFFSET, LANDSAT_C2_SCALE } from '../src/imagery/collection-presets.ts';
import { gridCell } from '../src/imagery/grid.ts';
import { applyQaBands, qaInvalid } from '../src/imagery/qa-bands.ts';
import { openRaster } from '../src/imagery/raster-reader.ts';
import { assertOptical, toBackscatter } from '../src/imagery/radar-image.ts';
import { backscatterUnits } from '../src/imagery/radar-metadata.ts';
import { HINTS, type Acquisition } from '../src/imagery/source.ts';
import { itemToAcquisition } from '../src/imagery/stac-item.ts';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** Landsat 8-9 qa_pixel of a clear pixel: bit 6 clear, low cloud, shadow, snow and cirrus confidence. */
const CLEAR = 21824;

describe('Landsat qa_pixel', () => {
  it('decodes fill, dilated cloud, cirrus, cloud, shadow and snow bits as invalid and keeps clear and water', () => {
    const values = [
      CLEAR,
      CLEAR | 1,
      CLEAR | 2,
      CLEAR | 4,
      CLEAR | 8,
      CLEAR | 16,
      CLEAR | 32,
      CLEAR | 128,
      1.5,
      -1,
    ];
    expect(values.map((v) => qaInvalid('qa_pixel', v))).toEqual([
      false,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      true,
      true,
    ]);
    const mask = new Uint8Array([1, 1, 1, 0]);
    applyQaBands(new Map([['qa_pixel', Float32Array.from([CLEAR, CLEAR | 8, CLEAR | 128, CLEAR])]]), mask);
    expect(Array.from(mask)).toEqual([1, 0, 1, 0]);
  });
});

/** A Planetary Computer landsat-c2-l2 item (trimmed to what is read) with raster:bands as PC serves them. */
function landsatItem(dir: string): unknown {
  const rb = [{ scale: LANDSAT_C2_SCALE, offset: LANDSAT_C2_OFFSET, nodata: 0 }];
  const tif = 'image/tiff; application=geotiff; profile=cloud-optimized';
  const band = (key: string) => ({ href: join(dir, `${key}.tif`), type: tif, 'raster:bands': rb });
  return {
    type: 'Feature',
    id: 'LC09_L2SP_192027_20240610_02_T1',
    collection: 'landsat-c2-l2',
    properties: {
      datetime: '2024-06-10T10:00:00Z',
      platform: 'landsat-9',
      'eo:cloud_cover': 12,
      'proj:epsg': 32633,
    },
    assets: {
      ...Object.fromEntries(
        ['blue', 'green', 'red', 'nir08', 'swir16', 'swir22', 'coastal', 'lwir11'].map((k) => [k, band(k)]),
      ),
      qa_pixel: { href: join(dir, 'qa_pixel.tif'), type: tif },
      thumbnail: { href: join(dir, 'thumb.jpg'), type: 'image/jpeg' },
    },
  };
}

describe('landsat-c2-l2 preset', () => {
  it('names the bands as the project does, and scales once by 0.0000275 and −0.2 whatever raster:bands say', () => {
    const acq = itemToAcquisition(landsatItem('/data'), {
      source: 'planetary-computer',
      base: '/data/item.json',
      preset: 'planetary-computer',
    });
    expect(Object.keys(acq.assets).sort()).toEqual([
      'blue',
      'green',
      'nir',
      'qa_pixel',
      'red',
      'swir16',
      'swir22',
    ]);
    expect(acq.assets.nir).toBe('/data/nir08.tif');
    const scaling = acq.properties[HINTS.scaling] as Record<string, unknown>;
    expect(scaling.nir).toEqual({ scale: 0.0000275, offset: -0.2, nodata: 0, kind: 'reflectance' });
    expect(scaling.qa_pixel).toEqual({ scale: 1, offset: 0, nodata: null, kind: 'class' });
    expect(acq.properties[HINTS.offsetCheck]).toBeUndefined();
    const es = itemToAcquisition(landsatItem('/data'), {
      source: 'earth-search',
      base: '/data/item.json',
      preset: 'earth-search',
      collection: 'landsat-c2-l2',
    });
    expect(es.assets).toEqual(acq.assets);
  });

  it('reads chips of reflectance DN × 0.0000275 − 0.2 with qa_pixel and DN 0 as the validity mask', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftwatch-landsat-'));
    temps.push(dir);
    const base = {
      width: 16,
      height: 16,
      epsg: 32633,
      originX: 480_000,
      originY: 5_760_480,
      resolution: 30,
      nodata: 0,
    };
    const keys = ['blue', 'green', 'red', 'nir08', 'swir16', 'swir22'];
    for (const [b, key] of keys.entries()) {
      const data = Uint16Array.from({ length: 256 }, (_, i) => 8000 + 1000 * b + i);
      if (key === 'blue') data[5] = 0; // fill in one band
      await writeCog(join(dir, `${key}.tif`), { ...base, data }, { tileSize: 16 });
    }
    const qa = new Uint16Array(256).fill(CLEAR);
    qa[0] = 1; // fill
    qa[1] = CLEAR | 8; // cloud
    qa[2] = CLEAR | 16; // cloud shadow
    qa[3] = CLEAR | 32; // snow
    qa[4] = CLEAR | 128; // water: valid
    await writeCog(join(dir, 'qa_pixel.tif'), { ...base, nodata: undefined, data: qa }, { tileSize: 16 });
    const acq = itemToAcquisition(landsatItem(dir), {
      source: 'planetary-computer',
      base: join(dir, 'item.json'),
      preset: 'planetary-computer',
    });
    const grid = { epsg: 32633, chipPx: 8, resolutionM: 30 };
    const [chip] = await readChips(acq, [gridCell(grid, 2000, 24001)], grid);
    const image = chip!.image;
    expect(image.bands).toEqual(['blue', 'green', 'red', 'nir', 'swir16', 'swir22']);
    expect(Array.from(image.mask.subarray(0, 9))).toEqual([0, 0, 0, 0, 1, 0, 1, 1, 1]);
    // Row 1, column 0 of the chip is raster pixel 16.
    expect(image.data[3]![8]).toBe(Math.fround((8000 + 3000 + 16) * 0.0000275 - 0.2));
    expect(image.data[0]![4]).toBe(Math.fround((8000 + 4) * 0.0000275 - 0.2));
  });
});

describe('sentinel-1-rtc preset', () => {
  it('reads vv and vh as linear power, marks the item linear backscatter and signs with the collection token', () => {
    const tif = 'image/tiff; application=geotiff; profile=cloud-optimized';
    const acq = itemToAcquisition(
      {
        type: 'Feature',
        id: 'S1A_IW_GRDH_1SDV_20240610T055212_20240610T055237_054233_069880_rtc',
        collection: 'sentinel-1-rtc',
        properties: {
          datetime: '2024-06-10T05:52:24Z',
          'sar:polarizations': ['VV', 'VH'],
          'proj:epsg': 32631,
        },
        assets: {
          vv: { href: 'https://example.blob.core.windows.net/rtc/vv.tif', type: tif },
          vh: { href: 'https://example.blob.core.windows.net/rtc/vh.tif', type: tif },
          rendered_preview: { href: 'https://example/preview.png', type: 'image/png' },
        },
      },
      {
        source: 'planetary-computer',
        base: 'https://pc/api/stac/v1/search',
        preset: 'planetary-computer',
        tokenUrl: 'https://pc/api/sas/v1/token/sentinel-1-rtc',
      },
    );
    expect(Object.keys(acq.assets)).toEqual(['vv', 'vh']);
    expect(backscatterUnits(acq)).toBe('linear');
    expect((acq.properties[HINTS.scaling] as Record<string, unknown>).vv).toEqual({
      scale: 1,
      offset: 0,
      nodata: -32768,
      kind: 'reflectance',
    });
    expect(acq.properties[HINTS.signing]).toEqual({
      kind: 'planetary-computer',
      tokenUrl: 'https://pc/api/sas/v1/token/sentinel-1-rtc',
    });
  });
});

describe('radar metadata of local sources', () => {
  const acq = (properties: Record<string, unknown>, bands: string[]): Acquisition => ({
    source: 'local:/data/s1',
    itemId: 'flood-2019-09-18',
    datetime: '2019-09-18T17:50:00.000Z',
    cloudCover: null,
    epsg: 4326,
    assets: Object.fromEntries(bands.map((b, i) => [b, `/data/s1/flood.tif#band=${i + 1}`])),
    properties,
  });
  it('reads the units and refuses unknown units or radar without a polarisation band, naming the item', () => {
    expect(backscatterUnits(acq({ backscatter: 'db' }, ['vv', 'vh']))).toBe('db');
    expect(backscatterUnits(acq({}, ['blue']))).toBeNull();
    expect(() => backscatterUnits(acq({ backscatter: 'dB' }, ['vv']))).toThrow(
      'item "flood-2019-09-18" of local:/data/s1: "backscatter" is "dB"; expected "db" or "linear"',
    );
    expect(() => backscatterUnits(acq({ backscatter: 'linear' }, ['b1', 'b2']))).toThrow(
      'item "flood-2019-09-18" of local:/data/s1 declares linear backscatter but has no polarisation band (vv, vh, hh, hv); its bands: b1, b2',
    );
  });
});

const S1 = join(import.meta.dirname, '..', '..', 'shared', 'data', 'rasters', 'Spain_7370579_S1Hand.tif');
const present = existsSync(S1);
if (!present)
  console.warn(
    `../shared/data/rasters/Spain_7370579_S1Hand.tif not found: radar bad-input tests on real bytes skipped`,
  );

describe.skipIf(!present)('radar bad input on real bytes (Sen1Floods11 S1Hand, VV and VH in dB)', () => {
  const read = async (bandNames: string[], bands?: string[]) => {
    const reader = openRaster(S1, { bandNames });
    try {
      return await reader.preview({ maxSize: 512, bands });
    } finally {
      await reader.close();
    }
  };

  it('refuses the radar raster given as optical bands, naming the asset', async () => {
    const image = await read(['red', 'nir']);
    expect(() => assertOptical(image, S1)).toThrow(SourceError);
    expect(() => assertOptical(image, S1)).toThrow(
      `asset ${S1} band red: 98.1 % of its values are negative (median -10.48); reflectance is not, radar backscatter in dB is: declare the source as radar`,
    );
  });

  it('refuses dB declared as linear, and a missing polarisation, naming the asset', async () => {
    const image = await read(['vv', 'vh']);
    expect(() => toBackscatter(image, { units: 'linear', asset: S1 })).toThrow(
      `radar asset ${S1} is declared linear power but 98.1 % of its vv values are negative (median -10.48): the values look like dB`,
    );
    const vvOnly = await read(['vv', 'vh'], ['vv']);
    expect(() => toBackscatter(vvOnly, { units: 'db', asset: S1, required: ['vv', 'vh'] })).toThrow(
      `radar asset ${S1} has no vh polarisation (bands: vv)`,
    );
    // Linear power of the same pixels declared dB: no negative values.
    const linear = { ...image, data: image.data.map((p) => p.map((v) => 10 ** (v / 10))) };
    expect(() => toBackscatter(linear, { units: 'db', asset: S1 })).toThrow(
      /declared dB but only 0\.0 % of its vv values are negative/,
    );
    const back = toBackscatter(linear, { units: 'linear', asset: S1 });
    expect(back.scale).toBe('backscatter');
    expect(back.data[0]![1000]).toBe(Math.fround(10 * Math.log10(linear.data[0]![1000]!)));
  });
});
