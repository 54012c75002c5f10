import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cropImage } from '../src/detect/crop.ts';
import { MASK_UNCHANGED, MASK_VEGETATION_LOSS, MASK_WATER } from '../src/detect/mask-codes.ts';
import { emptyStrengths } from '../src/detect/pair-detector.ts';
import { radarComposite } from '../src/detect/radar-composite.ts';
import { detectRadarPairScene, type RadarPairChipInput } from '../src/detect/radar-pair.ts';
import { scoreEvent } from '../src/detect/series-eval.ts';
import type { ImageValue } from '../src/imagery/image.ts';
import { toBackscatter } from '../src/imagery/radar-image.ts';
import { readDatedFolder } from '../src/imagery/series-folder.ts';
import { RADAR_BASELINE_LOOKS } from '../src/pipeline/radar-reference.ts';
import { noise } from './helpers/series-fixture.ts';

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
    `../shared/data/series/bayts-bolivia-landsat-ndvi-s1vv not found: radar pair forest-loss test skipped`,
  );

const PX = 32;
const SIZE = 4 * PX;

/** Forest at −8 dB VV / −14 dB VH everywhere before. */
const forest = () => ({ vv: -8, vh: -14 });
/** After: columns 0…47 cleared (VV −12.5, VH −19), columns 96…127 flooded (VV −20, VH −26). */
const after = (x: number) =>
  x < 48 ? { vv: -12.5, vh: -19 } : x >= 96 ? { vv: -20, vh: -26 } : { vv: -8, vh: -14 };

/** A 4 × 4 scene of 32 px chips in dB, with ±1.5 dB of deterministic noise per pixel, look and polarisation. */
function scene(db: (x: number, y: number) => { vv: number; vh: number }, look: number): RadarPairChipInput[] {
  const chips: { key: string; col: number; row: number; image: ImageValue }[] = [];
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      const vv = new Float32Array(PX * PX);
      const vh = new Float32Array(PX * PX);
      for (let y = 0; y < PX; y++)
        for (let x = 0; x < PX; x++) {
          const gx = c * PX + x;
          const gy = r * PX + y;
          const v = db(gx, gy);
          const i = y * PX + x;
          vv[i] = v.vv + 1.5 * noise(10 + look, gy * SIZE + gx);
          vh[i] = v.vh + 1.5 * noise(20 + look, gy * SIZE + gx);
        }
      chips.push({
        key: `${c}/${r}`,
        col: c,
        row: 3 - r,
        image: {
          width: PX,
          height: PX,
          bands: ['vv', 'vh'],
          data: [vv, vh],
          mask: new Uint8Array(PX * PX).fill(1),
          crs: null,
          bounds: null,
          scale: 'backscatter',
        },
      });
    }
  return chips.map((c) => ({ key: c.key, col: c.col, row: c.row, before: c.image, after: c.image }));
}

/** Before and after chips of one scene. */
function pair(): RadarPairChipInput[] {
  const b = scene(forest, 0);
  const a = scene((x) => after(x), 1);
  return b.map((c, i) => ({ ...c, after: a[i]!.after }));
}

