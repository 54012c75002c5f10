import { describe, expect, it } from 'vitest';
import { BoundedSample, keyRank } from '../src/detect/bounded-sample.ts';
import { detectPairSceneInBatches } from '../src/detect/pair-batches.ts';
import {
  detectPairScene,
  MASK_WATER,
  PAIR_SAMPLE_PIXELS,
  type PairChipInput,
} from '../src/detect/pair-detector.ts';
import { ROOF, WATER, scene } from './helpers/pair-scene.ts';

/** The kept keys of a sample offered `keys` (each of weight `weight(key)`) in the order given. */
function sampled(keys: readonly string[], cap: number, weight: (k: string) => number = () => 1): string[] {
  const s = new BoundedSample<string>(cap);
  for (const k of keys) s.offer(k, weight(k), k);
  return s.items();
}

const KEYS = Array.from({ length: 16 }, (_, k) => `c${k}`);

describe('bounded sample', () => {
  it('ranks keys by FNV-1a with the MurmurHash3 finaliser', () => {
    expect(keyRank('')).toBe(0xab3e7c0b);
    expect(keyRank('a')).toBe(0x1a80b1b3);
  });

  it('keeps every item, in the order offered, while their weight is within the cap', () => {
    expect(sampled(KEYS, 16)).toEqual(KEYS);
  });

  it('keeps the lowest-ranked items that fit, whatever the order they come in', () => {
    // Ranks in order: c5, c1, c4, c11, c13, …
    expect(sampled(KEYS, 4)).toEqual(['c1', 'c4', 'c5', 'c11']);
    expect(sampled([...KEYS].reverse(), 4)).toEqual(['c11', 'c5', 'c4', 'c1']);
  });

  it('stops at the first item in rank order that does not fit, even when a later one would', () => {
    // c5 (3) + c1 (3) fit in 7; c4 (3) does not, so c11 (1) is left out too.
    const w = (k: string): number => (k === 'c11' ? 1 : 3);
    expect(sampled(KEYS, 7, w)).toEqual(['c1', 'c5']);
    expect(sampled([...KEYS].reverse(), 7, w)).toEqual(['c5', 'c1']);
  });

  it('keeps the first item in rank order even when it alone is over the cap', () => {
    expect(sampled(['c1', 'c5'], 2, () => 5)).toEqual(['c5']);
    expect(() => new BoundedSample(0)).toThrow('sample cap is 0');
  });
});

/** The scene of detect-pair.test.ts: chip 5 half roofs, chip 2 a third flooded, the rest unchanged. */
function changedScene(): PairChipInput[] {
  return scene((k, i) => (k === 5 && i < 128 ? ROOF : k === 2 && i < 96 ? WATER : null));
}

/** Yields the chips in batches of `size`. */
function batchesOf(chips: readonly PairChipInput[], size: number): () => AsyncIterable<PairChipInput[]> {
  return async function* () {
    for (let i = 0; i < chips.length; i += size) yield chips.slice(i, i + size);
  };
}

