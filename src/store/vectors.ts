import pgvector from 'pgvector';
import { DimensionMismatchError, InputError } from '../errors.ts';
import type { Db, DbCapabilities, Queryable } from './db.ts';
import type { ColumnsOf } from './schema.ts';

/** An embedding model as the database knows it. */
export interface ModelRecord {
  /** Stable model id, e.g. `git-rsclip-vitl16-256` or `spectral-v1`. */
  id: string;
  /** Vector length. */
  dimension: number;
  /** Free-form description stored with the model (preprocessing, checksums, …). */
  manifest?: Record<string, unknown>;
}

/** pgvector distance operators: L2, cosine distance, negative inner product. */
export type DistanceOperator = '<->' | '<=>' | '<#>';

const OPCLASS: Record<DistanceOperator, string> = { '<->': 'l2_ops', '<=>': 'cosine_ops', '<#>': 'ip_ops' };

/**
 * The typed expression over `embeddings.embedding` that a model's partial HNSW index covers:
 * `halfvec(D)` where pgvector has it and D <= 4000, else `vector(D)` (HNSW limit 2000).
 * Queries must order by the same expression for the planner to use the index.
 */
export function vectorCast(caps: DbCapabilities, dimension: number): { type: string; expr: string } {
  const type = caps.halfvec && dimension <= 4000 ? `halfvec(${dimension})` : `vector(${dimension})`;
  return { type, expr: `(embedding::${type})` };
}

function indexName(modelId: string, op: DistanceOperator): string {
  const safe = modelId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40);
  return `embeddings_hnsw_${safe}_${OPCLASS[op].replace('_ops', '')}`;
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Registers a model (idempotent) and creates its partial HNSW index for cosine distance. */
export async function registerModel(
  db: Db,
  model: ModelRecord,
  operators: DistanceOperator[] = ['<=>'],
): Promise<void> {
  if (!Number.isInteger(model.dimension) || model.dimension <= 0) {
    throw new InputError(`model "${model.id}" has invalid dimension ${model.dimension}`);
  }
  const { rows } = await db.query<ColumnsOf<'models', 'dimension'>>(
    `INSERT INTO models (id, dimension, manifest) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET manifest = models.manifest RETURNING dimension`,
    [model.id, model.dimension, JSON.stringify(model.manifest ?? {})],
  );
  const stored = rows[0]?.dimension;
  if (stored !== model.dimension) {
    throw new DimensionMismatchError(
      `model "${model.id}" is stored with dimension ${stored}, but the loaded model has dimension ${model.dimension}`,
    );
  }
  const caps = await db.capabilities();
  const { type, expr } = vectorCast(caps, model.dimension);
  if (!caps.halfvec && model.dimension > 2000) return; // no index possible; exact scans still work
  const family = type.startsWith('halfvec') ? 'halfvec' : 'vector';
  for (const op of operators) {
    await db.exec(
      `CREATE INDEX IF NOT EXISTS ${indexName(model.id, op)} ON embeddings USING hnsw (${expr} ${family}_${OPCLASS[op]}) WHERE model_id = ${literal(model.id)}`,
    );
  }
}

/** One embedding to store. */
export interface EmbeddingRow {
  chipId: number;
  acquisitionId: number;
  vector: ArrayLike<number>;
}

/** The model's dimension, or an error naming the unknown model. */
export async function modelDimension(db: Queryable, modelId: string): Promise<number> {
  const { rows } = await db.query<ColumnsOf<'models', 'dimension'>>(
    'SELECT dimension FROM models WHERE id = $1',
    [modelId],
  );
  const d = rows[0]?.dimension;
  if (d === undefined) throw new InputError(`unknown model "${modelId}": register it first`);
  return d;
}

function checkVector(modelId: string, dimension: number, row: EmbeddingRow): void {
  if (row.vector.length !== dimension) {
    throw new DimensionMismatchError(
      `embedding of chip ${row.chipId} / acquisition ${row.acquisitionId} has dimension ${row.vector.length}, model "${modelId}" has ${dimension}`,
    );
  }
  for (let i = 0; i < row.vector.length; i++) {
    if (!Number.isFinite(row.vector[i])) {
      throw new InputError(
        `embedding of chip ${row.chipId} / acquisition ${row.acquisitionId} has a non-finite value at ${i}`,
      );
    }
  }
}

/**
 * Stores embeddings in one transaction; every vector is checked before anything is written, so a bad
 * one stores none. Idempotent: an existing (chip, acquisition, model) row is left as it is.
 * Returns the number of rows inserted.
 */
