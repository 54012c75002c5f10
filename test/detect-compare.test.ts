import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import { comparePair } from '../src/detect/compare-pair.ts';
import { readPair } from '../src/imagery/pair-folder.ts';
import { LEGEND_HEIGHT } from '../src/detect/heatmap.ts';
import { writePairReport } from '../src/pipeline/pair-report-files.ts';

const run = promisify(execFile);
const shared = join('..', 'shared', 'data', 'pairs');
const FLOOD = join(shared, 'ombria-s2', '0013');
const haveShared = existsSync(FLOOD);
if (!haveShared) console.warn(`skipping compare tests on real pairs: ${shared} is absent`);

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dw-compare-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

const META = { bands: ['red', 'green', 'blue'], scale: 'uint8 display' };

async function png(
  file: string,
  w: number,
  h: number,
  channels: 1 | 3 | 4,
  fill: (x: number, y: number, c: number) => number,
) {
  const data = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < channels; c++) data[(y * w + x) * channels + c] = fill(x, y, c);
  const img = sharp(data, { raw: { width: w, height: h, channels } });
  await (channels === 1 ? img.toColourspace('b-w') : img).png().toFile(file);
}

async function pairDir(
  name: string,
  o: {
    meta?: object | null;
    before?: [number, number, 1 | 3 | 4];
    after?: [number, number, 1 | 3 | 4];
    label?: [number, number];
    alphaZero?: boolean;
  },
) {
  const dir = join(tmp, name);
  await mkdir(dir);
  if (o.meta !== null) await writeFile(join(dir, 'pair.json'), JSON.stringify(o.meta ?? META));
  const [bw, bh, bc] = o.before ?? [64, 64, 3];
  const [aw, ah, ac] = o.after ?? [64, 64, 3];
  await png(join(dir, 'before.png'), bw, bh, bc, (x, y) => 60 + ((x * 7 + y * 3) % 40));
  // after: the top-left 32×32 block turns bright (a new roof)
  await png(join(dir, 'after.png'), aw, ah, ac, (x, y, c) =>
    c === 3 ? (o.alphaZero ? 0 : 255) : x < 32 && y < 32 ? 230 : 60 + ((x * 7 + y * 3) % 40),
  );
  if (o.label)
    await png(join(dir, 'label.png'), o.label[0], o.label[1], 1, (x, y) => (x < 32 && y < 32 ? 255 : 0));
  return dir;
}

describe('compare on synthetic pairs', () => {
  it('scores the changed chip highest and tiles from the top-left, dropping partial chips', async () => {
    const dir = await pairDir('ok', { label: [64, 64] });
    const pair = await readPair(dir);
    expect(pair.label?.length).toBe(64 * 64);
    const tiles = await comparePair(pair, { chip: 24 });
    expect(tiles.chips.map((c) => [c.x, c.y])).toEqual([
      [0, 0],
      [24, 0],
      [0, 24],
      [24, 24],
    ]);
    const cmp = await comparePair(pair, { chip: 32 });
    expect(cmp.model).toBe('spectral-v1');
    const changed = cmp.chips[0]!;
    expect([changed.x, changed.y]).toEqual([0, 0]);
    expect(changed.score).toBeGreaterThan(0.9);
    expect(changed.signals).toContain('change');
    expect(changed.confidence).not.toBeNull();
    for (const c of cmp.chips.slice(1)) {
      expect(c.score).toBeLessThan(0.5);
      expect(c.confidence).toBeNull();
    }
  });

  it('rejects before/after of different sizes or band counts', async () => {
    await expect(readPair(await pairDir('size', { after: [48, 64, 3] }))).rejects.toThrow(
      /before is 64×64 but after is 48×64/,
    );
    await expect(readPair(await pairDir('bands', { after: [64, 64, 1] }))).rejects.toThrow(
      /after\.png has 1 colour channel\(s\) but pair\.json names 3/,
    );
  });

  it('rejects a missing pair.json, a label of the wrong size and an all-nodata image', async () => {
    const noMeta = await pairDir('nometa', { meta: null });
    await expect(readPair(noMeta)).rejects.toThrow(InputError);
    await expect(readPair(noMeta)).rejects.toThrow(/has no pair\.json/);
    await expect(readPair(await pairDir('label', { label: [32, 32] }))).rejects.toThrow(
      /label\.png is 32×32 but the images are 64×64/,
    );
    await expect(readPair(await pairDir('nodata', { after: [64, 64, 4], alphaZero: true }))).rejects.toThrow(
      /after\.png has no valid pixels \(all nodata\)/,
    );
    await expect(
      readPair(await pairDir('scale', { meta: { bands: ['red', 'green', 'blue'], scale: 'furlongs' } })),
    ).rejects.toThrow(/unknown scale "furlongs"/);
  });
});

