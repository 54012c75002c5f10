import type { Command } from 'commander';
import { InputError } from '../../errors.ts';
import { openSource } from '../../imagery/index.ts';
import { formatSkipReport, type SkipReport } from '../../pipeline/acquisition-report.ts';
import { listAreaAcquisitions, nearestAcquisitions } from '../../pipeline/acquisitions.ts';
import type { Db } from '../../store/db.ts';
import { getArea } from '../../pipeline/areas.ts';
import {
  backfillMonitor,
  listMonitors,
  monitorHandle,
  setMonitorPaused,
  scheduleId,
  startMonitor,
} from '../../temporal/schedules.ts';
import { checkCron, checkDuration } from '../../temporal/schedule-spec.ts';
import { IO_TASK_QUEUE } from '../../domain.ts';
import { monitorArea, type MonitorAreaResult } from '../../../workflows/monitor-area.ts';
import { output, withRuntime } from '../runtime.ts';
import { NOTHING_PROCESSED_EXIT } from './assess.ts';
import { FUSION_WINDOW_MAX_DAYS } from '../../detect/sensor-fusion.ts';
import { wholeNumber } from '../flags.ts';

/** `--fusion-days` of `monitor start` and `monitor run`. */
const fusionDaysOption = [
  '--fusion-days <n>',
  `days within which optical and radar looks of a chip are fused (0…${FUSION_WINDOW_MAX_DAYS}; default: the area's, set by area add)`,
  wholeNumber('--fusion-days', 0, FUSION_WINDOW_MAX_DAYS),
] as const;

/** What the area's acquisitions inside a period came to; the nearest ones outside when it holds none. */
async function periodSummary(
  db: Db,
  areaId: string,
  period: { start: string; end: string },
): Promise<{ processed: number; report: SkipReport }> {
  const inside = (await listAreaAcquisitions(db, areaId)).filter(
    (r) => r.datetime >= period.start && r.datetime <= period.end,
  );
  const failures = inside
    .filter((r) => r.status === 'failed')
    .map((r) => ({ id: r.id, itemId: r.itemId, datetime: r.datetime, ...r.error! }));
  const area = await getArea(db, areaId);
  const nearest =
    inside.length === 0 ? [await nearestAcquisitions(openSource(area.source), area, period)] : [];
  return {
    processed: inside.filter((r) => r.status === 'processed').length,
    report: { failures, skipped: [], skippedTotal: 0, nearest },
  };
}

/** The text form of a monitoring pass. */
export function formatMonitorRun(r: MonitorAreaResult): string {
  return [
    `processed ${r.processed}, failed ${r.failed}, alerts ${r.alertIds.join(', ') || 'none'}`,
    ...formatSkipReport(r),
  ].join('\n');
}

function date(flag: string, value: string): Date {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InputError(`${flag} "${value}" is not an ISO date`);
  return new Date(t);
}

