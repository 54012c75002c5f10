import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from '../errors.ts';
import type { Db } from './db.ts';
import type { ColumnsOf } from './schema.ts';

/** The project's migrations folder. */
export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

const NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Advisory lock key shared by every process that migrates ("driftwatch" in ASCII, truncated). */
const LOCK_KEY = 0x64726966;

/** One migration file. */
export interface Migration {
  /** File name, e.g. `0001_init.sql`. */
  name: string;
  /** SHA-256 of the file's bytes. */
  checksum: string;
  /** The SQL script. */
  sql: string;
}

/** What happened to one migration in a run. */
export interface MigrationStatus {
  /** File name. */
  name: string;
  /** `applied` in this run, or `unchanged` (applied before, checksum verified). */
  status: 'applied' | 'unchanged';
}

/** Reads `NNNN_name.sql` files in order; refuses other names and duplicate numbers. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const seen = new Map<string, string>();
  return files.map((name) => {
    const m = NAME.exec(name);
    if (!m) throw new MigrationError(`migration file "${name}" in ${dir} is not named NNNN_lower_snake.sql`);
    const number = m[1]!;
    const other = seen.get(number);
    if (other) throw new MigrationError(`migrations "${other}" and "${name}" share the number ${number}`);
    seen.set(number, name);
    const bytes = readFileSync(join(dir, name));
    return { name, checksum: createHash('sha256').update(bytes).digest('hex'), sql: bytes.toString('utf8') };
  });
}

/**
 * Applies pending migrations in order, each in its own transaction that also records its name and
 * checksum. Refuses (before applying anything) a migration whose file changed after it was applied,
 * an applied migration whose file is gone, and a new file that sorts before an applied one.
 * Safe to run from several processes at once: each transaction takes an advisory lock and re-reads
 * what is applied.
 */
export async function migrate(
  db: Db,
  migrations: Migration[] = readMigrations(),
): Promise<MigrationStatus[]> {
  const statuses: MigrationStatus[] = [];
  for (const migration of migrations) {
    const status = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await tx.query<ColumnsOf<'schema_migrations', 'name' | 'checksum'>>(
        'SELECT name, checksum FROM schema_migrations ORDER BY name',
      );
      verify(rows, migrations);
      if (rows.some((r) => r.name === migration.name)) return 'unchanged' as const;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
        migration.name,
        migration.checksum,
      ]);
      return 'applied' as const;
    });
    statuses.push({ name: migration.name, status });
  }
  return statuses;
}

function verify(applied: { name: string; checksum: string }[], migrations: Migration[]): void {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  for (const row of applied) {
    const file = byName.get(row.name);
    if (!file) {
      throw new MigrationError(
        `migration "${row.name}" was applied to this database but its file is missing`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `migration "${row.name}" was edited after it was applied (checksum ${file.checksum.slice(0, 12)} ≠ applied ${row.checksum.slice(0, 12)}); add a new migration instead`,
      );
    }
  }
  const last = applied.at(-1)?.name;
  if (last) {
    const appliedNames = new Set(applied.map((r) => r.name));
    const late = migrations.find((m) => m.name < last && !appliedNames.has(m.name));
    if (late) {
      throw new MigrationError(
        `migration "${late.name}" sorts before the already applied "${last}"; renumber it after ${last}`,
      );
    }
  }
}
