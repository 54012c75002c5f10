/**
 * Serving evidence by content hash only: `/evidence/<sha256>` with the extension of its media type
 * (`.webp`, `.png`, `.jpg`, `.html`) or none; the reply's content type is the stored media type. The
 * bytes come from the evidence store (the database), so the viewer needs no evidence folder.
 */
import { InputError } from '../errors.ts';
import { SHA256_PATTERN } from '../store/evidence-media.ts';
import type { EvidenceReader } from '../store/evidence-store.ts';
import { NotFound, type Reply } from './reply.ts';

/**
 * The evidence whose hash is `name` (without extension). Malformed hashes are refused (400); hashes
 * the store has no bytes for are not found (404).
 */
export async function evidenceReply(
  evidence: EvidenceReader,
  name: string,
  ifNoneMatch?: string,
): Promise<Reply> {
  if (!SHA256_PATTERN.test(name)) {
    throw new InputError(`evidence hash "${name.slice(0, 80)}" is not 64 lowercase hex digits`);
  }
  const stored = await evidence.get(name);
  if (!stored) throw new NotFound(`no evidence with hash ${name} in ${evidence.description}`);
  const etag = `"${name}"`;
  const headers = { etag, 'cache-control': 'public, max-age=31536000, immutable' };
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
    return { status: 304, headers, body: '' };
  }
  return { status: 200, headers: { ...headers, 'content-type': stored.mediaType }, body: stored.content };
}
