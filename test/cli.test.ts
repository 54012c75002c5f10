import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';

const require = createRequire(import.meta.url);
const home = mkdtempSync(join(tmpdir(), 'dw-cli-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'src/cli/main.ts', ...args], {
    env: { ...process.env, DRIFTWATCH_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('driftwatch CLI on the embedded database', () => {
  let fixture: SeriesFixture;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-cli-series-'));
    fixture = await writeSeriesFixture(dir);
    writeFileSync(
      join(dir, 'area.geojson'),
      JSON.stringify({ type: 'Feature', properties: {}, geometry: fixture.area }),
    );
  });

  it('registers an area from a GeoJSON file and lists it', () => {
    const add = cli(
      'area',
      'add',
      'valley',
      join(fixture.catalog, '..', 'area.geojson'),
      '--source',
      fixture.catalog,
      '--chip-size',
      '32',
      '--json',
    );
    expect(add.status, add.stderr).toBe(0);
    const record = JSON.parse(add.stdout) as {
      id: string;
      grid: { epsg: number; chipPx: number; resolutionM: number };
    };
    expect(record.id).toBe('valley');
    expect(record.grid).toEqual({ epsg: 32633, chipPx: 32, resolutionM: 10 });
    const list = cli('area', 'list', '--json');
    expect((JSON.parse(list.stdout) as { id: string }[]).map((a) => a.id)).toEqual(['valley']);
  });

  it("runs users' SQL read-only: a query answers, a write is refused with its SQLSTATE and changes nothing", () => {
    const q = cli('sql', 'SELECT id, chip_px FROM areas', '--json');
    expect(q.status, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([{ id: 'valley', chip_px: 32 }]);
    const write = cli('sql', 'DELETE FROM areas');
    expect(write.status).toBe(2);
    expect(write.stderr).toBe(
      'driftwatch: InputError: query failed: syntax error at or near "DELETE" (SQLSTATE 42601); driftwatch sql runs one read-only SELECT, VALUES, TABLE or WITH query\n',
    );
    expect(JSON.parse(cli('sql', 'SELECT count(*)::int AS n FROM areas', '--json').stdout)).toEqual([
      { n: 1 },
    ]);
  });

  it('removes the area, says what evidence went with it, and refuses an id it does not know', () => {
    // No acquisition was processed, so the area has no evidence of its own.
    const removed = cli('area', 'remove', 'valley');
    expect(removed.status, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(
      'removed area valley; deleted 0 evidence file(s) no other area uses (0 bytes)\n',
    );
    expect(JSON.parse(cli('area', 'list', '--json').stdout)).toEqual([]);
    const again = cli('area', 'remove', 'valley');
    expect(again.status).toBe(2);
    expect(again.stderr).toBe('driftwatch: InputError: unknown area "valley"\n');
  });

  it('documents every command with --help', () => {
    const help = cli('--help');
    expect(help.status).toBe(0);
    for (const command of [
      'worker',
      'area',
      'monitor',
      'assess',
      'alerts',
      'sql',
      'demo',
      'serve',
      'chips',
      'compare',
      'eval',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    const monitor = cli('monitor', '--help');
    for (const sub of ['start', 'pause', 'resume', 'delete', 'backfill', 'run', 'list'])
      expect(monitor.stdout).toMatch(new RegExp(`^  ${sub}\\b`, 'm'));
  });
});
