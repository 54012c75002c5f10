import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  gridCellsForArea,
  openRaster,
  parseArea,
  readChips,
  renderRgb,
  type Acquisition,
} from '../src/imagery/index.ts';

const RASTERS = join(import.meta.dirname, '..', '..', 'shared', 'data', 'rasters');
const present = existsSync(join(RASTERS, 'RGB.byte.tif'));
if (!present) console.warn(`../shared/data/rasters not found: real-GeoTIFF tests skipped`);

// Expected values read with gdallocationinfo -valonly.
describe.skipIf(!present)('real GeoTIFFs from ../shared', () => {
  it('reads RGB.byte.tif (EPSG:32618, uint8, nodata 0) as display values with exact pixels', async () => {
    const reader = openRaster(join(RASTERS, 'RGB.byte.tif'));
    const info = await reader.info();
    expect(info).toMatchObject({
      width: 791,
      height: 718,
      epsg: 32618,
      bands: ['red', 'green', 'blue'],
      dataType: 'uint8',
      bounds: [101985, 2611485, 339315, 2826915],
    });
    const img = await reader.part(info.bounds, 'EPSG:32618', {
      width: 791,
      height: 718,
      resampling: 'nearest',
    });
    expect(img.scale).toBe('display');
    expect(img.data[0]![300 * 791 + 400]).toBe(11);
    expect(img.data[2]![300 * 791 + 400]).toBe(20);
    // Pixel (0, 0) is nodata in every band.
    expect(img.mask[0]).toBe(0);
    expect(img.mask[300 * 791 + 400]).toBe(1);
    const rgb = renderRgb(img);
    expect([...rgb.data.subarray((300 * 791 + 400) * 3, (300 * 791 + 400) * 3 + 3)]).toEqual([
      11,
      img.data[1]![300 * 791 + 400],
      20,
    ]);
    await reader.close();
  });

  it('reads the 13-band Sentinel-2 sample (int16, EPSG:4326) with Sentinel-2 band names and reflectance ×1e-4', async () => {
    const reader = openRaster(join(RASTERS, 'Spain_7370579_S2Hand.tif'));
    const info = await reader.info();
    expect(info.bands).toEqual([
      'coastal',
      'blue',
      'green',
      'red',
      'rededge1',
      'rededge2',
      'rededge3',
      'nir',
      'nir08',
      'nir09',
      'cirrus',
      'swir16',
      'swir22',
    ]);
    expect(info.epsg).toBe(4326);
    expect(info.dataType).toBe('int16');
    const img = await reader.part(info.bounds, 'EPSG:4326', {
      width: 512,
      height: 512,
      bands: ['blue', 'green', 'red', 'nir', 'swir16'],
      resampling: 'nearest',
    });
    const at = (b: number, x: number, y: number): number => img.data[b]![y * 512 + x]!;
    expect(at(0, 256, 256)).toBe(Math.fround(1568 * 1e-4));
    expect(at(1, 256, 256)).toBe(Math.fround(1806 * 1e-4));
    expect(at(2, 256, 256)).toBe(Math.fround(1808 * 1e-4));
    expect(at(3, 256, 256)).toBe(Math.fround(2639 * 1e-4));
    expect(at(4, 256, 256)).toBe(Math.fround(1282 * 1e-4));
    expect(at(2, 10, 500)).toBe(Math.fround(917 * 1e-4));
    await reader.close();
  });

  it('chips the Sentinel-2 sample on its UTM zone 30 grid', async () => {
    const path = join(RASTERS, 'Spain_7370579_S2Hand.tif');
    const [w, s, e, n] = [-0.7818936232976315, 38.08281882884935, -0.735899880750712, 38.12881257139627];
    const area = parseArea({
      type: 'Polygon',
      coordinates: [
        [
          [w, s],
          [e, s],
          [e, n],
          [w, n],
          [w, s],
        ],
      ],
    });
    expect(area.epsg).toBe(32630);
    const grid = { epsg: area.epsg, chipPx: 256, resolutionM: 10 };
    const cells = gridCellsForArea(area, grid);
    const acq: Acquisition = {
      source: 'local:rasters',
      itemId: 'Spain_7370579_S2Hand',
      datetime: '2019-01-01T00:00:00.000Z',
      cloudCover: null,
      epsg: 4326,
      assets: Object.fromEntries(
        ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'].map((b, i) => [
          b,
          `${path}#band=${[2, 3, 4, 8, 12, 13][i]}`,
        ]),
      ),
      properties: {},
    };
    const chips = await readChips(acq, cells, grid);
    expect(chips.map((c) => c.key)).toEqual(cells.map((c) => c.key));
    expect(chips.every((c) => c.image.bands.join() === 'blue,green,red,nir,swir16,swir22')).toBe(true);
    // Valid 10 m pixels over all chips cover the footprint's area (the scene has no nodata).
    const validM2 = chips.reduce((sum, c) => sum + c.validFraction * 65536 * 100, 0);
    expect(validM2 / (area.areaKm2 * 1e6)).toBeGreaterThan(0.99);
    expect(validM2 / (area.areaKm2 * 1e6)).toBeLessThan(1.01);
    expect(chips.some((c) => c.usable)).toBe(true);
  });
});
