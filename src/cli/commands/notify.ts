import type { Command } from 'commander';
import { InputError } from '../../errors.ts';
import {
  addSubscription,
  listSubscriptions,
  parseKinds,
  parseWebhookUrl,
  removeSubscription,
  type Subscription,
} from '../../notify/subscriptions.ts';
import {
  failedDeliveriesOf,
  parseSince,
  parseSubscriptionId,
  redeliveryResult,
  startRedelivery,
} from '../../notify/redeliver.ts';
import { parseConfidence } from '../../store/read-queries.ts';
import { output, withRuntime } from '../runtime.ts';

function line(s: Subscription): string {
  return `#${s.id}\t${s.areaId}\t${s.webhookUrl}\t≥ ${s.minConfidence}\t${s.kinds?.join(',') ?? 'all kinds'}`;
}

export function register(program: Command): void {
  const notify = program.command('notify').description('webhook subscriptions to alert changes');
  notify
    .command('add')
    .description('POST signed events to a webhook when an alert of the area is created, updated or confirmed')
    .argument('<area>', 'area id')
    .requiredOption('--webhook <url>', 'http(s) URL that receives the events')
    .option('--min-confidence <level>', 'only alerts of at least this confidence: low, high, highest', 'low')
    .option(
      '--kinds <list>',
      'only these kinds, comma-separated (flood, burn, vegetation-loss, construction, change)',
    )
    .option('--json', 'print JSON')
    .action(async (areaId: string, o) => {
      // Checked before the database opens: bad flags are bad input.
      const webhookUrl = parseWebhookUrl(o.webhook);
      const minConfidence = parseConfidence(o.minConfidence);
      const kinds = o.kinds === undefined ? undefined : parseKinds(o.kinds);
      await withRuntime(async (rt) => {
        const sub = await addSubscription(await rt.db(), { areaId, webhookUrl, minConfidence, kinds });
        output(sub, o.json, (s) =>
          [
            line(s),
            `secret ${s.secret}`,
            'Keep the secret: it is shown only now. Each POST carries X-Driftwatch-Signature: sha256=<hex>,',
            'the HMAC-SHA256 of the body keyed by it.',
          ].join('\n'),
        );
      });
    });
  notify
    .command('list')
    .description('list subscriptions')
    .option('--area <id>', 'only this area')
    .option('--json', 'print JSON')
    .action(async (o) => {
      await withRuntime(async (rt) => {
        const db = await rt.db();
        const list = await db.readOnly((tx) => listSubscriptions(tx, o.area));
        output(list, o.json, (l) => (l.length ? l.map(line).join('\n') : 'no subscriptions'));
      });
    });
  notify
    .command('redeliver')
    .description(
      "send the area's failed deliveries again (same event id and body); delivered ones are never re-sent",
    )
    .argument('<area>', 'area id')
    .option('--subscription <id>', "only this subscription's failed deliveries")
    .option('--since <iso>', 'only deliveries queued at or after this date or date-time (ISO 8601)')
    .option('--attempts <n>', 'POSTs tried per delivery before it counts as failed again', '3')
    .option('--no-wait', 'return once the redelivery is started')
    .option('--json', 'print JSON')
    .action(async (areaId: string, o) => {
      // Checked before the database opens: bad flags are bad input.
      const subscriptionId = o.subscription === undefined ? undefined : parseSubscriptionId(o.subscription);
      const since = o.since === undefined ? undefined : parseSince(o.since);
      const attempts = Number(o.attempts);
      if (!/^\d+$/.test(o.attempts) || attempts < 1 || attempts > 100)
        throw new InputError(`--attempts "${o.attempts}" is not an integer from 1 to 100`);
      await withRuntime(async (rt) => {
        const failed = await failedDeliveriesOf(await rt.db(), { areaId, subscriptionId, since });
        if (failed.length === 0) {
          output({ areaId, requeued: 0 }, o.json, () => `re-queued 0 failed deliveries of ${areaId}`);
          return;
        }
        const t = await rt.temporal();
        const worker = o.wait && t.embedded ? await rt.startWorkers('io') : undefined;
        const handle = await startRedelivery(t.client, areaId, failed, { maximumAttempts: attempts });
        if (!o.wait) {
          output(
            { areaId, workflowId: handle.workflowId, requeued: failed.length },
            o.json,
            (r) => `re-queued ${r.requeued} failed deliveries of ${areaId} (workflow ${r.workflowId})`,
          );
          return;
        }
        rt.progress(`notify: redelivering ${failed.length} failed deliveries of ${areaId}…`);
        const result = await redeliveryResult(handle);
        await worker?.stop();
        output(
          {
            areaId,
            workflowId: handle.workflowId,
            requeued: result.requeued.length,
            delivered: result.delivered.length,
            failedAgain: result.failed.length,
          },
          o.json,
          (r) =>
            `re-queued ${r.requeued} failed deliveries of ${areaId}: ${r.delivered} delivered, ${r.failedAgain} failed again`,
        );
      });
    });
  notify
    .command('remove')
    .description('remove a subscription and its delivery records')
    .argument('<id>', 'subscription id')
    .action(async (id: string) => {
      const n = Number(id);
      if (!Number.isInteger(n) || n <= 0)
        throw new InputError(`subscription id "${id}" is not a positive integer`);
      await withRuntime(async (rt) => {
        await removeSubscription(await rt.db(), n);
        process.stdout.write(`removed subscription ${n}\n`);
      });
    });
}
