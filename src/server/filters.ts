/** Alert filters from URL query parameters: `area`, `from`, `to`, `confidence`, `kind`, `prompt`, `status`, `limit`. */
import { InputError } from '../errors.ts';
import { parseAlertKind, parseConfidence, parseDateBound, type AlertFilter } from '../store/read-queries.ts';

/** The filter names the viewer and the API accept. */
export const FILTER_PARAMS = [
  'area',
  'from',
  'to',
  'confidence',
  'kind',
  'prompt',
  'status',
  'limit',
] as const;

/** Parses filters; empty values (as forms submit them) are ignored; malformed ones throw `InputError`. */
export function parseAlertFilter(params: URLSearchParams): AlertFilter {
  const get = (name: string) => {
    const v = params.get(name)?.trim();
    return v ? v : undefined;
  };
  const filter: AlertFilter = {};
  const area = get('area');
  if (area) filter.areaId = area;
  const from = get('from');
  if (from) {
    parseDateBound(from, 'from');
    filter.from = from;
  }
  const to = get('to');
  if (to) {
    parseDateBound(to, 'to');
    filter.to = to;
  }
  const confidence = get('confidence');
  if (confidence) filter.minConfidence = parseConfidence(confidence);
  const kind = get('kind');
  if (kind) filter.kind = parseAlertKind(kind);
  const prompt = get('prompt');
  if (prompt) filter.prompt = prompt;
  const status = get('status');
  if (status) {
    if (status !== 'open' && status !== 'closed')
      throw new InputError(`status "${status}" is not open or closed`);
    filter.status = status;
  }
  const limit = get('limit');
  if (limit) {
    const n = Number(limit);
    if (!/^\d+$/.test(limit) || n < 1 || n > 5000)
      throw new InputError(`limit "${limit}" is not an integer from 1 to 5000`);
    filter.limit = n;
  }
  return filter;
}

/** The query string of a filter (for links that keep the current filters). */
export function filterQuery(params: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const name of FILTER_PARAMS) {
    const v = params.get(name)?.trim();
    if (v) out.set(name, v);
  }
  const s = out.toString();
  return s ? `?${s}` : '';
}
