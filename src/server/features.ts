/**
 * The features API, in the style of OGC API – Features Part 1 (Core, GeoJSON): `/features` is its landing
 * page (with `/conformance`; `/` stays the viewer's overview page), `/collections` lists the
 * `alerts` and `chips` collections, `/collections/{id}` describes one, `/collections/{id}/items` pages
 * through its features (`bbox`, `datetime`, `limit`, `offset`, and `area`) as a GeoJSON FeatureCollection
 * with numberMatched, numberReturned and self / next / prev links, `/collections/alerts/items/{id}` is one
 * alert. Read-only like the rest of the viewer; malformed parameters answer 400 naming the value.
 */
import { Writable } from 'node:stream';
import { InputError } from '../errors.ts';
import { alertFeaturePage, type AlertFeature } from '../export/alert-features.ts';
import { chipFeaturePage, type ChipFeature } from '../export/chip-features.ts';
import { parseBbox, parseDatetime, parseLimit, parseOffset } from '../export/query-params.ts';
import { writeCsv } from '../export/alert-writers.ts';
import { NotFound, type Reply } from './reply.ts';
import type { RouteContext } from './routes.ts';

/** Items per page when `limit` is not given. */
export const DEFAULT_LIMIT = 100;

const GEOJSON = 'application/geo+json';

/** A link of a response. */
interface Link {
  /** Absolute URL. */
  href: string;
  /** self, next, prev, items, collection, … */
  rel: string;
  /** Media type of the target. */
  type: string;
  /** Human-readable label. */
  title?: string;
}

function reply(value: unknown, type = 'application/json'): Reply {
  return { status: 200, headers: { 'content-type': `${type}; charset=utf-8` }, body: JSON.stringify(value) };
}

const COLLECTIONS = {
  alerts: {
    title: 'Alerts',
    description:
      'Alerts with their outlines: changed pixels (post-event assessment) or the union of their chips (monitoring).',
  },
  chips: {
    title: 'Chip states',
    description:
      'Grid chips with their latest observation and detection (in the datetime interval when given).',
  },
} as const;

type CollectionId = keyof typeof COLLECTIONS;

function collectionId(raw: string): CollectionId {
  if (raw in COLLECTIONS) return raw as CollectionId;
  throw new NotFound(`no collection "${raw}"; there are ${Object.keys(COLLECTIONS).join(', ')}`);
}

function collection(ctx: RouteContext, id: CollectionId) {
  const base = `${ctx.origin}/collections/${id}`;
  return {
    id,
    ...COLLECTIONS[id],
    itemType: 'feature',
    crs: ['http://www.opengis.net/def/crs/OGC/1.3/CRS84'],
    links: [
      { href: base, rel: 'self', type: 'application/json', title: COLLECTIONS[id].title },
      { href: `${base}/items`, rel: 'items', type: GEOJSON, title: `${COLLECTIONS[id].title} as GeoJSON` },
    ] satisfies Link[],
  };
}

/** The conformance classes this API follows. */
export const CONFORMS_TO = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
];

/** GET /features: the API's landing page (the URL to give QGIS and other clients). */
export async function landingReply(ctx: RouteContext): Promise<Reply> {
  return reply({
    title: 'driftwatch',
    description: 'Alerts and chip states of driftwatch, read-only.',
    links: [
      { href: `${ctx.origin}/features`, rel: 'self', type: 'application/json', title: 'this document' },
      { href: `${ctx.origin}/conformance`, rel: 'conformance', type: 'application/json' },
      { href: `${ctx.origin}/collections`, rel: 'data', type: 'application/json', title: 'collections' },
    ] satisfies Link[],
  });
}

/** GET /conformance. */
export async function conformanceReply(): Promise<Reply> {
  return reply({ conformsTo: CONFORMS_TO });
}

/** GET /collections. */
export async function collectionsReply(ctx: RouteContext): Promise<Reply> {
  return reply({
    links: [{ href: `${ctx.origin}/collections`, rel: 'self', type: 'application/json' }] satisfies Link[],
    collections: (Object.keys(COLLECTIONS) as CollectionId[]).map((id) => collection(ctx, id)),
  });
}

/** GET /collections/{id}. */
export async function collectionReply(ctx: RouteContext, raw: string): Promise<Reply> {
  return reply(collection(ctx, collectionId(raw)));
}

