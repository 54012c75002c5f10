import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAlertChange } from '../src/notify/alert-changes.ts';
import { addSubscription, listSubscriptions, removeSubscription } from '../src/notify/subscriptions.ts';
import { upsertAlert } from '../src/pipeline/detect-alerts.ts';
import type { Db } from '../src/store/db.ts';
import { backends } from './helpers/databases.ts';

const GRID = { epsg: 32633, chipPx: 8, resolutionM: 10 };
const KEY = 'EPSG:32633/80/6250/72000';

for (const backend of backends()) {
  describe(`alert changes and queued webhook events on ${backend.name}`, () => {
    let db: Db;
    const acq: { id: number; datetime: string }[] = [];
    const candidate = {
      clusterKey: `flood:${KEY}`,
      kind: 'flood' as const,
      confidence: 'high' as const,
      score: 0.7,
      chipKeys: [KEY],
      prompts: {},
    };

    beforeAll(async () => {
      db = await backend.open();
      await db.query(
        `INSERT INTO areas (id, name, geometry, bbox, epsg, chip_px, resolution_m)
         VALUES ('delta', 'Delta', '{}', '{15,51.9,15.1,52}', 32633, 8, 10)`,
      );
      for (const [i, datetime] of ['2024-04-01T10:00:00.000Z', '2024-04-11T10:00:00.000Z'].entries()) {
        const { rows } = await db.query<{ id: number }>(
          `INSERT INTO acquisitions (source, item_id, datetime, assets) VALUES ('test', $1, $2, '{}') RETURNING id`,
          [`i${i}`, datetime],
        );
        acq.push({ id: Number(rows[0]!.id), datetime });
      }
    });

    afterAll(async () => {
      await db?.close();
    });

    it('records one change per alert, acquisition and phase, and queues it for the subscriptions that want it', async () => {
      const all = await addSubscription(db, { areaId: 'delta', webhookUrl: 'http://127.0.0.1:1/all' });
      await addSubscription(db, { areaId: 'delta', webhookUrl: 'http://127.0.0.1:1/burn', kinds: ['burn'] });
      await addSubscription(db, {
        areaId: 'delta',
        webhookUrl: 'http://127.0.0.1:1/top',
        minConfidence: 'highest',
      });
      expect(all.secret).toMatch(/^[0-9a-f]{64}$/);
      expect((await listSubscriptions(db, 'delta')).map((s) => s.webhookUrl)).toEqual([
        'http://127.0.0.1:1/all',
        'http://127.0.0.1:1/burn',
        'http://127.0.0.1:1/top',
      ]);

      const first = await upsertAlert(db, 'delta', acq[0]!.id, acq[0]!.datetime, candidate, GRID);
      // A retried detection of the same look: same alert, nothing new recorded.
      await upsertAlert(db, 'delta', acq[0]!.id, acq[0]!.datetime, candidate, GRID);
      await upsertAlert(db, 'delta', acq[1]!.id, acq[1]!.datetime, candidate, GRID);
      await upsertAlert(db, 'delta', acq[1]!.id, acq[1]!.datetime, candidate, GRID);
      const confirm = { alertId: first.id, acquisitionId: acq[1]!.id, phase: 'confirmation' as const };
      expect(
        await db.transaction((tx) => recordAlertChange(tx, { ...confirm, change: 'confirmed' })),
      ).toBeTypeOf('number');
      expect(await db.transaction((tx) => recordAlertChange(tx, { ...confirm, change: 'confirmed' }))).toBe(
        undefined,
      );

      const { rows: changes } = await db.query<{ change: string; version: number; acquisition_id: number }>(
        'SELECT change, version, acquisition_id FROM alert_changes ORDER BY version',
      );
      expect(changes.map((c) => [c.change, c.version, Number(c.acquisition_id)])).toEqual([
        ['created', 1, acq[0]!.id],
        ['updated', 2, acq[1]!.id],
        ['confirmed', 3, acq[1]!.id],
      ]);
      const { rows: alert } = await db.query<{ version: number }>('SELECT version FROM alerts');
      expect(alert[0]!.version).toBe(3);

      const { rows: deliveries } = await db.query<{
        subscription_id: number;
        event_id: string;
        body: string;
        status: string;
        attempts: number;
      }>('SELECT subscription_id, event_id, body, status, attempts FROM notify_deliveries ORDER BY id');
      expect(deliveries.map((d) => [Number(d.subscription_id), d.event_id, d.status, d.attempts])).toEqual([
        [all.id, `alert/${first.id}/v1`, 'pending', 0],
        [all.id, `alert/${first.id}/v2`, 'pending', 0],
        [all.id, `alert/${first.id}/v3`, 'pending', 0],
      ]);
      const created = JSON.parse(deliveries[0]!.body);
      expect(created).toMatchObject({
        id: `alert/${first.id}/v1`,
        type: 'alert.created',
        acquisition: { id: acq[0]!.id, datetime: '2024-04-01T10:00:00.000Z' },
        alert: {
          id: first.id,
          areaId: 'delta',
          kind: 'flood',
          confidence: 'high',
          status: 'open',
          confirmation: 'provisional',
          areaKm2: 0.0064,
          version: 1,
        },
      });
      expect(created.alert.geometry.type).toBe('MultiPolygon');
      expect(JSON.parse(deliveries[2]!.body).type).toBe('alert.confirmed');

      await removeSubscription(db, all.id);
      expect((await db.query('SELECT 1 FROM notify_deliveries')).rows).toHaveLength(0);
      await expect(removeSubscription(db, all.id)).rejects.toThrow(`unknown subscription ${all.id}`);
      await expect(
        addSubscription(db, { areaId: 'nowhere', webhookUrl: 'http://127.0.0.1:1/' }),
      ).rejects.toThrow('unknown area "nowhere"');
    });
  });
}
