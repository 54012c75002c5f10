import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { openEmbedder } from '../../embed/registry.ts';
import { comparePair, DEFAULT_PAIR_CHIP } from '../../detect/compare-pair.ts';
import { DEFAULT_ALERT_THRESHOLD } from '../../detect/detect-chip.ts';
import { readPair } from '../../imagery/pair-folder.ts';
import { eventKind } from '../flags.ts';
import type { EventKind } from '../../domain.ts';
import { writePairReport } from '../../pipeline/pair-report-files.ts';

/** Parses a positive integer option, naming it in the error. */
export function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2) throw new ConfigError(`${name} must be an integer ≥ 2, got "${value}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare a before/after pair folder chip by chip')
    .argument('<pair-dir>', 'folder with before.*, after.*, pair.json and optionally label.png')
    .option('--chip <n>', 'chip size in pixels', String(DEFAULT_PAIR_CHIP))
    .option('--model <spec>', '"spectral" or a model folder', 'spectral')
    .option(
      '--event <kind>',
      'event whose evidence scores the chips: flood, burn, or any (default: the kind pair.json names, else any)',
      eventKind('--event', true),
    )
    .option('--json', 'print JSON')
    .option('--out <dir>', 'write evidence tiles and an HTML page here')
    .action(
      async (
        dir: string,
        o: { chip: string; model: string; json?: boolean; out?: string; event?: EventKind | 'any' },
      ) => {
        const chip = positiveInt('--chip', o.chip);
        const pair = await readPair(dir);
        const embedder = await openEmbedder(o.model);
        try {
          const cmp = await comparePair(pair, { chip, embedder, event: o.event === 'any' ? null : o.event });
          const files = o.out
            ? await writePairReport(
                o.out,
                `driftwatch compare ${pair.id}`,
                pair.before,
                pair.after,
                cmp,
                DEFAULT_ALERT_THRESHOLD,
                { before: pair.meta.before, after: pair.meta.after },
              )
            : undefined;
          if (o.json) {
            const chips = cmp.chips.map((c) => ({
              x: c.x,
              y: c.y,
              size: c.size,
              usable: c.usable,
              score: c.score,
              drift: c.drift,
              driftZ: c.driftZ,
              prompts: c.prompts,
              evidence: c.evidence,
              signals: c.signals,
              kind: c.kind,
              confidence: c.confidence,
            }));
            process.stdout.write(
              `${JSON.stringify({ model: cmp.model, event: cmp.event, chips, ...(files ? { files } : {}) }, null, 2)}\n`,
            );
            return;
          }
          const hot = cmp.chips
            .filter((c) => c.score >= DEFAULT_ALERT_THRESHOLD)
            .sort((a, b) => b.score - a.score);
          const unscored = cmp.chips.filter((c) => !c.usable).length;
          const lines = [
            `${pair.id}: ${cmp.chips.length} chips of ${chip} px, model ${cmp.model}, ${cmp.event ? `scored by ${cmp.event} evidence, ` : ''}${hot.length} at or above ${DEFAULT_ALERT_THRESHOLD}${unscored ? `; ${unscored} not scored (under half clear in either image: no data or cloud)` : ''}`,
          ];
          for (const c of hot) {
            lines.push(
              `  x ${c.x}\ty ${c.y}\tscore ${c.score.toFixed(3)}\t${c.kind}\t${c.confidence}\t${c.signals.join('+')}`,
            );
          }
          if (files) lines.push(`evidence: ${o.out}/${files.html}`);
          process.stdout.write(`${lines.join('\n')}\n`);
        } finally {
          await embedder.close();
        }
      },
    );
}
