import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPipeline } from '../src/cli/commands/eval.ts';
import { InputError } from '../src/errors.ts';
import { confusion, evaluatePipeline } from '../src/pipeline/pipeline-eval.ts';
import { writeGeorefPair } from './helpers/georef-pair.ts';

describe('pipeline evaluation on georeferenced pairs', () => {
  it('runs a pair through area, embedding and assessment and scores its changed chips against the label', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dw-eval-pipeline-'));
    // Chip (0,0) becomes roofs entirely; a 16 × 16 block inside chip (2,1) a quarter of it; chip (3,3)
    // only 4 pixels (0.4 %: neither positive nor negative, left out).
    await writeGeorefPair(join(root, 'set', 'town'), [
      { x0: 0, y0: 0, x1: 32, y1: 32 },
      { x0: 72, y0: 40, x1: 88, y1: 56 },
      { x0: 100, y0: 100, x1: 102, y1: 102 },
    ]);
    const r = await evaluatePipeline(join(root, 'set'), { keepChips: true });
    expect(r.pairs).toHaveLength(1);
    const p = r.pairs[0]!;
    // The footprint's outline touches the cells around the 4 × 4 raster's chips: 34 cells, of which the
    // 18 outer ones lie outside the label and are left out.
    expect(p).toMatchObject({ pair: 'town', chips: 34, positives: 2, negatives: 13 });
    expect(p.pipeline).toEqual(confusion(2, 0, 0));
    expect(r.pooled.pipeline.f1).toBe(1);
    expect(p.changeVector.tp + p.changeVector.fn).toBe(2);
    expect(formatPipeline(r)).toContain(
      '  town: 34 chips, 2 changed / 13 unchanged evaluated; pipeline P 1.00 R 1.00 F1 1.000 (TP 2 FP 0 FN 0);',
    );
    // keepChips: a row for every cell of the area, evaluated or not, with what the assessment reported.
    const rows = p.chipRows!;
    expect(rows).toHaveLength(34);
    expect(rows.filter((c) => c.evaluated)).toHaveLength(15);
    // The only chips with labelled change or a report: the two changed chips, both reported (the
    // change vector flags only the whole one), and the 4-pixel one, left out and not reported.
    expect(
      rows
        .filter((c) => c.reported || c.changedShare > 0)
        .map((c) => [
          c.col,
          c.row,
          c.changedShare,
          c.evaluated,
          c.positive,
          c.reported?.kind ?? null,
          c.changeVectorFlagged,
        ]),
    ).toEqual([
      [1560, 15624, 1, true, true, 'construction', true],
      [1562, 15623, 0.25, true, true, 'vegetation-loss', false],
      [1563, 15621, 4 / 1024, false, false, null, false],
    ]);
  }, 120_000);

  it('finds a cloud over the area, not chip by chip: a cloud in a haze bank that fills its chip is not reported', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dw-eval-pipeline-cloud-'));
    // The after image's chip x 96–127, y 64–95 is all haze (visible 0.24: brightened, too dark for the
    // cloud rule) around a 20 × 20 cloud at x, y 102–121 / 70–89. Chip by chip, the haze is that chip's
    // own median, so the cloud's ring is not brightened and the cloud (42 % of its windows) stays: the
    // chip would alert. Over the area's mosaic the ring is brightened over the scene's forest and fields,
    // the cloud is masked with its 60 m margin — the whole chip — and the chip is not scored.
    await writeGeorefPair(
      join(root, 'set', 'town'),
      [
        { x0: 0, y0: 0, x1: 32, y1: 32 },
        { x0: 72, y0: 40, x1: 88, y1: 56 },
      ],
      [
        { rect: { x0: 96, y0: 64, x1: 128, y1: 96 }, spectrum: [0.22, 0.24, 0.25, 0.33, 0.27, 0.2] },
        { rect: { x0: 102, y0: 70, x1: 122, y1: 90 }, spectrum: [0.5, 0.5, 0.5, 0.5, 0.4, 0.3] },
      ],
    );
    const r = await evaluatePipeline(join(root, 'set'), { keepChips: true });
    const p = r.pairs[0]!;
    expect(p.pipeline).toEqual(confusion(2, 0, 0));
    const cloudChip = p.chipRows!.find((c) => c.col === 1563 && c.row === 15622)!;
    expect(cloudChip).toMatchObject({ evaluated: true, positive: false, reported: null });
    expect(p.chipRows!.filter((c) => c.reported).map((c) => [c.col, c.row])).toEqual([
      [1560, 15624],
      [1562, 15623],
    ]);
  }, 120_000);

  it('refuses a folder without pairs, naming it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dw-eval-empty-'));
    await expect(evaluatePipeline(empty)).rejects.toThrow(
      new InputError(`pairs set ${empty} has no pair folders`),
    );
  });

  it('computes precision, recall and F1 from counts', () => {
    const c = confusion(3, 1, 2);
    expect(c).toMatchObject({ tp: 3, fp: 1, fn: 2, precision: 0.75, recall: 0.6 });
    expect(c.f1).toBeCloseTo(2 / 3, 12);
    expect(confusion(0, 0, 0)).toEqual({ tp: 0, fp: 0, fn: 0, precision: 0, recall: 0, f1: 0 });
  });
});
