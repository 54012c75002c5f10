/** The one configuration loader: defaults, a ConfigError naming each bad value, and README naming each variable. */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/errors.ts';
import { dbConfigOf } from '../src/store/open.ts';

describe('loadConfig', () => {
  it('gives every field its default on an empty environment', () => {
    const c = loadConfig({ DRIFTWATCH_HOME: '/tmp/dw-home' });
    expect(c).toMatchObject({
      home: '/tmp/dw-home',
      dbDir: '/tmp/dw-home/db',
      temporalNamespace: 'default',
      legacyEvidenceDir: '/tmp/dw-home/evidence',
      model: 'spectral',
      provider: 'auto',
      retryBudgetS: 60,
      temporalLogLevel: 'WARN',
      debug: false,
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.temporalAddress).toBeUndefined();
    expect(dbConfigOf(c)).toEqual({ dataDir: '/tmp/dw-home/db' });
    expect(dbConfigOf(loadConfig({ DATABASE_URL: ' postgres://h/db ' }))).toEqual({
      databaseUrl: 'postgres://h/db',
    });
  });

  it('reads the log level in any case, the retry budget as seconds and DRIFTWATCH_DEBUG as a flag', () => {
    const c = loadConfig({
      TEMPORAL_LOG_LEVEL: 'error',
      DRIFTWATCH_RETRY_BUDGET_S: ' 2.5 ',
      DRIFTWATCH_DEBUG: '1',
    });
    expect(c.temporalLogLevel).toBe('ERROR');
    expect(c.retryBudgetS).toBe(2.5);
    expect(c.debug).toBe(true);
  });

  it('names every bad value in one ConfigError', () => {
    expect(() => loadConfig({ TEMPORAL_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig({ TEMPORAL_LOG_LEVEL: 'loud', DRIFTWATCH_RETRY_BUDGET_S: '0' })).toThrow(
      'DRIFTWATCH_RETRY_BUDGET_S is "0"; expected a number of seconds from 0 to 86400 (not 0); TEMPORAL_LOG_LEVEL is "loud"; expected TRACE, DEBUG, INFO, WARN or ERROR',
    );
    expect(() => loadConfig({ DRIFTWATCH_PROVIDER: 'tpu' })).toThrow(
      'DRIFTWATCH_PROVIDER is "tpu"; expected auto, cpu, cuda or webgpu',
    );
  });

  it('reads the service credentials as secrets that print redacted', () => {
    const c = loadConfig({ PC_SDK_SUBSCRIPTION_KEY: ' pc-secret-1 ', EARTHDATA_TOKEN: 'edl-secret-2' });
    expect(c.pcSubscriptionKey?.reveal()).toBe('pc-secret-1');
    expect(c.earthdataToken?.reveal()).toBe('edl-secret-2');
    expect(JSON.parse(JSON.stringify(c))).toMatchObject({
      pcSubscriptionKey: '[redacted]',
      earthdataToken: '[redacted]',
    });
    expect(`${c.earthdataToken}`).toBe('[redacted]');
    const printed = inspect(c) + JSON.stringify(c);
    expect(printed.includes('pc-secret-1') || printed.includes('edl-secret-2')).toBe(false);
    const blank = loadConfig({ PC_SDK_SUBSCRIPTION_KEY: ' ', EARTHDATA_TOKEN: '' });
    expect([blank.pcSubscriptionKey, blank.earthdataToken]).toEqual([undefined, undefined]);
  });

  it("is documented: README's table of variables names exactly the variables it reads", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)` +\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(CONFIG_VARIABLES).toContain('DRIFTWATCH_HOME');
  });
});
