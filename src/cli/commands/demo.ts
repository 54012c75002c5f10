import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { generateDemoSeries, truthChips, type DemoManifest } from '../../demo-data/index.ts';
import { addArea, getArea, removeArea } from '../../pipeline/areas.ts';
import type { Assessment } from '../../pipeline/assess.ts';
import { writeReport } from '../../report/html-report.ts';
import { listAlerts } from '../../store/read-queries.ts';
import { alertFirstItemIds } from '../../store/alerts.ts';
import { backfillMonitor, startMonitor } from '../../temporal/schedules.ts';
import { assessDisaster } from '../../../workflows/assess-disaster.ts';
import { IO_TASK_QUEUE } from '../../domain.ts';
import { formatAssessment } from './assess.ts';
import { withRuntime, type Runtime } from '../runtime.ts';

/** Chip size of the demo grid: 64 px at 10 m = 640 m cells. */
const DEMO_CHIP_PX = 64;
const DEMO_AREA = 'demo';

/** Precision and recall of the alerts' chips against the generator's truth. */
export interface DemoScore {
  precision: number;
  recall: number;
  perEvent: { kind: string; date: string; truth: number; found: number }[];
  /** Alerted chips that no event explains. */
  falseChips: string[];
}

export function scoreAlerts(
  alertChips: ReadonlySet<string>,
  truth: { kind: string; date: string; positive: string[] }[],
): DemoScore {
  const all = new Set(truth.flatMap((t) => t.positive));
  const hits = [...alertChips].filter((k) => all.has(k)).length;
  return {
    precision: alertChips.size ? hits / alertChips.size : 0,
    recall: all.size ? hits / all.size : 0,
    perEvent: truth.map((t) => ({
      kind: t.kind,
      date: t.date,
      truth: t.positive.length,
      found: t.positive.filter((k) => alertChips.has(k)).length,
    })),
    falseChips: [...alertChips].filter((k) => !all.has(k)).sort(),
  };
}

