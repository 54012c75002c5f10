/**
 * STAC items → acquisitions: zod schemas for items and item collections, band asset naming and
 * reflectance scaling per preset.
 *
 * Scaling (value = DN × scale + offset): an asset's `raster:bands` scale/offset/nodata are honoured when
 * present. Where an asset names no offset, the Sentinel-2 baseline rule of l2a-offset.ts applies to every
 * item that says it is Sentinel-2 (by its processing baseline, else by platform, level and datetime),
 * whatever the source. Under the presets, processing baseline ≥ 04.00 shifts DNs by +1000:
 * - Planetary Computer keeps ESA's DNs: offset −0.1 (−1000 DN) for baseline ≥ 04.00, else 0.
 * - Earth Search sometimes applied the offset and its `earthsearch:boa_offset_applied` flag and
 *   `raster:bands` offset are both unreliable, so for baseline ≥ 04.00 the offset −0.1 is assumed and then
 *   verified against the pixels (see offset-check.ts) before the first chip is made.
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { SourceError } from '../errors.ts';
import { sentinel2Offset } from './l2a-offset.ts';
import { KNOWN_BANDS, SENTINEL2_IDS, normalizeBandName } from './band-names.ts';
import { collectionPreset } from './collection-presets.ts';
import type { BandScaling } from './raster-reader.ts';
import { HINTS, type Acquisition } from './source.ts';

const rasterBand = z.object({
  scale: z.number().optional(),
  offset: z.number().optional(),
  nodata: z.union([z.number(), z.string()]).nullable().optional(),
});

/** An asset of a STAC item. */
export const stacAsset = z.looseObject({
  href: z.string().min(1),
  type: z.string().optional(),
  roles: z.array(z.string()).optional(),
  'raster:bands': z.array(rasterBand).optional(),
  'eo:bands': z
    .array(z.looseObject({ name: z.string().optional(), common_name: z.string().optional() }))
    .optional(),
});

