/**
 * Polygons of a binary raster, in pixel coordinates (x east from the western edge, y south from the
 * northern edge, one unit per pixel): marching squares (d3-contour) at the 0.5 level, whose vertices sit
 * on the midpoints of pixel edges with the corners cut, squared back onto the pixel corners and stripped of
 * collinear vertices. The rings thus follow the pixels' outlines exactly with the fewest vertices — the
 * simplification to the pixel size — and enclose exactly the raster's pixels; holes are kept.
 *
 * Pixel groups are 8-connected (pixels that touch at a corner are one group). sieve() drops the groups
 * smaller than a minimum mapping unit before vectorising.
 */
import { contours } from 'd3-contour';

/** A ring: closed ([first] repeated last), integer pixel-corner coordinates. */
export type PixelRing = [number, number][];
/** A polygon: its outer ring, then its holes. */
export type PixelPolygon = PixelRing[];

/** What sieve() kept. */
export interface Sieved {
  /** 1 where a kept group lies, else 0. */
  kept: Uint8Array;
  /** Pixels kept. */
  pixels: number;
  /** Groups kept. */
  groups: number;
  /** Groups dropped for being smaller than minPixels. */
  dropped: number;
}

/** 8-connected groups of a binary raster: each non-zero pixel's group number (1…groups), 0 elsewhere. */
export function labelGroups(
  binary: ArrayLike<number>,
  width: number,
  height: number,
): { label: Int32Array; sizes: number[] } {
  const label = new Int32Array(binary.length);
  let stack = new Int32Array(Math.min(binary.length, 4096));
  const sizes: number[] = [];
  for (let start = 0; start < binary.length; start++) {
    if (!binary[start] || label[start]) continue;
    const id = sizes.length + 1;
    let size = 0;
    let top = 0;
    stack[top++] = start;
    label[start] = id;
    while (top > 0) {
      const p = stack[--top]!;
      size++;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (binary[q] && !label[q]) {
            label[q] = id;
            if (top === stack.length) {
              const grown = new Int32Array(Math.min(binary.length, stack.length * 2));
              grown.set(stack);
              stack = grown;
            }
            stack[top++] = q;
          }
        }
      }
    }
    sizes.push(size);
  }
  return { label, sizes };
}

/**
 * Keeps the 8-connected groups of non-zero pixels with at least minPixels pixels — and, with `seed`,
 * only those with a pixel where `seed` is set (groups that start in given chips and may run on beyond).
 * Each group is filled once, its pixels labelled with its number in one Int32Array and its size and seed
 * kept per group, so the memory is ≈ 9 bytes per pixel of the raster (label, output, the fill's stack at
 * worst) however large a group is — no list of a group's pixels.
 */
export function sieve(
  binary: Uint8Array,
  width: number,
  height: number,
  minPixels: number,
  seed?: Uint8Array,
): Sieved {
  const { label, sizes } = labelGroups(binary, width, height);
  const seeded = sizes.map(() => seed === undefined);
  if (seed) for (let p = 0; p < binary.length; p++) if (seed[p] && label[p]) seeded[label[p]! - 1] = true;
  const keep = new Uint8Array(sizes.length + 1);
  let pixels = 0;
  let groups = 0;
  let dropped = 0;
  sizes.forEach((size, g) => {
    if (size >= minPixels && seeded[g]) {
      keep[g + 1] = 1;
      pixels += size;
      groups++;
    } else dropped++;
  });
  const kept = new Uint8Array(binary.length);
  for (let p = 0; p < binary.length; p++) kept[p] = keep[label[p]!]!;
  return { kept, pixels, groups, dropped };
}

const isWhole = (v: number) => Number.isInteger(v);

/** Squares a d3-contour ring onto pixel corners and drops its collinear vertices. */
function squareRing(ring: number[][]): PixelRing {
  const open = ring.slice(0, -1);
  const pts: [number, number][] = [];
  for (let i = 0; i < open.length; i++) {
    const [ax, ay] = open[i]! as [number, number];
    const [bx, by] = open[(i + 1) % open.length]! as [number, number];
    pts.push([ax, ay]);
    if (ax !== bx && ay !== by) pts.push([isWhole(ax) ? ax : bx, isWhole(ay) ? ay : by]);
  }
  // Midpoints of pixel edges become collinear with the corners around them.
  let out = pts;
  for (let changed = true; changed && out.length > 3;) {
    changed = false;
    const next: [number, number][] = [];
    for (let i = 0; i < out.length; i++) {
      const [px, py] = next.at(-1) ?? out.at(-1)!;
      const [cx, cy] = out[i]!;
      const [nx, ny] = out[(i + 1) % out.length]!;
      const cross = (cx - px) * (ny - cy) - (cy - py) * (nx - cx);
      if (cross === 0) changed = true;
      else next.push([cx, cy]);
    }
    out = next;
  }
  return [...out, out[0]!];
}

/** The polygons of the raster's non-zero pixels (see the module comment); [] when none is set. */
export function maskPolygons(binary: Uint8Array, width: number, height: number): PixelPolygon[] {
  // Every non-zero byte is at least 1, above the 0.5 level. d3-contour only indexes its values, so the
  // typed array serves as it is (no copy of the mosaic into a number[]).
  const [layer] = contours().size([width, height]).smooth(false).thresholds([0.5])(
    binary as unknown as number[],
  );
  if (!layer) return [];
  return layer.coordinates.map((polygon) => polygon.map(squareRing));
}

/** Twice the signed area of a ring (shoelace); positive when counter-clockwise with y up. */
export function ringArea2(ring: readonly (readonly number[])[]): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    s += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  }
  return s;
}
