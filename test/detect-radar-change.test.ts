import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, SourceError } from '../src/errors.ts';
import { POSITIVE_SHARE } from '../src/detect/evaluate.ts';
import { radarChange } from '../src/detect/radar-change.ts';
import { radarComposite } from '../src/detect/radar-composite.ts';
import { readDatedFolder } from '../src/imagery/series-folder.ts';
import { evaluateOneSeries, scoreEvent } from '../src/detect/series-eval.ts';
import { findSeries } from '../src/imagery/index.ts';
import type { ImageValue } from '../src/imagery/image.ts';
import { toBackscatter } from '../src/imagery/radar-image.ts';

const SERIES = join(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'data',
  'series',
  'bayts-bolivia-landsat-ndvi-s1vv',
);
const present =
  existsSync(join(SERIES, 's1vv')) && existsSync(join(SERIES, 'reference', 'label_loss2016.tif'));
if (!present)
  console.warn(
    `../shared/data/series/bayts-bolivia-landsat-ndvi-s1vv not found: radar forest-loss test skipped`,
  );

/** A one-row dB backscatter look with the given bands (name → values). */
function look(bands: Record<string, number[]>): ImageValue {
  const names = Object.keys(bands);
  const n = bands[names[0]!]!.length;
  return {
    width: n,
    height: 1,
    bands: names,
    data: names.map((b) => Float32Array.from(bands[b]!)),
    mask: new Uint8Array(n).fill(1),
    crs: null,
    bounds: null,
    scale: 'backscatter',
  };
}

describe('radar composite', () => {
  it('averages power, not dB, over the valid looks', () => {
    const a = look({ vv: [-10, -20] });
    const b = look({ vv: [-20, -20] });
    b.mask[1] = 0;
    const c = radarComposite([a, b]);
    expect(c.data[0]![0]).toBe(Math.fround(10 * Math.log10((0.1 + 0.01) / 2)));
    expect(c.data[0]![1]).toBe(-20);
    expect(Array.from(radarComposite([a, b], 2).mask)).toEqual([1, 0]);
    expect(() => radarComposite([])).toThrow(InputError);
    expect(() => radarComposite([a, look({ vv: [-1] })])).toThrow(
      /radar look 1 is 1×1 \(vv\), look 0 2×1 \(vv\)/,
    );
  });
});

