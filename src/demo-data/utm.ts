/**
 * Reprojection from a WGS 84 UTM zone (EPSG:326zz north, 327zz south) to lon/lat, for the footprints of
 * the demo's STAC items and area.
 */
import proj4 from 'proj4';
import { InputError } from '../errors.ts';

/** The proj4 definition of a WGS 84 UTM EPSG code. */
export function utmDefinition(epsg: number): string {
  const zone = epsg % 100;
  const north = Math.floor(epsg / 100) === 326;
  if (!Number.isInteger(epsg) || (!north && Math.floor(epsg / 100) !== 327) || zone < 1 || zone > 60) {
    throw new InputError(`EPSG:${epsg} is not a WGS 84 UTM zone (32601–32660, 32701–32760)`);
  }
  return `+proj=utm +zone=${zone}${north ? '' : ' +south'} +datum=WGS84 +units=m +no_defs`;
}

/** Rounds degrees to 1e-7 (about 1 cm), enough for footprints and stable in text. */
function round7(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}

/** A function from UTM (x, y) in `epsg` to [lon, lat], rounded to 1e-7 degrees. */
export function utmToLonLat(epsg: number): (x: number, y: number) => [number, number] {
  const converter = proj4(utmDefinition(epsg), 'EPSG:4326');
  return (x, y) => {
    const [lon, lat] = converter.forward([x, y]);
    return [round7(lon!), round7(lat!)];
  };
}

/**
 * The lon/lat ring (closed, counter-clockwise) and bbox of a UTM rectangle [minx, miny, maxx, maxy].
 */
export function rectangleToLonLat(
  epsg: number,
  rect: readonly [number, number, number, number],
): { ring: [number, number][]; bbox: [number, number, number, number] } {
  const toLonLat = utmToLonLat(epsg);
  const [minx, miny, maxx, maxy] = rect;
  const corners = [toLonLat(minx, miny), toLonLat(maxx, miny), toLonLat(maxx, maxy), toLonLat(minx, maxy)];
  const lons = corners.map((c) => c[0]);
  const lats = corners.map((c) => c[1]);
  return {
    ring: [...corners, corners[0]!],
    bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
  };
}
