/** Planar polygon helpers: ring self-intersection, point in polygon, segment–rectangle tests. */

/** A ring of [x, y] positions, closed (first equals last). */
export type Ring = Array<[number, number]>;

interface Segment {
  ring: number;
  index: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  minx: number;
  maxx: number;
}

/**
 * The first crossing point between two non-adjacent edges of the given rings (a ring with itself, or
 * rings with each other), or null. Sweeps edges sorted by x so only overlapping x-ranges are compared.
 */
export function findSelfIntersection(rings: Ring[]): [number, number] | null {
  const segs: Segment[] = [];
  rings.forEach((ring, r) => {
    for (let i = 0; i < ring.length - 1; i++) {
      const [x0, y0] = ring[i]!;
      const [x1, y1] = ring[i + 1]!;
      if (x0 === x1 && y0 === y1) continue;
      segs.push({ ring: r, index: i, x0, y0, x1, y1, minx: Math.min(x0, x1), maxx: Math.max(x0, x1) });
    }
  });
  segs.sort((a, b) => a.minx - b.minx);
  for (let i = 0; i < segs.length; i++) {
    const a = segs[i]!;
    for (let j = i + 1; j < segs.length && segs[j]!.minx <= a.maxx; j++) {
      const b = segs[j]!;
      if (a.ring === b.ring && adjacent(a.index, b.index, rings[a.ring]!.length - 1)) {
        // Adjacent edges share one endpoint; they only conflict when they fold back onto each other.
        if (collinearOverlap(a, b)) return [b.x0, b.y0];
        continue;
      }
      const hit = segmentsIntersect(a.x0, a.y0, a.x1, a.y1, b.x0, b.y0, b.x1, b.y1);
      if (hit) return hit;
    }
  }
  return null;
}

function adjacent(i: number, j: number, n: number): boolean {
  const d = Math.abs(i - j);
  return d === 1 || d === n - 1;
}

function cross(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

function collinearOverlap(a: Segment, b: Segment): boolean {
  if (cross(a.x0, a.y0, a.x1, a.y1, b.x0, b.y0) !== 0 || cross(a.x0, a.y0, a.x1, a.y1, b.x1, b.y1) !== 0)
    return false;
  // Collinear adjacent edges overlap when they point in opposite directions.
  const dot = (a.x1 - a.x0) * (b.x1 - b.x0) + (a.y1 - a.y0) * (b.y1 - b.y0);
  return dot < 0;
}

/** Intersection point of two closed segments, or null. */
export function segmentsIntersect(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
  dx: number,
  dy: number,
): [number, number] | null {
  const d1 = cross(cx, cy, dx, dy, ax, ay);
  const d2 = cross(cx, cy, dx, dy, bx, by);
  const d3 = cross(ax, ay, bx, by, cx, cy);
  const d4 = cross(ax, ay, bx, by, dx, dy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    const t = d1 / (d1 - d2);
    return [ax + t * (bx - ax), ay + t * (by - ay)];
  }
  if (d1 === 0 && onSegment(cx, cy, dx, dy, ax, ay)) return [ax, ay];
  if (d2 === 0 && onSegment(cx, cy, dx, dy, bx, by)) return [bx, by];
  if (d3 === 0 && onSegment(ax, ay, bx, by, cx, cy)) return [cx, cy];
  if (d4 === 0 && onSegment(ax, ay, bx, by, dx, dy)) return [dx, dy];
  return null;
}

function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return px >= Math.min(ax, bx) && px <= Math.max(ax, bx) && py >= Math.min(ay, by) && py <= Math.max(ay, by);
}

/** Even–odd point-in-polygon over all rings of a polygon (holes excluded). */
export function pointInRings(x: number, y: number, rings: Ring[]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Whether the segment touches the closed rectangle [x0, x1] × [y0, y1] (Liang–Barsky clipping). */
export function segmentTouchesRect(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = bx - ax;
  const dy = by - ay;
  const checks: Array<[number, number]> = [
    [-dx, ax - x0],
    [dx, x1 - ax],
    [-dy, ay - y0],
    [dy, y1 - ay],
  ];
  for (const [p, q] of checks) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const r = q / p;
      if (p < 0) {
        if (r > t1) return false;
        if (r > t0) t0 = r;
      } else {
        if (r < t0) return false;
        if (r < t1) t1 = r;
      }
    }
  }
  return t0 <= t1;
}

/** A point where an edge of `a` properly crosses an edge of `b` (touching and shared edges do not count), or null. */
export function findProperCrossing(a: Ring, b: Ring): [number, number] | null {
  for (let i = 0; i < a.length - 1; i++) {
    const [ax, ay] = a[i]!;
    const [bx, by] = a[i + 1]!;
    for (let j = 0; j < b.length - 1; j++) {
      const [cx, cy] = b[j]!;
      const [dx, dy] = b[j + 1]!;
      if (Math.max(ax, bx) < Math.min(cx, dx) || Math.max(cx, dx) < Math.min(ax, bx)) continue;
      if (Math.max(ay, by) < Math.min(cy, dy) || Math.max(cy, dy) < Math.min(ay, by)) continue;
      const d1 = cross(cx, cy, dx, dy, ax, ay);
      const d2 = cross(cx, cy, dx, dy, bx, by);
      const d3 = cross(ax, ay, bx, by, cx, cy);
      const d4 = cross(ax, ay, bx, by, dx, dy);
      if (d1 * d2 < 0 && d3 * d4 < 0) {
        const t = d1 / (d1 - d2);
        return [ax + t * (bx - ax), ay + t * (by - ay)];
      }
    }
  }
  return null;
}

/** Whether the point lies on an edge of one of the rings. */
export function onBoundary(x: number, y: number, rings: Ring[]): boolean {
  return rings.some((ring) =>
    ring.some((p, i) => {
      const q = ring[i + 1];
      return (
        q !== undefined &&
        cross(p[0], p[1], q[0], q[1], x, y) === 0 &&
        onSegment(p[0], p[1], q[0], q[1], x, y)
      );
    }),
  );
}
