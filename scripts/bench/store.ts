// npm run bench:store [-- --n 100000] — the embedding store at scale, on the native PostgreSQL 18 + pgvector
// 0.8 server that setup installs (a throwaway one, started as the tests start it; or --url for another),
// with embedded PGlite beside it at a smaller size. One run prints: insert throughput through the
// project's write path and through COPY, the HNSW build (time, size), and k = 10 query latency and
// recall@10 against exact search (unfiltered, one area, area + months) at two hnsw.ef_search values.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pgvector from 'pgvector';
import type { Db, Queryable } from '../../src/store/db.ts';
import { openDb } from '../../src/store/open.ts';
import { insertEmbeddings, registerModel, type EmbeddingRow } from '../../src/store/vectors.ts';
import { startNativePostgres } from '../lib/native-postgres.mjs';
import {
  copyEmbeddingRow,
  copyHeader,
  copyTrailer,
  Mixture,
  percentile,
  recallAt,
  requirePgvector,
  type LookRef,
} from './store-data.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    'pglite-n': { type: 'string', default: '5000' },
    queries: { type: 'string', default: '40' },
    areas: { type: 'string', default: '10' },
    months: { type: 'string', default: '24' },
    m: { type: 'string', default: '16' },
    'ef-construction': { type: 'string', default: '64' },
    'ef-search': { type: 'string', default: '40,100' },
    url: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
const N = Number(args.n);
const PGLITE_N = Number(args['pglite-n']);
const QUERIES = Number(args.queries);
const AREAS = Number(args.areas);
const MONTHS = Number(args.months);
const M = Number(args.m);
const EF_CONSTRUCTION = Number(args['ef-construction']);
const EF_SEARCH = args['ef-search'].split(',').map(Number);
const SEED = Number(args.seed);
const DIM = 1024;
const K = 10;
const MODEL = 'bench-1024';
const WRITE_BATCH = 16; // chips per embedChips batch (the pipeline's default): one transaction each
const TYPE = `halfvec(${DIM})`;
const EXPR = `(e.embedding::${TYPE})`;
const INDEX = 'embeddings_hnsw_bench_1024_cosine'; // the name registerModel gives this model's index
const WINDOW_MONTHS = 6;

const log = (line: string) => console.log(line);
const rate = (rows: number, ms: number) => Math.round((rows / ms) * 1000);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

interface Built {
  mixture: Mixture;
  chipIds: number[];
  /** acquisition id of (area, month) */
  acqIds: number[][];
  rows: number;
}

/** Areas, one acquisition per area and month, and the chips of each area, by set-based SQL. */
async function seed(db: Queryable, n: number): Promise<Built> {
  const mixture = new Mixture({
    dimension: DIM,
    areas: AREAS,
    months: MONTHS,
    n,
    clusters: 32,
    clustersPerArea: 6,
    seed: SEED,
  });
  const chips = mixture.chipsPerArea;
  await db.exec(`
    INSERT INTO areas (id, name, geometry, bbox, epsg)
      SELECT 'area' || a, 'Area ' || a, '{}', '{0,0,1,1}', 32633 FROM generate_series(0, ${AREAS - 1}) a;
    INSERT INTO acquisitions (source, item_id, datetime, assets)
      SELECT 'bench', 'a' || a || '-m' || m,
             timestamptz '2024-01-01 10:00Z' + make_interval(months => m, days => a % 28), '{}'
        FROM generate_series(0, ${MONTHS - 1}) m, generate_series(0, ${AREAS - 1}) a;
    INSERT INTO chips (area_id, key, epsg, col, "row", bounds, lonlat_bounds)
      SELECT 'area' || a, 'EPSG:32633/2560/' || c || '/0', 32633, c, 0, '{0,0,1,1}', '{0,0,1,1}'
        FROM generate_series(0, ${AREAS - 1}) a, generate_series(0, ${chips - 1}) c;
    INSERT INTO models (id, dimension) VALUES ('${MODEL}', ${DIM});`);
  const acq = await db.query<{ id: number; item_id: string }>(`SELECT id, item_id FROM acquisitions`);
  const acqIds = Array.from({ length: AREAS }, () => new Array<number>(MONTHS).fill(0));
  for (const r of acq.rows) {
    const [, a, m] = /^a(\d+)-m(\d+)$/.exec(r.item_id)!;
    acqIds[Number(a)]![Number(m)] = r.id;
  }
  const ch = await db.query<{ id: number; area_id: string; col: number }>(
    `SELECT id, area_id, col FROM chips`,
  );
  const chipIds = new Array<number>(AREAS * chips).fill(0);
  for (const r of ch.rows) chipIds[Number(r.area_id.slice(4)) * chips + r.col] = r.id;
  return { mixture, chipIds, acqIds, rows: n };
}

