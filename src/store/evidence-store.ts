/**
 * Where evidence bytes live, behind one interface: the database (db-evidence-store.ts, what workers and
 * the viewer use, so that machines share nothing but Postgres and Temporal) or a folder
 * (file-evidence-store.ts, for outputs that are files: the static report). Everything is addressed by
 * the sha256 of its bytes, so storing the same bytes twice changes nothing; workflow payloads and table
 * rows carry the hash, never the bytes. Another backend (an object store) implements the same interface.
 */
import type { EvidenceMediaType } from './evidence-media.ts';

/** The reference to one stored piece of evidence. */
export interface EvidenceRef {
  /** sha256 of the bytes (64 lowercase hex digits). */
  sha256: string;
  /** Media type of the bytes. */
  mediaType: EvidenceMediaType;
  /** Size in bytes. */
  bytes: number;
  /** File name an exported copy gets: `<sha256>.<ext>`. */
  path: string;
}

/** One piece of evidence read back. */
export interface StoredEvidence {
  /** sha256 of `content`. */
  sha256: string;
  /** Media type recorded when it was stored. */
  mediaType: string;
  /** The bytes. */
  content: Buffer;
}

/** Reads evidence by hash. */
export interface EvidenceReader {
  /** Where the bytes live, for logs and messages (no credentials). */
  readonly description: string;
  /** The evidence whose bytes hash to `sha256`, or undefined when this store has none. */
  get(sha256: string): Promise<StoredEvidence | undefined>;
}

/** Reads and writes evidence by hash. */
export interface EvidenceStore extends EvidenceReader {
  /** Stores `bytes` once under their sha256 (idempotent: a second put of the same bytes adds nothing). */
  put(bytes: Uint8Array, mediaType: EvidenceMediaType): Promise<EvidenceRef>;
}
