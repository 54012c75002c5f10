/**
 * Evidence written before its bytes moved into the database: files under the old evidence folder
 * (`DRIFTWATCH_EVIDENCE_DIR`, default `<home>/evidence`) at the relative path in evidence_files.path.
 * The database store reads such a file the first time its hash is asked for and imports it.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { EvidenceError } from '../errors.ts';
import { sha256Hex } from './evidence-media.ts';

/**
 * The absolute path of an evidence file from its stored relative path, or undefined when the path
 * would leave the evidence folder (absolute, or climbing out with `..`).
 */
export function resolveEvidencePath(evidenceDir: string, storedPath: string): string | undefined {
  if (storedPath === '' || isAbsolute(storedPath) || storedPath.includes('\0')) return undefined;
  const root = resolve(evidenceDir);
  const full = resolve(root, storedPath);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return full;
}

/**
 * The bytes of the old file stored at `storedPath` under `evidenceDir`, or undefined when the path
 * leaves the folder or no file is there. EvidenceError when the file's bytes do not hash to `sha256`.
 */
export async function readLegacyEvidence(
  evidenceDir: string,
  storedPath: string,
  sha256: string,
): Promise<Buffer | undefined> {
  const path = resolveEvidencePath(evidenceDir, storedPath);
  if (!path) return undefined;
  const content = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (!content) return undefined;
  const actual = sha256Hex(content);
  if (actual !== sha256) {
    throw new EvidenceError(
      `evidence file ${path} hashes to ${actual}, not to the ${sha256} it is stored as`,
    );
  }
  return content;
}
