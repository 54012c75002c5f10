/**
 * `npm run bench:embed [-- --quick]`: chips per second of the Git-RSCLIP vision tower (SigLIP-L/16-256
 * shapes, random weights) end to end from Node (preprocess + infer) against Python onnxruntime on the same
 * ONNX file and the same chips, at batch 1, 8 and 32 on CPU; the int8 tower beside fp32 with the cosine
 * between their embeddings on real chips cut from ../shared/data. Ends with `ratio node/python-ort: <x>`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import type { EmbedInput } from '../../src/embed/embedder.ts';
import { GitRsclipEmbedder } from '../../src/embed/git-rsclip.ts';
import { normalisationTables, preprocessBatch } from '../../src/embed/rgb-preprocess.ts';
import type { ModelManifest } from '../../src/embed/model-manifest.ts';
import { cosineSimilarity } from '../../src/spectral/cosine.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PYTHON = join(ROOT, '.driftwatch', 'export-venv', 'bin', 'python');
const MODEL = join(ROOT, '.driftwatch', 'models', 'git-rsclip-large-random');
const PAIRS = join(ROOT, '..', 'shared', 'data', 'pairs');
const SIZE = 256;
const quick = process.argv.includes('--quick');
/** Alternating rounds per batch size; each engine keeps its best. */
const ROUNDS = 2;
/** [batch size, chips timed]: a fixed, small number of chips (a SigLIP-L chip is ~1 s on 2 cores). */
const RUNS: [number, number][] = quick
  ? [
      [1, 2],
      [8, 8],
    ]
  : [
      [1, 4],
      [8, 16],
      [32, 32],
    ];

/** Multiply–accumulates of one chip through the SigLIP-L/16-256 vision tower (patch embedding, 24 layers, MAP head). */
function visionMacs(): number {
  const h = 1024;
  const inter = 4096;
  const tokens = (SIZE / 16) ** 2;
  const layer = tokens * (4 * h * h + 2 * h * inter) + 2 * tokens * tokens * h;
  const patch = tokens * 16 * 16 * 3 * h;
  const head = tokens * 2 * h * h + 2 * h * h + 2 * h * inter + 2 * tokens * h;
  return patch + 24 * layer + head;
}

