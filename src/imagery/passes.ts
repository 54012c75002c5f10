/**
 * Passes: the items a source returns (STAC items, local rasters) grouped into acquisitions. Items of one
 * source and platform taken within `passWindowHours` of a group's first item are one pass: the tiles of
 * one scene split across a seam, or two MGRS tiles of the same Sentinel-2 datatake over an area on their
 * edge. Each chip of a pass reads from whichever of its items cover it (see chips.ts).
 *
 * A pass of one item keeps the item's id; a pass of several is keyed by its items' ids joined with `+`
 * (or, past 200 characters, the first id, the count of the others and a hash of all of them), so that the
 * same items always give the same key and recording them stays idempotent.
 */
import { createHash } from 'node:crypto';
import type { Acquisition } from './source.ts';

/** Default window of one pass, in hours. */
export const DEFAULT_PASS_WINDOW_HOURS = 12;

const HOUR = 3_600_000;
const MAX_KEY = 200;

/** The platform an item names (STAC `platform`, else `constellation`), or '' when it names none. */
export function platformOf(item: Acquisition): string {
  const p = item.properties.platform ?? item.properties.constellation;
  return typeof p === 'string' ? p.toLowerCase() : '';
}

/** The items of an acquisition: its pass members, or itself. */
export function passItems(acquisition: Acquisition): Acquisition[] {
  return acquisition.items && acquisition.items.length > 0 ? acquisition.items : [acquisition];
}

/** Groups items into passes (see the module comment), oldest first; windowHours 0 keeps one per item. */
export function groupPasses(
  items: readonly Acquisition[],
  windowHours: number = DEFAULT_PASS_WINDOW_HOURS,
): Acquisition[] {
  const sorted = [...items].sort(
    (a, b) => Date.parse(a.datetime) - Date.parse(b.datetime) || a.itemId.localeCompare(b.itemId),
  );
  if (windowHours <= 0) return sorted;
  const groups: Acquisition[][] = [];
  const open = new Map<string, Acquisition[]>();
  for (const item of sorted) {
    const key = `${item.source}\u0000${platformOf(item)}`;
    const group = open.get(key);
    if (group && Date.parse(item.datetime) - Date.parse(group[0]!.datetime) <= windowHours * HOUR) {
      group.push(item);
    } else {
      const fresh = [item];
      open.set(key, fresh);
      groups.push(fresh);
    }
  }
  return groups.map(toPass);
}

/** One acquisition from the items of a pass. */
function toPass(members: Acquisition[]): Acquisition {
  if (members.length === 1) return members[0]!;
  const first = members[0]!;
  const ids = members.map((m) => m.itemId);
  let itemId = ids.join('+');
  if (itemId.length > MAX_KEY) {
    const hash = createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 12);
    itemId = `${first.itemId}+${members.length - 1}~${hash}`;
  }
  const covers = members.map((m) => m.cloudCover).filter((c): c is number => c !== null);
  const epsgs = new Set(members.map((m) => m.epsg));
  const assets: Record<string, string> = {};
  for (const [band, href] of Object.entries(first.assets))
    if (members.every((m) => m.assets[band] !== undefined)) assets[band] = href;
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(first.properties)) {
    const json = JSON.stringify(v);
    if (members.every((m) => JSON.stringify(m.properties[k]) === json)) properties[k] = v;
  }
  return {
    source: first.source,
    itemId,
    datetime: first.datetime,
    cloudCover: covers.length > 0 ? covers.reduce((s, c) => s + c, 0) / covers.length : null,
    epsg: epsgs.size === 1 ? first.epsg : null,
    assets,
    properties,
    items: members,
  };
}