describe('radar change evidence', () => {
  //          forest cleared | forest kept | perm. water | urban    | shadow   | field flooded
  const base = [-8, -8, -8, -8, -8, -8, -20, -20, 3, 3, -8, -8, -9, -9, -9, -9];
  const later = [-12, -12, -12, -8, -8, -8, -20, -20, -20, -20, -22, -22, -22, -22, -22, -22];
  const shadow = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0];

  it('finds new water and forest loss, leaving out shadow/layover, strong scatterers and permanent water', () => {
    const ch = radarChange(look({ vv: base, shadow_layover: shadow }), look({ vv: later }), { window: 1 });
    expect(Array.from(ch.newWater)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(ch.vegetationLoss)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(ch.excluded).toEqual({ invalid: 0, shadowLayover: 2, urban: 2, permanentWater: 2 });
    expect(ch.counts).toEqual({ newWater: 4, vegetationLoss: 3 });
    // Otsu cuts are upper bin edges of 256 bins. Water drop: the drops 0, 4 and 13 dB split above 4 (bin 78
    // of 13/256 dB); loss drop: 0 vs 4 dB in forest splits below the 2 dB minimum; later water: −22…−8 dB
    // split above −20 (bin 36 of 14/256 dB).
    expect(ch.thresholdDb).toEqual({
      waterDropVv: (79 * 13) / 256,
      waterDropVh: null,
      lossDropVv: 2,
      lossDropVh: null,
      waterVv: -22 + (37 * 14) / 256,
      waterVh: null,
    });
  });

  it('takes forest from a forest band of the baseline when given', () => {
    const forest = [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const ch = radarChange(look({ vv: base, forest }), look({ vv: later }), { window: 1 });
    expect(Array.from(ch.vegetationLoss.subarray(0, 6))).toEqual([0, 1, 1, 0, 0, 0]);
  });

  it('refuses looks that are not radar or not alike', () => {
    expect(() => radarChange({ ...look({ vv: base }), scale: 'reflectance' }, look({ vv: later }))).toThrow(
      /baseline radar look has scale "reflectance"/,
    );
    expect(() => radarChange(look({ vv: base }), look({ vv: [-8] }))).toThrow(
      /baseline radar look is 16×1, the later look 1×1/,
    );
  });
});

describe.skipIf(!present)('radar forest loss on the Bolivian dry forest (bayts, Sentinel-1 VV)', () => {
  let radarDetected: boolean[] = [];
  let radarCells: { x: number; y: number; w: number; h: number }[] = [];
  it('detects the 2016 clearing at chip F1 0.9885 (8 px chips) from the VV drop of 2016 against the earlier looks', async () => {
    const series = await readDatedFolder(join(SERIES, 's1vv'), 'vv');
    expect(series.datetimes.length).toBe(85);
    const start = `${series.label!.year}-01-01`;
    const before: ImageValue[] = [];
    const during: ImageValue[] = [];
    for (let i = 0; i < series.datetimes.length; i++) {
      const asset = join(SERIES, 's1vv', `${series.datetimes[i]!.slice(0, 10)}.tif`);
      const image = toBackscatter(await series.read(i), { units: 'db', asset });
      (series.datetimes[i]! < start ? before : during).push(image);
    }
    expect([before.length, during.length]).toEqual([64, 21]);
    const baseline = radarComposite(before);
    const change = radarChange(baseline, radarComposite(during));
    const { width, height } = series;
    const size = 8;
    const cells: { x: number; y: number; w: number; h: number }[] = [];
    for (let y = 0; y < height; y += size)
      for (let x = 0; x < width; x += size)
        cells.push({ x, y, w: Math.min(size, width - x), h: Math.min(size, height - y) });
    // A chip is detected when at least POSITIVE_SHARE of its forest pixels lost backscatter.
    const detected = cells.map((c) => {
      let valid = 0;
      let loss = 0;
      for (let r = 0; r < c.h; r++)
        for (let q = 0; q < c.w; q++) {
          const p = (c.y + r) * width + c.x + q;
          valid += baseline.mask[p]!;
          loss += change.vegetationLoss[p]!;
        }
      return valid > 0 && loss / valid >= POSITIVE_SHARE;
    });
    const chips = scoreEvent(
      cells,
      width,
      series.label!.pixels,
      detected,
      detected.map(() => null),
    );
    const pixels = scoreEvent(
      cells,
      width,
      series.label!.pixels,
      detected,
      detected.map(() => null),
      change.vegetationLoss,
    );
    console.log(
      `bayts Bolivia S1 VV: chip F1 ${chips.chip.f1.toFixed(4)} (tp ${chips.chip.tp}, fp ${chips.chip.fp}, fn ${chips.chip.fn}), pixel F1 ${pixels.pixel.f1.toFixed(4)}; VV drop cut ${change.thresholdDb.lossDropVv.toFixed(2)} dB, water cut ${change.thresholdDb.waterVv.toFixed(2)} dB (above the ceiling: no water)`,
    );
    expect(change.counts).toEqual({ newWater: 0, vegetationLoss: 1548 });
    expect(change.thresholdDb.waterVv > -13).toBe(true);
    expect([chips.chip.tp, chips.chip.fp, chips.chip.fn]).toEqual([43, 1, 0]);
    expect(chips.chip.f1.toFixed(4)).toBe('0.9885');
    expect([pixels.pixel.tp, pixels.pixel.fp, pixels.pixel.fn]).toEqual([1403, 71, 76]);
    expect(pixels.pixel.f1.toFixed(4)).toBe('0.9502');
    radarDetected = detected;
    radarCells = cells;
  }, 60_000);

  it('agrees with the Landsat NDVI monitoring of the same grid on the cleared chips', async () => {
    // The optical detector: monitoring of the Landsat NDVI series (8 px chips on the same 100 × 100 grid
    // at 30 m): the chips it alerted on a look of the event year or later.
    const optical = (await findSeries(join(SERIES, '..'))).find(
      (s) => s.name === 'bayts-bolivia-landsat-ndvi-s1vv',
    )!;
    expect([optical.width, optical.height]).toEqual([100, 100]);
    const result = await evaluateOneSeries(optical);
    const alerted = new Set(result.event!.detectedChips);
    expect(alerted.size).toBe(37); // TP 36 + FP 1, as `eval --series` reports
    const cols = Math.ceil(100 / 8);
    const { changed: isChanged } = scoreEvent(
      radarCells,
      100,
      optical.label!.pixels,
      radarDetected,
      radarDetected.map(() => null),
    );
    const counts = { both: 0, radarOnly: 0, opticalOnly: 0, neither: 0 };
    const changed = { both: 0, radarOnly: 0, opticalOnly: 0, neither: 0 };
    radarCells.forEach((_, i) => {
      const r = radarDetected[i]!;
      const o = alerted.has(`${i % cols},${Math.floor(i / cols)}`);
      const which = r && o ? 'both' : r ? 'radarOnly' : o ? 'opticalOnly' : 'neither';
      counts[which]++;
      if (isChanged[i]) changed[which]++;
    });
    console.log(
      `bayts Bolivia, radar vs Landsat NDVI chips: ${JSON.stringify(counts)}, of them changed ${JSON.stringify(changed)}`,
    );
    // Every chip the optical detector found changed, radar found too; radar adds 7 changed chips (the
    // optical misses) and 1 false alarm, optical's one false alarm is its own.
    expect(counts).toEqual({ both: 36, radarOnly: 8, opticalOnly: 1, neither: 124 });
    expect(changed).toEqual({ both: 36, radarOnly: 7, opticalOnly: 0, neither: 0 });
  }, 120_000);
});

it('a fully masked dB look passes the units check; a linear look declared dB does not', () => {
  const empty = look({ vv: [0, 0] });
  empty.mask.fill(0);
  expect(toBackscatter(empty, { units: 'db', asset: 'a.tif' }).scale).toBe('backscatter');
  expect(() =>
    toBackscatter({ ...look({ vv: [0.1, 0.02] }), scale: 'reflectance' }, { units: 'db', asset: 'a.tif' }),
  ).toThrow(SourceError);
});
