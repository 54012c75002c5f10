// Installs the Python environment of scripts/export_git_rsclip.py and scripts/bench/embed_ort.py
// (PyTorch, transformers, onnx, onnxruntime: scripts/requirements-export.txt) into a virtual environment.
// Idempotent: the environment records the SHA-256 of the requirements it was built from, and one that
// runs and holds the same requirements is left alone; changed requirements are installed into it again
// (pip keeps what already matches); one whose Python cannot run is rebuilt.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The file inside the environment that records which requirements it was built from. */
const STAMP = 'driftwatch-requirements.sha256';

/** SHA-256 (hex) of the requirements file's bytes. */
export function requirementsDigest(requirements) {
  return createHash('sha256').update(readFileSync(requirements)).digest('hex');
}

/** Whether `venv`'s Python runs and the environment was built from exactly these requirements. */
export function exportVenvCurrent(venv, requirements) {
  const python = join(venv, 'bin', 'python');
  const stamp = join(venv, STAMP);
  if (!existsSync(python) || !existsSync(stamp)) return false;
  if (readFileSync(stamp, 'utf8').trim() !== requirementsDigest(requirements)) return false;
  return (
    spawnSync(python, ['-c', 'import torch, onnxruntime, transformers'], { stdio: 'ignore' }).status === 0
  );
}

/**
 * Makes `venv` hold `requirements` and returns its Python, or throws an Error that says which step failed
 * (no python3, venv creation, pip install). Prints one line through `log` when it installs.
 */
export function ensureExportVenv({ venv, requirements, python3, log }) {
  const python = join(venv, 'bin', 'python');
  if (exportVenvCurrent(venv, requirements)) return python;
  const runs = existsSync(python) && spawnSync(python, ['-c', ''], { stdio: 'ignore' }).status === 0;
  if (!runs) {
    if (!python3) throw new Error('python3 not found: the export environment needs Python >= 3.10');
    rmSync(venv, { recursive: true, force: true });
    execFileSync(python3, ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  log(
    `installing ${relative(process.cwd(), requirements)} into ${relative(process.cwd(), venv)} (PyTorch and onnxruntime: several GB, first run only)…`,
  );
  const pip = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '-r', requirements], {
    stdio: 'inherit',
  });
  if (pip.status !== 0) throw new Error(`pip install -r ${requirements} failed (exit ${pip.status})`);
  writeFileSync(join(venv, STAMP), `${requirementsDigest(requirements)}\n`);
  return python;
}
