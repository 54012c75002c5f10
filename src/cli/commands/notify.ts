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
