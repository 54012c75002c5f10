import type { Command } from 'commander';
import { DEFAULT_PAIR_CHIP } from '../../detect/compare-pair.ts';
import { DEFAULT_ALERT_THRESHOLD } from '../../detect/detect-chip.ts';
import { evaluate, type SetResult } from '../../detect/evaluate.ts';
import { positiveInt } from './compare.ts';

/** The evaluation table as text. */
export function formatTable(rows: readonly SetResult[], threshold: number): string {
  const head = [
    'set',
    'pairs',
    'pos',
    'neg',
    'AUROC score',
    'AUROC change-vector',
    'AUROC abs-diff',
    `F1@${threshold}`,
  ];
  const body = rows.map((r) => [
    r.set,
    String(r.pairs),
    String(r.positives),
    String(r.negatives),
    r.auroc.toFixed(3),
    r.aurocChangeVector.toFixed(3),
    r.aurocAbsDifference.toFixed(3),
    r.f1.toFixed(3),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...body.map(fmt)].join('\n');
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('chip-level AUROC of the change score and two classical baselines on labelled pairs')
    .argument('<pairs-root>', 'folder of set folders of pair folders (each with label.png)')
    .option('--chip <n>', 'chip size in pixels', String(DEFAULT_PAIR_CHIP))
    .option('--json', 'print JSON')
    .action(async (root: string, o: { chip: string; json?: boolean }) => {
      const rows = await evaluate(root, { chip: positiveInt('--chip', o.chip) });
      process.stdout.write(
        o.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatTable(rows, DEFAULT_ALERT_THRESHOLD)}\n`,
      );
    });
}