async function step<T>(rt: Runtime, label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  rt.progress(`demo: ${label}…`);
  const result = await fn();
  rt.progress(`demo: ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'generate a synthetic Sentinel-2 series with a flood and a wildfire, monitor it, assess the flood, write a report',
    )
    .option('--seed <n>', 'generator seed', (v) => Number(v), 7)
    .option(
      '--size <px>',
      'raster size in pixels, a multiple of 64 (512 → 8 × 8 chips)',
      (v) => Number(v),
      512,
    )
    .option('--keep', 'keep results of an earlier demo run instead of starting the demo area afresh')
    .action(async (o) => {
      const started = Date.now();
      await withRuntime(async (rt) => {
        const dataDir = join(rt.config.home, 'demo', `series-${o.seed}-${o.size}`);
        const manifestPath = join(dataDir, 'manifest.json');
        const manifest: DemoManifest = existsSync(manifestPath)
          ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as DemoManifest)
          : await step(rt, `generating the demo series (seed ${o.seed})`, () =>
              generateDemoSeries(dataDir, { seed: o.seed, size: o.size }),
            );
        rt.progress(
          `demo: ${manifest.items.length} acquisitions in EPSG:${manifest.epsg}, events: ${manifest.events.map((e) => `${e.kind} ${e.date.slice(0, 10)}`).join(', ')}`,
        );

        const db = await rt.db();
        if (!o.keep) await removeArea(db, DEMO_AREA);
        await addArea(db, {
          id: DEMO_AREA,
          name: 'Demo valley (synthetic)',
          geojson: JSON.parse(readFileSync(join(dataDir, manifest.area), 'utf8')),
          source: { kind: 'local', path: resolve(dataDir, manifest.catalog) },
          chipPx: DEMO_CHIP_PX,
          resolutionM: manifest.resolutionM,
        });
        const area = await getArea(db, DEMO_AREA);
        const t = await rt.temporal();
        const workers = await rt.startWorkers();

        const first = Date.parse(manifest.items[0]!.datetime);
        const last = Date.parse(manifest.items.at(-1)!.datetime);
        await step(rt, 'monitoring the series (weekly schedule, backfilled over the year)', async () => {
          await startMonitor(t.client, DEMO_AREA, { every: '7 days', paused: true });
          await backfillMonitor(
            t.client,
            DEMO_AREA,
            { start: new Date(first - 86_400_000), end: new Date(last + 7 * 86_400_000) },
            { wait: true, onProgress: (n) => rt.progress(`demo:   ${n} weekly run(s) started`) },
          );
        });

        const flood = manifest.events.find((e) => e.kind === 'flood');
        let assessment: Assessment | undefined;
        if (flood) {
          assessment = await step(rt, `assessing the flood of ${flood.date.slice(0, 10)}`, () =>
            t.client.workflow.execute(assessDisaster, {
              taskQueue: IO_TASK_QUEUE,
              workflowId: `assess/${DEMO_AREA}/${flood.date}/${Date.now()}`,
              args: [
                {
                  areaId: DEMO_AREA,
                  eventDate: flood.date,
                  prompts: ['flooded area', 'burned area'],
                  windows: { preDays: 90, postDays: 20 },
                },
              ],
            }),
          );
          process.stdout.write(`${formatAssessment(assessment!)}\n`);
        }
        await workers.stop();

        const alerts = await db.readOnly((tx) => listAlerts(tx, { areaId: DEMO_AREA }));
        process.stdout.write(`\nalerts (${alerts.length}):\n`);
        for (const a of alerts) {
          process.stdout.write(
            `  #${a.id} ${a.kind.padEnd(15)} ${a.confidence.padEnd(8)} ${a.chipKeys.length} chip(s) ${a.areaKm2.toFixed(2)} km²  ${a.firstSeen.slice(0, 10)} … ${a.lastSeen.slice(0, 10)}\n`,
          );
        }
        const truth = await truthChips(dataDir, manifest, area.grid.chipPx);
        const score = scoreAlerts(
          new Set(alerts.flatMap((a) => a.chipKeys)),
          truth.map((t) => ({ kind: t.event.kind, date: t.event.date, positive: t.positive })),
        );
        for (const e of score.perEvent)
          process.stdout.write(
            `  truth ${e.kind} ${e.date.slice(0, 10)}: ${e.found}/${e.truth} chips alerted\n`,
          );
        process.stdout.write(`  alerted chips outside any event: ${score.falseChips.length}\n`);
        const eventItems = new Set(manifest.events.flatMap((e) => e.acquisitionIds));
        const firstItems = await alertFirstItemIds(db, DEMO_AREA);
        const offEvent = firstItems.filter((itemId) => !eventItems.has(itemId)).length;
        const cloudy = manifest.items.filter((i) => i.cloudy).map((i) => i.datetime.slice(0, 10));
        process.stdout.write(
          `  alerts raised on cloudy (${cloudy.join(', ')}) or season-only dates: ${offEvent}\n`,
        );

        const evidence = await rt.evidence();
        const reportPath = await step(rt, 'writing the report', () =>
          writeReport(db, {
            outDir: join(rt.config.home, 'demo', 'report'),
            evidence,
            title: 'driftwatch demo: a year over a synthetic valley',
            summary: [
              `${manifest.items.length} acquisitions, ${alerts.length} alert(s)`,
              `chip-level precision ${score.precision.toFixed(2)}, recall ${score.recall.toFixed(2)} against the generator's truth`,
            ],
          }),
        );
        const shown = relative(process.cwd(), reportPath) || reportPath;
        process.stdout.write(`\nfinished in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
        process.stdout.write(
          `demo: precision ${score.precision.toFixed(2)} recall ${score.recall.toFixed(2)} report ${shown}\n`,
        );
      });
    });
}
