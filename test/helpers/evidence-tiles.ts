/**
 * Small synthetic evidence tiles for tests: farmland with a river before and after a flood, a field
 * before and after construction, and change heat maps over the after images. Deterministic.
 */
import sharp from 'sharp';

/** Which synthetic tile to draw. */
export type TileScene =
  'farm-before' | 'farm-flooded' | 'flood-heatmap' | 'field-before' | 'field-built' | 'built-heatmap';

type Rgb = [number, number, number];

function hash(x: number, y: number, seed: number): number {
  let h = (x * 374761393 + y * 668265263 + seed * 2147483647) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const FIELDS: Rgb[] = [
  [88, 128, 72],
  [122, 152, 82],
  [168, 160, 102],
  [98, 114, 62],
  [142, 172, 92],
  [186, 170, 118],
];

function field(x: number, y: number, seed: number): Rgb {
  // Irregular parcels: columns of varying width, rows of varying height within each column.
  const cx = Math.floor((x + 7 * Math.sin(y / 23)) / 21);
  const cy = Math.floor((y + 11 * hash(cx, 0, seed)) / 17);
  const base = FIELDS[Math.floor(hash(cx, cy, seed) * FIELDS.length)]!;
  const n = (hash(x, y, seed + 1) - 0.5) * 14;
  const stripe = (x + y) % 4 === 0 ? -6 : 0;
  return [base[0] + n + stripe, base[1] + n + stripe, base[2] + n];
}

function riverDistance(x: number, y: number): number {
  return Math.abs(x - (60 + 18 * Math.sin(y / 17) + 6 * Math.sin(y / 5)));
}

function floodDepth(x: number, y: number): number {
  const reach = 20 + 10 * Math.sin(y / 29) + 6 * (hash(x >> 2, y >> 2, 9) - 0.5);
  return Math.max(0, Math.min(1, (reach - riverDistance(x, y)) / 8));
}

function building(x: number, y: number): 'roof' | 'road' | 'soil' | null {
  if (x < 58 || x > 118 || y < 20 || y > 96) return null;
  if (y >= 54 && y <= 58) return 'road';
  if (x >= 84 && x <= 87) return 'road';
  const bx = (x - 62) % 11;
  const by = (y - 24) % 15;
  if (x >= 62 && y >= 24 && bx < 8 && by < 10 && !(y >= 52 && y <= 60)) return 'roof';
  return 'soil';
}

function heat(v: number): Rgb {
  // Dark indigo → magenta → amber → pale yellow.
  const stops: Array<[number, Rgb]> = [
    [0, [28, 22, 72]],
    [0.4, [170, 36, 120]],
    [0.75, [245, 130, 48]],
    [1, [252, 236, 140]],
  ];
  for (let i = 1; i < stops.length; i++) {
    const [t1, c1] = stops[i]!;
    const [t0, c0] = stops[i - 1]!;
    if (v <= t1) {
      const f = (v - t0) / (t1 - t0);
      return [c0[0] + f * (c1[0] - c0[0]), c0[1] + f * (c1[1] - c0[1]), c0[2] + f * (c1[2] - c0[2])];
    }
  }
  return stops[stops.length - 1]![1];
}

function pixel(scene: TileScene, x: number, y: number): Rgb {
  switch (scene) {
    case 'farm-before': {
      if (riverDistance(x, y) < 3) return [44, 78, 112];
      if (riverDistance(x, y) < 5) return [70, 100, 70];
      return field(x, y, 3);
    }
    case 'farm-flooded': {
      const d = floodDepth(x, y);
      if (riverDistance(x, y) < 3 || d >= 1) return [92 - 20 * d, 86 - 6 * d, 72 + 20 * d];
      const f = field(x, y, 3);
      return [f[0] * (1 - d) + 100 * d, f[1] * (1 - d) + 90 * d, f[2] * (1 - d) + 74 * d];
    }
    case 'flood-heatmap': {
      const v = Math.min(1, floodDepth(x, y) * 0.9 + 0.1 * hash(x, y, 5));
      const g = pixel('farm-flooded', x, y);
      const grey = (g[0] + g[1] + g[2]) / 3;
      const h = heat(v);
      const a = 0.25 + 0.7 * v;
      return [grey * (1 - a) + h[0] * a, grey * (1 - a) + h[1] * a, grey * (1 - a) + h[2] * a];
    }
    case 'field-before': {
      if (Math.abs(y - 56) < 2) return [150, 146, 138];
      return field(x, y, 11);
    }
    case 'field-built': {
      const b = building(x, y);
      const n = (hash(x, y, 13) - 0.5) * 10;
      if (b === 'roof') return [196 + n, 92 + n, 72 + n];
      if (b === 'road') return [120 + n, 120 + n, 124 + n];
      if (b === 'soil') return [178 + n, 150 + n, 112 + n];
      return pixel('field-before', x, y);
    }
    case 'built-heatmap': {
      const b = building(x, y);
      const v = b === 'roof' ? 0.95 : b ? 0.7 : 0.05 + 0.1 * hash(x, y, 17);
      const g = pixel('field-built', x, y);
      const grey = (g[0] + g[1] + g[2]) / 3;
      const h = heat(v);
      const a = 0.25 + 0.7 * v;
      return [grey * (1 - a) + h[0] * a, grey * (1 - a) + h[1] * a, grey * (1 - a) + h[2] * a];
    }
  }
}

/** Renders one scene as an RGB PNG of `size` × `size` pixels (default 128). */
export async function renderTile(scene: TileScene, size = 128): Promise<Buffer> {
  const data = Buffer.alloc(size * size * 3);
  const k = 128 / size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(scene, x * k, y * k);
      const i = (y * size + x) * 3;
      data[i] = Math.max(0, Math.min(255, Math.round(r)));
      data[i + 1] = Math.max(0, Math.min(255, Math.round(g)));
      data[i + 2] = Math.max(0, Math.min(255, Math.round(b)));
    }
  }
  return sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}
