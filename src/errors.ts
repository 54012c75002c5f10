/** Exit codes of the CLI (README, "Exit codes"). */
export const EXIT_CODES = { internal: 1, badInput: 2, unavailable: 3 } as const;

/**
 * One error base for the whole project. Every error names the offending value in its message.
 * At the activity boundary (see `activities/failures.ts`) each class becomes an `ApplicationFailure`
 * whose `type` is the class name; `retryable` says whether Temporal may retry it. The CLI maps the
 * `type` back to the class (`errorFromType`) and exits with its `exitCode`.
 */
export class DriftwatchError extends Error {
  /** Whether retrying the same call could succeed (transient faults) or not (bad input). */
  readonly retryable: boolean = false;
  /** The CLI's exit status for this error: bad input unless a subclass says otherwise. */
  readonly exitCode: number = EXIT_CODES.badInput;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration value (environment variable, CLI flag, config file) is malformed. */
export class ConfigError extends DriftwatchError {}

/** An area of interest is not valid GeoJSON, is empty, too large, or unknown. */
export class AreaError extends DriftwatchError {}

/** A raster is unreadable, corrupt, lacks a band, or a window lies outside it. */
export class RasterError extends DriftwatchError {}

/** A window lies wholly outside a raster (a chip that the raster does not cover). */
export class OutsideRasterError extends RasterError {}

/** A coordinate reference system has no definition (unknown EPSG code, unsupported GeoKeys). */
export class CrsError extends RasterError {}

/** An imagery source (STAC API, HTTP server, file) answered with a client error or bad metadata. */
export class SourceError extends DriftwatchError {}

/** A source refused access: a credential it needs is missing or was refused (not retried: the same request fails again). */
export class AccessError extends SourceError {}

/**
 * A source is unavailable (5xx, timeout, connection reset): retried with backoff while the source's retry
 * budget lasts; `retryable: false` once the budget is spent or the connection is refused outright.
 */
export class SourceUnavailableError extends DriftwatchError {
  override readonly retryable: boolean;
  override readonly exitCode = EXIT_CODES.unavailable;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.retryable = options?.retryable ?? true;
  }
}

/** A model folder is missing files, has wrong checksums, names or dimensions. */
export class ModelError extends DriftwatchError {}

/** A vector's dimension does not match its model's dimension. */
export class DimensionMismatchError extends DriftwatchError {
  override readonly exitCode = EXIT_CODES.internal;
}

/** Input data (pixels, prompts, pairs) cannot be processed as given. */
export class InputError extends DriftwatchError {}

/** Evidence bytes are missing from their store, or a file's bytes do not hash to the name it is stored under. */
export class EvidenceError extends DriftwatchError {}

/** A migration file was edited after it was applied, or files are out of order. */
export class MigrationError extends DriftwatchError {
  override readonly exitCode = EXIT_CODES.internal;
}

/** The database or Temporal cluster cannot be reached (transient). */
export class ServiceUnavailableError extends DriftwatchError {
  override readonly retryable = true;
  override readonly exitCode = EXIT_CODES.unavailable;
}

/** A webhook answered with an error or could not be reached (transient: delivery retries with backoff). */
export class DeliveryError extends DriftwatchError {
  override readonly retryable = true;
  override readonly exitCode = EXIT_CODES.unavailable;
}

/** Names of all error classes, for mapping `ApplicationFailure.type` back to a class. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'ConfigError',
  'AreaError',
  'RasterError',
  'OutsideRasterError',
  'CrsError',
  'SourceError',
  'AccessError',
  'ModelError',
  'DimensionMismatchError',
  'InputError',
  'EvidenceError',
  'MigrationError',
] as const;

/** Every error class by name, for mapping an `ApplicationFailure.type` back to its class. */
const ERROR_CLASSES: Record<string, new (message: string) => DriftwatchError> = {
  DriftwatchError,
  ConfigError,
  AreaError,
  RasterError,
  OutsideRasterError,
  CrsError,
  SourceError,
  AccessError,
  SourceUnavailableError,
  ModelError,
  DimensionMismatchError,
  InputError,
  MigrationError,
  ServiceUnavailableError,
  DeliveryError,
};

/** The typed error of a failure `type` (a class name) and message; undefined for types that are no class of ours. */
export function errorFromType(type: string | undefined | null, message: string): DriftwatchError | undefined {
  const Class = type && Object.hasOwn(ERROR_CLASSES, type) ? ERROR_CLASSES[type] : undefined;
  return Class ? new Class(message) : undefined;
}
