/**
 * The chip series detection reads: every chip's states (observation, embedding, prompt scores) up to and
 * including one acquisition, over the acquisitions already processed and that one.
 */
import type { ChipState } from '../detect/index.ts';
import type { Queryable } from '../store/db.ts';
import { parseVector } from '../store/vectors.ts';

interface StateRow {
  chip_id: number;
  key: string;
  col: number;
  row: number;
  acquisition_id: number;
  datetime: Date;
  usable: boolean;
  valid_fraction: number;
  stats: Record<string, number>;
  rgb_sha256: string | null;
  embedding: string | null;
  prompts: Record<string, number> | null;
}

/** One chip's states over time, oldest first. */
export interface ChipSeries {
  chipId: number;
  key: string;
  col: number;
  row: number;
  states: Array<ChipState & { rgbSha256: string | null }>;
}

/** Every chip's states up to and including the acquisition (processed acquisitions and this one). */
export async function loadSeries(
  db: Queryable,
  areaId: string,
  acquisitionId: number,
  modelId: string,
  until: string,
): Promise<ChipSeries[]> {
  const { rows } = await db.query<StateRow>(
    `SELECT c.id AS chip_id, c.key, c.col, c."row", o.acquisition_id, a.datetime, o.usable, o.valid_fraction, o.stats,
            o.rgb_sha256, e.embedding::text AS embedding,
            (SELECT jsonb_object_agg(p.prompt, p.score) FROM prompt_scores p
              WHERE p.chip_id = o.chip_id AND p.acquisition_id = o.acquisition_id AND p.model_id = $3) AS prompts
       FROM observations o
       JOIN chips c ON c.id = o.chip_id
       JOIN acquisitions a ON a.id = o.acquisition_id
       JOIN area_acquisitions aa ON aa.area_id = c.area_id AND aa.acquisition_id = o.acquisition_id
       LEFT JOIN embeddings e ON e.chip_id = o.chip_id AND e.acquisition_id = o.acquisition_id AND e.model_id = $3
      WHERE c.area_id = $1 AND a.datetime <= $4 AND (aa.status = 'processed' OR o.acquisition_id = $2)
      ORDER BY c.id, a.datetime`,
    [areaId, acquisitionId, modelId, until],
  );
  const byChip = new Map<number, ChipSeries>();
  for (const r of rows) {
    let series = byChip.get(r.chip_id);
    if (!series) {
      series = { chipId: r.chip_id, key: r.key, col: r.col, row: r.row, states: [] };
      byChip.set(r.chip_id, series);
    }
    series.states.push({
      acquisitionId: r.acquisition_id,
      datetime: new Date(r.datetime).toISOString(),
      usable: r.usable,
      validFraction: r.valid_fraction,
      embedding: r.embedding ? parseVector(r.embedding) : null,
      prompts: r.prompts ?? {},
      stats: r.stats,
      rgbSha256: r.rgb_sha256,
    });
  }
  return [...byChip.values()];
}
