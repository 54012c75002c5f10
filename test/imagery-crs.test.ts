import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrsError } from '../src/errors.ts';
import {
  crsFromGeoKeys,
  gridCellsForArea,
  openRaster,
  parseArea,
  readChips,
  transformer,
  type Acquisition,
  type GridSpec,
} from '../src/imagery/index.ts';
import { hasGdal, makeCog, SMALL_COG, withProjectedCode } from './helpers/cog-fixtures.ts';

const gdal = hasGdal();
if (!gdal) console.warn('gdal_translate not found (apt-get install gdal-bin): CRS tests skipped');

/** Stored value of the ground truth at source pixel (x, y): linear, so bilinear resampling keeps it. */
const truth = (x: number, y: number): number => 1000 + 10 * x + 7 * y;

/** 64-px chips at 10 m: 640 m cells. */
const CHIP_PX = 64;
const CELL = 640;

/**
 * One ground scene per case: a 400 × 400 px, 10 m raster in the WGS 84 UTM zone of the place, its
 * upper-left corner on a cell corner, and a 3 × 3 block of cells (cols c0…c0+2, rows r0…r0+2) in its middle.
 */
const CASES = [
  { crs: 'EPSG:26915', utm: 32615, col0: 780, row0: 7032 }, // NAD83 / UTM 15N, Missouri
  { crs: 'EPSG:25832', utm: 32632, col0: 780, row0: 8679 }, // ETRS89 / UTM 32N, Hesse
  { crs: 'EPSG:3035', utm: 32632, col0: 780, row0: 8679 }, // ETRS89 / LAEA Europe, Hesse
  { crs: 'EPSG:2154', utm: 32631, col0: 703, row0: 8157 }, // RGF93 / Lambert-93, Centre-Val de Loire
  // User-defined GeoKeys (ProjectedCSTypeGeoKey 32767): Lambert conic in US survey feet, transverse Mercator.
  {
    crs: '+proj=lcc +lat_1=45 +lat_2=49 +lat_0=47 +lon_0=2 +x_0=600000 +y_0=200000 +ellps=GRS80 +units=us-ft',
    utm: 32631,
    col0: 703,
    row0: 8157,
  },
  {
    crs: '+proj=tmerc +lat_0=0 +lon_0=-92 +k=0.9999 +x_0=200000 +y_0=0 +datum=WGS84',
    utm: 32615,
    col0: 780,
    row0: 7032,
  },
];

