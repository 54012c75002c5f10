/**
 * Evidence bytes in the database: `evidence_files` holds each hash's media type, size and file name,
 * `evidence_blobs` its bytes (bytea). Both inserts are `ON CONFLICT DO NOTHING`, so storing the same
 * bytes again, from any worker on any machine, changes nothing. A hash recorded before the bytes moved
 * into the database is read from the old evidence folder, when one is given, and imported on first read.
 */
import type { Queryable } from './db.ts';
import { evidenceFileName, sha256Hex, type EvidenceMediaType } from './evidence-media.ts';
import type { EvidenceRef, EvidenceStore, StoredEvidence } from './evidence-store.ts';
import { readLegacyEvidence } from './legacy-evidence.ts';
import type { ColumnsOf, OuterJoined } from './schema.ts';

/** Options of DbEvidenceStore. */
export interface DbEvidenceStoreOptions {
  /** The old evidence folder whose files predate the database store (imported on first read); none → not read. */
  legacyDir?: string;
}

/** A row of evidence_files with its bytes, if they are stored. */
type EvidenceRow = ColumnsOf<'evidence_files', 'media_type' | 'path'> &
  OuterJoined<ColumnsOf<'evidence_blobs', 'content'>>;

/** A Buffer over the bytes the driver returned (node-postgres: Buffer; PGlite: Uint8Array). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class DbEvidenceStore implements EvidenceStore {
  readonly description = 'the database';

  constructor(
    private readonly db: Queryable,
    private readonly options: DbEvidenceStoreOptions = {},
  ) {}

  async put(bytes: Uint8Array, mediaType: EvidenceMediaType): Promise<EvidenceRef> {
    const sha256 = sha256Hex(bytes);
    const path = evidenceFileName(sha256, mediaType);
    await this.db.query(
      `INSERT INTO evidence_files (sha256, media_type, bytes, path) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sha256) DO NOTHING`,
      [sha256, mediaType, bytes.length, path],
    );
    await this.db.query(
      `INSERT INTO evidence_blobs (sha256, content) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING`,
      [sha256, asBuffer(bytes)],
    );
    return { sha256, mediaType, bytes: bytes.length, path };
  }

  async get(sha256: string): Promise<StoredEvidence | undefined> {
    const { rows } = await this.db.query<EvidenceRow>(
      `SELECT f.media_type, f.path, b.content
         FROM evidence_files f LEFT JOIN evidence_blobs b ON b.sha256 = f.sha256
        WHERE f.sha256 = $1`,
      [sha256],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.content) return { sha256, mediaType: row.media_type, content: asBuffer(row.content) };
    if (!this.options.legacyDir) return undefined;
    const content = await readLegacyEvidence(this.options.legacyDir, row.path, sha256);
    if (!content) return undefined;
    await this.db.query(
      `INSERT INTO evidence_blobs (sha256, content) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING`,
      [sha256, content],
    );
    return { sha256, mediaType: row.media_type, content };
  }
}
