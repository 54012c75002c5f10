import proj4 from 'proj4';
import { describe, expect, it } from 'vitest';
import { AreaError } from '../src/errors.ts';
import { chipKey, gridCellsForArea, parseArea } from '../src/imagery/index.ts';

const UTM33 = '+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs';
const toLonLat = (x: number, y: number): number[] => proj4(UTM33, 'EPSG:4326', [x, y]);
const square = (w: number, s: number, e: number, n: number): number[][][] => [
  [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ],
];

describe('parseArea', () => {
  it('accepts a Feature polygon and reports bbox, UTM zone of the centroid and spherical area', () => {
    const area = parseArea({
      type: 'Feature',
      properties: {},
      geometry: { type: 'Polygon', coordinates: square(15, 45, 15.1, 45.1) },
    });
    expect(area.bbox).toEqual([15, 45, 15.1, 45.1]);
    expect(area.epsg).toBe(32633);
    const R = 6378137;
    const expected =
      (R *
        R *
        ((0.1 * Math.PI) / 180) *
        (Math.sin((45.1 * Math.PI) / 180) - Math.sin((45 * Math.PI) / 180))) /
      1e6;
    expect(area.areaKm2).toBeCloseTo(expected, 6);
  });

  it('picks the southern UTM zone for areas south of the equator', () => {
    expect(parseArea({ type: 'Polygon', coordinates: square(-47.1, -15.9, -47, -15.8) }).epsg).toBe(32723);
  });

  it.each([
    ['a Point', { type: 'Point', coordinates: [1, 2] }, /geometry type "Point" is not supported/],
    ['a non-object', 'hello', /must be a GeoJSON object, got "hello"/],
    [
      'an unclosed ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ],
      },
      /ring 0 is not closed: first position \(0, 0\) differs from last \(0, 1\)/,
    ],
    [
      'a self-intersecting bow-tie',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [0.1, 0.1],
            [0.1, 0],
            [0, 0.1],
            [0, 0],
          ],
        ],
      },
      /ring 0 self-intersects near \(0\.050000, 0\.050000\)/,
    ],
    [
      'an out-of-range longitude',
      { type: 'Polygon', coordinates: square(200, 0, 200.1, 0.1) },
      /position 0 \(200, 0\) is out of range/,
    ],
    [
      'an out-of-range latitude',
      { type: 'Polygon', coordinates: square(0, 95, 0.1, 95.1) },
      /\(0, 95\) is out of range/,
    ],
    ['empty coordinates', { type: 'Polygon', coordinates: [] }, /polygon has no rings \(empty geometry\)/],
    ['an empty MultiPolygon', { type: 'MultiPolygon', coordinates: [] }, /MultiPolygon has no coordinates/],
    ['a Feature without geometry', { type: 'Feature', geometry: null }, /Feature has no geometry/],
    [
      'a zero-area ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [0.1, 0],
            [0.2, 0],
            [0, 0],
          ],
        ],
      },
      /polygon has zero area|self-intersects/,
    ],
    [
      'non-numeric positions',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            ['a', 0],
            [1, 1],
            [0, 0],
          ],
        ],
      },
      /position 1 must be \[lon, lat\] numbers, got \["a",0\]/,
    ],
    [
      'a ring of three positions',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [0, 0],
          ],
        ],
      },
      /has 3 positions; a closed ring needs at least 4/,
    ],
  ])('rejects %s with an AreaError naming the problem', (_name, input, message) => {
    expect(() => parseArea(input)).toThrow(AreaError);
    expect(() => parseArea(input)).toThrow(message);
  });

  it('rejects a hole crossing its shell', () => {
    const input = {
      type: 'Polygon',
      coordinates: [square(0, 0, 0.1, 0.1)[0], square(0.05, 0.05, 0.15, 0.08)[0]],
    };
    expect(() => parseArea(input)).toThrow(/rings cross each other/);
  });

  it('rejects areas above the configured limit and names both sizes', () => {
    // 1° × 1° at the equator on the WGS 84 sphere: R² × Δλ × sin(1°).
    const R = 6378137;
    const km2 = (((R * R * Math.PI) / 180) * Math.sin(Math.PI / 180)) / 1e6;
    expect(km2.toFixed(1)).toBe('12391.4');
    expect(() => parseArea({ type: 'Polygon', coordinates: square(0, 0, 1, 1) })).toThrow(
      'area of 12391.4 km² is larger than the limit of 10000 km²',
    );
    expect(
      parseArea({ type: 'Polygon', coordinates: square(0, 0, 1, 1) }, { maxAreaKm2: 20_000 }).areaKm2,
    ).toBeGreaterThan(12_000);
    expect(() =>
      parseArea({ type: 'Polygon', coordinates: square(15, 45, 15.1, 45.1) }, { maxAreaKm2: 50 }),
    ).toThrow(/larger than the limit of 50 km²/);
  });

  it('handles an area split at the antimeridian (MultiPolygon) and one ring jumping across it alike', () => {
    const split = parseArea({
      type: 'MultiPolygon',
      coordinates: [square(179.8, -17, 180, -16.9), square(-180, -17, -179.9, -16.9)],
    });
    const jumping = parseArea({
      type: 'Polygon',
      coordinates: [
        [
          [179.8, -17],
          [-179.9, -17],
          [-179.9, -16.9],
          [179.8, -16.9],
          [179.8, -17],
        ],
      ],
    });
    expect(split.bbox).toEqual([179.8, -17, -179.9, -16.9]);
    expect(jumping.bbox).toEqual([179.8, -17, -179.9, -16.9]);
    expect(split.epsg).toBe(32760);
    expect(jumping.epsg).toBe(32760);
    expect(jumping.areaKm2).toBeCloseTo(split.areaKm2, 6);
    // About 0.3° × 0.1° at 17° S.
    expect(split.areaKm2).toBeGreaterThan(340);
    expect(split.areaKm2).toBeLessThan(360);
  });
});