describe('radar vegetation loss in the radar pair detector', () => {
  it('a forest block dropping from −8 to −12.5 dB VV is vegetation loss, a drop to −20 dB is a flood', () => {
    const d = detectRadarPairScene(pair(), { keepMasks: true });
    const byKey = new Map(d.chips.map((c) => [c.key, c]));
    const at = (col: number, row: number) => byKey.get(`${col}/${row}`)!;
    for (const row of [0, 1, 2, 3]) {
      expect([at(0, row).kind, at(1, row).kind, at(2, row).kind, at(3, row).kind]).toEqual([
        'vegetation-loss',
        'vegetation-loss',
        'change',
        'flood',
      ]);
      expect(at(0, row).evidence).toMatchObject({ lossFraction: 1, waterFraction: 0, changedFraction: 1 });
      expect(at(1, row).evidence).toMatchObject({
        lossFraction: 0.5,
        waterFraction: 0,
        changedFraction: 0.5,
      });
      expect(at(2, row).evidence).toMatchObject({ lossFraction: 0, waterFraction: 0, changedFraction: 0 });
      expect(at(3, row).evidence).toMatchObject({ lossFraction: 0, waterFraction: 1, changedFraction: 1 });
      // The half-cleared chip: its 16 western columns, exactly, in the optical detector's mask codes.
      expect(Array.from(at(1, row).mask!)).toEqual(
        [...Array(PX * PX).keys()].map((i) => (i % PX < 16 ? MASK_VEGETATION_LOSS : MASK_UNCHANGED)),
      );
      expect(new Set(at(3, row).mask!)).toEqual(new Set([MASK_WATER]));
    }
    // Strength 0.5 at a 5 % share: a whole chip of loss is 1 − 2^−20, half a chip 1 − 2^−10.
    expect(at(0, 0).strengths).toEqual({ ...emptyStrengths(), vegetation: 1 - 2 ** -20 });
    expect(at(1, 0).strengths.vegetation).toBe(1 - 2 ** -10);
    expect([at(0, 0).score, at(0, 0).signals, at(0, 0).confidence]).toEqual([1 - 2 ** -20, ['radar'], 'low']);
    expect([at(2, 0).score, at(2, 0).signals, at(2, 0).confidence]).toEqual([0, [], null]);
    expect(d.chips.filter((c) => c.confidence !== null).map((c) => c.key)).toEqual(
      [0, 1, 2, 3].flatMap((r) => [`0/${r}`, `1/${r}`, `3/${r}`]),
    );
    // Per-scene cuts: the forest's drops are about 0 and 4.5 dB (VV) or 5 dB (VH), so Otsu splits them
    // below the 2 dB floor; the water drop cuts fall between the loss drops and the flood's 12 dB, and the
    // after look's water cuts between open water and cleared ground (−12.5 dB VV stays above −18.6).
    expect(d.scene.thresholdDb).toEqual({
      waterDropVv: 5.781404556706548,
      waterDropVh: 6.694628763943911,
      lossDropVv: 2,
      lossDropVh: 2,
      waterVv: -18.592710388824344,
      waterVh: -24.55511148646474,
    });
    expect(d.scene.pixels).toBe(SIZE * SIZE);
  });

  it('a flood assessment (event flood) scores the radar chips by new water alone: the cleared forest does not alert', () => {
    const d = detectRadarPairScene(pair(), { event: 'flood' });
    expect(d.chips.filter((c) => c.confidence !== null).map((c) => [c.key, c.kind])).toEqual(
      [0, 1, 2, 3].map((r) => [`3/${r}`, 'flood']),
    );
    const cleared = d.chips.find((c) => c.key === '0/0')!;
    expect([cleared.kind, cleared.score, cleared.strengths.vegetation]).toEqual([
      'vegetation-loss',
      0,
      1 - 2 ** -20,
    ]);
    expect(detectRadarPairScene(pair(), { event: 'burn' }).chips.every((c) => c.score === 0)).toBe(true);
  });

  it('a stable forest raises nothing', () => {
    const b = scene(forest, 0);
    const a = scene(forest, 1);
    const d = detectRadarPairScene(b.map((c, i) => ({ ...c, after: a[i]!.after })));
    expect(d.chips.map((c) => [c.kind, c.score])).toEqual(d.chips.map(() => ['change', 0]));
  });
});

