/** Prompt scores: each chip's score for each prompt text, per acquisition and model. */
import type { Queryable } from './db.ts';
import { insertInto, insertRows } from './multi-row.ts';
import type { ColumnsOf } from './schema.ts';

/** One prompt score to store. */
export interface PromptScoreRow {
  /** Chip id. */
  chipId: number;
  /** Acquisition id. */
  acquisitionId: number;
  /** Model whose embedding was scored. */
  modelId: string;
  /** The prompt text. */
  prompt: string;
  /** Its score. */
  score: number;
}

/** One stored prompt score of an area's chip. */
export interface AreaPromptScore {
  /** The chip's grid key. */
  key: string;
  /** Acquisition id. */
  acquisitionId: number;
  /** The prompt text. */
  prompt: string;
  /** Its score. */
  score: number;
}

/** Inserts prompt scores in multi-row statements; existing rows are left as they are. Returns rows inserted. */
export async function insertPromptScores(db: Queryable, rows: readonly PromptScoreRow[]): Promise<number> {
  const { affectedRows } = await insertRows(
    db,
    insertInto('prompt_scores', ['chip_id', 'acquisition_id', 'model_id', 'prompt', 'score']),
    rows,
    (r) => [r.chipId, r.acquisitionId, r.modelId, r.prompt, r.score],
    'ON CONFLICT (chip_id, acquisition_id, model_id, prompt) DO NOTHING',
  );
  return affectedRows;
}

/** The prompt scores of the area's chips in some acquisitions under one model. */
export async function areaPromptScores(
  db: Queryable,
  areaId: string,
  modelId: string,
  acquisitionIds: readonly number[],
): Promise<AreaPromptScore[]> {
  const { rows } = await db.query<
    ColumnsOf<'chips', 'key'> & ColumnsOf<'prompt_scores', 'acquisition_id' | 'prompt' | 'score'>
  >(
    `SELECT c.key, p.acquisition_id, p.prompt, p.score FROM prompt_scores p JOIN chips c ON c.id = p.chip_id
      WHERE c.area_id = $1 AND p.model_id = $2 AND p.acquisition_id = ANY($3::bigint[])`,
    [areaId, modelId, acquisitionIds],
  );
  return rows.map((r) => ({
    key: r.key,
    acquisitionId: r.acquisition_id,
    prompt: r.prompt,
    score: r.score,
  }));
}
