import type { ImageValue, RgbImage } from '../imagery/image.ts';

/** What an embedder needs of one chip. */
export interface EmbedInput {
  /** Names the chip in errors (e.g. its grid key). */
  id: string;
  /** Band stack with mask (used by band-aware models such as the spectral default). */
  image: ImageValue;
  /** True-colour rendering (used by RGB models such as Git-RSCLIP). */
  rgb: RgbImage;
}

/** Options of one embedding call. */
export interface EmbedOptions {
  /** Cancels the call between batches. */
  signal?: AbortSignal;
  /** Chips per inference batch (bounded memory). */
  batchSize?: number;
  /** Called after each batch with the number of chips done so far (for progress and heartbeats). */
  onProgress?: (done: number, total: number) => void;
}

/** A model that turns chips and prompts into vectors in one space. */
export interface Embedder {
  /** Stable model id stored with every vector. */
  readonly id: string;
  /** Vector length. */
  readonly dimension: number;
  /** One L2-normalised vector per chip, in input order. */
  embedImages(chips: readonly EmbedInput[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** One vector per prompt, in input order. */
  embedTexts(prompts: readonly string[]): Promise<Float32Array[]>;
  /** Probability in [0, 1] that each image matches each prompt: result[image][prompt]. */
  score(imageVectors: readonly Float32Array[], textVectors: readonly Float32Array[]): number[][];
  /** Releases sessions and memory. */
  close(): Promise<void>;
}
