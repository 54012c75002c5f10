#!/usr/bin/env node
// `start <binDir>`: starts a detached native PostgreSQL on a free port and prints shell assignments
// (TEST_DATABASE_URL, CI_PGDATA, and the server's and pgvector's versions: CI_PG_VERSION,
// CI_PGVECTOR_VERSION). `stop <binDir> <dataDir>`: stops it and removes its data.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, nativePostgresVersions, runAs } from './lib/native-postgres.mjs';

const [command, binDir, dataDirArg] = process.argv.slice(2);
const as = runAs();

if (command === 'start') {
  const dataDir = mkdtempSync(join(tmpdir(), 'driftwatch-ci-pg-'));
  if (as.uid !== undefined) chownSync(dataDir, as.uid, as.gid);
  execFileSync(
    join(binDir, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
    { stdio: 'ignore', ...as },
  );
  const port = await freePort();
  const child = spawn(
    join(binDir, 'pg_ctl'),
    [
      '-D',
      dataDir,
      '-l',
      join(dataDir, 'server.log'),
      '-w',
      '-o',
      `-p ${port} -k ${dataDir} -h 127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ],
    { stdio: 'ignore', ...as },
  );
  const code = await new Promise((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`pg_ctl start exited with ${code}`);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const versions = nativePostgresVersions(binDir, url);
  process.stdout.write(
    `export TEST_DATABASE_URL=${url}\nexport CI_PGDATA=${dataDir}\n` +
      `export CI_PG_VERSION=${versions.server}\nexport CI_PGVECTOR_VERSION=${versions.pgvector}\n`,
  );
} else if (command === 'stop') {
  execFileSync(join(binDir, 'pg_ctl'), ['-D', dataDirArg, '-m', 'fast', 'stop'], { stdio: 'ignore', ...as });
  rmSync(dataDirArg, { recursive: true, force: true });
} else {
  process.stderr.write('usage: ci-postgres.mjs start <binDir> | stop <binDir> <dataDir>\n');
  process.exit(2);
}
