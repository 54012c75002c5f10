import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ConfigError } from '../../errors.ts';
import { startServer } from '../../server/server.ts';
import { DbEvidenceStore } from '../../store/db-evidence-store.ts';
import { withRuntime } from '../runtime.ts';

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new ConfigError(`--port "${value}" is not a port number (0 to 65535)`);
  return n;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('browse areas, alerts and evidence in a read-only web viewer')
    .option('--port <port>', 'TCP port', port, 8787)
    .option('--host <host>', 'interface to listen on (127.0.0.1: this machine only)', '127.0.0.1')
    .option(
      '--evidence-dir <dir>',
      'evidence folder of a release that kept evidence on disk, imported on first view (default: DRIFTWATCH_EVIDENCE_DIR or .driftwatch/evidence)',
    )
    .action(async (o: { port: number; host: string; evidenceDir?: string }) => {
      await withRuntime(async (rt) => {
        const db = await rt.db();
        const legacyDir = o.evidenceDir ? resolve(o.evidenceDir) : rt.config.legacyEvidenceDir;
        const evidence = new DbEvidenceStore(db, { legacyDir });
        const server = await startServer(db, { port: o.port, host: o.host, evidence });
        process.stdout.write(`driftwatch viewer on ${server.url} (${db.description}); Ctrl-C stops it\n`);
        await new Promise<void>((done) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            done();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await server.close();
      });
    });
}
