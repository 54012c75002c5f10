/**
 * The TypeScript path (sharp preprocessing + tokenizer.json + onnxruntime-node) against PyTorch references
 * written by `scripts/export_git_rsclip.py --tiny-random` for a tiny random SigLIP of Git-RSCLIP's
 * architecture, plus the model folder's error handling.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedInput } from '../src/embed/embedder.ts';
import { GitRsclipEmbedder } from '../src/embed/git-rsclip.ts';
import type { ModelManifest } from '../src/embed/model-manifest.ts';
import { openEmbedder, openSessionCount } from '../src/embed/registry.ts';
import { SiglipTokenizer } from '../src/embed/siglip-tokenizer.ts';
import { ConfigError, DimensionMismatchError, InputError, ModelError } from '../src/errors.ts';
import { cosineSimilarity } from '../src/spectral/cosine.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'tiny-git-rsclip');

interface References {
  images: { file: string; width: number; height: number; embedding: number[] }[];
  prompts: { text: string; input_ids: number[]; embedding: number[] }[];
  probabilities: number[][];
  tokenizer_checks: { text: string; input_ids: number[] }[];
}

const refs = JSON.parse(readFileSync(join(FIXTURE, 'references.json'), 'utf8')) as References;
/** Images whose size makes resizing exact (256: none; 512: a 2× shrink, where sharp's cubic equals PIL's). */
const EXACT = ['references/gradient-256.png', 'references/blocks-256.png', 'references/tiles-512.png'];
/** 300×200: sharp's cubic enlargement (200 → 256 rows) differs from PIL's by a few levels. */
const OFF_SIZE = 'references/stripes-300x200.png';

const noImage = {
  width: 1,
  height: 1,
  bands: ['red'],
  data: [new Float32Array(1)],
  mask: new Uint8Array([1]),
  crs: null,
  bounds: null,
  scale: 'display' as const,
};

async function pngChip(file: string): Promise<EmbedInput> {
  const { data, info } = await sharp(join(FIXTURE, file))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    id: file,
    rgb: { width: info.width, height: info.height, data: new Uint8Array(data) },
    image: noImage,
  };
}

let chips: EmbedInput[] = [];
const temps: string[] = [];

