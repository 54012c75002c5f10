import type { Command } from 'commander';
import {
  DEFAULT_PIPELINE_CHIP,
  evaluatePipeline,
  type Confusion,
  type PipelineEvalResult,
} from '../../pipeline/pipeline-eval.ts';
import { DEFAULT_PAIR_CHIP } from '../../detect/compare-pair.ts';
import { DEFAULT_ALERT_THRESHOLD } from '../../detect/detect-chip.ts';
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { evaluate, type SetResult } from '../../detect/evaluate.ts';
import { csvField } from '../../export/alert-writers.ts';
import { DEFAULT_SERIES_CHIP, evaluateSeries } from '../../detect/series-eval.ts';
import { InputError } from '../../errors.ts';
import { formatSeries } from './eval-series.ts';
import { positiveInt } from './compare.ts';

/** Rows padded to their columns' widths, two spaces apart. */
function columns(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...body.map(fmt)].join('\n');
}

/** Each set's pairs as text (`--by-pair`): where a set's ranking fails. */
export function formatByPair(rows: readonly SetResult[], threshold: number): string {
  const head = [
    'set',
    'pair',
    'pos',
    'neg',
    'not scored',
    'AUROC score',
    `false alarms@${threshold}`,
    `misses@${threshold}`,
  ];
  const body = rows.flatMap((r) =>
    r.byPair.map((p) => [
      r.set,
      p.pair,
      String(p.positives),
      String(p.negatives),
      String(p.unscored),
      p.auroc === null ? '-' : p.auroc.toFixed(3),
      String(p.falseAlarms),
      String(p.misses),
    ]),
  );
  return columns(head, body);
}

/** Columns of `eval --chips`, one row per labelled chip. */
export const CHIP_CSV_COLUMNS = [
  'set',
  'pair',
  'x',
  'y',
  'changed_share',
  'positive',
  'scored',
  'score',
  'kind',
  'confidence',
  'change',
  'water',
  'burn',
  'change_vector',
  'abs_difference',
  'mad',
  'water_rise',
] as const;

/**
 * Every labelled chip of the sets as CSV (RFC 4180, header first; empty where a value does not exist: the
 * score of a chip not scored, water rise without a water index), so that a set's errors can be looked at
 * chip by chip. Numbers as computed, booleans 0/1.
 */
export function chipRowsCsv(rows: readonly SetResult[]): string {
  return csvText(
    CHIP_CSV_COLUMNS,
    rows.flatMap((r) =>
      (r.chips ?? []).map((c) => {
        const st = c.strengths;
        return [
          r.set,
          c.pair,
          c.x,
          c.y,
          c.changedShare,
          c.positive ? 1 : 0,
          c.scored ? 1 : 0,
          c.score,
          c.kind,
          c.confidence,
          st ? st.change : null,
          st ? st.water : null,
          st ? st.burn : null,
          c.changeVector,
          c.absDifference,
          c.mad,
          c.waterRise,
        ];
      }),
    ),
  );
}