describe.skipIf(!present)(
  'radar pair vegetation loss on the Bolivian dry forest (bayts, Sentinel-1 VV)',
  () => {
    /** The 100 × 100 px scene cut into 10 × 10 chips of 10 px, scored by the radar pair detector. */
    const score = (before: ImageValue, after: ImageValue, label: Uint8Array) => {
      const px = 10;
      const cells: { x: number; y: number; w: number; h: number }[] = [];
      const inputs: RadarPairChipInput[] = [];
      for (let r = 0; r < 10; r++)
        for (let c = 0; c < 10; c++) {
          cells.push({ x: c * px, y: r * px, w: px, h: px });
          const b = cropImage(before, c * px, r * px, px);
          const a = cropImage(after, c * px, r * px, px);
          inputs.push({ key: `${c}/${r}`, col: c, row: 9 - r, before: b, after: a });
        }
      const d = detectRadarPairScene(inputs, { keepMasks: true });
      const alerted = d.chips.map((c) => c.confidence !== null);
      const pixels = new Uint8Array(100 * 100);
      d.chips.forEach((c, k) =>
        c.mask?.forEach((v, i) => {
          if (v === MASK_VEGETATION_LOSS)
            pixels[(cells[k]!.y + Math.floor(i / px)) * 100 + cells[k]!.x + (i % px)] = 1;
        }),
      );
      const none = alerted.map(() => null);
      return {
        kinds: [...new Set(d.chips.filter((c) => c.confidence !== null).map((c) => c.kind))],
        usable: d.chips.filter((c) => c.usable).length,
        chip: scoreEvent(cells, 100, label, alerted, none).chip,
        pixel: scoreEvent(cells, 100, label, alerted, none, pixels).pixel,
        scene: d.scene.thresholdDb!,
      };
    };

    it('the 2016 clearing is vegetation loss, and nothing is a flood, against one look, the composite of the last 5 and the composite of 2014–2015', async () => {
      const series = await readDatedFolder(join(SERIES, 's1vv'), 'vv');
      const looks: ImageValue[] = [];
      for (let i = 0; i < series.datetimes.length; i++) {
        const asset = join(SERIES, 's1vv', `${series.datetimes[i]!.slice(0, 10)}.tif`);
        looks.push(toBackscatter(await series.read(i), { units: 'db', asset }));
      }
      const pre = looks.filter((_, i) => series.datetimes[i]! < '2016-01-01');
      const last = looks.at(-1)!;
      expect([series.datetimes[pre.length - 1], series.datetimes.at(-1)]).toEqual([
        '2015-12-30T00:00:00.000Z',
        '2016-05-17T00:00:00.000Z',
      ]);
      const label = series.label!.pixels;
      // One pre-event look against the last look (single looks, speckle filtered).
      const single = score(pre.at(-1)!, last, label);
      // Assessment's reference: the mean power of the last RADAR_BASELINE_LOOKS pre-event looks.
      const recent = score(radarComposite(pre.slice(-RADAR_BASELINE_LOOKS)), last, label);
      // Against the mean power of the 64 looks of 2014–2015 (multi-temporal multilooking).
      const composite = score(radarComposite(pre), last, label);
      for (const [name, r] of [
        ['single look', single],
        [`composite of ${RADAR_BASELINE_LOOKS}`, recent],
        ['composite of 64', composite],
      ] as const)
        console.log(
          `bayts Bolivia S1 VV radar pair (${name} → 2016-05-17): chip F1 ${r.chip.f1.toFixed(4)} (tp ${r.chip.tp}, fp ${r.chip.fp}, fn ${r.chip.fn}), pixel F1 ${r.pixel.f1.toFixed(4)}; loss cut ${r.scene.lossDropVv.toFixed(3)} dB, water cut ${r.scene.waterVv.toFixed(3)} dB`,
        );
      // Chips under half valid (the forest mask) are not scored: 48 of 100 are.
      expect([single.usable, composite.usable]).toEqual([48, 48]);
      expect([single.kinds, composite.kinds]).toEqual([['vegetation-loss'], ['vegetation-loss']]);
      // The after look's water cut lies above the −13 dB ceiling: it splits forest from cleared ground.
      expect(single.scene.waterVv.toFixed(3)).toBe('-10.638');
      expect([single.chip.tp, single.chip.fp, single.chip.fn]).toEqual([17, 0, 8]);
      expect(single.chip.f1.toFixed(4)).toBe('0.8095');
      expect([single.pixel.tp, single.pixel.fp, single.pixel.fn]).toEqual([835, 55, 644]);
      expect(single.scene.lossDropVv.toFixed(3)).toBe('2.033');
      // Five looks recover the chips the single look misses; their speckle still keeps the cut at the 2 dB floor.
      expect([recent.usable, recent.kinds]).toEqual([48, ['vegetation-loss']]);
      expect([recent.chip.tp, recent.chip.fp, recent.chip.fn]).toEqual([19, 0, 6]);
      expect([recent.pixel.tp, recent.pixel.fp, recent.pixel.fn]).toEqual([984, 32, 495]);
      expect(recent.pixel.f1.toFixed(4)).toBe('0.7888');
      expect(recent.scene.lossDropVv.toFixed(3)).toBe('2.000');
      expect([composite.chip.tp, composite.chip.fp, composite.chip.fn]).toEqual([19, 0, 6]);
      expect(composite.chip.f1.toFixed(4)).toBe('0.8636');
      expect([composite.pixel.tp, composite.pixel.fp, composite.pixel.fn]).toEqual([1323, 52, 156]);
      expect(composite.pixel.f1.toFixed(4)).toBe('0.9271');
      expect(composite.scene.lossDropVv.toFixed(3)).toBe('2.816');
    }, 60_000);
  },
);
