/**
 * Checks between the rings of a polygon and between the parts of a MultiPolygon, after each ring is
 * known to be simple and the rings of a polygon not to cross: every hole lies inside its outer ring
 * (and outside the other holes), and no two parts overlap (overlapping parts are refused, not merged,
 * so that no square metre is counted twice).
 */
import { AreaError } from '../errors.ts';
import { findProperCrossing, onBoundary, pointInRings, type Ring } from './polygon.ts';

const at = (p: [number, number]) => `(${p[0].toFixed(6)}, ${p[1].toFixed(6)})`;

/** Throws AreaError naming the first hole that lies outside its outer ring or inside another hole. */
export function checkHoles(rings: Ring[], name: string): void {
  const [shell, ...holes] = rings;
  for (const [h, hole] of holes.entries()) {
    const p = hole[0]!;
    if (!pointInRings(p[0], p[1], [shell!]))
      throw new AreaError(`${name} ring ${h + 1} (a hole) lies outside its outer ring 0, at ${at(p)}`);
    for (const [o, other] of holes.entries())
      if (o !== h && pointInRings(p[0], p[1], [other]))
        throw new AreaError(`${name} ring ${h + 1} (a hole) lies inside ring ${o + 1}, another hole`);
  }
}

/** Whether any vertex of `ring` lies strictly inside the polygon `rings` (its holes excluded). */
function vertexInside(ring: Ring, rings: Ring[]): [number, number] | undefined {
  return ring.find((p) => !onBoundary(p[0], p[1], rings) && pointInRings(p[0], p[1], rings));
}

function sameRing(a: Ring, b: Ring): boolean {
  const key = (r: Ring) => new Set(r.map((p) => `${p[0]},${p[1]}`));
  const ka = key(a);
  const kb = key(b);
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

/** Throws AreaError naming the first two parts of a MultiPolygon that overlap. */
export function checkPartsDisjoint(parts: Ring[][]): void {
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j < parts.length; j++) {
      const [a, b] = [parts[i]!, parts[j]!];
      const hit =
        findProperCrossing(a[0]!, b[0]!) ??
        vertexInside(a[0]!, b) ??
        vertexInside(b[0]!, a) ??
        (sameRing(a[0]!, b[0]!) ? a[0]![0] : undefined);
      if (hit)
        throw new AreaError(
          `MultiPolygon polygons ${i} and ${j} overlap near ${at(hit)}; give parts that do not overlap (merge them into one polygon)`,
        );
    }
  }
}
