/**
 * `spectral-v1`: the weight-free default model. A chip's vector is its spectral feature vector
 * (layout in spectral-features.ts: band statistics, index distributions, texture, cover fractions)
 * L2-normalised. Prompts are fixed weight vectors (spectral-prompts.ts) and
 * score = sigmoid(w · f + b), where the raw features f are recovered from the normalised vector by
 * dividing by its anchor component.
 */
import { DimensionMismatchError, InputError } from '../errors.ts';
import type { EmbedInput, EmbedOptions, Embedder } from './embedder.ts';
import { ANCHOR, SPECTRAL_DIMENSION, spectralFeatures } from './spectral-features.ts';
import { promptVector } from './spectral-prompts.ts';

export { SPECTRAL_PROMPTS } from './spectral-prompts.ts';
export { SPECTRAL_DIMENSION } from './spectral-features.ts';

/** Model id stored with spectral vectors. */
export const SPECTRAL_MODEL_ID = 'spectral-v1';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The weight-free, deterministic spectral embedder. */
export class SpectralEmbedder implements Embedder {
  readonly id = SPECTRAL_MODEL_ID;
  readonly dimension = SPECTRAL_DIMENSION;

  async embedImages(chips: readonly EmbedInput[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const batch = Math.max(1, options.batchSize ?? 64);
    const out: Float32Array[] = [];
    for (let start = 0; start < chips.length; start += batch) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('embedding aborted');
      for (const chip of chips.slice(start, start + batch)) {
        const f = spectralFeatures(chip.id, chip.image);
        let norm = 0;
        for (const v of f) norm += v * v;
        norm = Math.sqrt(norm);
        for (let i = 0; i < f.length; i++) f[i]! /= norm;
        out.push(f);
      }
      options.onProgress?.(out.length, chips.length);
      if (start + batch < chips.length) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return out;
  }

  async embedTexts(prompts: readonly string[]): Promise<Float32Array[]> {
    return prompts.map(promptVector);
  }

  score(imageVectors: readonly Float32Array[], textVectors: readonly Float32Array[]): number[][] {
    for (const v of [...imageVectors, ...textVectors]) {
      if (v.length !== SPECTRAL_DIMENSION) {
        throw new DimensionMismatchError(
          `${this.id} expects vectors of ${SPECTRAL_DIMENSION}, got ${v.length}`,
        );
      }
    }
    return imageVectors.map((img, n) => {
      const anchor = img[ANCHOR]!;
      if (!(anchor > 0))
        throw new InputError(`image vector ${n} is not a ${this.id} vector (anchor ${anchor})`);
      return textVectors.map((t) => {
        let dot = 0;
        for (let i = 0; i < img.length; i++) dot += img[i]! * t[i]!;
        return sigmoid(dot / anchor);
      });
    });
  }

  async close(): Promise<void> {}
}
