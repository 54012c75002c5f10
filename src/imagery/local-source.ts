/**
 * Local sources: a static STAC catalog on disk (catalog.json → child/item links, asset hrefs relative to
 * each item) or a folder of GeoTIFFs, one item per file, dated by a sidecar `<name>.json` (see sidecar.ts)
 * or by a date in the file name (YYYY-MM-DD or YYYYMMDD, optionally followed by THHMMSS), with the
 * source's band metadata (same form) as defaults. A source is
 * identified by the full resolved path it was given (`local:/data/a/s2`), so folders that share a last
 * name stay apart.
 */
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { RasterError, SourceError } from '../errors.ts';
import { openRaster } from './raster-reader.ts';
import { parseSidecar, sidecarScaling } from './sidecar.ts';
import {
  HINTS,
  inInterval,
  lonLatBboxesIntersect,
  reportItemError,
  type Acquisition,
  type ImagerySource,
  type SearchOptions,
  type SearchQuery,
} from './source.ts';
import type { Bbox } from './image.ts';
import { itemToAcquisition, stacLink } from './stac-item.ts';

/** A folder of GeoTIFFs or a static STAC catalog as an imagery source. */
export class LocalSource implements ImagerySource {
  readonly id: string;
  private readonly root: string;
  private readonly metadata: Record<string, unknown>;
  /** `metadata`: band metadata in sidecar form for every GeoTIFF of the folder (each sidecar overrides it). */
  constructor(path: string, options: { metadata?: Record<string, unknown> } = {}) {
    this.root = resolve(path);
    if (!existsSync(this.root)) throw new SourceError(`local source ${path} does not exist`);
    this.id = localSourceId(this.root);
    this.metadata = options.metadata ?? {};
    parseSidecar(this.metadata, null);
  }

  async search(query: SearchQuery, options: SearchOptions = {}): Promise<Acquisition[]> {
    const isDir = statSync(this.root).isDirectory();
    const catalog = isDir ? join(this.root, 'catalog.json') : this.root;
    const found: Array<{ acq: Acquisition; bbox: Bbox | null }> = [];
    if (existsSync(catalog) && catalog.endsWith('.json'))
      await this.walkCatalog(catalog, found, options, new Set());
    else if (isDir) await this.scanFolder(found, options);
    else throw new SourceError(`local source ${this.root} is neither a folder nor a catalog.json`);
    return found
      .filter(
        ({ acq, bbox }) =>
          inInterval(acq.datetime, query.datetime) &&
          (bbox === null || lonLatBboxesIntersect(bbox, query.bbox)),
      )
      .filter(
        ({ acq }) =>
          query.maxCloudCover === undefined ||
          acq.cloudCover === null ||
          acq.cloudCover <= query.maxCloudCover,
      )
      .map(({ acq }) => acq)
      .sort((a, b) => Date.parse(a.datetime) - Date.parse(b.datetime) || a.itemId.localeCompare(b.itemId));
  }

  private async walkCatalog(
    file: string,
    out: Array<{ acq: Acquisition; bbox: Bbox | null }>,
    options: SearchOptions,
    visited: Set<string>,
  ): Promise<void> {
    if (visited.has(file)) return;
    visited.add(file);
    options.signal?.throwIfAborted();
    const json = await readJson(file);
    const links = Array.isArray((json as { links?: unknown }).links)
      ? (json as { links: unknown[] }).links
      : [];
    for (const raw of links) {
      const link = stacLink.safeParse(raw);
      if (!link.success) continue;
      const target = resolve(dirname(file), link.data.href);
      if (link.data.rel === 'child') await this.walkCatalog(target, out, options, visited);
      else if (link.data.rel === 'item') {
        try {
          const item = await readJson(target);
          const acq = itemToAcquisition(item, { source: this.id, base: target });
          const b = (item as { bbox?: unknown }).bbox;
          const bbox =
            Array.isArray(b) && b.length >= 4
              ? b.length === 6
                ? [b[0], b[1], b[3], b[4]]
                : b.slice(0, 4)
              : null;
          out.push({ acq, bbox: bbox as Bbox | null });
        } catch (err) {
          if (err instanceof SourceError) reportItemError(options, err);
          else throw err;
        }
      }
    }
  }

  private async scanFolder(
    out: Array<{ acq: Acquisition; bbox: Bbox | null }>,
    options: SearchOptions,
  ): Promise<void> {
    const names = (await readdir(this.root)).filter((n) => /\.tiff?$/i.test(n)).sort();
    for (const name of names) {
      options.signal?.throwIfAborted();
      const path = join(this.root, name);
      const stem = basename(name, extname(name));
      try {
        const sidecarPath = join(this.root, `${stem}.json`);
        const own = existsSync(sidecarPath) ? await readJson(sidecarPath) : null;
        const sidecar =
          own === null
            ? parseSidecar(this.metadata, null)
            : parseSidecar(
                typeof own === 'object' && !Array.isArray(own) ? { ...this.metadata, ...own } : own,
                sidecarPath,
              );
        const datetime = sidecar.datetime ?? datetimeFromName(stem);
        if (!datetime) {
          throw new SourceError(
            `raster ${path} has no datetime: add a sidecar ${stem}.json with "datetime" or a date in the file name`,
          );
        }
        const reader = openRaster(path, { bandNames: sidecar.bands });
        try {
          const info = await reader.info({ signal: options.signal });
          const assets: Record<string, string> = {};
          info.bands.forEach((b, i) => (assets[b] = `${path}#band=${i + 1}`));
          const iso = new Date(datetime).toISOString();
          const scaling = sidecarScaling(sidecar, info.bands, own === null ? null : sidecarPath, iso);
          out.push({
            acq: {
              source: this.id,
              itemId: stem,
              datetime: iso,
              cloudCover: sidecar.cloudCover ?? null,
              epsg: info.epsg,
              assets,
              properties: {
                ...sidecar.properties,
                ...(Object.keys(scaling).length > 0 ? { [HINTS.scaling]: scaling } : {}),
              },
            },
            bbox: info.lonlatBounds,
          });
        } finally {
          await reader.close();
        }
      } catch (err) {
        if (err instanceof SourceError || err instanceof RasterError) reportItemError(options, err);
        else throw err;
      }
    }
  }
}

/** The id of the local source at this path: `local:` and the full resolved path. */
export function localSourceId(path: string): string {
  return `local:${resolve(path)}`;
}

/** A date (and time) found in a file name, as ISO 8601 UTC, or null. */
export function datetimeFromName(name: string): string | null {
  const m = /(\d{4})-?(\d{2})-?(\d{2})(?:[T_](\d{2}):?(\d{2}):?(\d{2}))?/.exec(name);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SourceError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SourceError(`${file} is not valid JSON`);
  }
}
