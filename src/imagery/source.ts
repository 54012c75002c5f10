/** Imagery sources: search for acquisitions over an area; their band assets are read by readChips. */
import type { AreaGeometry } from './area.ts';
import type { Bbox } from './image.ts';

/**
 * One acquisition: a STAC item or a local raster with its band assets, or a pass of several such items
 * (tiles of one platform taken within a short window, see passes.ts) listed in `items`.
 */
export interface Acquisition {
  /** Source id, e.g. 'earth-search', 'planetary-computer', 'local:<full path of the folder or catalog>'. */
  source: string;
  /** Item id, unique within the source. */
  itemId: string;
  /** ISO 8601 UTC. */
  datetime: string;
  /** Cloud cover in percent, or null when unknown. */
  cloudCover: number | null;
  /** EPSG code of the assets, when known. */
  epsg: number | null;
  /** Band name (Earth Search names) → absolute href (URL or file path; `#band=N` picks band N of a multi-band file). */
  assets: Record<string, string>;
  /** Item properties, plus `driftwatch:*` reading hints (scaling, offset check, URL signing). */
  properties: Record<string, unknown>;
  /** The items of a pass of more than one item, oldest first; each chip reads from those that cover it. */
  items?: Acquisition[];
}

/** A search over time and space. */
export interface SearchQuery {
  /** Lon/lat west, south, east, north. */
  bbox: Bbox;
  /** Exact geometry; sent as `intersects` instead of bbox when given. */
  intersects?: AreaGeometry;
  /** Inclusive ISO 8601 interval. */
  datetime: { start: string; end: string };
  /** Largest accepted cloud cover in percent. */
  maxCloudCover?: number;
}

/** Options of a search. */
export interface SearchOptions {
  /** Cancels the search. */
  signal?: AbortSignal;
  /** Receives items that cannot become acquisitions (no datetime, bad assets); they are skipped. Default: a process warning. */
  onItemError?: (error: Error) => void;
}

/** A source of acquisitions. */
export interface ImagerySource {
  readonly id: string;
  /** Acquisitions intersecting the query, sorted by datetime ascending. */
  search(query: SearchQuery, options?: SearchOptions): Promise<Acquisition[]>;
}

/** What every source config may add. */
export interface PassConfig {
  /** Items of one platform taken within this many hours of a pass's first item are one acquisition (default 12; 0: one acquisition per item). */
  passWindowHours?: number;
}

/** How to reach a source. */
export type SourceConfig =
  | ({
      kind: 'stac-api';
      url: string;
      collection: string;
      preset?: 'earth-search' | 'planetary-computer';
    } & PassConfig)
  | ({
      kind: 'local';
      path: string;
      /** Band metadata in sidecar form (bands, scale, offset, nodata, processingBaseline, …) for every GeoTIFF of the folder; each file's sidecar overrides it. */
      metadata?: Record<string, unknown>;
    } & PassConfig);

/** Property keys with reading hints that sources put on acquisitions. */
export const HINTS = {
  /** Record<band, Partial<BandScaling>>: scale, offset, nodata per band. */
  scaling: 'driftwatch:scaling',
  /** true: the −1000 DN offset of processing baseline ≥ 04.00 is to be verified against the pixels. */
  offsetCheck: 'driftwatch:offset-check',
  /** { kind: 'planetary-computer', tokenUrl }: sign asset URLs with a SAS token. */
  signing: 'driftwatch:signing',
} as const;

/** Reports a skipped item through the handler or as a process warning. */
export function reportItemError(options: SearchOptions | undefined, error: Error): void {
  if (options?.onItemError) options.onItemError(error);
  else process.emitWarning(`${error.name}: ${error.message}`, 'DriftwatchWarning');
}

/** Whether two lon/lat boxes intersect (either may cross the antimeridian). */
export function lonLatBboxesIntersect(a: Bbox, b: Bbox): boolean {
  if (a[1] > b[3] || b[1] > a[3]) return false;
  const spans = (box: Bbox): Array<[number, number]> =>
    box[0] <= box[2]
      ? [[box[0], box[2]]]
      : [
          [box[0], 180],
          [-180, box[2]],
        ];
  return spans(a).some(([a0, a1]) => spans(b).some(([b0, b1]) => a0 <= b1 && b0 <= a1));
}

/** Whether an ISO datetime lies within an inclusive interval. */
export function inInterval(datetime: string, interval: { start: string; end: string }): boolean {
  const t = Date.parse(datetime);
  return t >= Date.parse(interval.start) && t <= Date.parse(interval.end);
}
