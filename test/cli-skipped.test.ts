import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasGdal } from './helpers/cog-fixtures.ts';
import { passArea, SPLIT_VALID, WEST, EAST, WHOLE_VALID, writeSceneTile } from './helpers/pass-fixtures.ts';

const require = createRequire(import.meta.url);
const gdal = hasGdal();
if (!gdal) console.warn('gdal_translate not found (apt-get install gdal-bin): CLI pass tests skipped');
const home = mkdtempSync(join(tmpdir(), 'dw-cli-skipped-'));

// Each CLI run starts its own process (and, for monitor and assess, an embedded Temporal server): slow on a busy machine.
/** Runs the CLI in its own process (asynchronously, so the test worker stays responsive). */
function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [require.resolve('tsx/cli'), 'src/cli/main.ts', ...args],
      { env: { ...process.env, DRIFTWATCH_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' } },
      (err, stdout, stderr) =>
        done({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function sql<T>(query: string): Promise<T[]> {
  const r = await cli('sql', query, '--json');
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T[];
}

describe.skipIf(!gdal)('monitor and assess say what they processed, skipped and failed', async () => {
  let dir: string;
  let geojson: string;
  let bad: string;
  let assessed: string;
  const badReason = (folder: string) =>
    `SourceError: sidecar ${join(folder, 'bad.json')}: "scale" is "0.0001"; expected a non-zero number or an array of one such number per band`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dw-cli-passes-'));
    geojson = join(dir, 'area.geojson');
    writeFileSync(geojson, JSON.stringify({ type: 'Feature', properties: {}, geometry: passArea().area }));
    const seam = join(dir, 'seam');
    writeSceneTile(seam, 'scene_2024-05-01');
    writeSceneTile(seam, 'tile-w_2024-06-10', WEST);
    writeSceneTile(seam, 'tile-e_2024-06-10', EAST);
    // A folder whose only image after 2024-06-01 has a bad sidecar, and one a day before that.
    bad = join(dir, 'bad');
    writeSceneTile(bad, 'good_2024-05-31');
    writeSceneTile(bad, 'bad');
    writeFileSync(
      join(bad, 'bad.json'),
      JSON.stringify({ datetime: '2024-06-10T10:00:00Z', scale: '0.0001' }),
    );
    // The same, plus a truncated image after the event: its header reads, its pixels do not.
    assessed = join(dir, 'assessed');
    writeSceneTile(assessed, 'good_2024-05-31');
    writeSceneTile(assessed, 'bad');
    writeFileSync(join(assessed, 'bad.json'), readFileSync(join(bad, 'bad.json')));
    const cut = writeSceneTile(assessed, 'cut_2024-06-20');
    const bytes = readFileSync(cut);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  }, 240_000);

  it('a folder of two same-day tiles and an earlier pass: monitor run processes one acquisition per pass, every chip observed, none failed', async () => {
    const add = await cli('area', 'add', 'seam', geojson, '--source', join(dir, 'seam'), '--chip-size', '32');
    expect(add.status, add.stderr).toBe(0);
    const run = await cli('monitor', 'run', 'seam', '--json');
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      processed: 2,
      failed: 0,
      failures: [],
      skipped: [],
      skippedTotal: 0,
      nearest: [],
    });
    const list = await cli('area', 'acquisitions', 'seam');
    expect(list.stdout).toBe(
      [
        '2024-05-01 00:00\tprocessed\t1 item(s)\tscene_2024-05-01',
        '2024-06-10 00:00\tprocessed\t2 item(s)\ttile-e_2024-06-10+tile-w_2024-06-10',
        '',
      ].join('\n'),
    );
    const rows = await sql<{ item_id: string; key: string; valid_fraction: number }>(
      `SELECT a.item_id, c.key, o.valid_fraction FROM observations o JOIN chips c ON c.id = o.chip_id
         JOIN acquisitions a ON a.id = o.acquisition_id WHERE c.area_id = 'seam' ORDER BY a.datetime, c.key`,
    );
    const keys = passArea().keys;
    const expected = (item: string, valid: readonly number[]) =>
      keys
        .flatMap((row) => row.map((key, c) => ({ item_id: item, key, valid_fraction: valid[c]! })))
        .sort((x, y) => x.key.localeCompare(y.key));
    expect(rows).toEqual([
      ...expected('scene_2024-05-01', WHOLE_VALID),
      ...expected('tile-e_2024-06-10+tile-w_2024-06-10', SPLIT_VALID),
    ]);
  }, 240_000);

  it('monitor run names the skipped item and the nearest acquisition outside an empty window, exits 3 and stores nothing', async () => {
    const before = await sql<{ n: number }>('SELECT count(*)::int AS n FROM acquisitions');
    const add = await cli(
      'area',
      'add',
      'late',
      geojson,
      '--source',
      bad,
      '--chip-size',
      '32',
      '--start',
      '2024-06-01',
    );
    expect(add.status, add.stderr).toBe(0);
    const run = await cli('monitor', 'run', 'late');
    expect(run.status).toBe(3);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['processed 0, failed 0, alerts none', `  skipped: ${badReason(bad)}`]);
    expect(lines[2]).toMatch(
      /^ {2}no processed acquisition in 2024-06-01 … \d{4}-\d{2}-\d{2}; nearest within 366 days: 2024-05-31 00:00 "good_2024-05-31" \(24 h before\); none after$/,
    );
    expect(lines).toHaveLength(3);
    expect(run.stderr).toContain('driftwatch: nothing processed for late\n');
    expect(await sql('SELECT count(*)::int AS n FROM acquisitions')).toEqual(before);
    expect(await sql(`SELECT count(*)::int AS n FROM area_acquisitions WHERE area_id = 'late'`)).toEqual([
      { n: 0 },
    ]);
  }, 240_000);

  it('assess names the failed and skipped acquisitions and the nearest one before an empty post-event window, and exits 3', async () => {
    const add = await cli('area', 'add', 'early', geojson, '--source', assessed, '--chip-size', '32');
    expect(add.status, add.stderr).toBe(0);
    const run = await cli('assess', 'early', '--event-date', '2024-06-01', '--prompt', 'flooded area');
    expect(run.status).toBe(3);
    const cut = join(assessed, 'cut_2024-06-20.tif');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'assessment of early for the event of 2024-06-01',
      '  baseline: 1 acquisition(s) 2024-04-02 … 2024-05-31',
      '  assessed: 0 acquisition(s) 2024-06-01 … 2024-07-01',
    ]);
    // The detection's own lines come between; the report of what was not processed closes the output.
    const report = lines.slice(-3);
    expect(report[0]).toMatch(
      new RegExp(`^ {2}failed: 2024-06-20 "cut_2024-06-20": RasterError: raster ${cut} is unreadable`),
    );
    expect(report.slice(1)).toEqual([
      `  skipped: ${badReason(assessed)}`,
      '  no processed acquisition in 2024-06-01 … 2024-07-01; nearest within 366 days: 2024-05-31 00:00 "good_2024-05-31" (24 h before); none after',
    ]);
    expect(run.stderr).toContain(
      'driftwatch: nothing assessed: no acquisition after the event could be processed (2024-06-01 … 2024-07-01)\n',
    );
    const failed = await cli('area', 'acquisitions', 'early', '--status', 'failed');
    expect(failed.stdout).toMatch(
      new RegExp(
        `^2024-06-20 00:00\tfailed\t1 item\\(s\\)\tcut_2024-06-20\tRasterError: raster ${cut} is unreadable[^\n]*\n$`,
      ),
    );
  }, 240_000);

  it('monitor backfill sums up its period: the failed acquisition with its reason, exit 3 when none was processed', async () => {
    const add = await cli('area', 'add', 'weekly', geojson, '--source', assessed, '--chip-size', '32');
    expect(add.status, add.stderr).toBe(0);
    const start = await cli('monitor', 'start', 'weekly', '--every', '7d', '--paused');
    expect(start.status, start.stderr).toBe(0);
    const run = await cli('monitor', 'backfill', 'weekly', '--from', '2024-06-01', '--to', '2024-07-01');
    expect(run.status).toBe(3);
    const cut = join(assessed, 'cut_2024-06-20.tif');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^backfill of monitor\/weekly: \d+ run\(s\) finished; 0 acquisition\(s\) processed, 1 failed in 2024-06-01 … 2024-07-01$/,
    );
    expect(lines[1]).toMatch(
      new RegExp(`^ {2}failed: 2024-06-20 "cut_2024-06-20": RasterError: raster ${cut} is unreadable`),
    );
    expect(lines).toHaveLength(2);
    expect(run.stderr).toContain('driftwatch: nothing processed for weekly in the backfill period\n');
  }, 240_000);

  it('area add refuses bad band metadata with exit 2, naming the value, and stores nothing', async () => {
    const before = await sql<{ n: number }>('SELECT count(*)::int AS n FROM areas');
    const scale = await cli('area', 'add', 'x', geojson, '--source', bad, '--scale', '0.0001,abc');
    expect(scale.status).toBe(2);
    expect(scale.stderr).toBe(
      'driftwatch: InputError: --scale "0.0001,abc" is not a number or a comma-separated list of numbers\n',
    );
    const stac = await cli(
      'area',
      'add',
      'x',
      geojson,
      '--source',
      'https://example.org/stac',
      '--nodata',
      '0',
    );
    expect(stac.status).toBe(2);
    expect(stac.stderr).toBe(
      'driftwatch: InputError: --nodata applies to local folder sources only, not to https://example.org/stac\n',
    );
    expect(await sql('SELECT count(*)::int AS n FROM areas')).toEqual(before);
  }, 240_000);
});