function rowOf(b: Built, index: number): { chipId: number; acquisitionId: number; ref: LookRef } {
  const ref = b.mixture.ref(index);
  return {
    chipId: b.chipIds[ref.area * b.mixture.chipsPerArea + ref.chip]!,
    acquisitionId: b.acqIds[ref.area]![ref.month]!,
    ref,
  };
}

/** Rows [from, to) through the project's write path: insertEmbeddings, one transaction per batch. */
async function writePath(db: Db, b: Built, from: number, to: number): Promise<number> {
  const started = performance.now();
  for (let start = from; start < to; start += WRITE_BATCH) {
    const batch: EmbeddingRow[] = [];
    for (let i = start; i < Math.min(to, start + WRITE_BATCH); i++) {
      const r = rowOf(b, i);
      batch.push({ chipId: r.chipId, acquisitionId: r.acquisitionId, vector: b.mixture.look(r.ref) });
    }
    await db.transaction((tx) => insertEmbeddings(tx, MODEL, DIM, batch));
  }
  return performance.now() - started;
}

/** Rows [from, to) by binary COPY through the server's psql. */
async function copyRows(psql: string, url: string, b: Built, from: number, to: number): Promise<number> {
  const started = performance.now();
  const child = spawn(
    psql,
    [
      url,
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      'COPY embeddings (chip_id, acquisition_id, model_id, embedding) FROM STDIN (FORMAT binary)',
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const write = async (buf: Buffer) => {
    if (!child.stdin.write(buf)) await new Promise((r) => child.stdin.once('drain', r));
  };
  await write(copyHeader());
  let chunk: Buffer[] = [];
  for (let i = from; i < to; i++) {
    const r = rowOf(b, i);
    chunk.push(copyEmbeddingRow(r.chipId, r.acquisitionId, MODEL, b.mixture.look(r.ref)));
    if (chunk.length === 256) {
      await write(Buffer.concat(chunk));
      chunk = [];
    }
  }
  await write(Buffer.concat([...chunk, copyTrailer()]));
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`COPY through psql failed (exit ${code}): ${stderr.trim()}`);
  return performance.now() - started;
}

interface Query {
  ref: LookRef;
  vector: string;
  area: string;
  from: string;
  to: string;
}

function queries(b: Built, count: number): Query[] {
  const pick = (() => {
    let s = SEED * 7919;
    return (max: number) => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s % max;
    };
  })();
  return Array.from({ length: count }, () => {
    const ref = { area: pick(AREAS), chip: pick(b.mixture.chipsPerArea), month: 0 };
    const start = pick(MONTHS - WINDOW_MONTHS + 1);
    const iso = (m: number) => new Date(Date.UTC(2024, m, 1)).toISOString();
    return {
      ref,
      vector: pgvector.toSql(Array.from(b.mixture.look(ref))) as string,
      area: `area${ref.area}`,
      from: iso(start),
      to: iso(start + WINDOW_MONTHS),
    };
  });
}

type Filter = 'none' | 'area' | 'area+time';
const FILTERS: Filter[] = ['none', 'area', 'area+time'];

function querySql(filter: Filter): string {
  const joins =
    filter === 'none'
      ? ''
      : 'JOIN chips c ON c.id = e.chip_id' +
        (filter === 'area+time' ? ' JOIN acquisitions a ON a.id = e.acquisition_id' : '');
  const where =
    filter === 'none'
      ? ''
      : ' AND c.area_id = $2' + (filter === 'area+time' ? ' AND a.datetime >= $3 AND a.datetime < $4' : '');
  // pgvector's advice for relaxed_order: order again what the index returned.
  return `WITH r AS MATERIALIZED (
      SELECT e.chip_id, e.acquisition_id, ${EXPR} <=> $1::${TYPE} AS distance FROM embeddings e ${joins}
       WHERE e.model_id = '${MODEL}'${where} ORDER BY distance LIMIT ${K})
    SELECT chip_id, acquisition_id FROM r ORDER BY distance`;
}

