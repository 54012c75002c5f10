import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvidenceError, InputError } from '../src/errors.ts';
import { startServer } from '../src/server/server.ts';
import type { Db } from '../src/store/db.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import { sha256Hex, type EvidenceMediaType } from '../src/store/evidence-media.ts';
import { FileEvidenceStore } from '../src/store/file-evidence-store.ts';
import { backends } from './helpers/databases.ts';

/** sha256 of the five bytes `hello`. */
const HELLO_SHA = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
/** Every byte value once, 0 to 255: a NUL, high bytes, nothing text-safe. */
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
/** sha256 of ALL_BYTES. */
const ALL_BYTES_SHA = '40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880';

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function count(db: Db, table: 'evidence_files' | 'evidence_blobs'): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

/** A row as a release that kept evidence on disk wrote it: file under the folder, no bytes in the database. */
async function legacyRow(db: Db, dir: string, bytes: Buffer, sha: string, mediaType: string, ext: string) {
  const rel = join(sha.slice(0, 2), `${sha}.${ext}`);
  mkdirSync(join(dir, sha.slice(0, 2)), { recursive: true });
  writeFileSync(join(dir, rel), bytes);
  await db.query(`INSERT INTO evidence_files (sha256, media_type, bytes, path) VALUES ($1, $2, $3, $4)`, [
    sha,
    mediaType,
    bytes.length,
    rel,
  ]);
  return rel;
}

