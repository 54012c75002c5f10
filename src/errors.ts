/**
 * One error base for the whole project. Every error names the offending value in its message.
 * At the activity boundary (see `activities/failures.ts`) each class becomes an `ApplicationFailure`
 * whose `type` is the class name; `retryable` says whether Temporal may retry it.
 */
export class DriftwatchError extends Error {
  /** Whether retrying the same call could succeed (transient faults) or not (bad input). */
  readonly retryable: boolean = false;
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

/** A source is temporarily unavailable (5xx, timeout, connection reset): retry with backoff. */
export class SourceUnavailableError extends DriftwatchError {
  override readonly retryable = true;
}

/** A model folder is missing files, has wrong checksums, names or dimensions. */
export class ModelError extends DriftwatchError {}

/** A vector's dimension does not match its model's dimension. */
export class DimensionMismatchError extends DriftwatchError {}

/** Input data (pixels, prompts, pairs) cannot be processed as given. */
export class InputError extends DriftwatchError {}

/** Evidence bytes are missing from their store, or a file's bytes do not hash to the name it is stored under. */
export class EvidenceError extends DriftwatchError {}

/** A migration file was edited after it was applied, or files are out of order. */
export class MigrationError extends DriftwatchError {}

/** The database or Temporal cluster cannot be reached (transient). */
export class ServiceUnavailableError extends DriftwatchError {
  override readonly retryable = true;
}

/** Names of all error classes, for mapping `ApplicationFailure.type` back to a class. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'ConfigError',
  'AreaError',
  'RasterError',
  'OutsideRasterError',
  'CrsError',
  'SourceError',
  'ModelError',
  'DimensionMismatchError',
  'InputError',
  'EvidenceError',
  'MigrationError',
] as const;
