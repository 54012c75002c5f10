/**
 * The import rules docs/architecture.md states, checked on the source: detection reads no files and
 * knows neither the store nor the pipeline, embedding never imports detection, the spectral primitives
 * import only the image value, domain constants import nothing, and only src/config.ts reads the environment.
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

/** Paths of the re-exports kept at the old places of moved modules. */
const MOVED = new Set([
  'src/detect/indices.ts',
  'src/detect/robust.ts',
  'src/detect/cover.ts',
  'src/detect/pair-reader.ts',
  'src/detect/series-reader.ts',
]);

describe('architecture', () => {
  it('detection reads no files and imports neither the store nor the pipeline', () => {
    expect(
      offending(
        'src/detect',
        (s) => /^(node:)?fs(\/|$)/.test(s) || s === 'geotiff' || /^src\/(store|pipeline)\//.test(s),
        (f) => MOVED.has(f),
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
});
