import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { ConfigError, ServiceUnavailableError } from '../src/errors.ts';
import { openTemporal } from '../src/temporal/connect.ts';

describe('Temporal connection', () => {
  it('fails fast with the address in the message when TEMPORAL_ADDRESS is unreachable', async () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      DRIFTWATCH_HOME: mkdtempSync(join(tmpdir(), 'dw-')),
    });
    const started = Date.now();
    const err = await openTemporal(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect((err as Error).message).toMatch(/^Temporal at 127\.0\.0\.1:1 is unreachable/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses a TEMPORAL_ADDRESS that is not host:port', () => {
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'http://localhost:7233' })).toThrow(ConfigError);
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'http://localhost:7233' })).toThrow(
      'TEMPORAL_ADDRESS is "http://localhost:7233"; expected host:port, e.g. localhost:7233',
    );
  });

  it('starts the embedded dev server, shares it with a second process handle, and stops it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dw-'));
    const config = loadConfig({ DRIFTWATCH_HOME: home, TEMPORAL_CLI: inject('temporalCli') });
    const first = await openTemporal(config);
    try {
      expect(first.embedded).toBe(true);
      const ns = await first.client.workflowService.describeNamespace({ namespace: 'default' });
      expect(ns.namespaceInfo?.name).toBe('default');
    } finally {
      await first.close();
    }
    // The server's state (schedules, histories) persists in home/temporal.db for the next start.
    const second = await openTemporal(config);
    expect(second.embedded).toBe(true);
    await second.close();
  });
});
