/**
 * The static STAC catalog of the demo series: `catalog.json` linking `items/<id>.json`, each item with its
 * footprint in lon/lat, projection and cloud-cover properties, and one COG asset per band beside it in
 * `items/<id>/`. Also the area of interest as a GeoJSON Feature.
 */
import { BANDS, type BandName } from './spectra.ts';
import { rectangleToLonLat } from './utm.ts';

/** The raster grid every item shares. */
export interface Grid {
  /** EPSG code (a UTM zone). */
  epsg: number;
  /** X of the top-left corner, metres. */
  originX: number;
  /** Y of the top-left corner, metres. */
  originY: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Pixel size in metres. */
  resolution: number;
}

const STAC_VERSION = '1.0.0';
const EXTENSIONS = [
  'https://stac-extensions.github.io/eo/v1.1.0/schema.json',
  'https://stac-extensions.github.io/projection/v1.1.0/schema.json',
  'https://stac-extensions.github.io/raster/v1.1.0/schema.json',
];
const COG_TYPE = 'image/tiff; application=geotiff; profile=cloud-optimized';

/** Sentinel-2 band codes and centre wavelengths (µm) behind the Earth Search names. */
const BAND_INFO: Record<BandName, { code: string; wavelength: number }> = {
  blue: { code: 'B02', wavelength: 0.49 },
  green: { code: 'B03', wavelength: 0.56 },
  red: { code: 'B04', wavelength: 0.665 },
  nir: { code: 'B08', wavelength: 0.842 },
  swir16: { code: 'B11', wavelength: 1.61 },
  swir22: { code: 'B12', wavelength: 2.19 },
};

/** The grid's bounds [minx, miny, maxx, maxy] in its CRS. */
export function gridBounds(grid: Grid): [number, number, number, number] {
  return [
    grid.originX,
    grid.originY - grid.height * grid.resolution,
    grid.originX + grid.width * grid.resolution,
    grid.originY,
  ];
}

/** Relative href (from the item's JSON) of an item's asset file. */
export function assetHref(itemId: string, asset: string): string {
  return `./${itemId}/${asset}.tif`;
}

/** One STAC Item of the series. */
export function stacItem(
  grid: Grid,
  id: string,
  datetime: string,
  cloudCover: number,
): Record<string, unknown> {
  const bounds = gridBounds(grid);
  const { ring, bbox } = rectangleToLonLat(grid.epsg, bounds);
  const shape = [grid.height, grid.width];
  const transform = [grid.resolution, 0, grid.originX, 0, -grid.resolution, grid.originY, 0, 0, 1];
  const assets: Record<string, unknown> = {};
  for (const name of BANDS) {
    const info = BAND_INFO[name];
    assets[name] = {
      href: assetHref(id, name),
      type: COG_TYPE,
      title: `${name} (${info.code}) surface reflectance`,
      roles: ['data', 'reflectance'],
      'eo:bands': [{ name: info.code, common_name: name, center_wavelength: info.wavelength }],
      'raster:bands': [
        { scale: 0.0001, offset: 0, nodata: 0, data_type: 'uint16', spatial_resolution: grid.resolution },
      ],
      'proj:shape': shape,
      'proj:transform': transform,
    };
  }
  assets.scl = {
    href: assetHref(id, 'scl'),
    type: COG_TYPE,
    title: 'Scene classification map (SCL)',
    roles: ['data'],
    'raster:bands': [{ nodata: 0, data_type: 'uint8', spatial_resolution: grid.resolution }],
    'proj:shape': shape,
    'proj:transform': transform,
  };
  return {
    type: 'Feature',
    stac_version: STAC_VERSION,
    stac_extensions: EXTENSIONS,
    id,
    bbox,
    geometry: { type: 'Polygon', coordinates: [ring] },
    properties: {
      datetime,
      platform: 'synthetic-sentinel-2',
      constellation: 'driftwatch-demo',
      gsd: grid.resolution,
      'eo:cloud_cover': cloudCover,
      'proj:epsg': grid.epsg,
      'proj:bbox': bounds,
      'proj:shape': shape,
      'proj:transform': transform,
    },
    links: [
      { rel: 'root', href: '../catalog.json', type: 'application/json' },
      { rel: 'parent', href: '../catalog.json', type: 'application/json' },
    ],
    assets,
  };
}

/** The catalog linking every item. */
export function stacCatalog(itemIds: readonly string[]): Record<string, unknown> {
  return {
    type: 'Catalog',
    stac_version: STAC_VERSION,
    id: 'driftwatch-demo',
    title: 'driftwatch demo series',
    description:
      'A synthetic Sentinel-2-like time series made by driftwatch (a flood and a burn scar among seasonal change and clouds).',
    links: [
      { rel: 'root', href: './catalog.json', type: 'application/json' },
      ...itemIds.map((id) => ({ rel: 'item', href: `./items/${id}.json`, type: 'application/geo+json' })),
    ],
  };
}

/** The area of interest: the grid's footprint shrunk by `insetM` metres on every side, in lon/lat. */
export function areaFeature(grid: Grid, insetM: number): Record<string, unknown> {
  const [minx, miny, maxx, maxy] = gridBounds(grid);
  const { ring } = rectangleToLonLat(grid.epsg, [minx + insetM, miny + insetM, maxx - insetM, maxy - insetM]);
  return {
    type: 'Feature',
    properties: { name: 'driftwatch demo area' },
    geometry: { type: 'Polygon', coordinates: [ring] },
  };
}