/** CSV text (RFC 4180, CRLF line ends): the header, then one line per row. */
function csvText(columns: readonly string[], rows: readonly (string | number | null)[][]): string {
  const lines = [columns.join(','), ...rows.map((row) => row.map(csvField).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** Columns of `eval --pipeline --chips`, one row per chip of each pair's area. */
export const PIPELINE_CHIP_CSV_COLUMNS = [
  'pair',
  'key',
  'col',
  'row',
  'label_covered',
  'changed_share',
  'evaluated',
  'positive',
  'reported',
  'kind',
  'score',
  'confidence',
  'change_vector',
  'change_vector_flagged',
] as const;

/**
 * Every chip of each pair's area as CSV (RFC 4180, header first): its label, whether it was evaluated,
 * what the assessment reported (empty kind, score and confidence where it reported no change) and the
 * change-vector baseline. Booleans 0/1.
 */
export function pipelineChipRowsCsv(result: PipelineEvalResult): string {
  return csvText(
    PIPELINE_CHIP_CSV_COLUMNS,
    result.pairs.flatMap((p) =>
      (p.chipRows ?? []).map((c) => [
        p.pair,
        c.key,
        c.col,
        c.row,
        c.labelCovered,
        c.changedShare,
        c.evaluated ? 1 : 0,
        c.positive ? 1 : 0,
        c.reported ? 1 : 0,
        c.reported?.kind ?? null,
        c.reported?.score ?? null,
        c.reported?.confidence ?? null,
        c.changeVector,
        c.changeVectorFlagged ? 1 : 0,
      ]),
    ),
  );
}

/**
 * Refuses `--chips <file>` before the evaluation runs: with --series (a series has no pair chips), or
 * where the file cannot be written (its folder missing, the path a folder).
 */
export function checkChipsFile(file: string, series: boolean): void {
  if (series) {
    throw new InputError(`--chips ${file}: the chips of pairs (a pairs root or --pipeline), not of --series`);
  }
  const folder = dirname(resolve(file));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new InputError(`--chips ${file}: folder ${folder} does not exist`);
  }
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new InputError(`--chips ${file}: is a folder, not a file`);
  }
}

/** The evaluation table as text. */
export function formatTable(rows: readonly SetResult[], threshold: number): string {
  const head = [
    'set',
    'pairs',
    'pos',
    'neg',
    'not scored',
    'AUROC score',
    'AUROC change-vector',
    'AUROC abs-diff',
    'AUROC MAD',
    'AUROC water-rise',
    `F1@${threshold}`,
  ];
  const body = rows.map((r) => [
    r.set,
    String(r.pairs),
    String(r.positives),
    String(r.negatives),
    String(r.unscored),
    r.auroc.toFixed(3),
    r.aurocChangeVector.toFixed(3),
    r.aurocAbsDifference.toFixed(3),
    r.aurocMad.toFixed(3),
    r.aurocWaterRise === null ? '-' : r.aurocWaterRise.toFixed(3),
    r.f1.toFixed(3),
  ]);
  return columns(head, body);
}

export function register(program: Command): void {
  program
    .command('eval')
    .description(
      'chip-level AUROC of the change score and classical baselines on labelled pairs, or monitoring over real time series (--series)',
    )
    .argument('[pairs-root]', 'folder of set folders of pair folders (each with label.png)')
    .option('--series <dir>', 'evaluate monitoring over the image time series under this folder')
    .option(
      '--pipeline <set-dir>',
      'run each georeferenced pair of a set (before.tif, after.tif, label.png) through area + assess and score the reported chips',
    )
    .option('--chip <n>', `chip size in pixels (default ${DEFAULT_PAIR_CHIP}, series ${DEFAULT_SERIES_CHIP})`)
    .option('--by-pair', 'also print each pair: its chips, AUROC, false alarms and misses')
    .option('--json', 'print JSON (per-pair figures in byPair)')
    .option(
      '--chips <file>',
      'also write every chip (label, score, kind, baselines; with --pipeline what assess reported) to this CSV file',
    )
    .action(
      async (
        root: string | undefined,
        o: {
          chip?: string;
          json?: boolean;
          byPair?: boolean;
          series?: string;
          pipeline?: string;
          chips?: string;
        },
      ) => {
        if (o.chips !== undefined) checkChipsFile(o.chips, Boolean(o.series));
        if (o.pipeline) {
          const chipPx = positiveInt('--chip', o.chip ?? String(DEFAULT_PIPELINE_CHIP));
          const result = await evaluatePipeline(o.pipeline, { chipPx, keepChips: o.chips !== undefined });
          let written = '';
          if (o.chips !== undefined) {
            await writeFile(o.chips, pipelineChipRowsCsv(result));
            const n = result.pairs.reduce((k, p) => k + (p.chipRows?.length ?? 0), 0);
            written = `${n} chip(s) written to ${o.chips}`;
            for (const p of result.pairs) delete p.chipRows;
          }
          process.stdout.write(
            o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatPipeline(result)}\n`,
          );
          if (written) process.stderr.write(`${written}\n`);
          return;
        }
        if (o.series) {
          const chip = o.chip ? positiveInt('--chip', o.chip) : DEFAULT_SERIES_CHIP;
          const results = await evaluateSeries(o.series, { chip });
          process.stdout.write(
            o.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatSeries(results, chip)}\n`,
          );
          return;
        }
        if (!root) throw new InputError('eval needs a pairs root, or --series <dir>');
        const rows = await evaluate(root, {
          chip: positiveInt('--chip', o.chip ?? String(DEFAULT_PAIR_CHIP)),
          keepChips: o.chips !== undefined,
        });
        let written = '';
        if (o.chips !== undefined) {
          await writeFile(o.chips, chipRowsCsv(rows));
          const n = rows.reduce((k, r) => k + (r.chips?.length ?? 0), 0);
          written = `${n} labelled chip(s) written to ${o.chips}`;
          for (const r of rows) delete r.chips;
        }
        const text = o.byPair
          ? `${formatTable(rows, DEFAULT_ALERT_THRESHOLD)}\n\n${formatByPair(rows, DEFAULT_ALERT_THRESHOLD)}`
          : formatTable(rows, DEFAULT_ALERT_THRESHOLD);
        process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : `${text}\n`);
        if (written) process.stderr.write(`${written}\n`);
      },
    );
}

/** The pipeline evaluation as text: one line per pair and the pooled counts. */
export function formatPipeline(r: PipelineEvalResult): string {
  const f = (c: Confusion) =>
    `P ${c.precision.toFixed(2)} R ${c.recall.toFixed(2)} F1 ${c.f1.toFixed(3)} (TP ${c.tp} FP ${c.fp} FN ${c.fn})`;
  return [
    `pipeline evaluation of ${r.set}`,
    ...r.pairs.map(
      (p) =>
        `  ${p.pair}: ${p.chips} chips, ${p.positives} changed / ${p.negatives} unchanged evaluated; pipeline ${f(p.pipeline)}; change-vector+Otsu ${f(p.changeVector)}`,
    ),
    `  pooled: pipeline ${f(r.pooled.pipeline)}; change-vector+Otsu ${f(r.pooled.changeVector)}`,
  ].join('\n');
}