export function register(program: Command): void {
  const monitor = program
    .command('monitor')
    .description('scheduled monitoring of areas (Temporal schedules)');
  monitor
    .command('start')
    .description("create or update the area's schedule (overlap: skip)")
    .argument('<area>', 'area id')
    .option('--every <interval>', 'interval, e.g. 1d, 12h, 5 days')
    .option('--cron <expr>', 'cron expression (UTC), e.g. "0 6 * * *"')
    .option('--catchup-window <duration>', 'catch up missed runs within this window', '1 day')
    .option('--paused', 'create the schedule paused')
    .option(...fusionDaysOption)
    .action(async (areaId: string, o) => {
      // Checked before anything starts: a bad value never reaches the database or Temporal.
      if (o.every !== undefined && o.cron !== undefined)
        throw new InputError('give exactly one of --every or --cron');
      if (o.every !== undefined) checkDuration('--every', o.every);
      if (o.cron !== undefined) checkCron(o.cron);
      checkDuration('--catchup-window', o.catchupWindow);
      await withRuntime(async (rt) => {
        const area = await getArea(await rt.db(), areaId);
        const t = await rt.temporal();
        // The schedule holds its window, so its runs keep the one it was started with.
        const fusionDays: number = o.fusionDays ?? area.fusionDays;
        await startMonitor(t.client, areaId, {
          every: o.every ?? (o.cron ? undefined : '1 day'),
          cron: o.cron,
          catchupWindow: o.catchupWindow,
          paused: o.paused,
          fusionDays,
        });
        process.stdout.write(
          `schedule ${scheduleId(areaId)} ${o.paused ? 'created paused' : 'active'} (${o.cron ?? `every ${o.every ?? '1 day'}`}, fusion window ${fusionDays} days)\n`,
        );
      });
    });
  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    monitor
      .command(name)
      .description(`${name} the area's schedule`)
      .argument('<area>', 'area id')
      .option('--note <text>', 'note stored with the schedule')
      .action(async (areaId: string, o) => {
        await withRuntime(async (rt) => {
          await setMonitorPaused(
            (await rt.temporal()).client,
            areaId,
            paused,
            o.note ?? `${name}d from the CLI`,
          );
          process.stdout.write(`schedule ${scheduleId(areaId)} ${name}d\n`);
        });
      });
  }
  monitor
    .command('delete')
    .description("delete the area's schedule (stored results stay)")
    .argument('<area>', 'area id')
    .action(async (areaId: string) => {
      await withRuntime(async (rt) => {
        await (await monitorHandle((await rt.temporal()).client, areaId)).delete();
        process.stdout.write(`schedule ${scheduleId(areaId)} deleted\n`);
      });
    });
  monitor
    .command('backfill')
    .description(
      'replay the schedule over a past period; each run processes what was acquired up to its time (exit 3 when nothing in the period could be processed)',
    )
    .argument('<area>', 'area id')
    .requiredOption('--from <date>', 'start of the period (ISO)')
    .requiredOption('--to <date>', 'end of the period (ISO)')
    .option('--no-wait', 'return once the backfill is requested')
    .action(async (areaId: string, o) => {
      await withRuntime(async (rt) => {
        const t = await rt.temporal();
        const worker = o.wait && t.embedded ? await rt.startWorkers() : undefined;
        const runs = await backfillMonitor(
          t.client,
          areaId,
          { start: date('--from', o.from), end: date('--to', o.to) },
          {
            wait: o.wait,
            onProgress: (n) => rt.progress(`backfill: ${n} run(s) started`),
          },
        );
        await worker?.stop();
        if (!o.wait) {
          process.stdout.write(`backfill of ${scheduleId(areaId)} requested\n`);
          return;
        }
        const period = { start: date('--from', o.from).toISOString(), end: date('--to', o.to).toISOString() };
        const summary = await periodSummary(await rt.db(), areaId, period);
        process.stdout.write(
          [
            `backfill of ${scheduleId(areaId)}: ${runs} run(s) finished; ${summary.processed} acquisition(s) processed, ${summary.report.failures.length} failed in ${period.start.slice(0, 10)} … ${period.end.slice(0, 10)}`,
            ...formatSkipReport(summary.report),
            '',
          ].join('\n'),
        );
        if (summary.processed === 0) {
          process.stderr.write(`driftwatch: nothing processed for ${areaId} in the backfill period\n`);
          process.exitCode = NOTHING_PROCESSED_EXIT;
        }
      });
    });
  monitor
    .command('run')
    .description(
      'run one monitoring pass now and wait for it (exit 3 when it found acquisitions or items but could process none)',
    )
    .argument('<area>', 'area id')
    .option(...fusionDaysOption)
    .option('--json', 'print JSON')
    .action(async (areaId: string, o) => {
      await withRuntime(async (rt) => {
        await getArea(await rt.db(), areaId);
        const t = await rt.temporal();
        const worker = t.embedded ? await rt.startWorkers() : undefined;
        rt.progress(`monitor: running a pass over ${areaId}…`);
        const result: MonitorAreaResult = await t.client.workflow.execute(monitorArea, {
          taskQueue: IO_TASK_QUEUE,
          workflowId: `monitor/${areaId}/manual-${Date.now()}`,
          args: [{ areaId, ...(o.fusionDays !== undefined ? { fusionDays: o.fusionDays as number } : {}) }],
        });
        await worker?.stop();
        output(result, o.json, formatMonitorRun);
        if (
          result.processed === 0 &&
          (result.failed > 0 || result.skippedTotal > 0 || result.nearest.length > 0)
        ) {
          process.stderr.write(`driftwatch: nothing processed for ${areaId}\n`);
          process.exitCode = NOTHING_PROCESSED_EXIT;
        }
      });
    });
  monitor
    .command('list')
    .description('list monitor schedules')
    .option('--json', 'print JSON')
    .action(async (o) => {
      await withRuntime(async (rt) => {
        const t = await rt.temporal();
        const rows = await listMonitors(t.client);
        output(rows, o.json, (list) =>
          list.length === 0
            ? 'no schedules'
            : list
                .map(
                  (r) =>
                    `${r.scheduleId}\t${r.paused ? 'paused' : 'active'}\t${r.spec}\tnext ${r.nextRun ?? '-'}\truns ${r.runs}\tfusion ${r.fusionDays === null ? "the area's" : `${r.fusionDays} d`}`,
                )
                .join('\n'),
        );
      });
    });
}
