import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Header that carries the body's HMAC-SHA256 as `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'X-Driftwatch-Signature';

/** A new subscription secret: 32 random bytes, hex. */
export function newSecret(): string {
  return randomBytes(32).toString('hex');
}

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes keyed by the subscription secret (as its UTF-8 text). */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Whether a received signature header matches the body (constant-time compare); what a receiver runs. */
export function verifySignature(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}