/** The parameters items accept; any other is refused, as a misspelt filter would silently match all. */
const ITEM_PARAMS = new Set(['bbox', 'datetime', 'limit', 'offset', 'area', 'f']);

/** GET /collections/{id}/items. */
export async function itemsReply(ctx: RouteContext, raw: string): Promise<Reply> {
  const id = collectionId(raw);
  const p = ctx.url.searchParams;
  for (const name of p.keys()) {
    if (!ITEM_PARAMS.has(name)) {
      throw new InputError(`unknown parameter "${name}"; items take ${[...ITEM_PARAMS].join(', ')}`);
    }
  }
  const get = (name: string) => p.get(name) ?? undefined;
  const bboxText = get('bbox');
  const datetimeText = get('datetime');
  const limitText = get('limit');
  const offsetText = get('offset');
  const filter = {
    areaId: get('area'),
    bbox: bboxText === undefined ? undefined : parseBbox(bboxText),
    datetime: datetimeText === undefined ? undefined : parseDatetime(datetimeText),
  };
  const limit = limitText === undefined ? DEFAULT_LIMIT : parseLimit(limitText);
  const offset = offsetText === undefined ? 0 : parseOffset(offsetText);
  type Page = { features: (AlertFeature | ChipFeature)[]; numberMatched: number };
  const page = await ctx.db.readOnly((q): Promise<Page> =>
    id === 'alerts'
      ? alertFeaturePage(q, filter, { limit, offset })
      : chipFeaturePage(q, filter, { limit, offset }),
  );
  const href = (o: number) => {
    const u = new URL(`${ctx.origin}/collections/${id}/items`);
    for (const [k, v] of p) if (k !== 'offset' && k !== 'limit') u.searchParams.set(k, v);
    u.searchParams.set('limit', String(limit));
    u.searchParams.set('offset', String(o));
    return u.toString();
  };
  const links: Link[] = [{ href: href(offset), rel: 'self', type: GEOJSON }];
  if (offset + page.features.length < page.numberMatched) {
    links.push({ href: href(offset + limit), rel: 'next', type: GEOJSON });
  }
  if (offset > 0) links.push({ href: href(Math.max(0, offset - limit)), rel: 'prev', type: GEOJSON });
  links.push({ href: `${ctx.origin}/collections/${id}`, rel: 'collection', type: 'application/json' });
  return reply(
    {
      type: 'FeatureCollection',
      features: page.features,
      numberMatched: page.numberMatched,
      numberReturned: page.features.length,
      timeStamp: new Date().toISOString(),
      links,
    },
    GEOJSON,
  );
}

/** GET /collections/alerts/items/{id}. */
export async function alertItemReply(ctx: RouteContext, rawId: string): Promise<Reply> {
  if (!/^\d{1,15}$/.test(rawId)) throw new InputError(`alert id "${rawId}" is not a positive integer`);
  const id = Number(rawId);
  const { features } = await ctx.db.readOnly((q) => alertFeaturePage(q, { id }, { limit: 1, offset: 0 }));
  const feature = features[0];
  if (!feature) throw new NotFound(`no alert with id ${id}`);
  return reply(
    {
      ...feature,
      links: [
        { href: `${ctx.origin}/collections/alerts/items/${id}`, rel: 'self', type: GEOJSON },
        { href: `${ctx.origin}/collections/alerts`, rel: 'collection', type: 'application/json' },
      ] satisfies Link[],
    },
    GEOJSON,
  );
}

/** `/alerts/{id}.csv`: one alert as `alerts export --format csv` writes it (header row, WKT and centroid). */
export async function alertCsvReply(ctx: RouteContext, rawId: string): Promise<Reply> {
  if (!/^\d{1,15}$/.test(rawId)) throw new InputError(`alert id "${rawId}" is not a positive integer`);
  const id = Number(rawId);
  const { features } = await ctx.db.readOnly((q) => alertFeaturePage(q, { id }, { limit: 1, offset: 0 }));
  if (features.length === 0) throw new NotFound(`no alert with id ${id}`);
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  await writeCsv(
    (async function* () {
      yield* features;
    })(),
    out,
  );
  return {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="alert-${id}.csv"`,
    },
    body: Buffer.concat(chunks),
  };
}