/** A STAC link. */
export const stacLink = z.looseObject({
  rel: z.string(),
  href: z.string(),
  method: z.string().optional(),
  body: z.unknown().optional(),
  merge: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

/** A STAC item (only what this project reads is checked). */
export const stacItem = z.looseObject({
  type: z.literal('Feature'),
  id: z.string().min(1),
  bbox: z.array(z.number()).optional(),
  geometry: z.unknown().optional(),
  properties: z.record(z.string(), z.unknown()),
  assets: z.record(z.string(), stacAsset),
  links: z.array(stacLink).optional(),
});
export type StacItem = z.infer<typeof stacItem>;

/** A page of search results. */
export const stacItemCollection = z.looseObject({
  type: z.literal('FeatureCollection'),
  features: z.array(z.unknown()),
  links: z.array(stacLink).optional(),
});

/** Presets that decide asset names and Sentinel-2 offsets. */
export type Preset = 'earth-search' | 'planetary-computer';

/** Options of itemToAcquisition. */
export interface ItemContext {
  /** Source id stored on the acquisition. */
  source: string;
  /** URL or path that relative hrefs are resolved against. */
  base: string;
  /** Preset, if any. */
  preset?: Preset;
  /** Planetary Computer SAS token endpoint for the collection (signing hint). */
  tokenUrl?: string;
  /** Collection searched (else the item's `collection`): picks a collection preset (collection-presets.ts). */
  collection?: string;
}

/** Validates a STAC item and turns it into an acquisition; throws SourceError naming the item. */
export function itemToAcquisition(raw: unknown, ctx: ItemContext): Acquisition {
  const parsed = stacItem.safeParse(raw);
  const rawId = (raw as { id?: unknown } | null)?.id;
  const name = typeof rawId === 'string' ? `item "${rawId}"` : 'STAC item';
  if (!parsed.success) {
    throw new SourceError(
      `${name} from ${ctx.base} is not a valid STAC item: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
    );
  }
  const item = parsed.data;
  const props = item.properties;
  const dt =
    typeof props.datetime === 'string'
      ? props.datetime
      : typeof props.start_datetime === 'string'
        ? props.start_datetime
        : null;
  if (dt === null || Number.isNaN(Date.parse(dt))) {
    throw new SourceError(
      `item "${item.id}" from ${ctx.base} has no valid datetime (got ${JSON.stringify(props.datetime ?? null)})`,
    );
  }
  const assets: Record<string, string> = {};
  const scaling: Record<string, Partial<BandScaling>> = {};
  const ruleOffset = sentinel2Offset(props, dt);
  const newBaseline = ruleOffset !== null && ruleOffset !== 0;
  const itemCollection = typeof item.collection === 'string' ? item.collection : undefined;
  const cp = collectionPreset(ctx.preset, ctx.collection ?? itemCollection);
  for (const [key, asset] of Object.entries(item.assets)) {
    const band = cp ? (cp.assets[key] ?? null) : assetBandName(key, asset, ctx.preset);
    if (!band || assets[band]) continue;
    assets[band] = resolveHref(asset.href, ctx.base);
    if (cp) {
      scaling[band] = { ...cp.scaling[band] };
      continue;
    }
    const rb = asset['raster:bands']?.[0];
    const s: Partial<BandScaling> = {};
    if (rb?.scale !== undefined) s.scale = rb.scale;
    if (rb?.offset !== undefined) s.offset = rb.offset;
    if (rb?.nodata !== undefined && rb.nodata !== null && Number.isFinite(Number(rb.nodata)))
      s.nodata = Number(rb.nodata);
    if (band === 'scl') {
      scaling[band] = { scale: 1, offset: 0, nodata: s.nodata ?? 0, kind: 'class' };
      continue;
    }
    if (ctx.preset) {
      s.scale = 1e-4;
      s.offset = ruleOffset ?? 0;
      s.nodata ??= 0;
    } else if (s.offset === undefined && ruleOffset !== null) {
      s.offset = ruleOffset;
    }
    if (s.scale !== undefined || s.offset !== undefined) s.kind = 'reflectance';
    scaling[band] = s;
  }
  if (cp?.requireAll) {
    const missing = Object.entries(cp.assets).filter(([key]) => !Object.hasOwn(item.assets, key));
    if (missing.length > 0) {
      throw new SourceError(
        `item "${item.id}" from ${ctx.base} of collection ${ctx.collection ?? itemCollection} lacks asset${missing.length > 1 ? 's' : ''} ${missing.map(([key, band]) => `"${key}" (${band})`).join(', ')} (has: ${Object.keys(item.assets).join(', ') || 'none'})`,
      );
    }
  }
  const properties: Record<string, unknown> = { ...props, ...cp?.properties, [HINTS.scaling]: scaling };
  if (ctx.preset === 'earth-search' && newBaseline && !cp) properties[HINTS.offsetCheck] = true;
  if (ctx.preset === 'planetary-computer' && ctx.tokenUrl)
    properties[HINTS.signing] = { kind: 'planetary-computer', tokenUrl: ctx.tokenUrl };
  const cc = props['eo:cloud_cover'];
  const epsg = props['proj:epsg'] ?? parseProjCode(props['proj:code']);
  return {
    source: ctx.source,
    itemId: item.id,
    datetime: new Date(dt).toISOString(),
    cloudCover: typeof cc === 'number' ? cc : null,
    epsg: typeof epsg === 'number' ? epsg : null,
    assets,
    properties,
  };
}

function parseProjCode(code: unknown): number | null {
  if (typeof code !== 'string') return null;
  const m = /^EPSG:(\d+)$/.exec(code);
  return m ? Number(m[1]) : null;
}

/** The band an asset holds, or null for non-band assets (thumbnails, metadata, …). */
function assetBandName(
  key: string,
  asset: z.infer<typeof stacAsset>,
  preset: Preset | undefined,
): string | null {
  if (asset.type && !/tiff|octet-stream/i.test(asset.type)) return null;
  if (preset === 'planetary-computer') return SENTINEL2_IDS[key] ?? null;
  if (preset === 'earth-search') return KNOWN_BANDS.has(key) ? key : null;
  const byKey = normalizeBandName(key);
  if (byKey) return byKey;
  const common = asset['eo:bands']?.[0]?.common_name;
  if (common && normalizeBandName(common)) return normalizeBandName(common);
  return null;
}

/** Resolves an href against a base URL or file path. */
export function resolveHref(href: string, base: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(href)) return href;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) return new URL(href, base).toString();
  return resolve(base.endsWith('/') ? base : dirname(base), href);
}
