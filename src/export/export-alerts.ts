/** `alerts export`: the matching alerts written to a stream in one format, page by page (alert-features.ts). */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { InputError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { alertFeatures, checkAlertFeatureFilter, type AlertFeatureFilter } from './alert-features.ts';
import { EXPORT_FORMATS, writeFeatures, type ExportFormat } from './alert-writers.ts';

/** Validates a format name. */
export function parseExportFormat(text: string): ExportFormat {
  const f = text.trim().toLowerCase();
  if ((EXPORT_FORMATS as readonly string[]).includes(f)) return f as ExportFormat;
  throw new InputError(`export format "${text}" is not one of ${EXPORT_FORMATS.join(', ')}`);
}

/** Writes the alerts matching `filter` to `out` (left open) in one read-only transaction; returns their number. */
export async function exportAlerts(
  db: Db,
  filter: AlertFeatureFilter,
  format: ExportFormat,
  out: Writable,
): Promise<number> {
  checkAlertFeatureFilter(filter);
  return db.readOnly((q) => writeFeatures(format, alertFeatures(q, filter), out));
}

/** Writes the alerts to a file (created or replaced); returns their number. */
export async function exportAlertsToFile(
  db: Db,
  filter: AlertFeatureFilter,
  format: ExportFormat,
  path: string,
): Promise<number> {
  checkAlertFeatureFilter(filter);
  const out = createWriteStream(path);
  try {
    const n = await exportAlerts(db, filter, format, out);
    out.end();
    await finished(out);
    return n;
  } catch (err) {
    out.destroy();
    throw err;
  }
}
