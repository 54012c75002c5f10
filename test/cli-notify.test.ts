/** `driftwatch notify add | list | remove` through the CLI, and its bad input: one line, exit 2. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.ts';
import { openDb } from '../src/store/open.ts';
import { cliRunner, type CliResult } from './helpers/cli-run.ts';
import { insertArea } from './helpers/seed-viewer.ts';

describe('notify subscriptions through the CLI', () => {
  const home = mkdtempSync(join(tmpdir(), 'dw-notify-'));
  let db: Db;
  let cli: (...args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    db = await openDb({ dataDir: join(home, 'db') });
    await insertArea(db, 'delta', 'Delta');
    cli = cliRunner(home);
  });
  afterAll(async () => {
    await db?.close();
  });

  const subscriptions = async () =>
    (
      await db.query(
        'SELECT area_id, webhook_url, min_confidence, kinds FROM notify_subscriptions ORDER BY id',
      )
    ).rows;

  it('refuses a bad URL, unknown area, bad kinds and bad confidence in one line with exit 2', async () => {
    const cases: [string[], string][] = [
      [['delta', '--webhook', 'nope'], 'InputError: webhook "nope" is not a URL'],
      [
        ['delta', '--webhook', 'file:///etc/x'],
        'InputError: webhook "file:///etc/x" is not an http or https URL',
      ],
      [['nowhere', '--webhook', 'http://127.0.0.1:9/h'], 'AreaError: unknown area "nowhere"'],
      [
        ['delta', '--webhook', 'http://127.0.0.1:9/h', '--kinds', 'flood,lava'],
        'InputError: kind "lava" is not one of flood, burn, vegetation-loss, construction, change',
      ],
      [
        ['delta', '--webhook', 'http://127.0.0.1:9/h', '--min-confidence', 'sure'],
        'InputError: confidence "sure" is not one of low, high, highest',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await cli('notify', 'add', ...args);
      expect(r.stderr).toBe(`driftwatch: ${message}\n`);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
    }
    const r = await cli('notify', 'remove', '42');
    expect([r.stderr, r.status]).toEqual(['driftwatch: InputError: unknown subscription 42\n', 2]);
    expect(await subscriptions()).toEqual([]);
  });

  it('refuses redelivery of an unknown area or subscription, or a malformed --since, in one line with exit 2', async () => {
    await insertArea(db, 'ridge', 'Ridge');
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO notify_subscriptions (area_id, webhook_url, secret) VALUES ('ridge', 'http://127.0.0.1:9/r', 'k')
       RETURNING id`,
    );
    const ridge = Number(rows[0]!.id);
    const cases: [string[], string][] = [
      [['nowhere'], 'AreaError: unknown area "nowhere"'],
      [['delta', '--subscription', '4242'], 'InputError: unknown subscription 4242'],
      [['delta', '--subscription', 'x1'], 'InputError: subscription id "x1" is not a positive integer'],
      [
        ['delta', '--subscription', String(ridge)],
        `InputError: subscription ${ridge} is of area "ridge", not "delta"`,
      ],
      [['delta', '--since', 'yesterday'], 'InputError: --since "yesterday" is not an ISO 8601 date'],
      [['delta', '--since', '2026-13-40'], 'InputError: --since "2026-13-40" is not an ISO 8601 date'],
      [['delta', '--attempts', '0'], 'InputError: --attempts "0" is not an integer from 1 to 100'],
    ];
    for (const [args, message] of cases) {
      const r = await cli('notify', 'redeliver', ...args);
      expect([r.stderr, r.status, r.stdout]).toEqual([`driftwatch: ${message}\n`, 2, '']);
    }
    // An area with no failed delivery: nothing re-queued, and no workflow needed.
    const none = await cli('notify', 'redeliver', 'delta', '--since', '2026-01-01');
    expect([none.stdout, none.status]).toEqual(['re-queued 0 failed deliveries of delta\n', 0]);
    await db.query('DELETE FROM notify_subscriptions WHERE id = $1', [ridge]);
    // Eight CLI processes in turn: room for a loaded machine, where each can take several seconds to start.
  }, 240_000);

  it('adds a subscription, prints its secret once, lists and removes it', async () => {
    const added = await cli(
      'notify',
      'add',
      'delta',
      '--webhook',
      'http://127.0.0.1:9/hook',
      '--min-confidence',
      'high',
      '--kinds',
      'flood,burn',
    );
    expect(added.status).toBe(0);
    const secret = /^secret ([0-9a-f]{64})$/m.exec(added.stdout)?.[1];
    expect(secret).toBeDefined();
    const { rows } = await db.query<{ id: number; secret: string }>(
      'SELECT id, secret FROM notify_subscriptions',
    );
    expect(rows[0]!.secret).toBe(secret);
    expect(await subscriptions()).toEqual([
      {
        area_id: 'delta',
        webhook_url: 'http://127.0.0.1:9/hook',
        min_confidence: 'high',
        kinds: ['flood', 'burn'],
      },
    ]);
    const id = Number(rows[0]!.id);
    const list = await cli('notify', 'list');
    expect(list.stdout).toBe(`#${id}\tdelta\thttp://127.0.0.1:9/hook\t≥ high\tflood,burn\n`);
    expect(list.stdout).not.toContain(secret!);
    expect((await cli('notify', 'remove', String(id))).stdout).toBe(`removed subscription ${id}\n`);
    expect(await subscriptions()).toEqual([]);
  });
});
