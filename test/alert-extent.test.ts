import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import {
  MASK_BURN_LOW,
  MASK_CHANGED,
  MASK_INVALID,
  MASK_UNCHANGED,
  MASK_WATER,
  burnCode,
} from '../src/detect/mask-codes.ts';
import { maskPolygons, ringArea2, sieve } from '../src/detect/mask-polygons.ts';
import { decodeMask, encodeMask } from '../src/detect/mask-rle.ts';
import { transformer } from '../src/imagery/index.ts';
import { mmuPixels } from '../src/detect/mapping-unit.ts';
import { chipExtent, neighbourCells, pixelExtent } from '../src/pipeline/alert-extent.ts';
import { centroid, multiPolygonWkt } from '../src/export/geometry-text.ts';

/** A width × height mask with `value` at the listed [x, y] pixels and `fill` elsewhere. */
function maskWith(width: number, height: number, pixels: [number, number][], value = 1, fill = 0) {
  const m = new Uint8Array(width * height).fill(fill);
  for (const [x, y] of pixels) m[y * width + x] = value;
  return m;
}

/** The [x, y] pixels of the block x0…x1−1 × y0…y1−1. */
function block(x0: number, y0: number, x1: number, y1: number): [number, number][] {
  const out: [number, number][] = [];
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out.push([x, y]);
  return out;
}

describe('run-length encoded masks', () => {
  it('encodes runs as value and length − 1 after the format byte and the size', () => {
    const m = Uint8Array.of(0, 0, 0, 2, 2, 255, 0, 0);
    expect([...encodeMask(m, 4, 2)]).toEqual([1, 4, 2, 0, 2, 2, 1, 255, 0, 0, 1]);
  });

  it('round-trips a 256 × 256 mask with runs longer than one varint byte', () => {
    const m = new Uint8Array(256 * 256);
    m.fill(MASK_WATER, 1000, 30_000);
    m.fill(MASK_INVALID, 40_000, 40_001);
    for (let i = 50_000; i < 50_300; i += 3) m[i] = burnCode(0.5);
    const bytes = encodeMask(m, 256, 256);
    // Header 5; runs 0×1000 (3), water×29000 (4), 0×10000 (3), invalid×1 (2), 0×9999 (3), then 100
    // single burnt pixels and 99 pairs of zeros (2 each), and the last 15238 zeros (3).
    expect(bytes.length).toBe(5 + 3 + 4 + 3 + 2 + 3 + 199 * 2 + 3);
    const d = decodeMask(bytes);
    expect(d.width).toBe(256);
    expect(d.height).toBe(256);
    expect(d.values).toEqual(m);
  });

  it('refuses bytes that are not a mask, naming what is wrong', () => {
    expect(() => decodeMask(Uint8Array.of(7, 1, 1, 0, 0))).toThrow('mask format byte 7 is not 1');
    expect(() => decodeMask(Uint8Array.of(1, 2, 2, 0, 2))).toThrow('mask runs cover 3 of its 2 × 2 pixels');
    expect(() => decodeMask(Uint8Array.of(1, 2, 2, 0, 4))).toThrow(
      'mask runs exceed its 2 × 2 pixels at byte 3',
    );
    expect(() => decodeMask(Uint8Array.of(1, 2))).toThrow(InputError);
    expect(() => encodeMask(new Uint8Array(5), 2, 2)).toThrow('mask of 5 values is not 2 × 2');
  });
});

describe('mask polygons', () => {
  it('outlines a 3 × 3 block with a one-pixel hole by its pixel corners, hole kept', () => {
    const m = maskWith(
      5,
      5,
      block(1, 1, 4, 4).filter(([x, y]) => !(x === 2 && y === 2)),
    );
    expect(maskPolygons(m, 5, 5)).toEqual([
      [
        [
          [4, 1],
          [1, 1],
          [1, 4],
          [4, 4],
          [4, 1],
        ],
        [
          [2, 3],
          [2, 2],
          [3, 2],
          [3, 3],
          [2, 3],
        ],
      ],
    ]);
  });

  it('encloses exactly the pixels of an L with a notch, ten vertices where the outline turns', () => {
    const pixels = [...block(0, 0, 2, 6), ...block(2, 4, 6, 6)].filter(([x, y]) => !(x === 4 && y === 5));
    const [polygon, ...rest] = maskPolygons(maskWith(6, 6, pixels), 6, 6);
    expect(rest).toEqual([]);
    expect(polygon).toHaveLength(1);
    expect(Math.abs(ringArea2(polygon![0]!)) / 2).toBe(pixels.length);
    expect(polygon![0]).toHaveLength(1 + 10);
  });

  it('sieves out 8-connected groups under the minimum', () => {
    const nine = block(0, 0, 3, 3);
    const ten = [...block(5, 0, 8, 3), [8, 3] as [number, number]]; // touches the block at a corner
    const s = sieve(maskWith(10, 5, [...nine, ...ten]), 10, 5, 10);
    expect(s).toMatchObject({ pixels: 10, groups: 1, dropped: 1 });
    expect([...s.kept.keys()].filter((i) => s.kept[i])).toEqual(
      ten.map(([x, y]) => y * 10 + x).sort((a, b) => a - b),
    );
  });
});

