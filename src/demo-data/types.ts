/** What the demo data generator writes about its series (also saved as `manifest.json`). */

/** One change event with its ground truth. */
export interface DemoEvent {
  /** What happened. */
  kind: 'flood' | 'burn';
  /** ISO date (YYYY-MM-DD) on which it happened. */
  date: string;
  /** STAC item ids of the acquisitions on which the change is visible, in time order. */
  acquisitionIds: string[];
  /** The first of `acquisitionIds`: the acquisition on which the change first shows. */
  firstAcquisition: string;
  /** Relative path of the PNG mask (same pixel grid as the rasters; 255 = changed, 0 = unchanged). */
  mask: string;
}

/** One acquisition of the series. */
export interface DemoItem {
  /** STAC item id. */
  id: string;
  /** ISO datetime of the acquisition (UTC). */
  datetime: string;
  /** Whether clouds cover part of it (its SCL has classes 8, 9, 10 and 3 there). */
  cloudy: boolean;
  /** Percentage of pixels under cloud (SCL 8, 9, 10), as in the item's `eo:cloud_cover`. */
  cloudCover: number;
  /** Relative path of a PNG mask of cloud and cloud shadow (255), present on cloudy acquisitions. */
  cloudMask?: string;
  /** Percentage of pixels outside the swath (no data in every band, SCL 0). */
  noDataPercent: number;
}

/** The series as a whole. */
export interface DemoManifest {
  /** Seed the series was generated from. */
  seed: number;
  /** EPSG code of the rasters' CRS (a WGS 84 UTM zone). */
  epsg: number;
  /** Pixel size in metres. */
  resolutionM: number;
  /** Raster width in pixels. */
  width: number;
  /** Raster height in pixels. */
  height: number;
  /** X of the rasters' top-left corner in UTM metres. */
  originX: number;
  /** Y of the rasters' top-left corner in UTM metres. */
  originY: number;
  /** Acquisitions in time order. */
  items: DemoItem[];
  /** Change events with their ground truth. */
  events: DemoEvent[];
  /** Relative path of the static STAC catalog ('catalog.json'). */
  catalog: string;
  /** Relative path of the area of interest ('area.geojson'). */
  area: string;
}

/** Options of `generateDemoSeries`. */
export interface DemoOptions {
  /** PRNG seed, an unsigned 32-bit integer (default 42). */
  seed?: number;
  /** Side of the square rasters in pixels, a multiple of 64 from 128 to 2048 (default 512: 8 × 8 chips of 64 px). */
  size?: number;
}
