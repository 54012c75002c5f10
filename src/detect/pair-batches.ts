/**
 * The pair detector over a scene that comes in batches of chips (a monitoring look, whose area may have
 * any number of chips), in memory bounded by the scene's sample and one batch, whatever the number of
 * chips: pass 1 adds every chip to the scene's sampler (PairSceneSampler, a bounded deterministic sample
 * of whole chips) and fits the scene from it; pass 2 scores every chip with that fit (scorePairChip),
 * keeping only its result; the chip threshold then comes from every chip's statistic (finishPairScene).
 * A scene within the sample's cap is not read a second time: its usable chips are all in the sample, and
 * a chip that is not usable needs no fit. The detection is detectPairScene's over the same chips in the
 * same order. Pure: the caller reads the batches.
 */
import {
  finishPairScene,
  PairSceneSampler,
  scorePairChip,
  unusablePairChip,
  type PairChipInput,
  type PairChipScore,
  type PairDetectorOptions,
  type PairSceneDetection,
} from './pair-detector.ts';

/** A scene's detection from its batches, and how many times the batches were read. */
export interface BatchedPairDetection extends PairSceneDetection {
  /** Passes over the batches: 1 when the scene is within the sample's cap, else 2. */
  passes: 1 | 2;
}

/**
 * Scores a scene whose chips `batches()` yields batch by batch (see the module comment); `batches` is
 * called once per pass and must yield the same chips in the same order each time.
 */
export async function detectPairSceneInBatches(
  batches: () => AsyncIterable<readonly PairChipInput[]>,
  options: PairDetectorOptions = {},
): Promise<BatchedPairDetection> {
  const sampler = new PairSceneSampler(options);
  // Per chip of pass 1, in order: the score of a chip that is not usable, or null for a usable one (in
  // the sample while the scene is within the cap; dropped as soon as it is not).
  let firstPass: (PairChipScore | null)[] | undefined = [];
  for await (const batch of batches()) {
    for (const c of batch) {
      const usable = sampler.add(c);
      if (firstPass) firstPass.push(usable ? null : unusablePairChip(c));
      if (!sampler.complete) firstPass = undefined;
    }
  }
  const fit = sampler.fit();
  if (firstPass) {
    const kept = sampler.chips();
    let k = 0;
    const scores = firstPass.map((s) => s ?? scorePairChip(kept[k++]!, fit, options));
    return { ...finishPairScene(scores, fit, options), passes: 1 };
  }
  const scores: PairChipScore[] = [];
  for await (const batch of batches()) for (const c of batch) scores.push(scorePairChip(c, fit, options));
  return { ...finishPairScene(scores, fit, options), passes: 2 };
}