describe.skipIf(!gdal)('rasters in any CRS land on the area’s UTM grid', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-crs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CASES.map((c, i) => ({ ...c, i })))(
    '$crs: same chip keys and pixel values as gdalwarp onto the UTM grid',
    async ({ crs, utm, col0, row0, i }) => {
      // The scene in its UTM zone: upper-left corner one cell west and north of the block.
      const originX = (col0 - 1) * CELL;
      const originY = (row0 + 4) * CELL;
      const utmTif = makeCog(dir, `truth-${i}`, {
        epsg: utm,
        originX,
        originY,
        width: 400,
        height: 400,
        res: 10,
        bands: 1,
        type: 'UInt16',
        value: (_b, x, y) => truth(x, y),
      });
      // The same ground in the target CRS, written by gdalwarp (bilinear, 10 m, outside = nodata 0).
      const fixture = join(dir, `scene-${i}.tif`);
      execFileSync('gdalwarp', [
        '-q',
        '-overwrite',
        '-t_srs',
        crs,
        '-r',
        'bilinear',
        '-dstnodata',
        '0',
        '-tr',
        crs.includes('us-ft') ? '32.8' : '10',
        crs.includes('us-ft') ? '32.8' : '10',
        utmTif,
        fixture,
      ]);
      const reader = openRaster(fixture);
      const info = await reader.info();
      await reader.close();
      if (crs.startsWith('EPSG:')) expect([info.epsg, info.crs]).toEqual([Number(crs.slice(5)), crs]);
      else expect(info.epsg).toBeNull();

      // An area 20 m inside the 3 × 3 block: exactly its nine cells, keyed on the UTM grid.
      const toLonLat = transformer(utm, 4326);
      const [x0, y0, x1, y1] = [
        (col0 + 0) * CELL + 20,
        (row0 + 0) * CELL + 20,
        (col0 + 3) * CELL - 20,
        (row0 + 3) * CELL - 20,
      ];
      const ring = [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ].map(([x, y]) => toLonLat(x!, y!));
      const area = parseArea({ type: 'Polygon', coordinates: [ring] });
      expect(area.epsg).toBe(utm);
      const grid: GridSpec = { epsg: utm, chipPx: CHIP_PX, resolutionM: 10 };
      const cells = gridCellsForArea(area, grid);
      const keys = [2, 1, 0].flatMap((r) =>
        [0, 1, 2].map((c) => `EPSG:${utm}/${CELL}/${col0 + c}/${row0 + r}`),
      );
      expect(cells.map((c) => c.key)).toEqual(keys);

      const acq: Acquisition = {
        source: 'test',
        itemId: `scene-${i}`,
        datetime: '2024-05-01T10:00:00.000Z',
        cloudCover: null,
        epsg: info.epsg,
        assets: { red: fixture },
        properties: {},
      };
      const chips = await readChips(acq, cells, grid);
      expect(chips.map((c) => c.key)).toEqual(keys);
      // gdalwarp of the fixture onto the whole 3 × 3 block of the UTM grid, bilinear.
      const ref = join(dir, `ref-${i}.tif`);
      const block = [col0 * CELL, row0 * CELL, (col0 + 3) * CELL, (row0 + 3) * CELL];
      execFileSync('gdalwarp', [
        '-q',
        '-overwrite',
        '-t_srs',
        `EPSG:${utm}`,
        '-te',
        ...block.map(String),
        '-ts',
        String(3 * CHIP_PX),
        String(3 * CHIP_PX),
        '-r',
        'bilinear',
        fixture,
        ref,
      ]);
      const expected = (await (await (await fromFile(ref)).getImage()).readRasters())[0] as Uint16Array;
      let worstGdal = 0;
      let worstTruth = 0;
      for (const chip of chips) {
        expect(chip.validFraction).toBe(1);
        const ours = chip.image.data[0]!;
        const bx = (chip.col - col0) * CHIP_PX;
        const by = (row0 + 2 - chip.row) * CHIP_PX;
        for (let j = 0; j < CHIP_PX; j++) {
          for (let k = 0; k < CHIP_PX; k++) {
            const dn = ours[j * CHIP_PX + k]! * 1e4;
            worstGdal = Math.max(worstGdal, Math.abs(dn - expected[(by + j) * 3 * CHIP_PX + bx + k]!));
            // Source pixel of this chip pixel's centre in the UTM scene.
            const sx = (chip.bounds[0] - originX) / 10 + k;
            const sy = (originY - chip.bounds[3]) / 10 + j;
            worstTruth = Math.max(worstTruth, Math.abs(dn - truth(sx, sy)));
          }
        }
      }
      // One source pixel is 10 (x) or 7 (y) DN and the fixture stores whole DNs (±0.5): agreement within
      // 1 DN is placement within 0.1 px.
      expect(worstGdal).toBeLessThan(1);
      expect(worstTruth).toBeLessThan(1);
    },
  );

  it('a raster with an EPSG code the index lacks is a CrsError naming the code and the file', async () => {
    const path = withProjectedCode(dir, 'unknown-code', 9999);
    await expect(openRaster(path).info()).rejects.toThrow(
      new CrsError(`raster ${path}: unknown CRS EPSG:9999: the EPSG index (epsg-index) has no such code`),
    );
  });

  it('a raster in a vertical CRS code is a CrsError naming the code and its kind', async () => {
    const path = withProjectedCode(dir, 'vertical-code', 5703);
    await expect(openRaster(path).info()).rejects.toThrow(
      new CrsError(
        `raster ${path}: CRS EPSG:5703 (NAVD88 height) is a VERTCRS, not a projected or geographic CRS`,
      ),
    );
  });

  it('user-defined GeoKeys of an unsupported projection (Hotine oblique Mercator) are a CrsError naming the GeoKey', async () => {
    const path = join(dir, 'omerc.tif');
    execFileSync('gdal_translate', [
      '-q',
      '-a_srs',
      '+proj=omerc +lat_0=4 +lonc=102.25 +alpha=323.0257905 +k=0.99984 +x_0=804671 +y_0=0 +ellps=GRS80 +units=m',
      '-a_ullr',
      '0',
      '1000',
      '1000',
      '0',
      makeCog(dir, 'omerc-src', { ...SMALL_COG, epsg: 32633 }),
      path,
    ]);
    await expect(openRaster(path).info()).rejects.toThrow(
      new CrsError(
        `raster ${path}: user-defined CRS with ProjCoordTransGeoKey 9815 is not supported (supported: 1 tmerc, 7 merc, 8/9 lcc, 10 laea, 11 aea, 15 stere, 16 sterea, 17 eqc, 24 sinu, or their EPSG method codes)`,
      ),
    );
  });
});

