import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe('npm project configuration', () => {
  it('npx driftwatch runs without an npm warning about unknown project config', () => {
    const r = spawnSync('npx', ['--no-install', 'driftwatch', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Usage: driftwatch [options] [command]');
    expect(r.stderr).not.toMatch(/npm warn Unknown (project|env) config/);
  });
});
