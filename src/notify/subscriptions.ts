import { AreaError, InputError } from '../errors.ts';
import { CONFIDENCE_LEVELS, type Confidence } from '../domain.ts';
import { parseAlertKind, parseConfidence } from '../store/read-queries.ts';
import { areaExists } from '../store/areas.ts';
import type { Queryable } from '../store/db.ts';
import { deleteSubscription, insertSubscription, type SubscriptionRow } from '../store/notifications.ts';
import { newSecret } from './sign.ts';

export { listSubscriptions } from '../store/notifications.ts';

/** A webhook subscription as listed (the secret is shown once, by `addSubscription`). */
export type Subscription = SubscriptionRow;

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
  if (!(await areaExists(db, input.areaId))) throw new AreaError(`unknown area "${input.areaId}"`);
  const secret = newSecret();
  const row = await insertSubscription(db, {
    areaId: input.areaId,
    webhookUrl,
    secret,
    minConfidence,
    kinds: input.kinds ?? null,
  });
  return {
    id: row.id,
    areaId: input.areaId,
    webhookUrl,
    minConfidence,
    kinds: input.kinds ?? null,
    createdAt: row.createdAt,
    secret,
  };
}

/** Removes a subscription and its delivery records; an unknown id is bad input. */
export async function removeSubscription(db: Queryable, id: number): Promise<void> {
  if (!(await deleteSubscription(db, id))) throw new InputError(`unknown subscription ${id}`);
}
