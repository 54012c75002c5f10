import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clusterAlerts,
  matchAlert,
  renderEvidence,
  writeEvidenceFile,
  type ChipDetection,
  type GridDetection,
} from '../src/detect/index.ts';
import { heatCellPixels, heatColour } from '../src/detect/evidence.ts';

function det(
  score: number,
  kind: ChipDetection['kind'] = 'flood',
  confidence: ChipDetection['confidence'] = 'low',
): ChipDetection {
  return {
    score,
    drift: null,
    driftZ: null,
    promptDeltas: { 'flooded area': score / 2 },
    evidence: {},
    signals: ['spectral'],
    kind,
    confidence: score >= 0.5 ? confidence : null,
    baselineCount: 3,
  };
}
const cell = (col: number, row: number, d: ChipDetection): GridDetection => ({
  key: `EPSG:32633/2560/${col}/${row}`,
  col,
  row,
  detection: d,
});

describe('clusterAlerts', () => {
  it('groups 8-connected chips above threshold and keeps separate clusters apart', () => {
    const out = clusterAlerts([
      cell(0, 0, det(0.6)),
      cell(1, 1, det(0.9, 'flood', 'high')), // diagonal neighbour of (0,0)
      cell(2, 1, det(0.4)), // below threshold
      cell(5, 5, det(0.7, 'burn')),
    ]);
    expect(out).toEqual([
      {
        clusterKey: 'burn:EPSG:32633/2560/5/5',
        kind: 'burn',
        confidence: 'low',
        score: 0.7,
        chipKeys: ['EPSG:32633/2560/5/5'],
        prompts: { 'flooded area': 0.35 },
      },
      {
        clusterKey: 'flood:EPSG:32633/2560/0/0',
        kind: 'flood',
        confidence: 'high',
        score: 0.9,
        chipKeys: ['EPSG:32633/2560/0/0', 'EPSG:32633/2560/1/1'],
        prompts: { 'flooded area': 0.45 },
      },
    ]);
  });

  it('honours a custom threshold', () => {
    expect(clusterAlerts([cell(0, 0, det(0.6))], { threshold: 0.8 })).toEqual([]);
  });
});

describe('matchAlert', () => {
  const cand = clusterAlerts([cell(3, 3, det(0.8)), cell(4, 3, det(0.8))])[0]!;
  it('continues an open alert of the same kind that shares or touches chips', () => {
    expect(matchAlert(cand, [{ id: 7, kind: 'flood', chipKeys: ['EPSG:32633/2560/5/4'] }])).toBe(7);
    expect(matchAlert(cand, [{ id: 8, kind: 'flood', chipKeys: ['EPSG:32633/2560/3/3'] }])).toBe(8);
  });
  it('ignores other kinds, distant chips and other grids', () => {
    expect(
      matchAlert(cand, [
        { id: 1, kind: 'burn', chipKeys: ['EPSG:32633/2560/3/3'] },
        { id: 2, kind: 'flood', chipKeys: ['EPSG:32633/2560/9/9'] },
        { id: 3, kind: 'flood', chipKeys: ['EPSG:32634/2560/3/3'] },
      ]),
    ).toBeUndefined();
  });
  it('prefers the alert with most links', () => {
    expect(
      matchAlert(cand, [
        { id: 1, kind: 'flood', chipKeys: ['EPSG:32633/2560/5/4'] },
        { id: 2, kind: 'flood', chipKeys: ['EPSG:32633/2560/3/3', 'EPSG:32633/2560/4/3'] },
      ]),
    ).toBe(2);
  });
});

describe('evidence tiles', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const rgb = (w: number, h: number, v: number) => ({
    width: w,
    height: h,
    data: new Uint8Array(w * h * 3).fill(v),
  });

  it('renders before, after and a heat-map that decode as PNGs of the right size', async () => {
    const tiles = await renderEvidence({
      before: rgb(20, 10, 30),
      after: rgb(20, 10, 200),
      heat: {
        cols: 4,
        rows: 2,
        values: [0, 0.5, 1, Number.NaN, 0, 0, 0, 0],
        highlight: [false, false, true, false, false, false, false, false],
      },
    });
    expect(heatCellPixels(4, 2)).toBe(32);
    const meta = await Promise.all(
      [tiles.before, tiles.after, tiles.heatmap].map((b) => sharp(b).metadata()),
    );
    expect(meta.map((m) => [m.format, m.width, m.height])).toEqual([
      ['png', 20, 10],
      ['png', 20, 10],
      ['png', 128, 64],
    ]);
    const { data } = await sharp(tiles.heatmap).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => Array.from(data.subarray((y * 128 + x) * 3, (y * 128 + x) * 3 + 3));
    expect(px(10, 10)).toEqual([49, 54, 149]);
    expect(px(42, 10)).toEqual([255, 255, 191]);
    expect(px(74, 10)).toEqual([165, 0, 38]);
    expect(px(64, 0)).toEqual([255, 255, 255]); // outline of the highlighted cell
    expect(px(106, 10)).toEqual([128, 128, 128]);
    expect(heatColour(0.25)).toEqual([152, 155, 170]);
  });

  it('rejects a heat-map whose values do not fill the grid', async () => {
    await expect(
      renderEvidence({ before: rgb(2, 2, 0), after: rgb(2, 2, 0), heat: { cols: 2, rows: 2, values: [1] } }),
    ).rejects.toThrow(/heat-map has 1 values for 2×2 cells/);
  });

  it('writes each file once under its sha256 name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-evidence-'));
    dirs.push(dir);
    const bytes = Buffer.from('hello');
    const a = await writeEvidenceFile(dir, bytes, 'image/png');
    const b = await writeEvidenceFile(dir, bytes, 'image/png');
    expect(a).toEqual({
      sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      path: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824.png',
      bytes: 5,
    });
    expect(b).toEqual(a);
    expect(await readdir(dir)).toEqual([a.path]);
    expect((await readFile(join(dir, a.path))).toString()).toBe('hello');
    const h = await writeEvidenceFile(dir, Buffer.from('<p>x</p>'), 'text/html');
    expect(h.path.endsWith('.html')).toBe(true);
  });
});
