/** Where evidence files live: content-addressed files under the evidence folder, named by sha256. */
import { isAbsolute, relative, resolve } from 'node:path';

/** A sha256 as stored: 64 lowercase hex digits. */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** File name extensions of the media types that pages show inline. */
const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
};

/** The extension for a media type, or undefined when pages do not show it as an image. */
export function imageExtension(mediaType: string): string | undefined {
  return EXTENSIONS[mediaType.toLowerCase()];
}

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
