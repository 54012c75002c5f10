/**
 * Evidence as files in one folder, `<dir>/<sha256>.<ext>`: for outputs that are files, such as the
 * static report's `evidence/` folder and the `compare` command's pair report. Each file is written once,
 * through a unique temporary name, so concurrent writers of the same bytes never see a partial file.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EVIDENCE_MEDIA_TYPES,
  evidenceFileName,
  SHA256_PATTERN,
  sha256Hex,
  type EvidenceMediaType,
} from './evidence-media.ts';
import type { EvidenceRef, EvidenceStore, StoredEvidence } from './evidence-store.ts';

/** Writes bytes once under dir/<sha256>.<ext>; returns its sha256, file name and size. */
export async function writeEvidenceFile(
  dir: string,
  bytes: Uint8Array,
  mediaType: EvidenceMediaType,
): Promise<{ sha256: string; path: string; bytes: number }> {
  const sha256 = sha256Hex(bytes);
  const path = evidenceFileName(sha256, mediaType);
  const full = join(dir, path);
  if (!existsSync(full)) {
    await mkdir(dir, { recursive: true });
    // A unique temporary name: identical tiles (e.g. two all-cloud chips) may be written at the same moment.
    const tmp = `${full}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, full);
  }
  return { sha256, path, bytes: bytes.length };
}

export class FileEvidenceStore implements EvidenceStore {
  readonly description: string;

  /** A store over `dir` (created on the first put). */
  constructor(private readonly dir: string) {
    this.description = `the folder ${dir}`;
  }

  async put(bytes: Uint8Array, mediaType: EvidenceMediaType): Promise<EvidenceRef> {
    const file = await writeEvidenceFile(this.dir, bytes, mediaType);
    return { ...file, mediaType };
  }

  async get(sha256: string): Promise<StoredEvidence | undefined> {
    if (!SHA256_PATTERN.test(sha256)) return undefined;
    for (const mediaType of EVIDENCE_MEDIA_TYPES) {
      const content = await readFile(join(this.dir, evidenceFileName(sha256, mediaType))).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        },
      );
      if (content) return { sha256, mediaType, content };
    }
    return undefined;
  }
}
