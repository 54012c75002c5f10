/**
 * What a run could not process, and where the nearest acquisitions lie when a window holds none: the
 * parts of `monitor run` and `assess` results that say what was skipped, and their text form.
 * Pure code: workflows import it.
 */
import type { FailedAcquisition } from '../store/acquisitions.ts';
import type { AcquisitionRef, Discovery } from './acquisitions.ts';

export type { FailedAcquisition } from '../store/acquisitions.ts';

/** An item the source could not turn into an acquisition (bad sidecar, no datetime, unreadable header). */
export interface SkippedItem {
  /** Error class name, e.g. SourceError. */
  type: string;
  /** The error message, naming the item and the offending value. */
  message: string;
}

/** An acquisition found near a window. */
export interface NearbyAcquisition {
  /** The source's item id (or pass key). */
  itemId: string;
  /** ISO datetime. */
  datetime: string;
  /** Items in the pass (1 for a single item). */
  items: number;
}

/** The nearest acquisitions before and after a window that holds none. */
export interface NearestAcquisitions {
  /** The empty window. */
  window: { start: string; end: string };
  /** How far around the window the source was searched, in days. */
  searchedDays: number;
  /** The latest acquisition before the window, or null. */
  before: NearbyAcquisition | null;
  /** The earliest acquisition after the window, or null. */
  after: NearbyAcquisition | null;
}

/** What a run reports besides its results. */
export interface SkipReport {
  /** Acquisitions that failed, with their errors (at most MAX_REPORTED_SKIPS). */
  failures: FailedAcquisition[];
  /** Items the source skipped (at most MAX_REPORTED_SKIPS). */
  skipped: SkippedItem[];
  /** How many items the source skipped in all. */
  skippedTotal: number;
  /** Nearest acquisitions around each window that held none. */
  nearest: NearestAcquisitions[];
}

/** Skipped items kept in a result (the rest are counted), so that workflow payloads stay small. */
export const MAX_REPORTED_SKIPS = 20;

const HOUR = 3_600_000;

function distance(ms: number): string {
  if (ms < 36 * HOUR) return `${Math.max(1, Math.round(ms / HOUR))} h`;
  const days = Math.round(ms / (24 * HOUR));
  return `${days} day${days === 1 ? '' : 's'}`;
}

function nearby(a: NearbyAcquisition | null, ms: number, side: 'before' | 'after'): string {
  if (!a) return `none ${side}`;
  const items = a.items > 1 ? `, ${a.items} items` : '';
  return `${a.datetime.slice(0, 16).replace('T', ' ')} "${a.itemId}" (${distance(ms)} ${side}${items})`;
}

/** Lines naming failed and skipped acquisitions and the nearest acquisitions around empty windows. */
export function formatSkipReport(r: SkipReport, indent = '  '): string[] {
  const lines: string[] = [];
  for (const f of r.failures)
    lines.push(`${indent}failed: ${f.datetime.slice(0, 10)} "${f.itemId}": ${f.type}: ${f.message}`);
  for (const s of r.skipped) lines.push(`${indent}skipped: ${s.type}: ${s.message}`);
  if (r.skippedTotal > r.skipped.length)
    lines.push(`${indent}skipped: ${r.skippedTotal - r.skipped.length} more item(s) not listed`);
  for (const n of r.nearest) {
    const start = Date.parse(n.window.start);
    const end = Date.parse(n.window.end);
    const before = nearby(n.before, n.before ? start - Date.parse(n.before.datetime) : 0, 'before');
    const after = nearby(n.after, n.after ? Date.parse(n.after.datetime) - end : 0, 'after');
    lines.push(
      `${indent}no processed acquisition in ${n.window.start.slice(0, 10)} … ${n.window.end.slice(0, 10)}; nearest within ${n.searchedDays} days: ${before}; ${after}`,
    );
  }
  return lines;
}

/** Appends a skipped item to a report, keeping at most MAX_REPORTED_SKIPS of them. */
export function addSkipped(r: Pick<SkipReport, 'skipped' | 'skippedTotal'>, item: SkippedItem): void {
  r.skippedTotal += 1;
  if (r.skipped.length < MAX_REPORTED_SKIPS) r.skipped.push(item);
}

/**
 * A discovery as a workflow history holds it. Histories recorded before discoveries reported skipped
 * items hold the bare list of references; they read as a discovery with nothing skipped of an area
 * that has acquisitions, so replaying them schedules no activity they did not.
 */
export function asDiscovery(recorded: Discovery | AcquisitionRef[]): Discovery {
  if (!Array.isArray(recorded)) return recorded;
  return {
    pending: recorded,
    skipped: [],
    skippedTotal: 0,
    window: { start: '', end: '' },
    seenBefore: true,
  };
}
