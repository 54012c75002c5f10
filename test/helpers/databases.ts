import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { Db } from '../../src/store/db.ts';
import { openDb } from '../../src/store/open.ts';

/** A database backend the tests run against. */
export interface Backend {
  /** `pglite` or `postgres`. */
  name: string;
  /** Opens a fresh, empty, migrated database. */
  open(options?: { migrate?: boolean }): Promise<Db>;
}

/** A fresh database on the native server: a new database per call, dropped never (the server is throwaway). */
export async function freshPostgresUrl(serverUrl: string): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** PGlite in memory always; the native Postgres server when the global setup found one. */
export function backends(): Backend[] {
  const list: Backend[] = [
    { name: 'pglite', open: (o) => openDb({ dataDir: 'memory://', migrate: o?.migrate }) },
  ];
  const serverUrl = inject('nativePostgresUrl');
  if (serverUrl) {
    list.push({
      name: 'postgres',
      open: async (o) => openDb({ databaseUrl: await freshPostgresUrl(serverUrl), migrate: o?.migrate }),
    });
  }
  return list;
}
