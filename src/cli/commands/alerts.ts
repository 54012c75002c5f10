import type { Command } from 'commander';
import { InputError } from '../../errors.ts';
import {
  getAlert,
  listAlerts,
  parseAlertKind,
  parseConfidence,
  parseDateBound,
  type AlertEvidence,
  type AlertSummary,
} from '../../store/read-queries.ts';
import { exportAlerts, exportAlertsToFile, parseExportFormat } from '../../export/export-alerts.ts';
import { output, withRuntime } from '../runtime.ts';

/** The days a tile's imagery was taken (`2024-04-01` or `2024-03-01..2024-04-01`); `unknown` for before tiles of older versions. */
function imagedDays(e: AlertEvidence): string {
  if (!e.imaged) return e.kind === 'before' ? 'unknown' : e.datetime.slice(0, 10);
  const [from, to] = [e.imaged.from.slice(0, 10), e.imaged.to.slice(0, 10)];
  return from === to ? from : `${from}..${to}`;
}

function line(a: AlertSummary): string {
  const prompts = a.prompts
    .filter((p) => p.score >= 0.05)
    .slice(0, 2)
    .map((p) => `${p.prompt} ${p.score.toFixed(2)}`)
    .join(', ');
  return `#${a.id}\t${a.areaId}\t${a.kind}\t${a.confidence}\t${a.confirmation}\tscore ${a.score.toFixed(2)}\t${a.chipKeys.length} chip(s), ${a.areaKm2.toFixed(2)} km²\t${a.firstSeen.slice(0, 10)} … ${a.lastSeen.slice(0, 10)}\t${prompts}`;
}

export function register(program: Command): void {
  const alerts = program.command('alerts').description('list and show alerts');
  alerts
    .command('list')
    .description('list alerts, newest first')
    .option('--area <id>', 'only this area')
    .option('--from <date>', 'last seen on or after this date')
    .option('--to <date>', 'last seen on or before this date')
    .option('--confidence <level>', 'at least this confidence: low, high, highest')
    .option('--kind <kind>', 'only this kind (flood, burn, vegetation-loss, construction, change)')
    .option('--prompt <text>', 'only alerts whose fired prompts contain this text')
    .option('--json', 'print JSON')
    .action(async (o) => {
      // Checked before the database opens: a bad filter is bad input, not an empty list.
      const kind = o.kind === undefined ? undefined : parseAlertKind(o.kind);
      const minConfidence = o.confidence === undefined ? undefined : parseConfidence(o.confidence);
      if (o.from !== undefined) parseDateBound(o.from, 'from');
      if (o.to !== undefined) parseDateBound(o.to, 'to');
      await withRuntime(async (rt) => {
        const db = await rt.db();
        const list = await db.readOnly((tx) =>
          listAlerts(tx, {
            areaId: o.area,
            from: o.from,
            to: o.to,
            minConfidence,
            kind,
            prompt: o.prompt,
          }),
        );
        output(list, o.json, (l) => (l.length ? l.map(line).join('\n') : 'no alerts'));
      });
    });
  alerts
    .command('show')
    .description('show one alert with its chips and evidence files')
    .argument('<id>', 'alert id')
    .option('--json', 'print JSON')
    .action(async (id: string, o) => {
      const n = Number(id);
      if (!Number.isInteger(n) || n <= 0) throw new InputError(`alert id "${id}" is not a positive integer`);
      await withRuntime(async (rt) => {
        const db = await rt.db();
        const alert = await db.readOnly((tx) => getAlert(tx, n));
        if (!alert) throw new InputError(`unknown alert ${n}`);
        output(alert, o.json, (a) =>
          [
            line(a),
            ...a.chips.map((c) => `  chip ${c.key}\tscore ${c.score?.toFixed(2) ?? '-'}`),
            ...a.evidence.map((e) => `  ${e.kind}\t${imagedDays(e)}\t${e.sha256}`),
          ].join('\n'),
        );
      });
    });
  alerts
    .command('export')
    .description('write alerts with their outlines as GeoJSON, CSV (WKT and centroid) or FlatGeobuf')
    .requiredOption('--format <format>', 'geojson, csv or fgb')
    .option('--area <id>', 'only this area')
    .option('--since <date>', 'last seen on or after this date')
    .option('--confidence <level>', 'at least this confidence: low, high, highest')
    .option('--out <file>', 'write to this file (default: standard output)')
    .action(async (o) => {
      const format = parseExportFormat(o.format);
      const filter = {
        areaId: o.area,
        since: o.since,
        minConfidence: o.confidence ? parseConfidence(o.confidence) : undefined,
      };
      await withRuntime(async (rt) => {
        const db = await rt.db();
        if (o.out) {
          const n = await exportAlertsToFile(db, filter, format, o.out);
          process.stderr.write(`exported ${n} alert(s) to ${o.out}\n`);
        } else await exportAlerts(db, filter, format, process.stdout);
      });
    });
}
