/**
 * Removing an area frees the evidence only it used, on every backend: content-addressed files that another
 * area's observation or alert still names stay, and so do files no area names.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addArea, removeArea } from '../src/pipeline/areas.ts';
import type { Db } from '../src/store/db.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import { backends } from './helpers/databases.ts';

const SQUARE = {
  type: 'Polygon',
  coordinates: [
    [
      [13.0, 52.0],
      [13.014, 52.0],
      [13.014, 52.009],
      [13.0, 52.009],
      [13.0, 52.0],
    ],
  ],
};

/** One chip, one look with its rendering, and optionally an alert whose after tile is `alertTile`. */
async function seedArea(db: Db, id: string, rendering: string, alertTile?: string): Promise<void> {
  await addArea(db, {
    id,
    geojson: SQUARE,
    source: { kind: 'local', path: `/data/${id}` },
    chipPx: 100,
    maxAreaKm2: 100,
  });
  const { rows: chip } = await db.query<{ id: number }>(
    `INSERT INTO chips (area_id, key, epsg, col, "row", bounds, lonlat_bounds)
     VALUES ($1, 'EPSG:32633/1000/0/0', 32633, 0, 0, $2, $3) RETURNING id`,
    [id, [0, 0, 1000, 1000], [13, 52, 13.014, 52.009]],
  );
  const { rows: acq } = await db.query<{ id: number }>(
    `INSERT INTO acquisitions (source, item_id, datetime, assets)
     VALUES ($1, 'item', '2024-05-01T10:00:00Z', '{}') RETURNING id`,
    [`local:${id}`],
  );
  await db.query(
    `INSERT INTO observations (chip_id, acquisition_id, valid_fraction, usable, rgb_sha256)
     VALUES ($1, $2, 1, true, $3)`,
    [chip[0]!.id, acq[0]!.id, rendering],
  );
  if (!alertTile) return;
  const { rows: alert } = await db.query<{ id: number }>(
    `INSERT INTO alerts (area_id, cluster_key, kind, confidence, score, chip_keys, area_km2,
                         first_acquisition_id, last_acquisition_id, first_seen, last_seen)
     VALUES ($1, 'k', 'flood', 'high', 0.97, '{EPSG:32633/1000/0/0}', 1, $2, $2, now(), now()) RETURNING id`,
    [id, acq[0]!.id],
  );
  await db.query(
    `INSERT INTO alert_evidence (alert_id, acquisition_id, kind, sha256) VALUES ($1, $2, 'after', $3)`,
    [alert[0]!.id, acq[0]!.id, alertTile],
  );
}

const hashes = async (db: Db, table: 'evidence_files' | 'evidence_blobs') =>
  (await db.query<{ sha256: string }>(`SELECT sha256 FROM ${table} ORDER BY sha256`)).rows.map(
    (r) => r.sha256,
  );

for (const backend of backends()) {
  describe(`area removal on ${backend.name}`, () => {
    let db: Db;
    beforeEach(async () => {
      db = await backend.open();
    });
    afterEach(async () => {
      await db?.close();
    });

    it('deletes the evidence files only the area used, keeps those another area names and those none names', async () => {
      const store = new DbEvidenceStore(db);
      const put = async (text: string) => (await store.put(Buffer.from(text), 'image/png')).sha256;
      const shared = await put('rendering both areas share'); // 26 bytes
      const onlyA = await put('alert tile of a'); // 15 bytes
      const onlyB = await put('alert tile of b');
      const loose = await put('stored, named by nothing');
      await seedArea(db, 'a', shared, onlyA);
      await seedArea(db, 'b', shared, onlyB);

      expect(await removeArea(db, 'a')).toEqual({ removed: true, evidenceFiles: 1, evidenceBytes: 15 });
      const kept = [shared, onlyB, loose].sort();
      expect(await hashes(db, 'evidence_files')).toEqual(kept);
      expect(await hashes(db, 'evidence_blobs')).toEqual(kept);
      expect((await store.get(shared))?.content.toString()).toBe('rendering both areas share');

      // b's rendering was shared with a, its alert tile was its own: both go with b; the loose file stays.
      expect(await removeArea(db, 'b')).toEqual({ removed: true, evidenceFiles: 2, evidenceBytes: 41 });
      expect(await hashes(db, 'evidence_files')).toEqual([loose]);
      expect(await hashes(db, 'evidence_blobs')).toEqual([loose]);
    });

    it('removes nothing for an unknown id', async () => {
      const store = new DbEvidenceStore(db);
      const sha = (await store.put(Buffer.from('x'), 'image/png')).sha256;
      await seedArea(db, 'a', sha);
      expect(await removeArea(db, 'nope')).toEqual({ removed: false, evidenceFiles: 0, evidenceBytes: 0 });
      expect(await hashes(db, 'evidence_files')).toEqual([sha]);
    });
  });
}
