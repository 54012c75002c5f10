/**
 * The database schema as the migrations (src/store/migrations) leave it: every table and users' view,
 * each column with its Postgres type and nullability. One runtime description, from which the row type
 * of each relation is derived (`RowOf<'alerts'>`, `ColumnsOf<'alerts', 'id' | 'kind'>` for a SELECT of some
 * columns, `OuterJoined<…>` for columns read through an outer join), so store modules type their rows
 * from here and a column changed here is a type error in every decoder that reads it; a test
 * (test/store-schema.test.ts) compares it with information_schema on PGlite and on the native server,
 * so a migration that changes a table without this file fails.
 *
 * `embedding` stands for the embeddings column, whose type depends on the server's pgvector (vector, or
 * halfvec where available).
 */

/** Postgres types the schema uses (udt names; `_x` is an array of x). */
export type ColumnType =
  | 'int4'
  | 'int8'
  | 'float8'
  | 'bool'
  | 'text'
  | 'jsonb'
  | 'bytea'
  | 'timestamptz'
  | '_int4'
  | '_float8'
  | '_text'
  | 'embedding';

/** One column. */
export interface ColumnSpec {
  /** Its Postgres type. */
  type: ColumnType;
  /** Whether it may be NULL (view columns always may). */
  nullable: boolean;
}

/** One table or view. */
export interface RelationSpec {
  /** A base table, or a view for users' SQL. */
  kind: 'table' | 'view';
  /** Columns in their order. */
  columns: Record<string, ColumnSpec>;
}

