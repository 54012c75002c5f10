import { describe, expect, it } from 'vitest';
import {
  copyEmbeddingRow,
  Mixture,
  percentile,
  recallAt,
  requirePgvector,
} from '../scripts/bench/store-data.ts';

describe('bench:store data and checks', () => {
  it('stops on a server without pgvector, or with one older than 0.8, naming the version it needs', () => {
    expect(() => requirePgvector(null, '16.4')).toThrow(
      'bench:store needs pgvector >= 0.8.0 (iterative index scans); PostgreSQL 16.4 has no pgvector extension',
    );
    expect(() => requirePgvector('0.7.4', '17.2')).toThrow(
      'bench:store needs pgvector >= 0.8.0 (iterative index scans); PostgreSQL 17.2 has pgvector 0.7.4',
    );
    expect(() => requirePgvector('0.8.2', '18.3')).not.toThrow();
    expect(() => requirePgvector('0.10.0', '18.3')).not.toThrow();
  });

  it('draws the same unit vectors for the same seed, and lays rows out month by month', () => {
    const spec = { dimension: 16, areas: 2, months: 3, n: 12, clusters: 4, clustersPerArea: 2, seed: 7 };
    const a = new Mixture(spec);
    const b = new Mixture(spec);
    expect(a.chipsPerArea).toBe(2);
    expect(a.ref(5)).toEqual({ month: 1, area: 0, chip: 1 });
    const va = a.look({ area: 1, chip: 0 });
    expect(Array.from(va)).toEqual(Array.from(b.look({ area: 1, chip: 0 })));
    expect(va.reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 5);
  });

  it('encodes a binary COPY tuple with pgvector’s binary form', () => {
    const row = copyEmbeddingRow(3, 4, 'm', Float32Array.from([1, -2]));
    expect(row.readInt16BE(0)).toBe(4);
    expect(row.readBigInt64BE(6)).toBe(3n);
    expect(row.readBigInt64BE(18)).toBe(4n);
    expect(row.toString('utf8', 30, 31)).toBe('m');
    expect(row.readInt32BE(31)).toBe(12);
    expect([row.readInt16BE(35), row.readInt16BE(37), row.readFloatBE(39), row.readFloatBE(43)]).toEqual([
      2, 0, 1, -2,
    ]);
  });

  it('computes nearest-rank percentiles and recall@k', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(recallAt(['a', 'b', 'x'], ['a', 'b', 'c'], 3)).toBeCloseTo(2 / 3);
  });
});