describe('GeoKeys to CRS', () => {
  it('gives the EPSG code when one is named', () => {
    expect(crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 26915 })).toBe(26915);
    expect(crsFromGeoKeys({ GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4269 })).toBe(4269);
  });

  it('builds a proj4 string from user-defined keys, with false eastings in metres', () => {
    expect(
      crsFromGeoKeys({
        GTModelTypeGeoKey: 1,
        GeographicTypeGeoKey: 32767,
        GeogGeodeticDatumGeoKey: 32767,
        GeogEllipsoidGeoKey: 7019,
        GeogSemiMajorAxisGeoKey: 6378137,
        GeogInvFlatteningGeoKey: 298.257222101,
        ProjectedCSTypeGeoKey: 32767,
        ProjectionGeoKey: 32767,
        ProjCoordTransGeoKey: 8,
        ProjLinearUnitsGeoKey: 9002,
        ProjStdParallel1GeoKey: 23,
        ProjStdParallel2GeoKey: 26,
        ProjFalseOriginLongGeoKey: -77,
        ProjFalseOriginLatGeoKey: 24,
        ProjFalseOriginEastingGeoKey: 1000,
        ProjFalseOriginNorthingGeoKey: 0,
      }),
    ).toBe(
      '+proj=lcc +lat_1=23 +lat_2=26 +lat_0=24 +lon_0=-77 +x_0=304.8 +y_0=0 +a=6378137 +rf=298.257222101 +to_meter=0.3048 +no_defs',
    );
    expect(
      crsFromGeoKeys({
        GTModelTypeGeoKey: 1,
        GeographicTypeGeoKey: 4326,
        ProjectedCSTypeGeoKey: 32767,
        ProjectionGeoKey: 16118,
        ProjLinearUnitsGeoKey: 9001,
      }),
    ).toBe('+proj=utm +zone=18 +south +datum=WGS84 +units=m +no_defs');
  });

  it('names the GeoKeys it cannot express', () => {
    expect(() =>
      crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32767, ProjectionGeoKey: 19914 }),
    ).toThrow(
      new CrsError(
        'user-defined CRS with ProjectionGeoKey 19914 is not supported (only UTM conversions 160zz/161zz or ProjCoordTransGeoKey parameters)',
      ),
    );
    expect(() =>
      crsFromGeoKeys({
        GTModelTypeGeoKey: 1,
        GeographicTypeGeoKey: 4326,
        ProjectedCSTypeGeoKey: 32767,
        ProjCoordTransGeoKey: 1,
        ProjLinearUnitsGeoKey: 9014,
      }),
    ).toThrow(new CrsError('user-defined CRS with ProjLinearUnitsGeoKey 9014 has unknown linear units'));
    expect(() => crsFromGeoKeys({ GTModelTypeGeoKey: 1 })).toThrow(
      new CrsError(
        'GeoKeys name no CRS (no ProjectedCSTypeGeoKey or GeographicTypeGeoKey): the raster is not georeferenced',
      ),
    );
  });
});
