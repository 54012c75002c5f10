/**
 * Git-RSCLIP (SigLIP-L/16-256) over onnxruntime-node: chips through the vision tower, prompts through the
 * text tower, image–text probability = sigmoid(cos · exp(logit_scale) + logit_bias).
 */
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DimensionMismatchError, InputError, ModelError } from '../errors.ts';
import type { EmbedInput, EmbedOptions, Embedder } from './embedder.ts';
import { fromFloat16Array, toFloat16Array } from './float16.ts';
import { readModelFolder, type ModelFolder, type Precision } from './model-manifest.ts';
import {
  acquireSession,
  releaseSession,
  type OpenSession,
  type ProviderChoice,
  type SessionOptions,
} from './onnx-sessions.ts';
import { checkChip, normalisationTables, preprocessBatch } from './rgb-preprocess.ts';
import { SiglipTokenizer } from './siglip-tokenizer.ts';

/** Options of `GitRsclipEmbedder.open`. */
export interface GitRsclipOptions {
  /** Execution provider (default `auto`: cuda, then webgpu, then cpu). */
  provider?: ProviderChoice;
  /** Chips per inference batch when a call does not say (default 8). */
  batchSize?: number;
  /** Tower variant: fp32 (default), fp16, or int8 (quantised vision tower, fp32 text tower). */
  precision?: Precision;
  /** Intra-op threads per session (default: one per core). */
  threads?: number;
  /** Receives one line per notable event (provider chosen, fallbacks). */
  logger?: (msg: string) => void;
}

/** Prompts per text-tower run. */
const TEXT_BATCH = 32;

function l2Normalised(values: Float32Array, what: string, file: string): Float32Array {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) {
    throw new ModelError(`${file} produced a ${norm === 0 ? 'zero' : 'non-finite'} vector for ${what}`);
  }
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / norm;
  return out;
}

