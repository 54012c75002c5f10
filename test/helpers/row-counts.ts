import type { Queryable } from '../../src/store/db.ts';

const TABLES = [
  'acquisitions',
  'area_acquisitions',
  'chips',
  'observations',
  'embeddings',
  'prompt_scores',
  'chip_signals',
  'alerts',
  'alert_evidence',
  'evidence_files',
  'evidence_blobs',
] as const;

/** Row count of every pipeline table. */
export async function rowCounts(db: Queryable): Promise<Record<(typeof TABLES)[number], number>> {
  const out = {} as Record<(typeof TABLES)[number], number>;
  for (const t of TABLES) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = rows[0]!.n;
  }
  return out;
}
