// npm run bench:memory [-- --chips N] [-- --chip-px P] — peak memory of embedding and detecting one area's
// acquisitions as the area grows. For areas of about N/4, N/2 and N chips it writes a synthetic scene (the
// test series fixture: forest west, fields east; the third acquisition floods the north-west quarter)
// and runs the pipeline on it in a process of its own (scripts/bench/memory-run.ts: embedded PGlite in a
// fresh DRIFTWATCH_HOME, spectral embedder, the direct in-process pipeline steps), so that each area's peak
// RSS is measured apart (its own high-water mark, VmHWM on Linux). Bounded memory would be a peak that does not grow
// with N; it prints the ratio of the largest area's peak to the smallest's (docs/scaling.md has the figures).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSeriesFixture } from '../../test/helpers/series-fixture.ts';
import type { RunInput, RunOutput } from './memory-run.ts';

function option(name: string, fallback: number, valid: (v: number) => boolean, expected: string): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!valid(value)) throw new Error(`${name} is "${process.argv[i + 1]}"; expected ${expected}`);
  return value;
}

/** Chips of the largest area (the others have a quarter and a half of it). */
const largest = option('--chips', 1500, (v) => Number.isInteger(v) && v >= 16, 'an integer ≥ 16');
/**
 * Chip side in 10 m pixels; the fixture's western edge is 499,200 m, so the cell must divide it (its
 * northern edge is put on the cell: 5,000,000 m, or the next multiple of the cell).
 */
const chipPx = option(
  '--chip-px',
  32,
  (v) => Number.isInteger(v) && v > 0 && 499_200 % (v * 10) === 0,
  'a chip side whose cell (10 m pixels) divides 499,200 m: 16, 20, 32, 40, 64, 80, 128, 160, 256, …',
);
const originY = Math.ceil(5_000_000 / (chipPx * 10)) * chipPx * 10;
const batchSize = 16;
/** Two looks of history, then the flood (the detector alerts from the third usable look on). */
const dates = ['2024-03-01T10:00:00Z', '2024-04-01T10:00:00Z', '2024-05-01T10:00:00Z'];
const runner = join(dirname(fileURLToPath(import.meta.url)), 'memory-run.ts');
const km2PerChip = (chipPx * 10) ** 2 / 1e6;

/** Runs one step of memory-run.ts in a child process (tsx's loader comes with execArgv) and returns its stdout. */
function step(name: 'prepare' | 'measure', home: string, input: RunInput): string {
  const env: NodeJS.ProcessEnv = { ...process.env, DRIFTWATCH_HOME: home };
  delete env.DATABASE_URL;
  return execFileSync(process.execPath, [...process.execArgv, runner, name, JSON.stringify(input)], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

console.log(
  `bench:memory: ${dates.length} acquisitions per area, chips of ${chipPx} px (${km2PerChip.toFixed(4)} km²), ` +
    `batch ${batchSize}, spectral embedder, embedded PGlite, each area in its own process`,
);
const results: { chips: number; run: RunOutput }[] = [];
for (const target of [largest / 4, largest / 2, largest]) {
  const side = Math.max(2, Math.round(Math.sqrt(target)));
  const dir = mkdtempSync(join(tmpdir(), 'dw-bench-memory-'));
  try {
    const t0 = performance.now();
    const fixture = await writeSeriesFixture(join(dir, 'scene'), {
      size: side * chipPx,
      chipPx,
      originY,
      dates,
    });
    const writtenS = (performance.now() - t0) / 1000;
    const input: RunInput = { catalog: fixture.catalog, area: fixture.area, chipPx, batchSize };
    step('prepare', join(dir, 'home'), input);
    const run = JSON.parse(step('measure', join(dir, 'home'), input).trim().split('\n').at(-1)!) as RunOutput;
    const chips = run.chips / run.acquisitions;
    results.push({ chips, run });
    const rate = (ms: number): string => `${((run.chips / ms) * 1000).toFixed(1)} chips/s`;
    console.log(
      `${chips} chips (${(chips * km2PerChip).toFixed(1)} km²; scene written in ${writtenS.toFixed(1)} s): ` +
        `peak RSS ${run.peakMiB.toFixed(0)} MiB (${run.startMiB.toFixed(0)} once open, ${run.embedMiB.toFixed(0)} after embedding); ` +
        `embed ${rate(run.embedMs)}, detect ${rate(run.detectMs)}, both ${rate(run.embedMs + run.detectMs)}; ${run.alerts} alerts`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const peaks = results.map((r) => r.run.peakMiB.toFixed(0)).join(' / ');
const ratio = results.at(-1)!.run.peakMiB / results[0]!.run.peakMiB;
console.log(
  `memory: peak RSS ${peaks} MiB at ${results.map((r) => r.chips).join(' / ')} chips (ratio largest/smallest ${ratio.toFixed(2)})`,
);
