import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { ConfigError, ServiceUnavailableError } from '../src/errors.ts';
import { openTemporal } from '../src/temporal/connect.ts';
import { processAlive } from '../src/temporal/dev-server.ts';

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

  it('reports a server binary that does not serve, and leaves neither record nor lock behind', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dw-'));
    const config = loadConfig({ DRIFTWATCH_HOME: home, TEMPORAL_CLI: '/bin/false' });
    const err = await openTemporal(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect((err as Error).message).toMatch(
      /^the Temporal server \(\/bin\/false, pid \d+\) did not serve on 127\.0\.0\.1:\d+$/,
    );
    expect(existsSync(join(home, 'temporal.server.json'))).toBe(false);
    expect(existsSync(join(home, 'temporal.server.mutex'))).toBe(false);
  });

  it('starts the embedded dev server, shares it with a second handle, and stops it with the last', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dw-'));
    const config = loadConfig({ DRIFTWATCH_HOME: home, TEMPORAL_CLI: inject('temporalCli') });
    const first = await openTemporal(config);
    const record = () => JSON.parse(readFileSync(join(home, 'temporal.server.json'), 'utf8')) as unknown;
    let server: number;
    try {
      expect(first.embedded).toBe(true);
      expect(first.server?.started).toBe(true);
      server = first.server!.pid;
      const ns = await first.client.workflowService.describeNamespace({ namespace: 'default' });
      expect(ns.namespaceInfo?.name).toBe('default');
      const second = await openTemporal(config);
      try {
        expect(second.server).toEqual({ pid: server, started: false });
        expect(second.address).toBe(first.address);
        expect(record()).toEqual({
          pid: server,
          port: Number(first.address.split(':')[1]),
          address: first.address,
          users: [process.pid, process.pid],
        });
      } finally {
        await second.close();
      }
      expect((record() as { users: number[] }).users).toEqual([process.pid]);
      expect(
        (await first.client.workflowService.describeNamespace({ namespace: 'default' })).namespaceInfo?.name,
      ).toBe('default');
    } finally {
      await first.close();
    }
    expect(existsSync(join(home, 'temporal.server.json'))).toBe(false);
    expect(processAlive(server)).toBe(false); // gone, or exited and not yet reaped
    // The server's state (schedules, histories) persists in home/temporal.db for the next start.
    const third = await openTemporal(config);
    expect(third.server?.started).toBe(true);
    expect(third.server?.pid).not.toBe(server);
    await third.close();
  });
});
