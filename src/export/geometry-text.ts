/** A MultiPolygon as Well-Known Text, and its area-weighted centroid (planar in lon/lat). */
import { ringArea2 } from '../detect/mask-polygons.ts';
import type { MultiPolygon } from '../pipeline/alert-extent.ts';

/** `MULTIPOLYGON (((x y, …)), …)` with lon before lat. */
export function multiPolygonWkt(g: MultiPolygon): string {
  if (g.coordinates.length === 0) return 'MULTIPOLYGON EMPTY';
  const ring = (r: [number, number][]) => `(${r.map(([x, y]) => `${x} ${y}`).join(', ')})`;
  return `MULTIPOLYGON (${g.coordinates.map((p) => `(${p.map(ring).join(', ')})`).join(', ')})`;
}

/** Area-weighted centroid of the polygons (holes subtract), [lon, lat]; null when the area is zero. */
export function centroid(g: MultiPolygon): [number, number] | null {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (const polygon of g.coordinates) {
    for (const ring of polygon) {
      // Exterior rings are counter-clockwise and holes clockwise, so signed sums subtract the holes.
      for (let i = 0; i + 1 < ring.length; i++) {
        const [x0, y0] = ring[i]!;
        const [x1, y1] = ring[i + 1]!;
        const cross = x0 * y1 - x1 * y0;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
      }
      a += ringArea2(ring);
    }
  }
  if (a === 0) return null;
  return [cx / (3 * a), cy / (3 * a)];
}
