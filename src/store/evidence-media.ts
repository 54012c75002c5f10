/** Evidence's media types, content hashes and the file name each piece of evidence gets: `<sha256>.<ext>`. */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.ts';

/** Media types an evidence file may have. */
export type EvidenceMediaType = 'image/png' | 'image/webp' | 'image/jpeg' | 'text/html';

/** A sha256 as stored: 64 lowercase hex digits. */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

const EXTENSIONS: Record<EvidenceMediaType, string> = {
  'image/png': 'png',
  'image/webp': 'webp',
  'image/jpeg': 'jpg',
  'text/html': 'html',
};

/** The lowercase hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `<sha256>.<ext>` for a supported media type; InputError naming the type otherwise. */
export function evidenceFileName(sha256: string, mediaType: string): string {
  const ext = EXTENSIONS[mediaType as EvidenceMediaType];
  if (!ext) throw new InputError(`unsupported evidence media type "${mediaType}"`);
  return `${sha256}.${ext}`;
}

/** Every media type evidence may have. */
export const EVIDENCE_MEDIA_TYPES = Object.keys(EXTENSIONS) as EvidenceMediaType[];
