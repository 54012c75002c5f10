/**
 * Serving evidence files by content hash only: `/evidence/<sha256>` with the extension of its media type
 * (`.webp`, `.png`, `.jpg`, `.html`) or none; the reply's content type is the stored media type.
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import { resolveEvidencePath, SHA256_PATTERN } from '../report/evidence-files.ts';
import type { Db } from '../store/db.ts';
import { NotFound, type Reply } from './reply.ts';

/**
 * The file whose hash is `name` (without extension). Malformed hashes are refused (400); unknown
 * hashes, stored paths that would leave the evidence folder, and missing files are not found (404).
 */
export async function evidenceReply(
  db: Db,
  evidenceDir: string,
  name: string,
  ifNoneMatch?: string,
): Promise<Reply> {
  if (!SHA256_PATTERN.test(name)) {
    throw new InputError(`evidence hash "${name.slice(0, 80)}" is not 64 lowercase hex digits`);
  }
  const { rows } = await db.readOnly((q) =>
    q.query<{ media_type: string; path: string }>(
      `SELECT media_type, path FROM evidence_files WHERE sha256 = $1`,
      [name],
    ),
  );
  const row = rows[0];
  if (!row) throw new NotFound(`no evidence file with hash ${name}`);
  const etag = `"${name}"`;
  const headers = { etag, 'cache-control': 'public, max-age=31536000, immutable' };
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
    return { status: 304, headers, body: '' };
  }
  const path = resolveEvidencePath(evidenceDir, row.path);
  if (!path) throw new NotFound(`evidence file ${name} has a path outside the evidence folder`);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new NotFound(`evidence file ${name} is missing from the evidence folder`);
  return {
    status: 200,
    headers: { ...headers, 'content-type': row.media_type },
    file: path,
    size: info.size,
  };
}
