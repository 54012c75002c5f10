/**
 * A raster's own pixel size in metres on a chip grid: the centre pixel's width and height measured in the
 * grid's CRS (so degrees, feet and other units come out in metres), the coarser of the two (a lon/lat
 * pixel is narrower than it is tall away from the equator; no detail is invented), rounded to two
 * significant digits (300.04 m → 300, 10 m → 10, 0.5 m → 0.5) so that a scene's chip keys are round numbers.
 */
import { shownUrl } from './shown-url.ts';
import { RasterError } from '../errors.ts';
import { transformer, type CrsRef } from './crs.ts';
import type { RasterInfo } from './raster-reader.ts';

/** The raster's pixel size in metres in `gridCrs`, rounded to two significant digits. */
export function nativeResolutionM(info: RasterInfo, gridCrs: CrsRef): number {
  const t = transformer(info.crs, gridCrs);
  const [x0, , , y1] = info.bounds;
  const [rx, ry] = info.resolution;
  // Upper-left corner of the centre pixel, and its neighbours one pixel right and one pixel down.
  const cx = x0 + Math.floor(info.width / 2) * rx;
  const cy = y1 - Math.floor(info.height / 2) * ry;
  const [ax, ay] = t(cx, cy);
  const [bx, by] = t(cx + rx, cy);
  const [dx, dy] = t(cx, cy - ry);
  const size = Math.max(Math.hypot(bx - ax, by - ay), Math.hypot(dx - ax, dy - ay));
  if (!(Number.isFinite(size) && size > 0)) {
    throw new RasterError(`raster ${shownUrl(info.href)} has no measurable pixel size in ${String(gridCrs)}`);
  }
  return Number(size.toPrecision(2));
}
