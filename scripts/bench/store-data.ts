// Synthetic embedding history for bench:store: a seeded Gaussian mixture that resembles real chip
// embeddings (land-cover clusters, each chip a stable offset from its cluster, each look some noise on
// that), spread over areas and months, generated row by row so that no run holds the whole set.
import { compareVersions } from '../../src/store/db.ts';

/** The pgvector version bench:store needs: iterative index scans (`hnsw.iterative_scan`) came in 0.8.0. */
export const PGVECTOR_NEEDED = '0.8.0';

/** Throws, naming the version needed, unless `version` (of the server `server`) is at least 0.8.0. */
export function requirePgvector(version: string | null | undefined, server: string): void {
  if (!version || version === '0') {
    throw new Error(
      `bench:store needs pgvector >= ${PGVECTOR_NEEDED} (iterative index scans); PostgreSQL ${server} has no pgvector extension`,
    );
  }
  if (compareVersions(version, PGVECTOR_NEEDED) < 0) {
    throw new Error(
      `bench:store needs pgvector >= ${PGVECTOR_NEEDED} (iterative index scans); PostgreSQL ${server} has pgvector ${version}`,
    );
  }
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a uniform source. */
export function gaussian(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/** Shape of the synthetic history. */
export interface MixtureSpec {
  dimension: number;
  areas: number;
  months: number;
  /** Rows wanted: chips per area is chosen so that areas × chips × months covers it. */
  n: number;
  /** Mixture components (land-cover classes). */
  clusters: number;
  /** Components each area draws its chips from. */
  clustersPerArea: number;
  seed: number;
}

/** One stored look: chip `chip` of area `area` in month `month`. */
export interface LookRef {
  area: number;
  chip: number;
  month: number;
}

/**
 * The mixture: per chip a fixed point (its cluster's centre plus a chip offset of norm ≈ 0.7), per look
 * that point plus noise of norm ≈ 0.35, normalised. Rows are ordered month by month (history grows in
 * time), then area, then chip.
 */
export class Mixture {
  readonly chipsPerArea: number;
  private readonly chipPoints: Float32Array[];
  private readonly noise: () => number;

  constructor(readonly spec: MixtureSpec) {
    const g = gaussian(prng(spec.seed));
    const d = spec.dimension;
    this.chipsPerArea = Math.ceil(spec.n / (spec.areas * spec.months));
    const centres = Array.from({ length: spec.clusters }, () =>
      normalise(Float32Array.from({ length: d }, g)),
    );
    const pick = prng(spec.seed + 1);
    const scale = 0.7 / Math.sqrt(d);
    this.chipPoints = [];
    for (let a = 0; a < spec.areas; a++) {
      const own = Array.from({ length: spec.clustersPerArea }, () => Math.floor(pick() * spec.clusters));
      for (let c = 0; c < this.chipsPerArea; c++) {
        const centre = centres[own[Math.floor(pick() * own.length)]!]!;
        const p = new Float32Array(d);
        for (let i = 0; i < d; i++) p[i] = centre[i]! + scale * g();
        this.chipPoints.push(p);
      }
    }
    this.noise = gaussian(prng(spec.seed + 2));
  }

  /** The row at position `index` of the history order. */
  ref(index: number): LookRef {
    const perMonth = this.spec.areas * this.chipsPerArea;
    const month = Math.floor(index / perMonth);
    const rest = index % perMonth;
    return { month, area: Math.floor(rest / this.chipsPerArea), chip: rest % this.chipsPerArea };
  }

  /** A fresh look of a chip (the noise stream advances: each call draws a new one). */
  look(ref: Pick<LookRef, 'area' | 'chip'>): Float32Array {
    const base = this.chipPoints[ref.area * this.chipsPerArea + ref.chip]!;
    const d = this.spec.dimension;
    const scale = 0.35 / Math.sqrt(d);
    const v = new Float32Array(d);
    for (let i = 0; i < d; i++) v[i] = base[i]! + scale * this.noise();
    return normalise(v);
  }
}

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** The header of a binary COPY stream (signature, flags, header extension length). */
export function copyHeader(): Buffer {
  const b = Buffer.alloc(COPY_SIGNATURE.length + 8);
  COPY_SIGNATURE.copy(b, 0);
  return b;
}

/** The trailer of a binary COPY stream. */
export function copyTrailer(): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(-1, 0);
  return b;
}

/** One binary COPY tuple of (chip_id bigint, acquisition_id bigint, model_id text, embedding vector). */
export function copyEmbeddingRow(
  chipId: number,
  acquisitionId: number,
  modelId: string,
  v: Float32Array,
): Buffer {
  const model = Buffer.from(modelId, 'utf8');
  const vecBytes = 4 + 4 * v.length;
  const b = Buffer.alloc(2 + (4 + 8) * 2 + 4 + model.length + 4 + vecBytes);
  let o = b.writeInt16BE(4, 0);
  o = b.writeInt32BE(8, o);
  o = b.writeBigInt64BE(BigInt(chipId), o);
  o = b.writeInt32BE(8, o);
  o = b.writeBigInt64BE(BigInt(acquisitionId), o);
  o = b.writeInt32BE(model.length, o);
  o += model.copy(b, o);
  o = b.writeInt32BE(vecBytes, o);
  o = b.writeInt16BE(v.length, o); // pgvector's binary form: dimensions, unused, float4 × dimensions
  o = b.writeInt16BE(0, o);
  for (const x of v) o = b.writeFloatBE(x, o);
  return b;
}

/** The p-th percentile (0…100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** |found ∩ exact| / |exact| over the first k of each. */
export function recallAt(found: readonly string[], exact: readonly string[], k: number): number {
  const truth = new Set(exact.slice(0, k));
  if (truth.size === 0) return 1;
  let hit = 0;
  for (const f of found.slice(0, k)) if (truth.has(f)) hit++;
  return hit / truth.size;
}
