/** The viewer's routes: pages, JSON endpoints and evidence files. Every query runs in `db.readOnly`. */
import { InputError } from '../errors.ts';
import {
  alertFacets,
  areaGrid,
  chipHistory,
  getAlert,
  listAlerts,
  listAreas,
  type AreaGrid,
} from '../store/read-queries.ts';
import type { Db } from '../store/db.ts';
import type { EvidenceReader } from '../store/evidence-store.ts';
import { evidenceReply } from './evidence.ts';
import {
  alertCsvReply,
  alertItemReply,
  collectionReply,
  collectionsReply,
  conformanceReply,
  itemsReply,
  landingReply,
} from './features.ts';
import { parseAlertFilter } from './filters.ts';
import { alertPage, alertsPage, areaPage, overviewPage, type Chrome } from './pages.ts';
import { htmlReply, jsonReply, NotFound, type Reply } from './reply.ts';

/** What every route gets. */
export interface RouteContext {
  /** The database, read through `readOnly` only. */
  db: Db;
  /** Where evidence bytes are read, by hash. */
  evidence: EvidenceReader;
  /** The request URL. */
  url: URL;
  /** The request's If-None-Match header, if any. */
  ifNoneMatch?: string;
  /** Top-bar settings for pages. */
  chrome: Chrome;
  /** The server's own origin (http://host:port), for absolute links. */
  origin: string;
}

type Handler = (ctx: RouteContext, params: string[]) => Promise<Reply>;

function alertId(text: string): number {
  const id = Number(text);
  if (!/^\d{1,15}$/.test(text)) throw new InputError(`alert id "${text}" is not a positive integer`);
  return id;
}

function param(ctx: RouteContext, name: string): string | undefined {
  const v = ctx.url.searchParams.get(name)?.trim();
  return v ? v : undefined;
}

const overview: Handler = async (ctx) => {
  const data = await ctx.db.readOnly(async (q) => {
    const areas = await listAreas(q);
    const grids = new Map<string, AreaGrid>();
    for (const a of areas) {
      const g = await areaGrid(q, a.id);
      if (g) grids.set(a.id, g);
    }
    return { areas, grids, alerts: await listAlerts(q, {}) };
  });
  return htmlReply(overviewPage({ ...data, chrome: ctx.chrome }));
};

const alertsList: Handler = async (ctx) => {
  const filter = parseAlertFilter(ctx.url.searchParams);
  const data = await ctx.db.readOnly(async (q) => ({
    alerts: await listAlerts(q, filter),
    areas: await listAreas(q),
    facets: await alertFacets(q),
  }));
  return htmlReply(alertsPage({ ...data, params: ctx.url.searchParams, chrome: ctx.chrome }));
};

const alertDetail: Handler = async (ctx, [id]) => {
  const chip = param(ctx, 'chip');
  const data = await ctx.db.readOnly(async (q) => {
    const alert = await getAlert(q, alertId(id!));
    if (!alert) return undefined;
    const key = chip && alert.chipKeys.includes(chip) ? chip : alert.chips[0]?.key;
    return {
      alert,
      history: key ? await chipHistory(q, alert.areaId, key) : undefined,
      grid: await areaGrid(q, alert.areaId),
    };
  });
  if (!data) throw new NotFound(`no alert with id ${id}`);
  return htmlReply(alertPage({ ...data, chrome: ctx.chrome }));
};

const areaDetail: Handler = async (ctx, [rawId]) => {
  const id = decodeURIComponent(rawId!);
  const chip = param(ctx, 'chip');
  const data = await ctx.db.readOnly(async (q) => {
    const area = (await listAreas(q)).find((a) => a.id === id);
    const grid = area && (await areaGrid(q, id));
    if (!area || !grid) return undefined;
    const best = [...grid.cells].sort((a, b) => (b.score ?? -1) - (a.score ?? -1))[0];
    const key = chip ?? best?.key;
    return {
      area,
      grid,
      history: key ? await chipHistory(q, id, key) : undefined,
      alerts: await listAlerts(q, { areaId: id }),
    };
  });
  if (!data) throw new NotFound(`no area with id "${id}"`);
  if (chip && !data.history) throw new NotFound(`area "${id}" has no chip "${chip}"`);
  return htmlReply(areaPage({ ...data, chrome: ctx.chrome }));
};

const apiAreas: Handler = async (ctx) => jsonReply({ areas: await ctx.db.readOnly((q) => listAreas(q)) });

const apiAreaGrid: Handler = async (ctx, [rawId]) => {
  const id = decodeURIComponent(rawId!);
  const grid = await ctx.db.readOnly((q) => areaGrid(q, id, param(ctx, 'model')));
  if (!grid) throw new NotFound(`no area with id "${id}"`);
  return jsonReply(grid);
};

const apiAlerts: Handler = async (ctx) => {
  const filter = parseAlertFilter(ctx.url.searchParams);
  return jsonReply({ alerts: await ctx.db.readOnly((q) => listAlerts(q, filter)) });
};

const apiAlert: Handler = async (ctx, [id]) => {
  const alert = await ctx.db.readOnly((q) => getAlert(q, alertId(id!)));
  if (!alert) throw new NotFound(`no alert with id ${id}`);
  return jsonReply(alert);
};

const apiChipHistory: Handler = async (ctx) => {
  const area = param(ctx, 'area');
  const key = param(ctx, 'key');
  if (!area || !key)
    throw new InputError(`chip history needs "area" and "key" parameters, got "${ctx.url.search}"`);
  const history = await ctx.db.readOnly((q) => chipHistory(q, area, key, param(ctx, 'model')));
  if (!history) throw new NotFound(`area "${area}" has no chip "${key}"`);
  return jsonReply(history);
};

const evidence: Handler = (ctx, [name]) => evidenceReply(ctx.evidence, name!, ctx.ifNoneMatch);

/** Routes in match order; patterns match the whole decoded-free path. */
export const ROUTES: Array<[RegExp, Handler]> = [
  [/^\/$/, overview],
  [/^\/alerts\/?$/, alertsList],
  [/^\/alerts\/(\d+)\.csv$/, (ctx, [id]) => alertCsvReply(ctx, id!)],
  [/^\/alerts\/([^/]+)$/, alertDetail],
  [/^\/areas\/([^/]+)$/, areaDetail],
  [/^\/api\/areas$/, apiAreas],
  [/^\/api\/areas\/([^/]+)\/grid$/, apiAreaGrid],
  [/^\/api\/alerts$/, apiAlerts],
  [/^\/api\/alerts\/([^/]+)$/, apiAlert],
  [/^\/api\/chips\/history$/, apiChipHistory],
  [/^\/features\/?$/, (ctx) => landingReply(ctx)],
  [/^\/conformance$/, () => conformanceReply()],
  [/^\/collections\/?$/, (ctx) => collectionsReply(ctx)],
  [/^\/collections\/([^/]+)$/, (ctx, [id]) => collectionReply(ctx, id!)],
  [/^\/collections\/([^/]+)\/items$/, (ctx, [id]) => itemsReply(ctx, id!)],
  [/^\/collections\/alerts\/items\/([^/]+)$/, (ctx, [id]) => alertItemReply(ctx, id!)],
  [/^\/evidence\/([^/]*?)(?:\.(?:png|webp|jpg|html))?$/, evidence],
];
