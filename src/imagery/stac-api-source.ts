/**
 * A thin typed STAC API client: `POST /search` with bbox or intersects, datetime, collections, a
 * cloud-cover filter and datetime sort, following `rel=next` links (GET or POST, with `merge`).
 * Responses are validated with zod; items that cannot become acquisitions are reported and skipped.
 */
import { SourceError } from '../errors.ts';
import { httpRequest, type HttpOptions } from './http.ts';
import { planetaryComputerTokenUrl } from './planetary-computer.ts';
import {
  reportItemError,
  type Acquisition,
  type ImagerySource,
  type SearchOptions,
  type SearchQuery,
} from './source.ts';
import { itemToAcquisition, stacItemCollection, type Preset } from './stac-item.ts';

/** Options of a STAC API source. */
export interface StacApiOptions {
  /** API root, e.g. https://earth-search.aws.element84.com/v1. */
  url: string;
  /** Collection id, e.g. sentinel-2-l2a. */
  collection: string;
  /** Preset for asset names and Sentinel-2 offsets. */
  preset?: Preset;
  /** Items per page (default 100). */
  limit?: number;
  /** Most pages followed (default 50). */
  maxPages?: number;
  /** HTTP retry and timeout policy. */
  http?: HttpOptions;
  /** SAS token endpoint for the Planetary Computer preset (default the public one). */
  tokenUrl?: string;
}

/** Source ids of the presets; other APIs are named by their host. */
function sourceId(options: StacApiOptions): string {
  if (options.preset) return options.preset;
  try {
    return `stac:${new URL(options.url).host}`;
  } catch {
    throw new SourceError(`STAC API URL "${options.url}" is not a valid URL`);
  }
}

/** A STAC API as an imagery source. */
export class StacApiSource implements ImagerySource {
  readonly id: string;
  constructor(private readonly options: StacApiOptions) {
    this.id = sourceId(options);
  }

  async search(query: SearchQuery, options: SearchOptions = {}): Promise<Acquisition[]> {
    const root = this.options.url.replace(/\/+$/, '');
    const body: Record<string, unknown> = {
      collections: [this.options.collection],
      datetime: `${query.datetime.start}/${query.datetime.end}`,
      limit: this.options.limit ?? 100,
      sortby: [{ field: 'properties.datetime', direction: 'asc' }],
    };
    if (query.intersects) body.intersects = query.intersects;
    else body.bbox = query.bbox;
    if (query.maxCloudCover !== undefined) body.query = { 'eo:cloud_cover': { lte: query.maxCloudCover } };

    const tokenUrl =
      this.options.preset === 'planetary-computer'
        ? (this.options.tokenUrl ?? planetaryComputerTokenUrl(this.options.collection))
        : undefined;
    const out: Acquisition[] = [];
    let request: {
      url: string;
      method: string;
      body: Record<string, unknown> | null;
      headers?: Record<string, string>;
    } | null = {
      url: `${root}/search`,
      method: 'POST',
      body,
    };
    const maxPages = this.options.maxPages ?? 50;
    for (let page = 0; request && page < maxPages; page++) {
      const { body: bytes } = await httpRequest(
        request.url,
        {
          method: request.method,
          headers: {
            Accept: 'application/geo+json',
            ...(request.body ? { 'Content-Type': 'application/json' } : {}),
            ...request.headers,
          },
          body: request.body ? JSON.stringify(request.body) : undefined,
        },
        // The API root is the user's: refused on every attempt means a wrong URL or a stopped server.
        { ...this.options.http, refusedIsFinal: true, signal: options.signal },
      );
      const json = parseJson(bytes, request.url);
      const parsed = stacItemCollection.safeParse(json);
      if (!parsed.success)
        throw new SourceError(
          `${request.method} ${request.url} did not return a STAC ItemCollection: ${parsed.error.issues[0]?.message ?? ''}`,
        );
      for (const feature of parsed.data.features) {
        try {
          out.push(
            itemToAcquisition(feature, {
              source: this.id,
              base: request.url,
              preset: this.options.preset,
              tokenUrl,
              collection: this.options.collection,
            }),
          );
        } catch (err) {
          if (err instanceof SourceError) reportItemError(options, err);
          else throw err;
        }
      }
      const next = parsed.data.links?.find((l) => l.rel === 'next');
      if (!next || parsed.data.features.length === 0) request = null;
      else {
        const method = (next.method ?? 'GET').toUpperCase();
        const nextBody: Record<string, unknown> | null =
          method === 'POST'
            ? next.merge
              ? { ...request.body, ...(next.body as object) }
              : ((next.body as Record<string, unknown>) ?? request.body)
            : null;
        request = {
          url: new URL(next.href, request.url).toString(),
          method,
          body: nextBody,
          headers: next.headers,
        };
      }
    }
    const filtered =
      query.maxCloudCover === undefined
        ? out
        : out.filter((a) => a.cloudCover === null || a.cloudCover <= query.maxCloudCover!);
    const seen = new Set<string>();
    return filtered
      .filter((a) => (seen.has(a.itemId) ? false : (seen.add(a.itemId), true)))
      .sort((a, b) => Date.parse(a.datetime) - Date.parse(b.datetime) || a.itemId.localeCompare(b.itemId));
  }
}

/** Parses a JSON body; throws SourceError naming the URL. */
export function parseJson(bytes: ArrayBuffer, url: string): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SourceError(`${url} did not return JSON (starts with ${JSON.stringify(text.slice(0, 40))})`);
  }
}