describe.skipIf(!haveShared)('compare on a real flood pair', () => {
  it('prints the JSON contract from the CLI', async () => {
    const { stdout } = await run(
      'npx',
      ['tsx', 'src/cli/main.ts', 'compare', FLOOD, '--chip', '32', '--json'],
      { maxBuffer: 1 << 24 },
    );
    const out = JSON.parse(stdout) as {
      model: string;
      event: string | null;
      chips: Array<Record<string, unknown>>;
    };
    expect(out.model).toBe('spectral-v1');
    expect(out.event).toBe('flood');
    expect(out.chips.length).toBe(64);
    expect(out.chips.map((c) => [c.x, c.y]).slice(0, 9)).toEqual([
      [0, 0],
      [32, 0],
      [64, 0],
      [96, 0],
      [128, 0],
      [160, 0],
      [192, 0],
      [224, 0],
      [0, 32],
    ]);
    for (const c of out.chips) {
      expect(Object.keys(c)).toEqual(
        expect.arrayContaining(['x', 'y', 'size', 'score', 'drift', 'prompts', 'evidence', 'confidence']),
      );
      expect(c.size).toBe(32);
      expect(c.score as number).toBeGreaterThanOrEqual(0);
      expect(c.score as number).toBeLessThanOrEqual(1);
      expect(Object.keys(c.prompts as object)).toEqual([
        'flooded area',
        'burned area',
        'vegetation loss',
        'new buildings',
      ]);
      expect(['low', 'high', 'highest', null]).toContain(c.confidence);
    }
    expect(out.chips.some((c) => c.kind === 'flood')).toBe(true);
  }, 60_000);

  it('scores a pair whose pair.json says flood by new water alone; --event any scores any change', async () => {
    const pair = await readPair(FLOOD);
    expect(pair.meta.kind).toBe('flood');
    const flood = await comparePair(pair);
    const any = await comparePair(pair, { event: null });
    expect([flood.event, any.event]).toEqual(['flood', null]);
    const alerted = (c: typeof flood) =>
      c.chips.filter((x) => x.confidence !== null).map((x) => `${x.x},${x.y} ${x.kind}`);
    // The nine chips that alert on generic change alone drop out; every other alert is the same flood chip.
    expect(alerted(any).filter((a) => !a.endsWith(' flood'))).toEqual([
      '128,0 change',
      '160,0 change',
      '224,0 change',
      '224,32 change',
      '192,96 change',
      '224,96 change',
      '0,192 change',
      '0,224 change',
      '128,224 change',
    ]);
    expect(alerted(flood)).toEqual(alerted(any).filter((a) => a.endsWith(' flood')));
    expect(alerted(flood)).toHaveLength(34);
    const { stdout } = await run(
      'npx',
      ['tsx', 'src/cli/main.ts', 'compare', FLOOD, '--event', 'any', '--json'],
      {
        maxBuffer: 1 << 24,
      },
    );
    const out = JSON.parse(stdout) as { event: string | null; chips: Array<{ confidence: string | null }> };
    expect(out.event).toBeNull();
    expect(out.chips.filter((c) => c.confidence !== null)).toHaveLength(43);
    const bad = await run('npx', ['tsx', 'src/cli/main.ts', 'compare', FLOOD, '--event', 'quake']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toContain(
      '--event "quake" is not an event kind (flood, burn, any)',
    );
  }, 60_000);

  it('says how many chips it did not score: the after image of ombria-s2 0172 is mostly cloud', async () => {
    const { stdout } = await run('npx', [
      'tsx',
      'src/cli/main.ts',
      'compare',
      join(shared, 'ombria-s2', '0172'),
    ]);
    expect(stdout.split('\n')[0]).toBe(
      '0172: 64 chips of 32 px, model spectral-v1, scored by flood evidence, 3 at or above 0.5; 57 not scored (under half clear in either image: no data or cloud)',
    );
  }, 60_000);

  it('writes WebP before/after tiles with their dates and a PNG heat-map with its legend', async () => {
    const pair = await readPair(FLOOD);
    const cmp = await comparePair(pair);
    const files = await writePairReport(join(tmp, 'out'), 'test', pair.before, pair.after, cmp, 0.5, {
      before: '2024-04-01',
      after: '2024-05-01',
    });
    const meta = await Promise.all(
      [files.before, files.after, files.heatmap].map((f) => sharp(join(tmp, 'out', f)).metadata()),
    );
    expect(meta.map((m) => [m.format, m.width, m.height])).toEqual([
      ['webp', 256, 256],
      ['webp', 256, 256],
      ['png', 320, 256 + LEGEND_HEIGHT],
    ]);
    expect([files.before, files.after, files.heatmap].map((f) => f.slice(65))).toEqual([
      'webp',
      'webp',
      'png',
    ]);
    expect(meta[0]!.exif!.toString('latin1')).toContain('before 2024-04-01');
    expect(meta[1]!.exif!.toString('latin1')).toContain('after 2024-05-01');
    expect(files.html).toMatch(/^[0-9a-f]{64}\.html$/);
  });
});
