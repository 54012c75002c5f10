import { AreaError, InputError } from '../errors.ts';
import { CONFIDENCE_LEVELS, type Confidence } from '../domain.ts';
import { parseAlertKind, parseConfidence } from '../store/read-queries.ts';
import type { Queryable } from '../store/db.ts';
import { newSecret } from './sign.ts';

/** A webhook subscription as listed (the secret is shown once, by `addSubscription`). */
export interface Subscription {
  /** Subscription id. */
  id: number;
  /** The area whose alert changes it receives. */
  areaId: string;
  /** Where events are POSTed. */
  webhookUrl: string;
  /** Lowest confidence that is sent. */
  minConfidence: Confidence;
  /** Kinds that are sent; null for all. */
  kinds: string[] | null;
  /** When it was added (ISO 8601). */
  createdAt: string;
}

/** What `notify add` asks for. */
export interface SubscriptionInput {
  /** The area. */
  areaId: string;
  /** http(s) URL of the receiver. */
  webhookUrl: string;
  /** Lowest confidence sent (default low: all). */
  minConfidence?: Confidence;
  /** Kinds sent (default all). */
  kinds?: string[];
}

/** A webhook URL: absolute http or https; anything else is bad input naming the value. */
export function parseWebhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`webhook "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(`webhook "${value}" is not an http or https URL`);
  return url.toString();
}

/** `flood,burn` → the kinds, each checked; an empty list is bad input. */
export function parseKinds(value: string): string[] {
  const parts = value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (parts.length === 0) throw new InputError(`kinds "${value}" names no kind`);
  return [...new Set(parts.map(parseAlertKind))];
}

/** Whether a subscription wants an alert of this kind and confidence. */
export function subscriptionWants(
  s: { minConfidence: string; kinds: readonly string[] | null },
  kind: string,
  confidence: string,
): boolean {
  const rank = (c: string) => (CONFIDENCE_LEVELS as readonly string[]).indexOf(c);
  return rank(confidence) >= rank(s.minConfidence) && (s.kinds === null || s.kinds.includes(kind));
}

/** Adds a subscription with a new secret; returns it with the secret (stored, and printed once by the CLI). */
export async function addSubscription(
  db: Queryable,
  input: SubscriptionInput,
): Promise<Subscription & { secret: string }> {
  const webhookUrl = parseWebhookUrl(input.webhookUrl);
  const minConfidence = parseConfidence(input.minConfidence ?? 'low');
  const { rows: area } = await db.query(`SELECT 1 FROM areas WHERE id = $1`, [input.areaId]);
  if (area.length === 0) throw new AreaError(`unknown area "${input.areaId}"`);
  const secret = newSecret();
  const { rows } = await db.query<{ id: number; created_at: Date }>(
    `INSERT INTO notify_subscriptions (area_id, webhook_url, secret, min_confidence, kinds)
     VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`,
    [input.areaId, webhookUrl, secret, minConfidence, input.kinds ?? null],
  );
  return {
    id: Number(rows[0]!.id),
    areaId: input.areaId,
    webhookUrl,
    minConfidence,
    kinds: input.kinds ?? null,
    createdAt: new Date(rows[0]!.created_at).toISOString(),
    secret,
  };
}

/** Subscriptions, of one area or all, by id. */
export async function listSubscriptions(db: Queryable, areaId?: string): Promise<Subscription[]> {
  const { rows } = await db.query<{
    id: number;
    area_id: string;
    webhook_url: string;
    min_confidence: Confidence;
    kinds: string[] | null;
    created_at: Date;
  }>(
    `SELECT id, area_id, webhook_url, min_confidence, kinds, created_at FROM notify_subscriptions
      WHERE $1::text IS NULL OR area_id = $1 ORDER BY id`,
    [areaId ?? null],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    areaId: r.area_id,
    webhookUrl: r.webhook_url,
    minConfidence: r.min_confidence,
    kinds: r.kinds,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

/** Removes a subscription and its delivery records; an unknown id is bad input. */
export async function removeSubscription(db: Queryable, id: number): Promise<void> {
  const { rows } = await db.query(`DELETE FROM notify_subscriptions WHERE id = $1 RETURNING id`, [id]);
  if (rows.length === 0) throw new InputError(`unknown subscription ${id}`);
}
