/**
 * The import rules docs/architecture.md states, checked on the source: detection reads no files and
 * knows neither the store nor the pipeline, embedding never imports detection, the spectral primitives
 * import only the image value, domain constants import nothing, only src/config.ts reads the environment,
 * SQL lives in src/store/ (besides migrations/ and the users' `sql` command), workflows are started by
 * function reference, and production code never imports @temporalio/testing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports or re-exports, relative ones resolved to repository paths. */
function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm),
    ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1]!);
  return specs.map((s) => (s.startsWith('.') ? relative(root, resolve(root, dirname(file), s)) : s));
}

function offending(
  dir: string,
  bad: (spec: string) => boolean,
  allow: (file: string) => boolean = () => false,
) {
  return sources(dir)
    .filter((f) => !allow(f))
    .flatMap((f) =>
      imports(f)
        .filter(bad)
        .map((s) => `${f} → ${s}`),
    );
}

/** A SQL statement in source text. */
const SQL_STATEMENT = /\b(SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM)\b/;

/** Files outside src/store/ allowed to hold SQL: the users' `sql` command (its help text names SELECT). */
const SQL_OUTSIDE_STORE = new Set(['src/cli/commands/sql.ts']);

describe('architecture', () => {
  it('detection reads no files and imports neither the store nor the pipeline', () => {
    expect(
      offending(
        'src/detect',
        (s) => /^(node:)?fs(\/|$)/.test(s) || s === 'geotiff' || /^src\/(store|pipeline)\//.test(s),
      ),
    ).toEqual([]);
  });

  it('embedding never imports detection', () => {
    expect(offending('src/embed', (s) => s.startsWith('src/detect/'))).toEqual([]);
  });

  it('the spectral primitives import only the image value', () => {
    expect(
      offending('src/spectral', (s) => !s.startsWith('src/spectral/') && s !== 'src/imagery/image.ts'),
    ).toEqual([]);
  });

  it('domain constants import nothing', () => {
    expect(imports('src/domain.ts')).toEqual([]);
  });

  it('only src/config.ts reads the environment', () => {
    const readers = ['src', 'activities', 'workflows']
      .flatMap(sources)
      .filter((f) => f !== 'src/config.ts' && /process\.env\b/.test(readFileSync(join(root, f), 'utf8')));
    expect(readers).toEqual([]);
  });

  it("SQL statements and queries live only in src/store/, besides the users' sql command", () => {
    const outside = ['src', 'activities', 'workflows']
      .flatMap(sources)
      .filter((f) => !f.startsWith('src/store/') && !SQL_OUTSIDE_STORE.has(f));
    const text = (f: string) => readFileSync(join(root, f), 'utf8');
    expect(outside.filter((f) => SQL_STATEMENT.test(text(f)))).toEqual([]);
    expect(outside.filter((f) => /\.query\s*[<(]/.test(text(f)))).toEqual([]);
  });

  it('workflows are started, scheduled and run as children by function reference, never by name', () => {
    const byName =
      /\.(start|execute|signalWithStart|startChild|executeChild)\(\s*['"`]|\b(startChild|executeChild)\(\s*['"`]|workflowType:\s*['"`]/;
    const files = ['src', 'activities', 'workflows']
      .flatMap(sources)
      .filter((f) => byName.test(readFileSync(join(root, f), 'utf8')));
    expect(files).toEqual([]);
  });

  it('production code never imports @temporalio/testing', () => {
    expect(
      ['src', 'activities', 'workflows'].flatMap((dir) =>
        offending(dir, (s) => s.startsWith('@temporalio/testing')),
      ),
    ).toEqual([]);
  });
});