/** A copy of the fixture with `edit` applied to its manifest (and files), checksums recomputed. */
function variant(edit: (manifest: ModelManifest, dir: string) => void, rehash = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-git-rsclip-'));
  temps.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
  edit(manifest, dir);
  if (rehash) {
    for (const name of Object.keys(manifest.files)) {
      const bytes = readFileSync(join(dir, name));
      manifest.files[name] = {
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.length,
      };
    }
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

beforeAll(async () => {
  chips = await Promise.all(refs.images.map((im) => pngChip(im.file)));
});

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('parity with PyTorch on the tiny model', () => {
  let embedder: GitRsclipEmbedder;
  let images: Float32Array[];
  let texts: Float32Array[];
  beforeAll(async () => {
    embedder = await GitRsclipEmbedder.open(FIXTURE, { provider: 'cpu' });
    images = await embedder.embedImages(chips, { batchSize: 3 });
    texts = await embedder.embedTexts(refs.prompts.map((p) => p.text));
  });
  afterAll(() => embedder.close());

  it('reads id and dimension from the manifest', () => {
    expect(embedder.id).toBe('git-rsclip-tiny-random-seed0');
    expect(embedder.dimension).toBe(32);
    expect(embedder.provider).toBe('cpu');
  });

  it('reproduces image embeddings (cosine ≥ 0.9999) where resizing is exact', () => {
    for (const file of EXACT) {
      const i = refs.images.findIndex((im) => im.file === file);
      expect(cosineSimilarity(images[i]!, refs.images[i]!.embedding), file).toBeGreaterThanOrEqual(0.9999);
    }
  });

  it('stays within cosine 0.99 for an off-size chip that sharp enlarges', () => {
    const i = refs.images.findIndex((im) => im.file === OFF_SIZE);
    expect(cosineSimilarity(images[i]!, refs.images[i]!.embedding)).toBeGreaterThanOrEqual(0.99);
  });

  it('returns L2-normalised vectors', () => {
    for (const v of [...images, ...texts]) expect(Math.hypot(...v)).toBeCloseTo(1, 6);
  });

  it('reproduces the token ids of SiglipTokenizer exactly', async () => {
    const tokenizer = await SiglipTokenizer.load(join(FIXTURE, 'tokenizer.json'), {
      max_length: 64,
      pad_id: 1,
      eos_id: 1,
    });
    for (const p of refs.prompts) expect(tokenizer.ids(p.text), p.text).toEqual(p.input_ids);
    for (const c of refs.tokenizer_checks)
      expect(tokenizer.ids(c.text), JSON.stringify(c.text)).toEqual(c.input_ids);
    expect(refs.prompts[4]!.input_ids.filter((id) => id !== 1)).toHaveLength(63); // truncated, </s> kept last
  });

  it('reproduces text embeddings (cosine ≥ 0.9999)', () => {
    refs.prompts.forEach((p, i) =>
      expect(cosineSimilarity(texts[i]!, p.embedding), p.text).toBeGreaterThanOrEqual(0.9999),
    );
  });

  it('reproduces probabilities within 1e-4 where resizing is exact', () => {
    const probs = embedder.score(images, texts);
    for (const file of EXACT) {
      const i = refs.images.findIndex((im) => im.file === file);
      refs.probabilities[i]!.forEach((want, t) => expect(Math.abs(probs[i]![t]! - want)).toBeLessThan(1e-4));
    }
  });

  it('runs the fp16 towers, feeding and reading float16 tensors', async () => {
    const fp16 = await GitRsclipEmbedder.open(FIXTURE, { provider: 'cpu', precision: 'fp16' });
    try {
      const v = await fp16.embedImages(chips.slice(0, 2));
      v.forEach((vec, i) =>
        expect(cosineSimilarity(vec, refs.images[i]!.embedding)).toBeGreaterThanOrEqual(0.9999),
      );
      const t = await fp16.embedTexts([refs.prompts[0]!.text]);
      expect(cosineSimilarity(t[0]!, refs.prompts[0]!.embedding)).toBeGreaterThanOrEqual(0.9999);
    } finally {
      await fp16.close();
    }
  });

  it('runs the int8 vision tower close to fp32 (cosine ≥ 0.999)', async () => {
    const int8 = await GitRsclipEmbedder.open(FIXTURE, { provider: 'cpu', precision: 'int8' });
    try {
      const v = await int8.embedImages(chips.slice(0, 2));
      v.forEach((vec, i) =>
        expect(cosineSimilarity(vec, refs.images[i]!.embedding)).toBeGreaterThanOrEqual(0.999),
      );
    } finally {
      await int8.close();
    }
  });
});

describe('parity breaks when a part is wrong', () => {
  async function imageCosines(dir: string, input = chips): Promise<number[]> {
    const e = await GitRsclipEmbedder.open(dir, { provider: 'cpu' });
    try {
      const v = await e.embedImages(input);
      return v.map((vec, i) => cosineSimilarity(vec, refs.images[i]!.embedding));
    } finally {
      await e.close();
    }
  }

  it('normalising with mean 0 / std 1 instead of 0.5 / 0.5', async () => {
    const dir = variant((m) => {
      m.preprocessing.mean = [0, 0, 0];
      m.preprocessing.std = [1, 1, 1];
    });
    for (const c of (await imageCosines(dir)).slice(0, 3)) expect(c).toBeLessThan(0.999);
  });

  it('bilinear instead of bicubic resizing (512 → 256)', async () => {
    const dir = variant((m) => {
      m.preprocessing.resample = 'bilinear';
    });
    const i = refs.images.findIndex((im) => im.file === 'references/tiles-512.png');
    expect((await imageCosines(dir))[i]).toBeLessThan(0.9999);
  });

  it('BGR instead of RGB channel order', async () => {
    const bgr = chips.map((chip) => {
      const data = new Uint8Array(chip.rgb.data);
      for (let j = 0; j < data.length; j += 3) [data[j], data[j + 2]] = [data[j + 2]!, data[j]!];
      return { ...chip, rgb: { ...chip.rgb, data } };
    });
    for (const c of (await imageCosines(FIXTURE, bgr)).slice(0, 3)) expect(c).toBeLessThan(0.999);
  });

  it('a tokenizer without lower-casing', async () => {
    const dir = variant((_m, d) => {
      const json = JSON.parse(readFileSync(join(d, 'tokenizer.json'), 'utf8')) as {
        normalizer: { normalizers: { type: string }[] };
      };
      json.normalizer.normalizers = json.normalizer.normalizers.filter((n) => n.type !== 'Lowercase');
      writeFileSync(join(d, 'tokenizer.json'), JSON.stringify(json));
    });
    const e = await GitRsclipEmbedder.open(dir, { provider: 'cpu' });
    try {
      const [t] = await e.embedTexts([refs.prompts[1]!.text]); // "Buildings under construction!"
      expect(cosineSimilarity(t!, refs.prompts[1]!.embedding)).toBeLessThan(0.9999);
    } finally {
      await e.close();
    }
  });

  it('text fed to the vision tower is refused, naming the file', async () => {
    const dir = variant((m) => {
      m.text!.files.fp32 = 'vision.onnx';
    });
    const e = await GitRsclipEmbedder.open(dir, { provider: 'cpu' });
    try {
      const err = await e.embedTexts(['a river']).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(ModelError);
      expect((err as Error).message).toMatch(
        /vision\.onnx takes inputs \[pixel_values\]; manifest says \[attention_mask, input_ids\]/,
      );
    } finally {
      await e.close();
    }
  });

  it('towers swapped in the manifest are refused at open', async () => {
    const dir = variant((m) => {
      m.vision.files.fp32 = 'text.onnx';
      m.text!.files.fp32 = 'vision.onnx';
    });
    await expect(GitRsclipEmbedder.open(dir, { provider: 'cpu' })).rejects.toThrow(
      /text\.onnx takes inputs \[attention_mask, input_ids\]; manifest says \[pixel_values\]/,
    );
  });
});

describe('bad model folders', () => {
  it('a missing file is a ModelError naming it', async () => {
    const dir = variant((_m, d) => rmSync(join(d, 'vision.onnx')), false);
    const err = await GitRsclipEmbedder.open(dir, { provider: 'cpu' }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toBe(`model file ${join(dir, 'vision.onnx')} is missing`);
  });

  it('a checksum mismatch is a ModelError naming the file', async () => {
    const dir = variant((_m, d) => {
      const bytes = readFileSync(join(d, 'text.onnx'));
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      writeFileSync(join(d, 'text.onnx'), bytes);
    }, false);
    await expect(GitRsclipEmbedder.open(dir, { provider: 'cpu' })).rejects.toThrow(
      new RegExp(
        `^checksum mismatch: ${join(dir, 'text.onnx')} has sha256 [0-9a-f]{64}; manifest says [0-9a-f]{64}$`,
      ),
    );
  });

  it('a corrupt ONNX file (with a matching checksum) is a ModelError naming it', async () => {
    const dir = variant((_m, d) => writeFileSync(join(d, 'vision.onnx'), Buffer.from('not an onnx model')));
    const err = await GitRsclipEmbedder.open(dir, { provider: 'cpu' }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(
      new RegExp(`^${join(dir, 'vision.onnx')} is not a loadable ONNX model: `),
    );
    expect(openSessionCount()).toBe(0);
  });

  it('a manifest that lies about the dimension is a DimensionMismatchError naming the tower', async () => {
    const dir = variant((m) => {
      m.dimension = 64;
    });
    const err = await GitRsclipEmbedder.open(dir, { provider: 'cpu' }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DimensionMismatchError);
    expect((err as Error).message).toBe(
      `${join(dir, 'vision.onnx')} outputs 32 values per item; manifest says dimension 64`,
    );
  });

  it('a manifest with wrong input names is a ModelError naming the tower', async () => {
    const dir = variant((m) => {
      m.vision.input = 'pixels';
    });
    await expect(GitRsclipEmbedder.open(dir, { provider: 'cpu' })).rejects.toThrow(
      `${join(dir, 'vision.onnx')} takes inputs [pixel_values]; manifest says [pixels]`,
    );
  });

  it('a folder without manifest.json is a ModelError naming the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'empty-model-'));
    temps.push(dir);
    await expect(GitRsclipEmbedder.open(dir)).rejects.toThrow(
      `model folder ${dir} has no readable manifest.json`,
    );
  });
});

describe('bad input', () => {
  let embedder: GitRsclipEmbedder;
  beforeAll(async () => {
    embedder = await GitRsclipEmbedder.open(FIXTURE, { provider: 'cpu', batchSize: 2 });
  });
  afterAll(() => embedder.close());

  it('an empty prompt list is an InputError', async () => {
    await expect(embedder.embedTexts([])).rejects.toThrow(
      new InputError('embedTexts: the prompt list is empty'),
    );
  });

  it('a blank prompt is an InputError naming it', async () => {
    await expect(embedder.embedTexts(['a river', '   '])).rejects.toThrow('prompt 1 ("   ") is empty');
  });

  it('a 4-band RGB buffer is an InputError naming the chip', async () => {
    const chip = {
      ...chips[0]!,
      id: 'EPSG:32633/2560/1/2',
      rgb: { width: 2, height: 2, data: new Uint8Array(16) },
    };
    await expect(embedder.embedImages([chips[1]!, chip])).rejects.toThrow(
      'chip EPSG:32633/2560/1/2: RGB buffer has 16 bytes for 2×2 pixels (4 bands); expected 3 bands, 12 bytes',
    );
  });

  it('an RGB buffer of the wrong size is an InputError naming the chip', async () => {
    const chip = { ...chips[0]!, id: 'c7', rgb: { width: 256, height: 256, data: new Uint8Array(1000) } };
    await expect(embedder.embedImages([chip])).rejects.toThrow(
      'chip c7: RGB buffer has 1000 bytes for 256×256 pixels (not a whole number of bands); expected 3 bands, 196608 bytes',
    );
  });

  it('NaN at a valid pixel is an InputError naming the chip, and no vectors come back', async () => {
    const image = {
      ...noImage,
      width: 2,
      height: 1,
      data: [new Float32Array([0.1, NaN])],
      mask: new Uint8Array([1, 1]),
    };
    const bad = { ...chips[0]!, id: 'c-nan', image };
    const progress: number[] = [];
    await expect(
      embedder.embedImages([chips[0]!, chips[1]!, bad], { onProgress: (done) => progress.push(done) }),
    ).rejects.toThrow('chip c-nan: band red has NaN at valid pixel 1,0');
    expect(progress).toEqual([]);
  });

  it('NaN at a masked pixel is accepted', async () => {
    const image = {
      ...noImage,
      width: 2,
      height: 1,
      data: [new Float32Array([0.1, NaN])],
      mask: new Uint8Array([1, 0]),
    };
    const [v] = await embedder.embedImages([{ ...chips[0]!, image }]);
    expect(cosineSimilarity(v!, refs.images[0]!.embedding)).toBeGreaterThanOrEqual(0.9999);
  });

  it('score() refuses vectors of another dimension', () => {
    expect(() => embedder.score([new Float32Array(32)], [new Float32Array(16)])).toThrow(
      new DimensionMismatchError(
        'text vector 0 has 16 values; model git-rsclip-tiny-random-seed0 has dimension 32',
      ),
    );
  });
});

describe('batches, progress and cancellation', () => {
  let embedder: GitRsclipEmbedder;
  beforeAll(async () => {
    embedder = await GitRsclipEmbedder.open(FIXTURE, { provider: 'cpu' });
  });
  afterAll(() => embedder.close());

  it('reports progress after each batch and keeps input order', async () => {
    const progress: [number, number][] = [];
    const five = [chips[0]!, chips[1]!, chips[2]!, chips[3]!, chips[0]!];
    const v = await embedder.embedImages(five, { batchSize: 2, onProgress: (d, t) => progress.push([d, t]) });
    expect(progress).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
    expect(v).toHaveLength(5);
    expect(cosineSimilarity(v[4]!, v[0]!)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(v[2]!, refs.images[2]!.embedding)).toBeGreaterThanOrEqual(0.9999);
  });

  it('stops between batches when the signal aborts', async () => {
    const controller = new AbortController();
    const progress: number[] = [];
    const run = embedder.embedImages(chips, {
      batchSize: 1,
      signal: controller.signal,
      onProgress: (done) => {
        progress.push(done);
        if (done === 2) controller.abort(new Error('cancelled by test'));
      },
    });
    await expect(run).rejects.toThrow('cancelled by test');
    expect(progress).toEqual([1, 2]);
  });

  it('refuses a batch size of 0', async () => {
    await expect(embedder.embedImages(chips, { batchSize: 0 })).rejects.toThrow(
      'batch size 0 is not a positive integer',
    );
  });
});

describe('execution providers and the registry', () => {
  it('cuda, when unavailable, is a ModelError saying so', async () => {
    const err = await GitRsclipEmbedder.open(FIXTURE, { provider: 'cuda' }).catch((x: unknown) => x);
    if (err instanceof GitRsclipEmbedder) {
      expect(err.provider).toBe('cuda'); // a machine with CUDA
      await err.close();
      return;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/^execution provider cuda is unavailable for .*vision\.onnx: /);
  });

  it('webgpu, when unavailable, is a ModelError saying so', async () => {
    const err = await GitRsclipEmbedder.open(FIXTURE, { provider: 'webgpu' }).catch((x: unknown) => x);
    if (err instanceof GitRsclipEmbedder) {
      expect(err.provider).toBe('webgpu');
      await err.close();
      return;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/^execution provider webgpu is unavailable for .*vision\.onnx: /);
  });

  it('auto falls back in the order cuda → webgpu → cpu and logs the choice', async () => {
    const lines: string[] = [];
    const e = await GitRsclipEmbedder.open(FIXTURE, { provider: 'auto', logger: (l) => lines.push(l) });
    try {
      expect(lines.at(-1)).toMatch(new RegExp(`vision\\.onnx: auto chose ${e.provider}$`));
      const tried = lines.slice(0, -1).map((l) => /auto: (\w+) unavailable/.exec(l)?.[1]);
      expect(tried).toEqual(
        ['cuda', 'webgpu', 'cpu'].slice(0, ['cuda', 'webgpu', 'cpu'].indexOf(e.provider)),
      );
    } finally {
      await e.close();
    }
  });

  it('openEmbedder shares one session per model file and provider, and closes it with the last user', async () => {
    expect(openSessionCount()).toBe(0);
    const a = await openEmbedder(FIXTURE, { provider: 'cpu' });
    const b = await openEmbedder(FIXTURE, { provider: 'cpu' });
    expect(openSessionCount()).toBe(1); // vision only: the text tower opens on first use
    await a.embedTexts(['a river']);
    expect(openSessionCount()).toBe(2);
    await a.close();
    expect(openSessionCount()).toBe(1); // b still holds the vision session; nobody holds the text one
    await b.embedTexts(['fields']);
    expect(openSessionCount()).toBe(2);
    const [v] = await b.embedImages([chips[0]!]);
    expect(cosineSimilarity(v!, refs.images[0]!.embedding)).toBeGreaterThanOrEqual(0.9999);
    await b.close();
    expect(openSessionCount()).toBe(0);
  });

  it('openEmbedder("spectral") is the weight-free default', async () => {
    const { SpectralEmbedder } = await import('../src/embed/spectral.ts');
    const e = await openEmbedder('spectral');
    expect(e).toBeInstanceOf(SpectralEmbedder);
    await e.close();
  });

  it('openEmbedder of something else is a ConfigError naming it', async () => {
    await expect(openEmbedder('no/such/model')).rejects.toThrow(
      new ConfigError('embedder "no/such/model" is neither "spectral" nor a model folder'),
    );
  });
});