export class GitRsclipEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  private textSession: Promise<OpenSession> | null = null;
  private tokenizer: Promise<SiglipTokenizer> | null = null;
  private closed = false;
  private readonly tables: Float32Array[];

  private constructor(
    private readonly folder: ModelFolder,
    private readonly vision: OpenSession,
    private readonly sessionOptions: SessionOptions,
    private readonly batchSize: number,
  ) {
    this.id = folder.manifest.model_id;
    this.dimension = folder.manifest.dimension;
    this.tables = normalisationTables(folder.manifest.preprocessing);
  }

  /** Opens a model folder: validates the manifest and checksums, opens (or reuses) the vision session. */
  static async open(modelDir: string, options: GitRsclipOptions = {}): Promise<GitRsclipEmbedder> {
    const batchSize = options.batchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InputError(`batch size ${batchSize} is not a positive integer`);
    }
    const folder = await readModelFolder(modelDir, options.precision ?? 'fp32');
    const sessionOptions: SessionOptions = {
      provider: options.provider ?? 'auto',
      threads: options.threads,
      logger: options.logger,
    };
    const vision = await acquireSession(folder.visionFile, sessionOptions);
    try {
      const size = folder.manifest.preprocessing.image_size;
      checkSession(
        vision,
        [folder.manifest.vision.input],
        folder.manifest.vision.output,
        folder.manifest.dimension,
      );
      const shape = vision.session.inputMetadata[0];
      if (shape?.isTensor) {
        const [, channels, height, width] = shape.shape;
        for (const [what, got, want] of [
          ['channels', channels, 3],
          ['height', height, size],
          ['width', width, size],
        ] as const) {
          if (typeof got === 'number' && got !== want) {
            throw new DimensionMismatchError(
              `${vision.file} takes input ${what} ${got}; manifest implies ${want}`,
            );
          }
        }
      }
    } catch (error) {
      await releaseSession(folder.visionFile, sessionOptions);
      throw error;
    }
    return new GitRsclipEmbedder(folder, vision, sessionOptions, batchSize);
  }

  /** Provider the vision tower runs on. */
  get provider(): string {
    return this.vision.provider;
  }

  /** Precision of the towers in use. */
  get precision(): Precision {
    return this.folder.precision;
  }

  async embedImages(chips: readonly EmbedInput[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    this.assertOpen();
    const batch = options.batchSize ?? this.batchSize;
    if (!Number.isInteger(batch) || batch < 1)
      throw new InputError(`batch size ${batch} is not a positive integer`);
    for (const chip of chips) checkChip(chip);
    options.signal?.throwIfAborted();
    const total = chips.length;
    const out: Float32Array[] = [];
    if (total === 0) return out;
    const pre = this.folder.manifest.preprocessing;
    const prepare = (from: number): Promise<Float32Array> => {
      const next = preprocessBatch(chips, from, Math.min(from + batch, total), pre, this.tables);
      next.catch(() => {}); // awaited below; this only keeps an abandoned batch from being unhandled
      return next;
    };
    let next = prepare(0);
    for (let start = 0; start < total; start += batch) {
      const pixels = await next;
      const end = Math.min(start + batch, total);
      if (end < total) next = prepare(end);
      options.signal?.throwIfAborted();
      const { input, output } = this.folder.manifest.vision;
      const vectors = await this.run(this.vision, { [input]: pixels }, output, end - start, [
        3,
        pre.image_size,
        pre.image_size,
      ]);
      for (let k = 0; k < vectors.length; k++) {
        out.push(l2Normalised(vectors[k]!, `chip ${chips[start + k]!.id}`, this.vision.file));
      }
      options.onProgress?.(end, total);
    }
    return out;
  }

  async embedTexts(prompts: readonly string[]): Promise<Float32Array[]> {
    this.assertOpen();
    if (prompts.length === 0) throw new InputError('embedTexts: the prompt list is empty');
    const { text } = this.folder.manifest;
    if (!text || !this.folder.textFile)
      throw new ModelError(`model folder ${this.folder.dir} has no text tower`);
    const tokenizer = await this.loadTokenizer();
    const tokens = tokenizer.encode(prompts); // validates every prompt before any inference
    const session = await this.loadTextSession();
    const length = tokenizer.settings.max_length;
    const out: Float32Array[] = [];
    for (let start = 0; start < prompts.length; start += TEXT_BATCH) {
      const end = Math.min(start + TEXT_BATCH, prompts.length);
      const feeds: Record<string, BigInt64Array> = {};
      for (const name of text.inputs) {
        const all = name === 'input_ids' ? tokens.inputIds : tokens.attentionMask;
        feeds[name] = all.subarray(start * length, end * length);
      }
      const vectors = await this.run(session, feeds, text.output, end - start, [length]);
      vectors.forEach((v, k) => out.push(l2Normalised(v, `prompt ${start + k}`, session.file)));
    }
    return out;
  }

  score(imageVectors: readonly Float32Array[], textVectors: readonly Float32Array[]): number[][] {
    const check = (vectors: readonly Float32Array[], kind: string): void =>
      vectors.forEach((v, i) => {
        if (v.length !== this.dimension) {
          throw new DimensionMismatchError(
            `${kind} vector ${i} has ${v.length} values; model ${this.id} has dimension ${this.dimension}`,
          );
        }
      });
    check(imageVectors, 'image');
    check(textVectors, 'text');
    const scale = Math.exp(this.folder.manifest.logit_scale);
    const bias = this.folder.manifest.logit_bias;
    const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const textNorms = textVectors.map(norm);
    return imageVectors.map((image) => {
      const imageNorm = norm(image);
      return textVectors.map((textVector, t) => {
        let dot = 0;
        for (let i = 0; i < image.length; i++) dot += image[i]! * textVector[i]!;
        const cos = dot / (imageNorm * textNorms[t]!);
        return 1 / (1 + Math.exp(-(cos * scale + bias)));
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await releaseSession(this.folder.visionFile, this.sessionOptions);
    if (this.textSession && this.folder.textFile) {
      const opened = await this.textSession.catch(() => null);
      if (opened) await releaseSession(this.folder.textFile, this.sessionOptions);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ModelError(`embedder ${this.id} (${this.folder.dir}) is closed`);
  }

  private loadTokenizer(): Promise<SiglipTokenizer> {
    const { tokenizer } = this.folder.manifest;
    this.tokenizer ??= SiglipTokenizer.load(this.folder.tokenizerFile!, tokenizer!);
    return this.tokenizer;
  }

  private loadTextSession(): Promise<OpenSession> {
    const text = this.folder.manifest.text!;
    const file = this.folder.textFile!;
    this.textSession ??= acquireSession(file, this.sessionOptions).then(async (opened) => {
      try {
        checkSession(opened, text.inputs, text.output, this.dimension);
        return opened;
      } catch (error) {
        await releaseSession(file, this.sessionOptions);
        throw error;
      }
    });
    this.textSession.catch(() => (this.textSession = null));
    return this.textSession;
  }

  /** Runs one batch and returns one raw vector per item, converting float16 in and out. */
  private async run(
    opened: OpenSession,
    feeds: Record<string, Float32Array | BigInt64Array>,
    outputName: string,
    count: number,
    itemShape: number[],
  ): Promise<Float32Array[]> {
    const tensors: Record<string, ort.Tensor> = {};
    opened.session.inputMetadata.forEach((meta) => {
      const data = feeds[meta.name]!;
      const dims = [count, ...itemShape];
      if (data instanceof BigInt64Array) tensors[meta.name] = new ort.Tensor('int64', data, dims);
      else if (meta.isTensor && meta.type === 'float16') {
        tensors[meta.name] = new ort.Tensor('float16', toFloat16Array(data), dims);
      } else tensors[meta.name] = new ort.Tensor('float32', data, dims);
    });
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = await opened.session.run(tensors);
    } catch (cause) {
      throw new ModelError(`${opened.file} failed to run a batch of ${count}: ${(cause as Error).message}`, {
        cause,
      });
    }
    const output = result[outputName] as ort.Tensor;
    const dims = output.dims;
    if (dims.length !== 2 || dims[0] !== count || dims[1] !== this.dimension) {
      throw new DimensionMismatchError(
        `${opened.file} returned shape [${dims.join(', ')}]; expected [${count}, ${this.dimension}]`,
      );
    }
    const values =
      output.type === 'float16'
        ? fromFloat16Array(output.data as Uint16Array)
        : (output.data as Float32Array);
    const vectors: Float32Array[] = [];
    for (let k = 0; k < count; k++) vectors.push(values.slice(k * this.dimension, (k + 1) * this.dimension));
    output.dispose();
    return vectors;
  }
}

/** Input names, output name and output width of a tower against the manifest. */
function checkSession(
  opened: OpenSession,
  inputs: readonly string[],
  output: string,
  dimension: number,
): void {
  const { session, file } = opened;
  const got = [...session.inputNames].sort();
  const want = [...inputs].sort();
  if (got.join(',') !== want.join(',')) {
    throw new ModelError(`${file} takes inputs [${got.join(', ')}]; manifest says [${want.join(', ')}]`);
  }
  if (!session.outputNames.includes(output)) {
    throw new ModelError(
      `${file} has outputs [${session.outputNames.join(', ')}]; manifest says ${output} (${basename(file)})`,
    );
  }
  const meta = session.outputMetadata.find((m) => m.name === output);
  const width = meta?.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
  if (typeof width === 'number' && width !== dimension) {
    throw new DimensionMismatchError(
      `${file} outputs ${width} values per item; manifest says dimension ${dimension}`,
    );
  }
}
