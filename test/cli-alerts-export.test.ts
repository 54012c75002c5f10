import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSeriesFixture, type SeriesFixture } from './helpers/series-fixture.ts';

const require = createRequire(import.meta.url);
const home = mkdtempSync(join(tmpdir(), 'dw-cli-export-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'src/cli/main.ts', ...args], {
    env: { ...process.env, DRIFTWATCH_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('alerts export and --mmu-ha on the command line', () => {
  let fixture: SeriesFixture;
  let geojson: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-cli-export-series-'));
    fixture = await writeSeriesFixture(dir);
    geojson = join(dir, 'area.geojson');
    writeFileSync(geojson, JSON.stringify({ type: 'Feature', properties: {}, geometry: fixture.area }));
  });

  it('registers an area with its minimum mapping unit, and refuses one that is not a number of hectares', () => {
    const add = cli(
      'area',
      'add',
      'valley',
      geojson,
      '--source',
      fixture.catalog,
      '--mmu-ha',
      '0.5',
      '--json',
    );
    expect(add.status, add.stderr).toBe(0);
    expect((JSON.parse(add.stdout) as { mmuHa: number }).mmuHa).toBe(0.5);
    const bad = cli('area', 'add', 'other', geojson, '--source', fixture.catalog, '--mmu-ha', 'lots');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('--mmu-ha "lots" is not a number of hectares ≥ 0');
  });

  it('writes an empty FeatureCollection to standard output and CSV headers to a file', () => {
    const out = cli('alerts', 'export', '--format', 'geojson');
    expect(out.status, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ type: 'FeatureCollection', features: [] });
    const file = join(home, 'alerts.csv');
    const csv = cli('alerts', 'export', '--format', 'csv', '--area', 'valley', '--out', file);
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stderr).toBe(`exported 0 alert(s) to ${file}\n`);
    expect(readFileSync(file, 'utf8')).toBe(
      'id,area_id,kind,confidence,score,status,confirmation,area_km2,first_seen,last_seen,chip_count,geometry_source,burn_low_km2,burn_moderate_low_km2,burn_moderate_high_km2,burn_high_km2,centroid_lon,centroid_lat,wkt\r\n',
    );
  });

  it('refuses an unknown format and a malformed --since, exiting 2', () => {
    const kml = cli('alerts', 'export', '--format', 'kml');
    expect(kml.status).toBe(2);
    expect(kml.stderr).toBe('driftwatch: InputError: export format "kml" is not one of geojson, csv, fgb\n');
    const since = cli('alerts', 'export', '--format', 'fgb', '--since', 'yesterday');
    expect(since.status).toBe(2);
    expect(since.stderr).toContain('since "yesterday" is not a date');
    expect(since.stdout).toBe('');
  });
});