/** Every relation of the public schema. */
export const SCHEMA = {
  acquisitions: {
    kind: 'table',
    columns: {
      id: { type: 'int8', nullable: false },
      source: { type: 'text', nullable: false },
      item_id: { type: 'text', nullable: false },
      datetime: { type: 'timestamptz', nullable: false },
      cloud_cover: { type: 'float8', nullable: true },
      epsg: { type: 'int4', nullable: true },
      assets: { type: 'jsonb', nullable: false },
      properties: { type: 'jsonb', nullable: false },
      items: { type: 'jsonb', nullable: true },
    },
  },
  alert_changes: {
    kind: 'table',
    columns: {
      id: { type: 'int8', nullable: false },
      alert_id: { type: 'int8', nullable: false },
      acquisition_id: { type: 'int8', nullable: false },
      phase: { type: 'text', nullable: false },
      change: { type: 'text', nullable: false },
      version: { type: 'int4', nullable: false },
      recorded_at: { type: 'timestamptz', nullable: false },
    },
  },
  alert_evidence: {
    kind: 'table',
    columns: {
      alert_id: { type: 'int8', nullable: false },
      acquisition_id: { type: 'int8', nullable: false },
      kind: { type: 'text', nullable: false },
      sha256: { type: 'text', nullable: false },
      imaged_from: { type: 'timestamptz', nullable: true },
      imaged_to: { type: 'timestamptz', nullable: true },
      cell_box: { type: '_int4', nullable: true },
    },
  },
  alerts: {
    kind: 'table',
    columns: {
      id: { type: 'int8', nullable: false },
      area_id: { type: 'text', nullable: false },
      cluster_key: { type: 'text', nullable: false },
      kind: { type: 'text', nullable: false },
      confidence: { type: 'text', nullable: false },
      score: { type: 'float8', nullable: false },
      chip_keys: { type: '_text', nullable: false },
      area_km2: { type: 'float8', nullable: false },
      geometry: { type: 'jsonb', nullable: true },
      prompts: { type: 'jsonb', nullable: false },
      first_acquisition_id: { type: 'int8', nullable: false },
      last_acquisition_id: { type: 'int8', nullable: false },
      first_seen: { type: 'timestamptz', nullable: false },
      last_seen: { type: 'timestamptz', nullable: false },
      status: { type: 'text', nullable: false },
      updated_at: { type: 'timestamptz', nullable: false },
      confirmation: { type: 'text', nullable: false },
      clear_looks: { type: 'int4', nullable: false },
      agreeing_looks: { type: 'int4', nullable: false },
      confirmed_at: { type: 'timestamptz', nullable: true },
      last_look_acquisition_id: { type: 'int8', nullable: true },
      geometry_source: { type: 'text', nullable: true },
      bbox: { type: '_float8', nullable: true },
      burn_severity_km2: { type: 'jsonb', nullable: true },
      version: { type: 'int4', nullable: false },
    },
  },
  area_acquisitions: {
    kind: 'table',
    columns: {
      area_id: { type: 'text', nullable: false },
      acquisition_id: { type: 'int8', nullable: false },
      status: { type: 'text', nullable: false },
      error: { type: 'text', nullable: true },
      error_type: { type: 'text', nullable: true },
      updated_at: { type: 'timestamptz', nullable: false },
    },
  },
  areas: {
    kind: 'table',
    columns: {
      id: { type: 'text', nullable: false },
      name: { type: 'text', nullable: false },
      geometry: { type: 'jsonb', nullable: false },
      bbox: { type: '_float8', nullable: false },
      epsg: { type: 'int4', nullable: false },
      chip_px: { type: 'int4', nullable: false },
      resolution_m: { type: 'float8', nullable: false },
      source: { type: 'jsonb', nullable: false },
      created_at: { type: 'timestamptz', nullable: false },
      mmu_ha: { type: 'float8', nullable: false },
      fusion_days: { type: 'int4', nullable: false },
    },
  },
  chip_signals: {
    kind: 'table',
    columns: {
      chip_id: { type: 'int8', nullable: false },
      acquisition_id: { type: 'int8', nullable: false },
      model_id: { type: 'text', nullable: false },
      drift: { type: 'float8', nullable: true },
      drift_z: { type: 'float8', nullable: true },
      score: { type: 'float8', nullable: false },
      signals: { type: 'jsonb', nullable: false },
      created_at: { type: 'timestamptz', nullable: false },
    },
  },
  chips: {
    kind: 'table',
    columns: {
      id: { type: 'int8', nullable: false },
      area_id: { type: 'text', nullable: false },
      key: { type: 'text', nullable: false },
      epsg: { type: 'int4', nullable: false },
      col: { type: 'int4', nullable: false },
      row: { type: 'int4', nullable: false },
      bounds: { type: '_float8', nullable: false },
      lonlat_bounds: { type: '_float8', nullable: false },
    },
  },
  embeddings: {
    kind: 'table',
    columns: {
      chip_id: { type: 'int8', nullable: false },
      acquisition_id: { type: 'int8', nullable: false },
      model_id: { type: 'text', nullable: false },
      embedding: { type: 'embedding', nullable: false },
      created_at: { type: 'timestamptz', nullable: false },
    },
  },
  event_detections: {
    kind: 'table',
    columns: {
      chip_id: { type: 'int8', nullable: false },
      pre_acquisition_id: { type: 'int8', nullable: false },
      post_acquisition_id: { type: 'int8', nullable: false },
      usable: { type: 'bool', nullable: false },
      score: { type: 'float8', nullable: false },
      kind: { type: 'text', nullable: false },
      confidence: { type: 'text', nullable: true },
      changed_fraction: { type: 'float8', nullable: true },
      evidence: { type: 'jsonb', nullable: false },
      created_at: { type: 'timestamptz', nullable: false },
      mask: { type: 'bytea', nullable: true },
    },
  },
  evidence_blobs: {
    kind: 'table',
    columns: {
      sha256: { type: 'text', nullable: false },
      content: { type: 'bytea', nullable: false },
      created_at: { type: 'timestamptz', nullable: false },
    },
  },
  evidence_files: {
    kind: 'table',
    columns: {
      sha256: { type: 'text', nullable: false },
      media_type: { type: 'text', nullable: false },
      bytes: { type: 'int4', nullable: false },
      path: { type: 'text', nullable: false },
      created_at: { type: 'timestamptz', nullable: false },
    },
  },
  models: {
    kind: 'table',
    columns: {
      id: { type: 'text', nullable: false },
      dimension: { type: 'int4', nullable: false },
      manifest: { type: 'jsonb', nullable: false },
      created_at: { type: 'timestamptz', nullable: false },
    },
  },
  notify_deliveries: {
    kind: 'table',
    columns: {
      id: { type: 'int8', nullable: false },
      subscription_id: { type: 'int8', nullable: false },
      change_id: { type: 'int8', nullable: false },
      event_id: { type: 'text', nullable: false },
      body: { type: 'text', nullable: false },
      status: { type: 'text', nullable: false },
      attempts: { type: 'int4', nullable: false },
      response_code: { type: 'int4', nullable: true },
      last_error: { type: 'text', nullable: true },
      created_at: { type: 'timestamptz', nullable: false },
      delivered_at: { type: 'timestamptz', nullable: true },
      attempts_before: { type: 'int4', nullable: false },
      requeued_by: { type: 'text', nullable: true },
      requeued_at: { type: 'timestamptz', nullable: true },
    },
  },
  notify_subscriptions: {
    kind: 'table',
    columns: {
      id: { type: 'int8', nullable: false },
      area_id: { type: 'text', nullable: false },
      webhook_url: { type: 'text', nullable: false },
      secret: { type: 'text', nullable: false },
      min_confidence: { type: 'text', nullable: false },
      kinds: { type: '_text', nullable: true },
      created_at: { type: 'timestamptz', nullable: false },
    },
  },
  observations: {
    kind: 'table',
    columns: {
      chip_id: { type: 'int8', nullable: false },
      acquisition_id: { type: 'int8', nullable: false },
      valid_fraction: { type: 'float8', nullable: false },
      usable: { type: 'bool', nullable: false },
      stats: { type: 'jsonb', nullable: false },
      rgb_sha256: { type: 'text', nullable: true },
      created_at: { type: 'timestamptz', nullable: false },
    },
  },
  prompt_scores: {
    kind: 'table',
    columns: {
      chip_id: { type: 'int8', nullable: false },
      acquisition_id: { type: 'int8', nullable: false },
      model_id: { type: 'text', nullable: false },
      prompt: { type: 'text', nullable: false },
      score: { type: 'float8', nullable: false },
    },
  },
  schema_migrations: {
    kind: 'table',
    columns: {
      name: { type: 'text', nullable: false },
      checksum: { type: 'text', nullable: false },
      applied_at: { type: 'timestamptz', nullable: false },
    },
  },
  alert_evidence_files: {
    kind: 'view',
    columns: {
      alert_id: { type: 'int8', nullable: true },
      area_id: { type: 'text', nullable: true },
      kind: { type: 'text', nullable: true },
      confidence: { type: 'text', nullable: true },
      score: { type: 'float8', nullable: true },
      first_seen: { type: 'timestamptz', nullable: true },
      last_seen: { type: 'timestamptz', nullable: true },
      acquisition_id: { type: 'int8', nullable: true },
      evidence_kind: { type: 'text', nullable: true },
      sha256: { type: 'text', nullable: true },
      path: { type: 'text', nullable: true },
      media_type: { type: 'text', nullable: true },
      imaged_from: { type: 'timestamptz', nullable: true },
      imaged_to: { type: 'timestamptz', nullable: true },
    },
  },
  chip_drift: {
    kind: 'view',
    columns: {
      area_id: { type: 'text', nullable: true },
      chip_key: { type: 'text', nullable: true },
      chip_id: { type: 'int8', nullable: true },
      model_id: { type: 'text', nullable: true },
      datetime: { type: 'timestamptz', nullable: true },
      acquisition_id: { type: 'int8', nullable: true },
      drift_from_previous: { type: 'float8', nullable: true },
      previous_datetime: { type: 'timestamptz', nullable: true },
    },
  },
  chip_history: {
    kind: 'view',
    columns: {
      area_id: { type: 'text', nullable: true },
      chip_key: { type: 'text', nullable: true },
      chip_id: { type: 'int8', nullable: true },
      acquisition_id: { type: 'int8', nullable: true },
      datetime: { type: 'timestamptz', nullable: true },
      item_id: { type: 'text', nullable: true },
      valid_fraction: { type: 'float8', nullable: true },
      usable: { type: 'bool', nullable: true },
      model_id: { type: 'text', nullable: true },
      drift: { type: 'float8', nullable: true },
      drift_z: { type: 'float8', nullable: true },
      score: { type: 'float8', nullable: true },
      kind: { type: 'text', nullable: true },
      confidence: { type: 'text', nullable: true },
    },
  },
} as const satisfies Record<string, RelationSpec>;

