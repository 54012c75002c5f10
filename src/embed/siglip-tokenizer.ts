/**
 * SigLIP text tokenisation from a `tokenizer.json` (converted from the checkpoint's SentencePiece model by
 * the export script): lower-case, punctuation removed, `</s>` appended, truncated and padded to a fixed length.
 */
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { InputError, ModelError } from '../errors.ts';

/** Fixed-length settings from the manifest. */
export interface TokenizerSettings {
  /** Tokens per prompt after padding. */
  max_length: number;
  /** Id that fills the padding. */
  pad_id: number;
  /** End-of-sequence id, kept as the last token when a prompt is truncated. */
  eos_id: number;
}

/** Token ids and attention masks of several prompts, row-major [prompts × max_length]. */
export interface TokenBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
}

export class SiglipTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly settings: TokenizerSettings,
  ) {}

  /** Loads `tokenizer.json`; ModelError naming the file when it is not a tokenizer. */
  static async load(file: string, settings: TokenizerSettings): Promise<SiglipTokenizer> {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch (cause) {
      throw new ModelError(`tokenizer ${file} is not readable JSON`, { cause });
    }
    try {
      const tokenizer = new Tokenizer(json as object, {});
      return new SiglipTokenizer(tokenizer, settings);
    } catch (cause) {
      throw new ModelError(`tokenizer ${file} cannot be loaded: ${(cause as Error).message}`, { cause });
    }
  }

  /** The padded ids of one prompt (length max_length). */
  ids(prompt: string): number[] {
    return this.padded(prompt).ids;
  }

  /** Tokenises prompts; InputError naming the prompt when one is blank. */
  encode(prompts: readonly string[]): TokenBatch {
    const { max_length } = this.settings;
    const inputIds = new BigInt64Array(prompts.length * max_length);
    const attentionMask = new BigInt64Array(prompts.length * max_length);
    prompts.forEach((prompt, p) => {
      if (typeof prompt !== 'string' || prompt.trim() === '') {
        throw new InputError(`prompt ${p} (${JSON.stringify(prompt)}) is empty`);
      }
      const { ids, real } = this.padded(prompt);
      ids.forEach((id, i) => {
        inputIds[p * max_length + i] = BigInt(id);
        attentionMask[p * max_length + i] = i < real ? 1n : 0n;
      });
    });
    return { inputIds, attentionMask };
  }

  /** Ids truncated (keeping `</s>` last) and padded; `real` counts the non-padding ones. */
  private padded(prompt: string): { ids: number[]; real: number } {
    const { max_length, pad_id, eos_id } = this.settings;
    let ids = this.tokenizer.encode(prompt).ids;
    if (ids.length > max_length) ids = [...ids.slice(0, max_length - 1), eos_id];
    const real = ids.length;
    return { ids: ids.concat(new Array<number>(max_length - real).fill(pad_id)), real };
  }
}
