import type { Command } from 'commander';
import { getArea } from '../../pipeline/areas.ts';
import { formatSkipReport, type SkipReport } from '../../pipeline/acquisition-report.ts';
import type { Assessment } from '../../pipeline/assess.ts';
import { assessDisaster, type AssessDisasterResult } from '../../../workflows/assess-disaster.ts';
import { DEFAULT_PROMPTS, DEFAULT_WINDOWS, IO_TASK_QUEUE } from '../../domain.ts';
import { FUSION_WINDOW_MAX_DAYS } from '../../detect/sensor-fusion.ts';
import { eventKind, isoDate, wholeNumber } from '../flags.ts';
import { output, withRuntime } from '../runtime.ts';

/** Exit code of a run that had nothing it could process (bad input exits 2). */
export const NOTHING_PROCESSED_EXIT = 3;

export function formatAssessment(
  a: Assessment & Partial<SkipReport> & { detection?: AssessDisasterResult['detection'] },
): string {
  const d = a.detection;
  const lines = [
    `assessment of ${a.areaId} for the event of ${a.eventDate.slice(0, 10)}`,
    `  baseline: ${a.preEvent.acquisitions} acquisition(s) ${a.preEvent.start.slice(0, 10)} … ${a.preEvent.end.slice(0, 10)}`,
    `  assessed: ${a.postEvent.acquisitions} acquisition(s) ${a.postEvent.start.slice(0, 10)} … ${a.postEvent.end.slice(0, 10)}`,
    ...(d?.event ? [`  event: ${d.event} (chips scored by ${d.event} evidence alone)`] : []),
    ...(d?.reference ? [`  reference: ${d.reference.datetime.slice(0, 10)} (${d.reference.itemId})`] : []),
    ...(d?.looks ?? []).map(
      (l) =>
        `  compared ${l.acquisition.datetime.slice(0, 10)} (${l.acquisition.itemId})${
          (l.referenceLooks?.length ?? 0) > 1
            ? ` with the composite of ${l.referenceLooks.length} pre-event looks (${l.referenceLooks.map((r) => r.datetime.slice(0, 10)).join(', ')})`
            : ''
        }: ${l.scored} chip(s) scored, ${l.unscored} not scored (too little valid data in either look), ${l.changed} changed`,
    ),
    ...(d?.reason ? [`  not compared: ${d.reason}`] : []),
    `  changed chips: ${a.changedChips.length}`,
    ...Object.entries(a.affectedKm2).map(([p, km2]) => `  ${p}: ${km2.toFixed(2)} km²`),
    ...a.alerts.map(
      (al) =>
        `  alert #${al.id} ${al.kind} (${al.confidence}), ${al.chipKeys.length} chip(s), ${al.areaKm2.toFixed(2)} km², evidence ${al.evidence.map((e) => e.kind).join('/')}${
          al.burnSeverityKm2
            ? `; burnt by USGS dNBR class: ${Object.entries(al.burnSeverityKm2)
                .map(([c, km2]) => `${c} ${km2.toFixed(2)}`)
                .join(', ')} km²`
            : ''
        }`,
    ),
    ...formatSkipReport({
      failures: a.failures ?? [],
      skipped: a.skipped ?? [],
      skippedTotal: a.skippedTotal ?? 0,
      nearest: a.nearest ?? [],
    }),
  ];
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('assess')
    .description(
      'on-demand disaster assessment of an area around an event date (exit 3 when nothing after the event could be processed)',
    )
    .argument('<area>', 'area id')
    .requiredOption('--event-date <date>', 'date of the event: YYYY-MM-DD or an ISO datetime with zone')
    .option('--prompt <text...>', 'prompts whose affected area is reported', [...DEFAULT_PROMPTS])
    .option(
      '--pre-days <n>',
      'days before the event forming the baseline (1…3650)',
      wholeNumber('--pre-days', 1, 3650),
      DEFAULT_WINDOWS.preDays,
    )
    .option(
      '--post-days <n>',
      'days after the event to assess (1…3650)',
      wholeNumber('--post-days', 1, 3650),
      DEFAULT_WINDOWS.postDays,
    )
    .option(
      '--fusion-days <n>',
      `days within which optical and radar looks of a chip are fused (0…${FUSION_WINDOW_MAX_DAYS}; default: the area's, set by area add)`,
      wholeNumber('--fusion-days', 0, FUSION_WINDOW_MAX_DAYS),
    )
    .option(
      '--event <kind>',
      'kind of event (flood, burn): its own evidence ranks and alerts the chips, so other change does not alert (default: any change)',
      eventKind('--event'),
    )
    .option('--json', 'print JSON')
    .action(async (areaId: string, o) => {
      isoDate('--event-date', o.eventDate, new Date());
      await withRuntime(async (rt) => {
        await getArea(await rt.db(), areaId);
        const t = await rt.temporal();
        const worker = t.embedded ? await rt.startWorkers() : undefined;
        rt.progress(`assess: ${areaId} around ${o.eventDate}…`);
        const result: AssessDisasterResult = await t.client.workflow.execute(assessDisaster, {
          taskQueue: IO_TASK_QUEUE,
          workflowId: `assess/${areaId}/${o.eventDate}/${Date.now()}`,
          args: [
            {
              areaId,
              eventDate: o.eventDate,
              prompts: o.prompt,
              windows: { preDays: o.preDays, postDays: o.postDays },
              ...(o.fusionDays !== undefined ? { fusionDays: o.fusionDays as number } : {}),
              ...(o.event ? { event: o.event } : {}),
            },
          ],
        });
        await worker?.stop();
        output(result, o.json, formatAssessment);
        if (result.postEvent.acquisitions === 0) {
          process.stderr.write(
            `driftwatch: nothing assessed: no acquisition after the event could be processed (${result.postEvent.start.slice(0, 10)} … ${result.postEvent.end.slice(0, 10)})\n`,
          );
          process.exitCode = NOTHING_PROCESSED_EXIT;
        }
      });
    });
}