describe('pair detector on a sample of its scene', () => {
  it('fits a scene within the cap from all its pixels: the same detection as without a cap', () => {
    const chips = changedScene();
    const full = detectPairScene(chips, { keepMasks: true, sampleCap: Number.MAX_SAFE_INTEGER });
    const atCap = detectPairScene(chips, { keepMasks: true, sampleCap: 16 * 256 });
    expect(PAIR_SAMPLE_PIXELS).toBe(2_097_152);
    expect(detectPairScene(chips, { keepMasks: true })).toEqual(full);
    expect(atCap).toEqual(full);
    expect(full.scene).toMatchObject({ pixels: 4096, samplePixels: 4096, sampleChips: 16 });
    expect(full.chips.filter((c) => c.confidence !== null).map((c) => [c.key, c.kind])).toEqual([
      ['c2', 'flood'],
      ['c5', 'construction'],
    ]);
  });

  it('fits a scene over the cap from the chips of its sample alone, whatever the order of its chips', () => {
    const chips = changedScene();
    const d = detectPairScene(chips, { sampleCap: 1024 });
    // Four chips of 256 pixels fit: c5, c1, c4 and c11, the lowest-ranked keys, fitted in that order.
    const sample = ['c5', 'c1', 'c4', 'c11'].map((k) => chips.find((c) => c.key === k)!);
    const alone = detectPairScene(sample);
    expect(d.scene).toMatchObject({ pixels: 4096, samplePixels: 1024, sampleChips: 4 });
    expect(d.scene.relations).toEqual(alone.scene.relations);
    expect(d.scene.otsu).toBe(alone.scene.otsu);
    expect(d.scene.pixelThreshold).toBe(alone.scene.pixelThreshold);
    // The fit is not the whole scene's: c2's flood is not in the sample, c5's roofs are.
    expect(d.scene.relations).not.toEqual(detectPairScene(chips).scene.relations);
    const shuffled = [...chips.slice(8), ...chips.slice(0, 8)];
    const again = detectPairScene(shuffled, { sampleCap: 1024 });
    expect(again.scene).toEqual(d.scene);
    const byKey = new Map(again.chips.map((c) => [c.key, c]));
    expect(d.chips.map((c) => byKey.get(c.key))).toEqual(d.chips);
    expect(d.chips.filter((c) => c.confidence !== null).map((c) => [c.key, c.kind])).toEqual([
      ['c2', 'flood'],
      ['c5', 'construction'],
    ]);
  });

  it('scores a scene read in batches as in one call: once within the cap, twice over it', async () => {
    const chips = changedScene();
    chips[7]!.after.mask.fill(0, 0, 200); // not usable
    const options = { keepMasks: true };
    const within = await detectPairSceneInBatches(batchesOf(chips, 3), options);
    expect(within.passes).toBe(1);
    expect({ chips: within.chips, scene: within.scene }).toEqual(detectPairScene(chips, options));
    expect(within.chips[7]).toMatchObject({ usable: false, score: 0 });
    const over = { ...options, sampleCap: 1024 };
    const sampled = await detectPairSceneInBatches(batchesOf(chips, 3), over);
    expect(sampled.passes).toBe(2);
    expect({ chips: sampled.chips, scene: sampled.scene }).toEqual(detectPairScene(chips, over));
    expect(sampled.scene).toMatchObject({ pixels: 15 * 256, samplePixels: 1024, sampleChips: 4 });
  });

  it('keeps the masks of the chips keepMasks names alone, with the same detection otherwise', async () => {
    const chips = changedScene();
    const named = new Set(['c2', 'c3', 'c9']);
    for (const sampleCap of [undefined, 1024]) {
      const all = await detectPairSceneInBatches(batchesOf(chips, 3), { keepMasks: true, sampleCap });
      const some = await detectPairSceneInBatches(batchesOf(chips, 3), {
        keepMasks: (key) => named.has(key),
        sampleCap,
      });
      expect(some.chips.filter((c) => c.mask).map((c) => c.key)).toEqual(['c2', 'c3', 'c9']);
      expect(some.chips.map((c) => c.mask)).toEqual(
        all.chips.map((c) => (named.has(c.key) ? c.mask : undefined)),
      );
      const strip = (d: typeof all) => d.chips.map(({ mask: _, ...c }) => c);
      expect(strip(some)).toEqual(strip(all));
      expect(some.scene).toEqual(all.scene);
      expect(some.passes).toBe(sampleCap ? 2 : 1);
    }
    // c2's mask: its first 96 pixels are new water (MASK_WATER), the rest unchanged.
    const c2 = (await detectPairSceneInBatches(batchesOf(chips, 3), { keepMasks: (key) => key === 'c2' }))
      .chips[2]!.mask!;
    expect([
      c2.length,
      c2.filter((v) => v === MASK_WATER).length,
      c2.slice(0, 96).every((v) => v === MASK_WATER),
    ]).toEqual([256, 96, true]);
  });
});