function run(cmd: string, args: string[]): string {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`${cmd} ${args.slice(0, 2).join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** The Python onnxruntime helper, kept running so that its rounds interleave with Node's. */
async function pythonOrt(args: string[]) {
  const child = spawn(PYTHON, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<unknown> => {
    const line = await lines.next();
    if (line.done) throw new Error('the Python onnxruntime helper exited early');
    return JSON.parse(line.value);
  };
  await next(); // ready: model loaded and warmed up
  return {
    async run(batch: number, count: number): Promise<{ seconds: number; embeddings: number[][] }> {
      child.stdin.write(`${JSON.stringify([batch, count])}\n`);
      return (await next()) as { seconds: number; embeddings: number[][] };
    },
    close(): void {
      child.stdin.end();
    },
  };
}

function ensureModel(): ModelManifest {
  if (!existsSync(PYTHON)) {
    console.error(
      'bench:embed needs the export venv, which `npm run bench:embed` installs first ' +
        '(node scripts/setup.mjs --export-venv)',
    );
    process.exit(1);
  }
  const manifestFile = join(MODEL, 'manifest.json');
  if (!existsSync(manifestFile)) {
    console.log(`building the full-size random model in ${MODEL} (a few minutes, once)…`);
    const args = [
      'scripts/export_git_rsclip.py',
      '--random',
      'large',
      '--towers',
      'vision',
      '--int8',
      '--out',
      MODEL,
    ];
    const result = spawnSync(PYTHON, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) process.exit(1);
  }
  return JSON.parse(readFileSync(manifestFile, 'utf8')) as ModelManifest;
}

const noImage = {
  width: 1,
  height: 1,
  bands: [],
  data: [],
  mask: new Uint8Array(1),
  crs: null,
  bounds: null,
  scale: 'display' as const,
};

/** 256×256 crops (top-left) of the pairs' PNGs; synthetic chips when ../shared is absent. */
async function realChips(): Promise<{ chips: EmbedInput[]; source: string }> {
  const chips: EmbedInput[] = [];
  if (existsSync(PAIRS)) {
    for (const set of readdirSync(PAIRS).sort()) {
      for (const pair of readdirSync(join(PAIRS, set)).sort()) {
        for (const side of ['before.png', 'after.png']) {
          const file = join(PAIRS, set, pair, side);
          if (!existsSync(file)) continue;
          const meta = await sharp(file).metadata();
          if ((meta.width ?? 0) < SIZE || (meta.height ?? 0) < SIZE) continue;
          const data = await sharp(file)
            .extract({ left: 0, top: 0, width: SIZE, height: SIZE })
            .removeAlpha()
            .toColourspace('srgb')
            .raw()
            .toBuffer();
          chips.push({
            id: `${set}/${pair}/${side}`,
            rgb: { width: SIZE, height: SIZE, data },
            image: noImage,
          });
        }
      }
    }
    if (chips.length > 0) return { chips, source: `${chips.length} real chips from ../shared/data/pairs` };
  }
  for (let k = 0; k < 16; k++) {
    const data = new Uint8Array(SIZE * SIZE * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * (k + 3) + (i >> 9) * 7) & 0xff;
    chips.push({ id: `synthetic-${k}`, rgb: { width: SIZE, height: SIZE, data }, image: noImage });
  }
  return { chips, source: '16 synthetic chips (../shared absent)' };
}

function cycle(chips: EmbedInput[], count: number): EmbedInput[] {
  return Array.from({ length: count }, (_, i) => chips[i % chips.length]!);
}

async function timeNode(embedder: GitRsclipEmbedder, chips: EmbedInput[], batch: number) {
  const start = performance.now();
  const vectors = await embedder.embedImages(chips, { batchSize: batch });
  return { seconds: (performance.now() - start) / 1000, vectors };
}

async function main(): Promise<void> {
  const manifest = ensureModel();
  const { chips, source } = await realChips();
  const pre = manifest.preprocessing;
  const work = mkdtempSync(join(tmpdir(), 'bench-embed-'));
  const chipFile = join(work, 'chips.bin');
  writeFileSync(chipFile, Buffer.concat(chips.map((c) => c.rgb.data)));
  const visionFile = join(MODEL, manifest.vision.files.fp32);
  const macs = visionMacs();
  const peak = (
    JSON.parse(run(PYTHON, ['scripts/bench/embed_ort.py', '--matmul-peak'])) as { matmul_flops: number }
  ).matmul_flops;

  console.log(`model: ${manifest.model_id} (SigLIP-L/16-256 shapes, random weights), CPU, ${source}`);
  console.log(
    `work per chip: ${(macs / 1e9).toFixed(1)} GMAC = ${((2 * macs) / 1e9).toFixed(1)} GFLOP; ` +
      `this CPU's float32 matmul peak (numpy ${2048}³): ${(peak / 1e9).toFixed(1)} GFLOP/s`,
  );

  // Preprocessing alone, for comparison with inference.
  const tables = normalisationTables(pre);
  const eight = cycle(chips, 8);
  const preStart = performance.now();
  for (let r = 0; r < 5; r++) await preprocessBatch(eight, 0, 8, pre, tables);
  const preMs = (performance.now() - preStart) / 40;

  const fp32 = await GitRsclipEmbedder.open(MODEL, { provider: 'cpu', precision: 'fp32' });
  const int8 = await GitRsclipEmbedder.open(MODEL, { provider: 'cpu', precision: 'int8' });
  await fp32.embedImages(chips.slice(0, 1)); // warm-up
  await int8.embedImages(chips.slice(0, 1));

  const py = await pythonOrt([
    'scripts/bench/embed_ort.py',
    '--model',
    visionFile,
    '--chips',
    chipFile,
    '--size',
    String(SIZE),
    '--mean',
    ...pre.mean.map(String),
    '--std',
    ...pre.std.map(String),
    '--rescale',
    String(pre.rescale_factor),
  ]);

  // Rounds alternate Node fp32, Python fp32 and Node int8 so that load from other processes on this
  // machine falls on all three alike; each keeps its best round.
  const rows: string[] = [];
  let ratio8 = NaN;
  let int8Speedup8 = NaN;
  let nodeMsPerChip8 = NaN;
  const int8Cosines: number[] = [];
  let nodePyMin = 1;
  for (const [batch, count] of RUNS) {
    const input = cycle(chips, count);
    let nodeRate = 0;
    let pyRate = 0;
    let int8Rate = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const node = await timeNode(fp32, input, batch);
      const p = await py.run(batch, count);
      const q = await timeNode(int8, input, batch);
      nodeRate = Math.max(nodeRate, count / node.seconds);
      pyRate = Math.max(pyRate, count / p.seconds);
      int8Rate = Math.max(int8Rate, count / q.seconds);
      if (round === 0) {
        node.vectors.forEach(
          (v, i) => (nodePyMin = Math.min(nodePyMin, cosineSimilarity(v, p.embeddings[i]!))),
        );
        if (batch === RUNS[RUNS.length - 1]![0]) {
          q.vectors.forEach((v, i) => int8Cosines.push(cosineSimilarity(v, node.vectors[i]!)));
        }
      }
    }
    if (batch === 8) {
      ratio8 = nodeRate / pyRate;
      int8Speedup8 = int8Rate / nodeRate;
      nodeMsPerChip8 = 1000 / nodeRate;
    }
    rows.push(
      `batch ${String(batch).padStart(2)} (${String(count).padStart(2)} chips, best of ${ROUNDS}): ` +
        `node ${nodeRate.toFixed(3)} chips/s, python-ort ${pyRate.toFixed(3)} chips/s, ` +
        `node/python ${(nodeRate / pyRate).toFixed(3)}, node int8 ${int8Rate.toFixed(3)} chips/s ` +
        `(${(int8Rate / nodeRate).toFixed(2)}× fp32); fp32 at ${(((2 * macs * nodeRate) / peak) * 100).toFixed(0)}% ` +
        `of the matmul peak`,
    );
  }
  py.close();
  await fp32.close();
  await int8.close();
  rmSync(work, { recursive: true, force: true });

  for (const row of rows) console.log(row);
  const sorted = [...int8Cosines].sort((a, b) => a - b);
  const mean = int8Cosines.reduce((s, c) => s + c, 0) / int8Cosines.length;
  console.log(
    `preprocessing alone: ${preMs.toFixed(2)} ms per chip, end to end at batch 8: ${nodeMsPerChip8.toFixed(0)} ms ` +
      `per chip (${((preMs / nodeMsPerChip8) * 100).toFixed(2)}%; the next batch is prepared during inference)`,
  );
  console.log(`node fp32 vs python-ort fp32 embeddings: min cosine ${nodePyMin.toFixed(6)}`);
  console.log(
    `int8 vs fp32 on ${int8Cosines.length} real chip embeddings: min cosine ${sorted[0]!.toFixed(4)}, mean ${mean.toFixed(4)}; ` +
      `speed at batch 8: ${int8Speedup8.toFixed(2)}× (goal ≥ 2× at cosine ≥ 0.99: ` +
      `${int8Speedup8 >= 2 && sorted[0]! >= 0.99 ? 'met' : 'not met'})`,
  );
  console.log(`ratio node/python-ort: ${ratio8.toFixed(3)}`);
}

await main();