describe('gridCellsForArea', () => {
  const grid = { epsg: 32633, chipPx: 256, resolutionM: 10 };

  it('formats keys as EPSG:<code>/<cell metres>/<col>/<row>', () => {
    expect(chipKey(32633, 2560, 195, 1953)).toBe('EPSG:32633/2560/195/1953');
  });

  it('returns exactly the cells a rectangle covers, with bounds aligned to the zone origin', () => {
    const ring = [
      [500100, 5000100],
      [505000, 5000100],
      [505000, 5002000],
      [500100, 5002000],
      [500100, 5000100],
    ].map(([x, y]) => toLonLat(x!, y!));
    const cells = gridCellsForArea(parseArea({ type: 'Polygon', coordinates: [ring] }), grid);
    expect(cells.map((c) => c.key)).toEqual([
      'EPSG:32633/2560/195/1953',
      'EPSG:32633/2560/196/1953',
      'EPSG:32633/2560/197/1953',
    ]);
    expect(cells[0]!.bounds).toEqual([499200, 4999680, 501760, 5002240]);
    expect(cells[2]!.bounds).toEqual([504320, 4999680, 506880, 5002240]);
    // West is the further west of the two western corners; south the lower of the two southern ones.
    const corners = [toLonLat(499200, 4999680), toLonLat(499200, 5002240), toLonLat(501760, 4999680)];
    expect(cells[0]!.lonlatBounds[0]).toBeCloseTo(Math.min(corners[0]![0]!, corners[1]![0]!), 9);
    expect(cells[0]!.lonlatBounds[1]).toBeCloseTo(Math.min(corners[0]![1]!, corners[2]![1]!), 9);
  });

  it('leaves out cells a triangle does not reach and sorts north-west first', () => {
    const ring = [
      [500100, 4999700],
      [507600, 4999700],
      [500100, 5007200],
      [500100, 4999700],
    ].map(([x, y]) => toLonLat(x!, y!));
    const cells = gridCellsForArea(parseArea({ type: 'Polygon', coordinates: [ring] }), grid);
    expect(cells.map((c) => `${c.col}/${c.row}`)).toEqual([
      '195/1955',
      '196/1955',
      '195/1954',
      '196/1954',
      '197/1954',
      '195/1953',
      '196/1953',
      '197/1953',
      '198/1953',
    ]);
  });

  it('gives the same keys to the same ground whatever the area around it', () => {
    const big = gridCellsForArea(
      parseArea({ type: 'Polygon', coordinates: square(15, 45, 15.1, 45.1) }),
      grid,
    );
    const small = gridCellsForArea(
      parseArea({ type: 'Polygon', coordinates: square(15.04, 45.04, 15.05, 45.05) }),
      grid,
    );
    const bigKeys = new Set(big.map((c) => c.key));
    expect(small.length).toBeGreaterThan(0);
    for (const c of small) expect(bigKeys.has(c.key)).toBe(true);
  });

  it('covers an antimeridian area with one contiguous block of cells in its zone', () => {
    const area = parseArea({
      type: 'MultiPolygon',
      coordinates: [square(179.8, -17, 180, -16.9), square(-180, -17, -179.9, -16.9)],
    });
    const cells = gridCellsForArea(area, { epsg: area.epsg, chipPx: 256, resolutionM: 10 });
    const cols = [...new Set(cells.map((c) => c.col))].sort((a, b) => a - b);
    const rows = [...new Set(cells.map((c) => c.row))].sort((a, b) => a - b);
    expect(cols.at(-1)! - cols[0]! + 1).toBe(cols.length);
    expect(rows.at(-1)! - rows[0]! + 1).toBe(rows.length);
    // ~31.9 km by ~11.1 km of 2.56 km cells.
    expect(cols.length).toBeGreaterThanOrEqual(13);
    expect(cols.length).toBeLessThanOrEqual(14);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.length).toBeLessThanOrEqual(6);
    // Cells straddling ±180° report west > east.
    expect(cells.some((c) => c.lonlatBounds[0] > c.lonlatBounds[2])).toBe(true);
    expect(cells.every((c) => c.key.startsWith('EPSG:32760/2560/'))).toBe(true);
  });

  it('grids an area across a UTM zone border in the zone of its centroid', () => {
    const area = parseArea({ type: 'Polygon', coordinates: square(17.95, 45, 18.1, 45.05) });
    expect(area.epsg).toBe(32634);
    const cells = gridCellsForArea(area, { epsg: area.epsg, chipPx: 256, resolutionM: 10 });
    const cols = [...new Set(cells.map((c) => c.col))].sort((a, b) => a - b);
    expect(cols.at(-1)! - cols[0]! + 1).toBe(cols.length);
    expect(cells.every((c) => c.key.startsWith('EPSG:32634/2560/'))).toBe(true);
  });
});
