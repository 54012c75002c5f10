/**
 * The model folder that `scripts/export_git_rsclip.py` writes: `manifest.json` beside the ONNX towers
 * and `tokenizer.json`. Reading a folder validates the manifest and the checksums of the files it uses.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ModelError } from '../errors.ts';

export const MANIFEST_FORMAT = 'driftwatch-model/1';

/** Which variant of the towers to run. */
export type Precision = 'fp32' | 'fp16' | 'int8';

const towerFiles = z.strictObject({
  fp32: z.string().min(1),
  fp16: z.string().min(1).optional(),
  int8: z.string().min(1).optional(),
});

const triple = z.tuple([z.number(), z.number(), z.number()]);

const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  model_id: z.string().min(1),
  architecture: z.literal('siglip'),
  dimension: z.number().int().positive(),
  vision: z.strictObject({ input: z.string().min(1), output: z.string().min(1), files: towerFiles }),
  text: z
    .strictObject({
      inputs: z.array(z.enum(['input_ids', 'attention_mask'])).min(1),
      output: z.string().min(1),
      files: towerFiles,
    })
    .optional(),
  tokenizer: z
    .strictObject({
      file: z.string().min(1),
      max_length: z.number().int().positive(),
      pad_id: z.number().int().nonnegative(),
      eos_id: z.number().int().nonnegative(),
    })
    .optional(),
  preprocessing: z.strictObject({
    image_size: z.number().int().positive(),
    resample: z.enum(['bicubic', 'bilinear', 'nearest']),
    rescale_factor: z.number().positive(),
    mean: triple,
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
    channel_order: z.literal('rgb'),
    layout: z.literal('nchw'),
  }),
  logit_scale: z.number(),
  logit_bias: z.number(),
  files: z.record(
    z.string(),
    z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() }),
  ),
});

/** The parsed `manifest.json`. */
export type ModelManifest = z.infer<typeof manifestSchema>;

/** Preprocessing of chips for the vision tower. */
export type Preprocessing = ModelManifest['preprocessing'];

/** A validated model folder with the absolute paths of the files one precision uses. */
export interface ModelFolder {
  /** Absolute folder path. */
  dir: string;
  /** The manifest as written. */
  manifest: ModelManifest;
  /** The precision these paths belong to. */
  precision: Precision;
  /** Vision tower ONNX file. */
  visionFile: string;
  /** Text tower ONNX file, or null when the folder has no text tower. */
  textFile: string | null;
  /** tokenizer.json, or null when the folder has no text tower. */
  tokenizerFile: string | null;
}

/** Files already hashed in this process: path → `size:mtime:sha256`. */
const verified = new Map<string, string>();

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function verifyFile(dir: string, name: string, manifest: ModelManifest): Promise<string> {
  const path = join(dir, name);
  const expected = manifest.files[name];
  if (!expected)
    throw new ModelError(`${join(dir, 'manifest.json')} uses ${name} but does not list its checksum`);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new ModelError(`model file ${path} is missing`);
  if (info.size !== expected.bytes) {
    throw new ModelError(`model file ${path} has ${info.size} bytes; manifest says ${expected.bytes}`);
  }
  const key = `${info.size}:${info.mtimeMs}:${expected.sha256}`;
  if (verified.get(path) === key) return path;
  const actual = await sha256Of(path);
  if (actual !== expected.sha256) {
    throw new ModelError(`checksum mismatch: ${path} has sha256 ${actual}; manifest says ${expected.sha256}`);
  }
  verified.set(path, key);
  return path;
}

function pick(
  files: ModelManifest['vision']['files'],
  precision: Precision,
  tower: string,
  dir: string,
): string {
  const name = files[precision] ?? (precision === 'int8' && tower === 'text' ? files.fp32 : undefined);
  if (!name) throw new ModelError(`model folder ${dir} has no ${precision} ${tower} tower`);
  return name;
}

/** Reads and validates `dir/manifest.json` and checks the files that `precision` uses. */
export async function readModelFolder(modelDir: string, precision: Precision = 'fp32'): Promise<ModelFolder> {
  const dir = resolve(modelDir);
  const manifestPath = join(dir, 'manifest.json');
  const text = await readFile(manifestPath, 'utf8').catch((cause: unknown) => {
    throw new ModelError(`model folder ${dir} has no readable manifest.json`, { cause });
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ModelError(`${manifestPath} is not valid JSON`, { cause });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    throw new ModelError(`${manifestPath} is not a driftwatch model manifest (${where})`);
  }
  const manifest = parsed.data;
  if (!manifest.text !== !manifest.tokenizer) {
    throw new ModelError(`${manifestPath} must list both a text tower and a tokenizer, or neither`);
  }
  const visionFile = await verifyFile(dir, pick(manifest.vision.files, precision, 'vision', dir), manifest);
  let textFile: string | null = null;
  let tokenizerFile: string | null = null;
  if (manifest.text && manifest.tokenizer) {
    textFile = await verifyFile(dir, pick(manifest.text.files, precision, 'text', dir), manifest);
    tokenizerFile = await verifyFile(dir, manifest.tokenizer.file, manifest);
  }
  return { dir, manifest, precision, visionFile, textFile, tokenizerFile };
}