/** Name of a table or view. */
export type RelationName = keyof typeof SCHEMA;

/**
 * How each column type arrives from either driver. int8 arrives as a number from both (pg-db.ts and
 * pglite-thread.mjs parse it so: ids stay far below 2^53).
 */
interface ValueOf {
  int4: number;
  int8: number;
  float8: number;
  bool: boolean;
  text: string;
  jsonb: unknown;
  bytea: Uint8Array;
  timestamptz: Date | string;
  _int4: number[];
  _float8: number[];
  _text: string[];
  embedding: string;
}

type ColumnValue<C> = C extends { type: infer T extends ColumnType; nullable: infer N }
  ? N extends true
    ? ValueOf[T] | null
    : ValueOf[T]
  : never;

type Columns<R extends RelationName> = (typeof SCHEMA)[R]['columns'];

/** A row of relation `R` as the drivers return it, before decoding. */
export type RowOf<R extends RelationName> = {
  -readonly [K in keyof Columns<R>]: ColumnValue<Columns<R>[K]>;
};

/** Some columns of relation `R`, as a SELECT of them returns them (a join: the `&` of several). */
export type ColumnsOf<R extends RelationName, K extends keyof RowOf<R>> = Pick<RowOf<R>, K>;

/** Columns read through an outer join (or an aggregate over no rows): each may be NULL. */
export type OuterJoined<T> = { [K in keyof T]: T[K] | null };
