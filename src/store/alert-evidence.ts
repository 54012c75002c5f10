/** Alert evidence: which evidence file shows which alert at which acquisition, and as what kind of tile. */
import type { Queryable } from './db.ts';
import { insertInto, insertRows } from './multi-row.ts';
import type { ColumnsOf } from './schema.ts';

/** One evidence tile of an alert to record. */
export interface AlertEvidenceRow {
  /** The alert. */
  alertId: number;
  /** The acquisition that raised or updated it. */
  acquisitionId: number;
  /** before, after, heatmap or page. */
  kind: string;
  /** Content hash of the stored file. */
  sha256: string;
  /** Earliest datetime of the imagery shown, or null. */
  imagedFrom: string | null;
  /** Latest datetime of the imagery shown, or null. */
  imagedTo: string | null;
  /** Grid cells shown (west column, north row, columns, rows), or null. */
  cellBox: readonly [number, number, number, number] | null;
}

/** Records evidence tiles in one multi-row statement; a tile recorded before is left as it is. */
export async function insertAlertEvidence(db: Queryable, rows: readonly AlertEvidenceRow[]): Promise<void> {
  await insertRows(
    db,
    insertInto('alert_evidence', [
      'alert_id',
      'acquisition_id',
      'kind',
      'sha256',
      'imaged_from',
      'imaged_to',
      'cell_box',
    ]),
    rows,
    (r) => [r.alertId, r.acquisitionId, r.kind, r.sha256, r.imagedFrom, r.imagedTo, r.cellBox],
    'ON CONFLICT (alert_id, acquisition_id, kind) DO NOTHING',
  );
}

/** An alert's evidence files by acquisition, then kind. */
export async function alertEvidenceFiles(
  db: Queryable,
  alertId: number,
): Promise<{ kind: string; sha256: string; path: string }[]> {
  const { rows } = await db.query<
    ColumnsOf<'alert_evidence', 'kind' | 'sha256'> & ColumnsOf<'evidence_files', 'path'>
  >(
    `SELECT ae.kind, ae.sha256, f.path FROM alert_evidence ae JOIN evidence_files f ON f.sha256 = ae.sha256
      WHERE ae.alert_id = $1 ORDER BY ae.acquisition_id, ae.kind`,
    [alertId],
  );
  return rows.map((r) => ({ kind: r.kind, sha256: r.sha256, path: r.path }));
}