function params(q: Query, filter: Filter): unknown[] {
  return filter === 'none'
    ? [q.vector]
    : filter === 'area'
      ? [q.vector, q.area]
      : [q.vector, q.area, q.from, q.to];
}

const ids = (rows: { chip_id: number; acquisition_id: number }[]) =>
  rows.map((r) => `${r.chip_id}/${r.acquisition_id}`);

interface Session {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** Exact answers: the same queries with index scans off. */
async function exact(s: Session, qs: Query[]): Promise<Map<Filter, string[][]>> {
  const out = new Map<Filter, string[][]>();
  await s.query(`SET enable_indexscan = off`);
  for (const f of FILTERS) {
    const list: string[][] = [];
    for (const q of qs)
      list.push(
        ids((await s.query<{ chip_id: number; acquisition_id: number }>(querySql(f), params(q, f))).rows),
      );
    out.set(f, list);
  }
  await s.query(`RESET enable_indexscan`);
  return out;
}

async function planOf(s: Session, q: Query, f: Filter): Promise<string> {
  const lit = (v: unknown) => `'${String(v).replace(/'/g, "''")}'`;
  let sql = querySql(f);
  params(q, f).forEach((p, i) => (sql = sql.replaceAll(`$${i + 1}`, lit(p))));
  const { rows } = await s.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`);
  return rows.some((r) => r['QUERY PLAN'].includes(INDEX)) ? 'hnsw' : 'exact';
}

interface Measured {
  filter: Filter;
  ef: number;
  p50: number;
  p95: number;
  recall: number;
  plan: string;
}

async function measure(s: Session, qs: Query[], truth: Map<Filter, string[][]>): Promise<Measured[]> {
  const out: Measured[] = [];
  await s.query(`SET hnsw.iterative_scan = relaxed_order`);
  for (const f of FILTERS) {
    for (const ef of EF_SEARCH) {
      await s.query(`SET hnsw.ef_search = ${ef}`);
      for (const q of qs.slice(0, 5)) await s.query(querySql(f), params(q, f)); // warm
      const ms: number[] = [];
      let recall = 0;
      for (const [i, q] of qs.entries()) {
        const t = performance.now();
        const { rows } = await s.query<{ chip_id: number; acquisition_id: number }>(
          querySql(f),
          params(q, f),
        );
        ms.push(performance.now() - t);
        recall += recallAt(ids(rows), truth.get(f)![i]!, K);
      }
      out.push({
        filter: f,
        ef,
        p50: percentile(ms, 50),
        p95: percentile(ms, 95),
        recall: recall / qs.length,
        plan: await planOf(s, qs[0]!, f),
      });
    }
  }
  return out;
}

function printMeasured(prefix: string, rows: Measured[]): void {
  for (const r of rows) {
    log(
      `${prefix}query k=${K} filter=${r.filter.padEnd(9)} ef_search=${String(r.ef).padEnd(4)} ` +
        `p50 ${r.p50.toFixed(2)} ms  p95 ${r.p95.toFixed(2)} ms  recall@10 ${r.recall.toFixed(3)}  (${r.plan})`,
    );
  }
}

/** nearest_chips() (migration 0010, index-driven) beside the body it had in 0002 (exact scan). */
async function nearestChips(s: Session, b: Built, count: number): Promise<void> {
  const oldBody = `SELECT c2.key AS chip_key, e2.acquisition_id FROM embeddings q
      JOIN chips c ON c.id = q.chip_id AND c.area_id = $1 AND c.key = $2
      JOIN embeddings e2 ON e2.model_id = q.model_id AND NOT (e2.chip_id = q.chip_id AND e2.acquisition_id = q.acquisition_id)
      JOIN chips c2 ON c2.id = e2.chip_id JOIN acquisitions a2 ON a2.id = e2.acquisition_id
     WHERE q.acquisition_id = $3 ORDER BY e2.embedding <=> q.embedding LIMIT $4`;
  const fresh = `SELECT chip_key, acquisition_id FROM nearest_chips($1, $2, $3, $4)`;
  await s.query(`RESET hnsw.ef_search`);
  const times = { fresh: [] as number[], old: [] as number[] };
  let recall = 0;
  for (let i = 0; i < count; i++) {
    const r = rowOf(b, Math.floor(((i + 0.5) / count) * (b.rows - 1)));
    const p = [`area${r.ref.area}`, `EPSG:32633/2560/${r.ref.chip}/0`, r.acquisitionId, K];
    const key = (rows: { chip_key: string; acquisition_id: number }[]) =>
      rows.map((x) => `${x.chip_key}/${x.acquisition_id}`);
    let t = performance.now();
    const got = await s.query<{ chip_key: string; acquisition_id: number }>(fresh, p);
    times.fresh.push(performance.now() - t);
    t = performance.now();
    const want = await s.query<{ chip_key: string; acquisition_id: number }>(oldBody, p);
    times.old.push(performance.now() - t);
    recall += recallAt(key(got.rows), key(want.rows), K);
  }
  log(
    `nearest_chips() k=${K} (0010, HNSW per model): p50 ${percentile(times.fresh, 50).toFixed(2)} ms  ` +
      `p95 ${percentile(times.fresh, 95).toFixed(2)} ms  recall@10 ${(recall / count).toFixed(3)}; ` +
      `0002 body (exact scan): p50 ${percentile(times.old, 50).toFixed(2)} ms  p95 ${percentile(times.old, 95).toFixed(2)} ms`,
  );
}

async function buildIndex(
  s: Session,
  workers: number,
  memory: string,
): Promise<{ ms: number; bytes: number }> {
  await s.query(`SET maintenance_work_mem = '${memory}'`);
  await s.query(`SET max_parallel_maintenance_workers = ${workers}`);
  const t = performance.now();
  await s.query(
    `CREATE INDEX ${INDEX} ON embeddings USING hnsw ((embedding::${TYPE}) halfvec_cosine_ops)
       WITH (m = ${M}, ef_construction = ${EF_CONSTRUCTION}) WHERE model_id = '${MODEL}'`,
  );
  const ms = performance.now() - t;
  const { rows } = await s.query<{ bytes: string }>(`SELECT pg_relation_size('${INDEX}') AS bytes`);
  return { ms, bytes: Number(rows[0]!.bytes) };
}

async function native(): Promise<{ recall: number; p95: number; insert: number }> {
  const setup = JSON.parse(readFileSync(join('.driftwatch', 'setup.json'), 'utf8')) as {
    postgresBin: string | null;
  };
  const bin = setup.postgresBin;
  if (!bin || !existsSync(join(bin, 'psql'))) {
    throw new Error('no native PostgreSQL: run `node scripts/setup.mjs` (npm run bench:store does it first)');
  }
  let serverUrl = args.url;
  let stop = async () => {};
  let restart = async () => {};
  if (!serverUrl) {
    const server = (await startNativePostgres(bin)) as {
      url: string;
      stop: () => Promise<void>;
      restart: () => Promise<void>;
    };
    serverUrl = server.url;
    stop = server.stop;
    restart = () => server.restart();
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  let dbName = '';
  try {
    const { rows } = await admin.query<{ server: string; available: string | null }>(
      `SELECT current_setting('server_version') AS server,
              (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS available`,
    );
    const server = rows[0]!.server;
    requirePgvector(rows[0]!.available, server);
    const sharedBuffers = `${Math.max(128, Math.min(4096, Math.floor(totalmem() / 2 ** 20 / 8)))}MB`;
    if (!args.url) {
      await admin.query(`ALTER SYSTEM SET shared_buffers = '${sharedBuffers}'`);
      await admin.end();
      await restart();
    } else await admin.end();
    const admin2 = new pg.Client({ connectionString: serverUrl });
    await admin2.connect();
    dbName = `driftwatch_bench_${randomBytes(4).toString('hex')}`;
    await admin2.query(`CREATE DATABASE ${dbName}`);
    const sb = (await admin2.query<{ v: string }>(`SELECT current_setting('shared_buffers') AS v`)).rows[0]!
      .v;
    await admin2.end();
    const url = new URL(serverUrl);
    url.pathname = `/${dbName}`;
    const db = await openDb({ databaseUrl: url.toString() });
    const caps = await db.capabilities();
    requirePgvector(caps.pgvectorVersion, server);
    log(
      `bench:store: PostgreSQL ${server}, pgvector ${caps.pgvectorVersion} (${args.url ? 'server at --url' : 'throwaway native server'}, shared_buffers ${sb}, ${availableParallelism()} CPUs)`,
    );
    const s = new pg.Client({ connectionString: url.toString() });
    await s.connect();
    try {
      const b = await seed(db, N);
      log(
        `data: n=${N} embeddings of ${DIM} dimensions, stored as the project stores them (vector column, ` +
          `per-model partial HNSW on ::${TYPE}), ${AREAS} areas × ${b.mixture.chipsPerArea} chips × ${MONTHS} months, ` +
          `Gaussian mixture of ${b.mixture.spec.clusters} clusters, seed ${SEED}`,
      );
      const w = Math.max(WRITE_BATCH, Math.min(2000, Math.floor(N / 20)));
      const msA = await writePath(db, b, 0, w);
      log(
        `insert write path (insertEmbeddings, ${WRITE_BATCH} rows per transaction), no index yet: ${w} rows, ${rate(w, msA)} rows/s`,
      );
      const msB = await copyRows(join(bin, 'psql'), url.toString(), b, w, N - w);
      log(
        `insert COPY (binary, through psql), no index yet: ${N - 2 * w} rows, ${rate(N - 2 * w, msB)} rows/s`,
      );
      await s.query(`VACUUM ANALYZE embeddings, chips, acquisitions`);
      const workers = Math.max(0, Math.min(7, availableParallelism() - 1));
      const memory = `${Math.max(256, Math.min(8192, Math.ceil((N * 2.4 * 1024) / 2 ** 20) + 128))}MB`;
      const built = await buildIndex(s, workers, memory);
      await registerModel(db, { id: MODEL, dimension: DIM }); // the project's own call: finds the index there
      const table = await s.query<{ bytes: string }>(`SELECT pg_total_relation_size('embeddings') AS bytes`);
      log(
        `hnsw build m=${M} ef_construction=${EF_CONSTRUCTION} (maintenance_work_mem ${memory}, max_parallel_maintenance_workers ${workers}): ` +
          `${(built.ms / 1000).toFixed(1)} s for ${N - w} rows, index ${mb(built.bytes)}, table with its indexes ${mb(Number(table.rows[0]!.bytes))}`,
      );
      const msD = await writePath(db, b, N - w, N);
      const insert = rate(w, msD);
      log(`insert write path, HNSW index maintained: ${w} rows, ${insert} rows/s`);
      await s.query(`ANALYZE embeddings`);
      const qs = queries(b, QUERIES);
      const tExact = performance.now();
      const truth = await exact(s, qs);
      log(
        `exact search (index scans off) for ${QUERIES} queries × ${FILTERS.length} filters: ${((performance.now() - tExact) / 1000).toFixed(1)} s`,
      );
      const measured = await measure(s, qs, truth);
      printMeasured('', measured);
      await nearestChips(s, b, 10);
      const filtered = measured.filter((r) => r.filter === 'area').at(-1)!;
      return { recall: filtered.recall, p95: filtered.p95, insert };
    } finally {
      await s.end();
      await db.close();
    }
  } finally {
    if (args.url && dbName) {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName}`).catch(() => {});
      await c.end();
    }
    await stop();
  }
}

async function pglite(): Promise<void> {
  if (PGLITE_N <= 0) return;
  const db = await openDb({ dataDir: 'memory://' });
  try {
    const caps = await db.capabilities();
    const b = await seed(db, PGLITE_N);
    const ms = await writePath(db, b, 0, PGLITE_N);
    log(
      `pglite: pgvector ${caps.pgvectorVersion}, n=${PGLITE_N}, insert write path, no index: ${rate(PGLITE_N, ms)} rows/s`,
    );
    const s: Session = db;
    const built = await buildIndex(s, 0, '512MB');
    log(
      `pglite: hnsw build m=${M} ef_construction=${EF_CONSTRUCTION}: ${(built.ms / 1000).toFixed(1)} s, index ${mb(built.bytes)}`,
    );
    await db.exec(`ANALYZE embeddings, chips, acquisitions`);
    const qs = queries(b, Math.min(QUERIES, 30));
    const truth = await exact(s, qs);
    printMeasured('pglite: ', await measure(s, qs, truth));
  } finally {
    await db.close();
  }
}

const result = await native();
await pglite();
log(
  `store: n=${N} recall@10 ${result.recall.toFixed(3)} p95 ${result.p95.toFixed(2)} ms insert ${result.insert} rows/s`,
);
