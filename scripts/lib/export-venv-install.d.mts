/** Types of export-venv-install.mjs (the Python environment of the model export and bench:embed). */

/** SHA-256 (hex) of the requirements file's bytes. */
export function requirementsDigest(requirements: string): string;

/** Whether `venv`'s Python runs and the environment was built from exactly these requirements. */
export function exportVenvCurrent(venv: string, requirements: string): boolean;

/** Makes `venv` hold `requirements` and returns its Python; throws an Error naming the step that failed. */
export function ensureExportVenv(options: {
  /** The virtual environment's folder. */
  venv: string;
  /** The pip requirements file. */
  requirements: string;
  /** The python3 that creates the environment when it is missing or broken. */
  python3: string | undefined;
  /** Where the one "installing" line goes. */
  log: (message: string) => void;
}): string;
