/**
 * A raster's footprint as a lon/lat polygon: the outline of its bounds transformed point by point
 * (32 points per edge), so that it follows the raster's own edges rather than their lon/lat bounding box.
 */
import type { PolygonGeometry } from './area.ts';
import { transformOutline } from './crs.ts';
import type { RasterInfo } from './raster-reader.ts';

/** The raster's outline in lon/lat as a GeoJSON Polygon. */
export function rasterFootprint(info: RasterInfo): PolygonGeometry {
  return { type: 'Polygon', coordinates: [transformOutline(info.bounds, info.crs, 4326, 32)] };
}
