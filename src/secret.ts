/**
 * A secret configuration value (an API key, a bearer token): JSON, string conversion and util.inspect
 * all print `[redacted]`, so that printing a configuration cannot show it; `reveal()` gives the value to
 * the one request header that needs it.
 */
import { inspect } from 'node:util';

/** What a secret prints as. */
export const REDACTED = '[redacted]';

/** A value that is never printed. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself, for a request header. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
