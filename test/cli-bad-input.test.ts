/**
 * Bad input through the CLI and the viewer: one line naming the value, exit 2 (bad input) or 3 (an
 * unavailable source), and stored data unchanged. The test process owns the database (the embedded one
 * is served to the CLI processes through its socket), so every case compares a snapshot in-process.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addArea } from '../src/pipeline/areas.ts';
import { startServer, type RunningServer } from '../src/server/server.ts';
import type { Db } from '../src/store/db.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import { openDb } from '../src/store/open.ts';
import { cliRunner, type CliResult } from './helpers/cli-run.ts';
import { freshPostgresUrl } from './helpers/databases.ts';
import { rowCounts } from './helpers/row-counts.ts';
import { seedViewerData } from './helpers/seed-viewer.ts';
import { inject } from 'vitest';

const square = (w: number, s: number, e: number, n: number) => [
  [w, s],
  [e, s],
  [e, n],
  [w, n],
  [w, s],
];
const VALLEY = { type: 'Polygon', coordinates: [square(13.4, 52.5, 13.42, 52.51)] };

/** A port nothing listens on (bound once, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const serverUrl = inject('nativePostgresUrl');
const backends = [
  { name: 'pglite', url: async () => '' },
  ...(serverUrl ? [{ name: 'postgres', url: () => freshPostgresUrl(serverUrl) }] : []),
];

describe.each(backends)('bad input is refused in one line and stores nothing ($name)', (backend) => {
  const home = mkdtempSync(join(tmpdir(), 'dw-bad-input-'));
  const dir = mkdtempSync(join(tmpdir(), 'dw-bad-input-files-'));
  const folder = join(dir, 'imagery');
  let db: Db;
  let cli: (...args: string[]) => Promise<CliResult>;
  let junk: Server;
  let junkUrl: string;

  const file = (name: string, geometry: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ type: 'Feature', properties: {}, geometry }));
    return path;
  };
  const snapshot = async () => ({
    areas: (
      await db.query(
        'SELECT id, name, chip_px, resolution_m, epsg, source::text, geometry::text, fusion_days FROM areas ORDER BY id',
      )
    ).rows,
    alerts: (await db.query('SELECT id, kind, prompts::text, status FROM alerts ORDER BY id')).rows,
    counts: await rowCounts(db),
  });
  /** Runs the command and checks its stderr, exit status and that nothing stored changed. */
  const refused = async (args: string[], stderr: string | RegExp, status: number) => {
    const before = await snapshot();
    const r = await cli(...args);
    if (typeof stderr === 'string') expect(r.stderr).toBe(stderr);
    else expect(r.stderr).toMatch(stderr);
    expect(r.status).toBe(status);
    expect(r.stdout).toBe('');
    expect(await snapshot()).toEqual(before);
    return r;
  };

  beforeAll(async () => {
    mkdirSync(folder);
    const url = await backend.url();
    db = await openDb(url ? { databaseUrl: url } : { dataDir: join(home, 'db') });
    cli = cliRunner(home, url);
    await addArea(db, {
      id: 'valley',
      geojson: VALLEY,
      source: { kind: 'local', path: folder },
      chipPx: 32,
    });
    await seedViewerData(db);
    // Every alert stores a score for every prompt: the construction site scored "flooded farmland" too, low.
    await db.query(
      `UPDATE alerts SET prompts = prompts || '{"flooded farmland": 0.01}'::jsonb WHERE kind = 'construction'`,
    );
    junk = createServer((_req, res) => res.end('nope{'));
    await new Promise<void>((r) => junk.listen(0, '127.0.0.1', r));
    junkUrl = `http://127.0.0.1:${(junk.address() as AddressInfo).port}/item.json`;
  });
  afterAll(async () => {
    await new Promise((r) => junk?.close(r));
    await db?.close();
  });

  it('a polygon whose hole lies outside its shell', async () => {
    const holed = {
      type: 'Polygon',
      coordinates: [square(13.4, 52.5, 13.42, 52.51), square(13.5, 52.5, 13.51, 52.505)],
    };
    await refused(
      ['area', 'add', 'holed', file('holed.geojson', holed), '--source', folder],
      'driftwatch: AreaError: polygon ring 1 (a hole) lies outside its outer ring 0, at (13.500000, 52.500000)\n',
      2,
    );
  });

  it('a MultiPolygon whose parts overlap (refused, not merged)', async () => {
    const overlapping = {
      type: 'MultiPolygon',
      coordinates: [[square(13.4, 52.5, 13.42, 52.51)], [square(13.41, 52.505, 13.43, 52.515)]],
    };
    await refused(
      ['area', 'add', 'twice', file('twice.geojson', overlapping), '--source', folder],
      'driftwatch: AreaError: MultiPolygon polygons 0 and 1 overlap near (13.420000, 52.505000); give parts that do not overlap (merge them into one polygon)\n',
      2,
    );
  });

  it('a source folder that does not exist', async () => {
    const missing = join(dir, 'no-such-folder');
    await refused(
      ['area', 'add', 'lost', file('lost.geojson', VALLEY), '--source', missing],
      `driftwatch: InputError: --source folder ${missing} does not exist\n`,
      2,
    );
  });

  it('re-adding an area with another chip size', async () => {
    await refused(
      ['area', 'add', 'valley', file('valley.geojson', VALLEY), '--source', folder, '--chip-size', '64'],
      'driftwatch: AreaError: area "valley" already exists with chip size 32 px, not the 64 px given; remove it first or choose another id\n',
      2,
    );
  });

  it('re-adding an area with another source', async () => {
    const other = mkdtempSync(join(dir, 'other-'));
    await refused(
      ['area', 'add', 'valley', file('valley.geojson', VALLEY), '--source', other, '--chip-size', '32'],
      `driftwatch: AreaError: area "valley" already exists with source ${folder}, not the ${other} given; remove it first or choose another id\n`,
      2,
    );
  });

  it('re-adding an area with another fusion window', async () => {
    await refused(
      [
        'area',
        'add',
        'valley',
        file('valley.geojson', VALLEY),
        '--source',
        folder,
        '--chip-size',
        '32',
        '--fusion-days',
        '5',
      ],
      'driftwatch: AreaError: area "valley" already exists with fusion window 3 days, not the 5 given; remove it first or choose another id\n',
      2,
    );
  });

  it('re-adding an area with another minimum mapping unit', async () => {
    await refused(
      [
        'area',
        'add',
        'valley',
        file('valley.geojson', VALLEY),
        '--source',
        folder,
        '--chip-size',
        '32',
        '--mmu-ha',
        '0.5',
      ],
      'driftwatch: AreaError: area "valley" already exists with minimum mapping unit 0.1 ha, not the 0.5 ha given; remove it first or choose another id\n',
      2,
    );
  });

  it('a chip size that is not a number', async () => {
    await refused(
      ['area', 'add', 'odd', file('odd.geojson', VALLEY), '--source', folder, '--chip-size', 'abc'],
      'driftwatch: InputError: --chip-size "abc" is not a whole number from 8 to 4096\n',
      2,
    );
  });

  it('a negative --pre-days', async () => {
    await refused(
      ['assess', 'valley', '--event-date', '2024-05-01', '--pre-days', '-5'],
      'driftwatch: InputError: --pre-days "-5" is not a whole number from 1 to 3650\n',
      2,
    );
  });

  it('a --post-days that is not a number', async () => {
    await refused(
      ['assess', 'valley', '--event-date', '2024-05-01', '--post-days', 'abc'],
      'driftwatch: InputError: --post-days "abc" is not a whole number from 1 to 3650\n',
      2,
    );
  });

  it('an --event that names no event kind', async () => {
    await refused(
      ['assess', 'valley', '--event-date', '2024-05-01', '--event', 'any'],
      'driftwatch: InputError: --event "any" is not an event kind (flood, burn)\n',
      2,
    );
  });

  it('an --event-date that is not a full date', async () => {
    await refused(
      ['assess', 'valley', '--event-date', '1'],
      'driftwatch: InputError: --event-date "1" is not a date (YYYY-MM-DD) or an ISO 8601 datetime with zone (2024-05-01T10:00:00Z)\n',
      2,
    );
  });

  it('an --event-date in the future', async () => {
    await refused(
      ['assess', 'valley', '--event-date', '2999-01-01'],
      /^driftwatch: InputError: --event-date "2999-01-01" is in the future \(now is \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\)\n$/,
      2,
    );
  });

  it('an unknown alert kind lists the valid kinds', async () => {
    await refused(
      ['alerts', 'list', '--kind', 'nosuch'],
      'driftwatch: InputError: kind "nosuch" is not one of flood, burn, vegetation-loss, construction, change\n',
      2,
    );
  });

  it('--prompt matches the prompts that fired, not every prompt scored', async () => {
    const r = await cli('alerts', 'list', '--prompt', 'flood', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const kinds = (JSON.parse(r.stdout) as { kind: string }[]).map((a) => a.kind);
    expect(kinds).toEqual(['flood']);
  });

  it('chips --size beyond the largest chip', async () => {
    await refused(
      ['chips', join(dir, 'any.tif'), '--size', '100000'],
      'driftwatch: InputError: --size must be an integer from 8 to 4096 pixels, got "100000"\n',
      2,
    );
  });

  it('chips --min-valid that is not a number', async () => {
    await refused(
      ['chips', join(dir, 'any.tif'), '--min-valid', 'abc'],
      'driftwatch: InputError: --min-valid must be a fraction in [0, 1], got "abc"\n',
      2,
    );
  });

  it('a STAC item URL that does not return JSON', async () => {
    await refused(
      ['chips', junkUrl],
      `driftwatch: SourceError: ${junkUrl} did not return JSON (starts with "nope{")\n`,
      2,
    );
  });

  it('monitor start --every that is no interval', async () => {
    await refused(
      ['monitor', 'start', 'valley', '--every', 'banana'],
      'driftwatch: InputError: --every "banana" is not a duration of at least 1 s, such as 1d, 12h or "5 days"\n',
      2,
    );
  });

  it('monitor start with a cron field out of range', async () => {
    await refused(
      ['monitor', 'start', 'valley', '--cron', '61 * * * *'],
      'driftwatch: InputError: --cron "61 * * * *" is not a cron expression of five fields (minute hour day-of-month month day-of-week, UTC) such as "0 6 * * *": field 1 "61" is out of range\n',
      2,
    );
  });

  it('an area --fusion-days that is negative', async () => {
    await refused(
      ['area', 'add', 'fused', file('fused.geojson', VALLEY), '--source', folder, '--fusion-days', '-1'],
      'driftwatch: InputError: --fusion-days "-1" is not a whole number from 0 to 60\n',
      2,
    );
  });

  it('a monitor start --fusion-days that is not a whole number', async () => {
    await refused(
      ['monitor', 'start', 'valley', '--fusion-days', '2.5'],
      'driftwatch: InputError: --fusion-days "2.5" is not a whole number from 0 to 60\n',
      2,
    );
  });

  it('a monitor run --fusion-days beyond 60', async () => {
    await refused(
      ['monitor', 'run', 'valley', '--fusion-days', '61'],
      'driftwatch: InputError: --fusion-days "61" is not a whole number from 0 to 60\n',
      2,
    );
  });

  it('an assess --fusion-days beyond 60', async () => {
    await refused(
      ['assess', 'valley', '--event-date', '2024-05-01', '--fusion-days', '61'],
      'driftwatch: InputError: --fusion-days "61" is not a whole number from 0 to 60\n',
      2,
    );
  });

  it('a refused URL fails after one pass of retries, each retry shown, exit 3', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/item.json`;
    const r = await refused(['chips', url], /./, 3);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    for (const [i, line] of lines.slice(0, 3).entries())
      expect(line).toMatch(
        new RegExp(
          `^source: GET ${url} failed \\(fetch failed \\(connect ECONNREFUSED [^)]+\\)\\); attempt ${i + 2} of 4 in \\d+\\.\\d s, \\d+ s of its retry budget left$`,
        ),
      );
    expect(lines[3]).toMatch(
      new RegExp(
        `^driftwatch: SourceUnavailableError: GET ${url}: fetch failed \\(connect ECONNREFUSED [^)]+\\) on all 4 attempts; check the URL and that its server is running$`,
      ),
    );
  });

  describe('the viewer', () => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await startServer(db, { port: 0, evidence: new DbEvidenceStore(db) });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('answers 400, not 500, to a NUL in a parameter', async () => {
      const before = await snapshot();
      const res = await fetch(new URL('/api/alerts?area=%00', server.url));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'parameter "area" holds a control character: "\\u0000"',
        status: 400,
      });
      expect(await snapshot()).toEqual(before);
    });

    it('answers 400 to an unknown kind', async () => {
      const res = await fetch(new URL('/api/alerts?kind=nosuch', server.url));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'kind "nosuch" is not one of flood, burn, vegetation-loss, construction, change',
        status: 400,
      });
    });
  });
});