describe('alert extents', () => {
  const grid = { epsg: 32633, chipPx: 8, resolutionM: 10 };
  const col = 6250;
  const row = 72000;
  const ll = transformer(32633, 4326);
  const at = (x: number, y: number) => {
    const [lon, lat] = ll(col * 80 + x * 10, (row + 1) * 80 - y * 10);
    return [Math.round(lon * 1e7) / 1e7, Math.round(lat * 1e7) / 1e7];
  };

  it('needs ten 10 m pixels for 0.1 ha, one 30 m pixel for 0.09 ha, none for 0', () => {
    expect(mmuPixels(0.1, 10)).toBe(10);
    expect(mmuPixels(0.09, 30)).toBe(1);
    expect(mmuPixels(0, 10)).toBe(0);
    expect(() => mmuPixels(-1, 10)).toThrow('minimum mapping unit -1 ha is not a finite number ≥ 0');
  });

  it('a flood of 4 × 3 pixels with a hole, in lon/lat, exterior counter-clockwise and hole clockwise', () => {
    const values = maskWith(
      8,
      8,
      block(2, 1, 6, 4).filter(([x, y]) => !(x === 3 && y === 2)),
      MASK_WATER,
      MASK_UNCHANGED,
    );
    values[63] = MASK_CHANGED; // a changed pixel that a flood does not count
    const e = pixelExtent('flood', [{ col, row, values }], grid, 0.1)!;
    expect(e.source).toBe('pixels');
    expect(e.km2).toBeCloseTo(11 * 1e-4, 12);
    expect(e.geometry).toEqual({
      type: 'MultiPolygon',
      coordinates: [
        [
          [at(6, 1), at(2, 1), at(2, 4), at(6, 4), at(6, 1)],
          [at(3, 3), at(3, 2), at(4, 2), at(4, 3), at(3, 3)],
        ],
      ],
    });
    expect(ringArea2(e.geometry.coordinates[0]![0]!)).toBeGreaterThan(0);
    expect(ringArea2(e.geometry.coordinates[0]![1]!)).toBeLessThan(0);
    expect(e.bbox).toEqual([at(2, 4)[0], at(6, 4)[1], at(6, 1)[0], at(2, 1)[1]]);
    expect(e.burnSeverityKm2).toBeUndefined();
  });

  it('drops a 9-pixel group under 0.1 ha and keeps a 10-pixel one; nothing left is no alert', () => {
    const nine = maskWith(8, 8, block(0, 0, 3, 3), MASK_CHANGED);
    expect(pixelExtent('change', [{ col, row, values: nine }], grid, 0.1)).toBeNull();
    const ten = maskWith(8, 8, [...block(0, 0, 3, 3), [0, 3]], MASK_CHANGED);
    const e = pixelExtent('change', [{ col, row, values: ten }], grid, 0.1)!;
    expect(e.km2).toBeCloseTo(10 * 1e-4, 12);
    expect(e.geometry.coordinates).toEqual([
      [[at(1, 3), at(3, 3), at(3, 0), at(0, 0), at(0, 4), at(1, 4), at(1, 3)]],
    ]);
    expect(pixelExtent('change', [{ col, row, values: nine }], grid, 0)!.km2).toBeCloseTo(9e-4, 12);
  });

  it('counts a group that runs on into a neighbouring chip, but not a group wholly in the neighbour', () => {
    // The member chip: water in columns 6–7 of rows 0–3 (8 pixels, under the 10-pixel unit alone).
    const member = maskWith(8, 8, block(6, 0, 8, 4), MASK_WATER);
    // Its eastern neighbour: the same water on in columns 0–1 (8 pixels), and a separate 12-pixel pond.
    const east = maskWith(8, 8, [...block(0, 0, 2, 4), ...block(4, 5, 8, 8)], MASK_WATER);
    const alone = pixelExtent('flood', [{ col, row, values: member }], grid, 0.1);
    expect(alone).toBeNull();
    const e = pixelExtent('flood', [{ col, row, values: member }], grid, 0.1, [
      { col: col + 1, row, values: east },
    ])!;
    expect(e.km2).toBeCloseTo(16 * 1e-4, 12);
    expect(e.geometry.coordinates).toEqual([[[at(10, 0), at(6, 0), at(6, 4), at(10, 4), at(10, 0)]]]);
    // A neighbour listed among the members adds nothing twice.
    const twice = pixelExtent('flood', [{ col, row, values: member }], grid, 0.1, [
      { col, row, values: member },
      { col: col + 1, row, values: east },
    ])!;
    expect(twice.km2).toBeCloseTo(16 * 1e-4, 12);
  });

  it('lists the eight neighbours of a chip, and of two chips those outside both', () => {
    expect(neighbourCells([{ col: 5, row: 5 }]).length).toBe(8);
    expect(
      neighbourCells([
        { col: 5, row: 5 },
        { col: 6, row: 5 },
      ])
        .map((c) => `${c.col}/${c.row}`)
        .sort(),
    ).toEqual(['4/4', '4/5', '4/6', '5/4', '5/6', '6/4', '6/6', '7/4', '7/5', '7/6']);
  });

  it('mosaics two chips into one polygon and counts a burn by USGS class', () => {
    const west = new Uint8Array(64);
    const east = new Uint8Array(64);
    for (let y = 0; y < 8; y++) {
      west[y * 8 + 6] = burnCode(0.3); // moderate-low
      west[y * 8 + 7] = burnCode(0.7); // high
      east[y * 8] = MASK_BURN_LOW;
    }
    const e = pixelExtent(
      'burn',
      [
        { col, row, values: west },
        { col: col + 1, row, values: east },
      ],
      grid,
      0.1,
    )!;
    expect(e.km2).toBeCloseTo(24e-4, 12);
    expect(e.burnSeverityKm2!.low).toBeCloseTo(8e-4, 12);
    expect(e.burnSeverityKm2!['moderate-low']).toBeCloseTo(8e-4, 12);
    expect(e.burnSeverityKm2!['moderate-high']).toBe(0);
    expect(e.burnSeverityKm2!.high).toBeCloseTo(8e-4, 12);
    expect(e.geometry.coordinates).toEqual([[[at(9, 0), at(6, 0), at(6, 8), at(9, 8), at(9, 0)]]]);
  });

  it('monitoring alerts: the union of their chips squares, and whole chips in km²', () => {
    const keys = [`EPSG:32633/80/${col}/${row}`, `EPSG:32633/80/${col}/${row + 1}`];
    const e = chipExtent(keys, grid);
    expect(e.source).toBe('chips');
    expect(e.km2).toBeCloseTo(2 * 0.0064, 12);
    expect(e.geometry.coordinates).toEqual([[[at(8, -8), at(0, -8), at(0, 8), at(8, 8), at(8, -8)]]]);
    expect(() => chipExtent(['tile-3'], grid)).toThrow(
      'chip key "tile-3" is not EPSG:<code>/<cell metres>/<col>/<row>',
    );
  });
});

describe('geometry text', () => {
  const square = {
    type: 'MultiPolygon' as const,
    coordinates: [
      [
        [
          [0, 0],
          [4, 0],
          [4, 4],
          [0, 4],
          [0, 0],
        ],
        [
          [0, 0],
          [0, 2],
          [2, 2],
          [2, 0],
          [0, 0],
        ],
      ],
    ] as [number, number][][][],
  };

  it('writes WKT with lon before lat, holes inside their polygon', () => {
    expect(multiPolygonWkt(square)).toBe(
      'MULTIPOLYGON (((0 0, 4 0, 4 4, 0 4, 0 0), (0 0, 0 2, 2 2, 2 0, 0 0)))',
    );
  });

  it('puts the centroid of a square less its corner quarter off the hole', () => {
    // 16 at (2, 2) less 4 at (1, 1): (32 − 4) / 12 = 7/3.
    expect(centroid(square)![0]).toBeCloseTo(7 / 3, 12);
    expect(centroid(square)![1]).toBeCloseTo(7 / 3, 12);
  });
});
