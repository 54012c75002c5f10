/**
 * bench:embed's Python environment is installed idempotently: an environment stamped with the current
 * requirements and whose Python imports them is left alone, and a changed requirements file, a missing
 * stamp or a Python that fails makes it stale. Uses a fake `bin/python` (a shell script), not pip.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ensureExportVenv,
  exportVenvCurrent,
  requirementsDigest,
} from '../scripts/lib/export-venv-install.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A folder with a requirements file and a venv whose python exits with `status`. */
function fixture(status: number): { venv: string; requirements: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dw-export-venv-'));
  dirs.push(dir);
  const requirements = join(dir, 'requirements.txt');
  writeFileSync(requirements, 'torch==2.8.0\nonnxruntime==1.30.0\n');
  const venv = join(dir, 'venv');
  mkdirSync(join(venv, 'bin'), { recursive: true });
  writeFileSync(join(venv, 'bin', 'python'), `#!/bin/sh\nexit ${status}\n`);
  chmodSync(join(venv, 'bin', 'python'), 0o755);
  return { venv, requirements };
}

describe('export venv install', () => {
  it('digests the requirements bytes with SHA-256', () => {
    const { requirements } = fixture(0);
    expect(requirementsDigest(requirements)).toBe(
      'a20014fdf4f951913523d74c42df7599885371377ea85e2e4fac83cb05281dfc',
    );
  });

  it('leaves a stamped environment whose python runs alone, without installing', () => {
    const { venv, requirements } = fixture(0);
    writeFileSync(join(venv, 'driftwatch-requirements.sha256'), `${requirementsDigest(requirements)}\n`);
    expect(exportVenvCurrent(venv, requirements)).toBe(true);
    const logged: string[] = [];
    expect(
      ensureExportVenv({ venv, requirements, python3: undefined, log: (m: string) => logged.push(m) }),
    ).toBe(join(venv, 'bin', 'python'));
    expect(logged).toEqual([]);
  });

  it('calls an environment stale when the requirements changed, the stamp is missing or python fails', () => {
    const changed = fixture(0);
    writeFileSync(
      join(changed.venv, 'driftwatch-requirements.sha256'),
      `${requirementsDigest(changed.requirements)}\n`,
    );
    writeFileSync(changed.requirements, 'torch==2.9.0\nonnxruntime==1.30.0\n');
    expect(exportVenvCurrent(changed.venv, changed.requirements)).toBe(false);

    const unstamped = fixture(0);
    expect(exportVenvCurrent(unstamped.venv, unstamped.requirements)).toBe(false);

    const broken = fixture(1);
    writeFileSync(
      join(broken.venv, 'driftwatch-requirements.sha256'),
      `${requirementsDigest(broken.requirements)}\n`,
    );
    expect(exportVenvCurrent(broken.venv, broken.requirements)).toBe(false);
  });

  it('says which step failed: a python that cannot run and no python3, or pip exiting non-zero (nothing stamped)', () => {
    const dead = fixture(3);
    expect(() =>
      ensureExportVenv({
        venv: dead.venv,
        requirements: dead.requirements,
        python3: undefined,
        log: () => {},
      }),
    ).toThrow('python3 not found: the export environment needs Python >= 3.10');

    const { venv, requirements } = fixture(0);
    writeFileSync(join(venv, 'bin', 'python'), '#!/bin/sh\n[ "$1" = "-m" ] && exit 3\nexit 0\n');
    const logged: string[] = [];
    expect(() =>
      ensureExportVenv({ venv, requirements, python3: undefined, log: (m: string) => logged.push(m) }),
    ).toThrow(`pip install -r ${requirements} failed (exit 3)`);
    expect(logged.length).toBe(1);
    expect(existsSync(join(venv, 'driftwatch-requirements.sha256'))).toBe(false);
  });
});
