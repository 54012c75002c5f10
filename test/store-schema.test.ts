/**
 * src/store/schema.ts describes the database exactly as the migrations leave it, on every backend: the
 * same relations, each a table or a view, the same columns in the same order, with their types and
 * nullability.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/store/db.ts';
import { SCHEMA, type RelationSpec } from '../src/store/schema.ts';
import { backends } from './helpers/databases.ts';

interface ColumnRow {
  table_name: string;
  table_type: string;
  column_name: string;
  udt_name: string;
  is_nullable: string;
}

for (const backend of backends()) {
  describe(`schema on ${backend.name}`, () => {
    let db: Db;
    beforeAll(async () => {
      db = await backend.open();
    });
    afterAll(async () => {
      await db?.close();
    });

    it('matches information_schema: every table and view, every column with its type and nullability', async () => {
      const { rows } = await db.query<ColumnRow>(
        `SELECT c.table_name, t.table_type, c.column_name, c.udt_name, c.is_nullable
           FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.table_schema = 'public'
          ORDER BY c.table_name, c.ordinal_position`,
      );
      const live: Record<string, RelationSpec> = {};
      for (const r of rows) {
        const rel = (live[r.table_name] ??= {
          kind: r.table_type === 'VIEW' ? 'view' : 'table',
          columns: {},
        });
        const type = r.udt_name === 'vector' || r.udt_name === 'halfvec' ? 'embedding' : r.udt_name;
        rel.columns[r.column_name] = {
          type: type as RelationSpec['columns'][string]['type'],
          nullable: r.is_nullable === 'YES',
        };
      }
      const described = JSON.parse(JSON.stringify(SCHEMA)) as Record<string, RelationSpec>;
      expect(Object.keys(live).sort()).toEqual(Object.keys(described).sort());
      for (const name of Object.keys(described)) {
        expect({ name, ...live[name] }).toEqual({ name, ...described[name] });
        // Column order too (toEqual ignores key order).
        expect(Object.keys(live[name]!.columns)).toEqual(Object.keys(described[name]!.columns));
      }
    });
  });
}