export async function storeEmbeddings(
  db: Db,
  modelId: string,
  rows: readonly EmbeddingRow[],
): Promise<number> {
  const dimension = await modelDimension(db, modelId);
  for (const row of rows) checkVector(modelId, dimension, row);
  if (rows.length === 0) return 0;
  return db.transaction((tx) => insertEmbeddings(tx, modelId, dimension, rows));
}

/**
 * Inserts embeddings inside a transaction the caller holds (multi-row statements of 200), after checking
 * every vector against `dimension`. Idempotent: existing rows are left as they are. Returns rows inserted.
 */
export async function insertEmbeddings(
  tx: Queryable,
  modelId: string,
  dimension: number,
  rows: readonly EmbeddingRow[],
): Promise<number> {
  for (const row of rows) checkVector(modelId, dimension, row);
  let inserted = 0;
  for (let start = 0; start < rows.length; start += 200) {
    const batch = rows.slice(start, start + 200);
    const params: unknown[] = [modelId];
    const values = batch.map((r) => {
      params.push(r.chipId, r.acquisitionId, pgvector.toSql(Array.from(r.vector)));
      const n = params.length;
      return `($${n - 2}::bigint, $${n - 1}::bigint, $1, $${n}::vector)`;
    });
    const res = await tx.query(
      `INSERT INTO embeddings (chip_id, acquisition_id, model_id, embedding) VALUES ${values.join(', ')}
       ON CONFLICT (chip_id, acquisition_id, model_id) DO NOTHING`,
      params,
    );
    inserted += res.affectedRows;
  }
  return inserted;
}

/** Parses a pgvector text value (`[1,2,3]`) into numbers. */
export function parseVector(value: unknown): number[] {
  if (Array.isArray(value)) return value as number[];
  if (typeof value !== 'string') throw new InputError(`not a vector value: ${String(value)}`);
  return pgvector.fromSql(value) as number[];
}

/** A neighbour found by `nearestEmbeddings`. */
export interface Neighbour {
  chipId: number;
  acquisitionId: number;
  distance: number;
}

/** The k nearest stored embeddings of a model to `query`, through the model's HNSW index. */
export async function nearestEmbeddings(
  db: Db,
  modelId: string,
  query: ArrayLike<number>,
  k: number,
  operator: DistanceOperator = '<=>',
): Promise<Neighbour[]> {
  const dimension = await modelDimension(db, modelId);
  checkVector(modelId, dimension, { chipId: 0, acquisitionId: 0, vector: query });
  const { type, expr } = vectorCast(await db.capabilities(), dimension);
  // `distance`: the operator's distance to the query (computed).
  const { rows } = await db.query<
    ColumnsOf<'embeddings', 'chip_id' | 'acquisition_id'> & { distance: number }
  >(
    `SELECT chip_id, acquisition_id, ${expr} ${operator} $2::${type} AS distance
       FROM embeddings WHERE model_id = $1
       ORDER BY ${expr} ${operator} $2::${type} LIMIT $3`,
    [modelId, pgvector.toSql(Array.from(query)), k],
  );
  return rows.map((r) => ({
    chipId: r.chip_id,
    acquisitionId: r.acquisition_id,
    distance: Number(r.distance),
  }));
}

/** One stored embedding of an area's chip. */
export interface AreaEmbedding {
  /** Chip id. */
  chipId: number;
  /** The chip's grid key. */
  key: string;
  /** Acquisition id. */
  acquisitionId: number;
  /** The vector. */
  embedding: number[];
}

/** The embeddings of the area's chips in some acquisitions under one model. */
export async function areaEmbeddings(
  db: Queryable,
  areaId: string,
  modelId: string,
  acquisitionIds: readonly number[],
): Promise<AreaEmbedding[]> {
  const { rows } = await db.query<
    ColumnsOf<'embeddings', 'chip_id' | 'acquisition_id' | 'embedding'> & ColumnsOf<'chips', 'key'>
  >(
    `SELECT e.chip_id, c.key, e.acquisition_id, e.embedding::text AS embedding FROM embeddings e JOIN chips c ON c.id = e.chip_id
      WHERE c.area_id = $1 AND e.model_id = $2 AND e.acquisition_id = ANY($3::bigint[])`,
    [areaId, modelId, acquisitionIds],
  );
  return rows.map((r) => ({
    chipId: r.chip_id,
    key: r.key,
    acquisitionId: r.acquisition_id,
    embedding: parseVector(r.embedding),
  }));
}