for (const backend of backends()) {
  describe(`database evidence store on ${backend.name}`, () => {
    let db: Db;
    let store: DbEvidenceStore;
    beforeAll(async () => {
      db = await backend.open();
      store = new DbEvidenceStore(db);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('stores bytes under their sha256 and reads back the exact bytes', async () => {
      const ref = await store.put(Buffer.from('hello'), 'image/png');
      expect(ref).toEqual({ sha256: HELLO_SHA, mediaType: 'image/png', bytes: 5, path: `${HELLO_SHA}.png` });
      const got = await store.get(HELLO_SHA);
      expect(got).toEqual({ sha256: HELLO_SHA, mediaType: 'image/png', content: Buffer.from('hello') });
      expect(Buffer.isBuffer(got!.content)).toBe(true);
      const { rows } = await db.query<{ media_type: string; bytes: number; path: string }>(
        'SELECT media_type, bytes, path FROM evidence_files WHERE sha256 = $1',
        [HELLO_SHA],
      );
      expect(rows).toEqual([{ media_type: 'image/png', bytes: 5, path: `${HELLO_SHA}.png` }]);
    });

    it('keeps every byte value (bytea, not text)', async () => {
      const ref = await store.put(ALL_BYTES, 'image/webp');
      expect(ref).toEqual({
        sha256: ALL_BYTES_SHA,
        mediaType: 'image/webp',
        bytes: 256,
        path: `${ALL_BYTES_SHA}.webp`,
      });
      const got = await store.get(ALL_BYTES_SHA);
      expect([...got!.content]).toEqual([...ALL_BYTES]);
      const { rows } = await db.query<{ n: number; hex: string }>(
        `SELECT octet_length(content) AS n, encode(sha256(content), 'hex') AS hex FROM evidence_blobs WHERE sha256 = $1`,
        [ALL_BYTES_SHA],
      );
      expect(rows).toEqual([{ n: 256, hex: ALL_BYTES_SHA }]);
    });

    it('is idempotent: the same bytes again, even at the same moment, add no row', async () => {
      const files = await count(db, 'evidence_files');
      const blobs = await count(db, 'evidence_blobs');
      const bytes = Buffer.from('same tile');
      const refs = await Promise.all(Array.from({ length: 5 }, () => store.put(bytes, 'image/png')));
      expect(new Set(refs.map((r) => r.sha256)).size).toBe(1);
      expect(await store.put(bytes, 'image/png')).toEqual(refs[0]);
      expect(await count(db, 'evidence_files')).toBe(files + 1);
      expect(await count(db, 'evidence_blobs')).toBe(blobs + 1);
    });

    it('answers undefined for a hash it has no bytes for, and refuses unknown media types by name', async () => {
      expect(await store.get('0'.repeat(64))).toBeUndefined();
      await expect(store.put(Buffer.from('x'), 'image/gif' as EvidenceMediaType)).rejects.toThrow(
        new InputError('unsupported evidence media type "image/gif"'),
      );
    });

    it('reads evidence written before the store from the old folder once, and imports it', async () => {
      const dir = tempDir('dw-legacy-evidence-');
      const bytes = Buffer.from('a tile from before the upgrade');
      const sha = sha256Hex(bytes);
      await legacyRow(db, dir, bytes, sha, 'image/webp', 'webp');
      expect(await store.get(sha)).toBeUndefined(); // no old folder given: not read
      const upgraded = new DbEvidenceStore(db, { legacyDir: dir });
      expect(await upgraded.get(sha)).toEqual({ sha256: sha, mediaType: 'image/webp', content: bytes });
      rmSync(dir, { recursive: true, force: true }); // imported: the folder is no longer needed
      expect(await store.get(sha)).toEqual({ sha256: sha, mediaType: 'image/webp', content: bytes });
    });

    it('refuses an old file whose bytes do not hash to its name, and one whose path leaves the folder', async () => {
      const dir = tempDir('dw-legacy-evidence-');
      const wrong = 'a'.repeat(64);
      await legacyRow(db, dir, Buffer.from('tampered'), wrong, 'image/png', 'png');
      const upgraded = new DbEvidenceStore(db, { legacyDir: dir });
      await expect(upgraded.get(wrong)).rejects.toThrow(EvidenceError);
      await expect(upgraded.get(wrong)).rejects.toThrow(`, not to the ${wrong} it is stored as`);
      await db.query(
        `INSERT INTO evidence_files (sha256, media_type, bytes, path) VALUES ($1, 'image/png', 10, '../../etc/passwd')`,
        ['b'.repeat(64)],
      );
      expect(await upgraded.get('b'.repeat(64))).toBeUndefined();
    });

    it('lets the viewer show evidence of an alert made before the upgrade', async () => {
      const dir = tempDir('dw-legacy-evidence-');
      const bytes = Buffer.from('heat-map of an old alert');
      const sha = sha256Hex(bytes);
      await legacyRow(db, dir, bytes, sha, 'image/png', 'png');
      const server = await startServer(db, {
        port: 0,
        evidence: new DbEvidenceStore(db, { legacyDir: dir }),
      });
      try {
        const res = await fetch(new URL(`/evidence/${sha}.png`, server.url));
        expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/png']);
        expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
      } finally {
        await server.close();
      }
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM evidence_blobs WHERE sha256 = $1',
        [sha],
      );
      expect(rows[0]!.n).toBe(1);
    });
  });
}

describe('folder evidence store', () => {
  it('writes <sha256>.<ext> once and reads back the exact bytes and media type', async () => {
    const dir = tempDir('dw-file-evidence-');
    const store = new FileEvidenceStore(join(dir, 'evidence'));
    expect(await store.get(HELLO_SHA)).toBeUndefined(); // the folder does not exist yet
    const ref = await store.put(Buffer.from('hello'), 'image/png');
    expect(ref).toEqual({ sha256: HELLO_SHA, mediaType: 'image/png', bytes: 5, path: `${HELLO_SHA}.png` });
    expect(await store.put(Buffer.from('hello'), 'image/png')).toEqual(ref);
    const all = await store.put(ALL_BYTES, 'image/webp');
    expect(all.path).toBe(`${ALL_BYTES_SHA}.webp`);
    expect(readdirSync(join(dir, 'evidence')).sort()).toEqual(
      [`${HELLO_SHA}.png`, `${ALL_BYTES_SHA}.webp`].sort(),
    );
    expect(await store.get(HELLO_SHA)).toEqual({
      sha256: HELLO_SHA,
      mediaType: 'image/png',
      content: Buffer.from('hello'),
    });
    expect([...(await store.get(ALL_BYTES_SHA))!.content]).toEqual([...ALL_BYTES]);
    expect((await store.get(ALL_BYTES_SHA))!.mediaType).toBe('image/webp');
    expect(await store.get('0'.repeat(64))).toBeUndefined();
    expect(await store.get('../hello')).toBeUndefined();
  });
});
