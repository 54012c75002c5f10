/**
 * Evidence tiles a person can read: the shared percentile stretch, true dates on every tile, the size
 * cap and media types, and the heat-map's legend.
 */
import { mkdtempSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { drawText, glyphRows, textWidth } from '../src/detect/draw.ts';
import {
  heatCellPixels,
  heatColour,
  heatmapImage,
  labelScale,
  renderEvidence,
} from '../src/detect/evidence.ts';
import { writeEvidenceFile } from '../src/store/file-evidence-store.ts';
import { LEGEND_HEIGHT, legendX } from '../src/detect/heatmap.ts';
import { applyStretch, percentileStretch } from '../src/detect/percentile-stretch.ts';
import { SpectralEmbedder } from '../src/embed/spectral.ts';
import { openSource } from '../src/imagery/index.ts';
import { discoverAcquisitions, markAcquisition } from '../src/pipeline/acquisitions.ts';
import { cellMosaic, dayRange, type MosaicCell } from '../src/pipeline/alert-evidence.ts';
import { addArea, getArea } from '../src/pipeline/areas.ts';
import { detectAcquisition } from '../src/pipeline/detect-alerts.ts';
import { embedAcquisitionChips } from '../src/pipeline/embed-chips.ts';
import { tileDate } from '../src/report/components.ts';
import { getAlert, type AlertEvidence } from '../src/store/read-queries.ts';
import { evidenceExtension, viewerLinks } from '../src/server/pages.ts';
import { DbEvidenceStore } from '../src/store/db-evidence-store.ts';
import { FileEvidenceStore } from '../src/store/file-evidence-store.ts';
import { openDb } from '../src/store/open.ts';
import { writeSeriesFixture } from './helpers/series-fixture.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const flat = (w: number, h: number, v: number) => ({
  width: w,
  height: h,
  data: new Uint8Array(w * h * 3).fill(v),
});

/** A w×h image whose pixel i is (red, green, blue) = f(i). */
function image(w: number, h: number, f: (i: number) => [number, number, number]) {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(f(i), i * 3);
  return { width: w, height: h, data };
}

const px = (img: { width: number; data: Uint8Array }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('percentile stretch', () => {
  // Before: 50 valid pixels with red 0…49, green 0…98 (2i), blue 50, then 10 masked white pixels.
  // After: 50 pixels with red 50…99, green 100…198, blue 50. Together: 100 valid pixels.
  const before = {
    image: image(10, 6, (i) => (i < 50 ? [i, 2 * i, 50] : [255, 255, 255])),
    mask: new Uint8Array(60).map((_, i) => (i < 50 ? 1 : 0)),
  };
  const after = { image: image(10, 5, (i) => [50 + i, 100 + 2 * i, 50]) };

  it('takes the nearest-rank 2nd and 98th percentiles of the valid pixels of both tiles, per band', () => {
    // Red: ranks 2 and 98 of 0…99 are 1 and 97; green: 2 and 194; blue is uniform (50), so its span
    // is widened to 32 levels around 50: 34…66. The masked white pixels count for nothing.
    expect(percentileStretch([before, after])).toEqual({ low: [1, 2, 34], high: [97, 194, 66] });
  });

  it('maps low to 0 and high to 255, clips outside and leaves masked pixels as they are', () => {
    const s = percentileStretch([before, after]);
    const b = applyStretch(before, s);
    const a = applyStretch(after, s);
    expect(px(b, 0, 0)).toEqual([0, 0, 128]); // red 0 and green 0 are below low; blue 50 → 255×16/32
    expect(px(b, 1, 0)).toEqual([0, 0, 128]); // red 1 = low; green 2 = low
    expect(px(b, 9, 4)).toEqual([128, 128, 128]); // red 49: 255×48/96 = 127.5; green 98: 255×96/192
    expect(px(b, 5, 5)).toEqual([255, 255, 255]); // masked: unchanged
    expect(px(a, 7, 4)).toEqual([255, 255, 128]); // red 97 = high; green 194 = high
    expect(px(a, 9, 4)).toEqual([255, 255, 128]); // red 99, green 198: above high
    expect(px(a, 0, 0)).toEqual([130, 130, 128]); // red 50: 255×49/96 = 130.2; green 100: 255×98/192
  });

  it('is the identity without valid pixels', () => {
    expect(percentileStretch([{ image: flat(2, 2, 9), mask: new Uint8Array(4) }])).toEqual({
      low: [0, 0, 0],
      high: [255, 255, 255],
    });
  });

  it('shares one stretch between before and after, so the same ground keeps its colour', async () => {
    const tiles = await renderEvidence({
      before: before,
      after: after,
      heat: { cols: 1, rows: 1, values: [0.5] },
    });
    expect(tiles.stretch).toEqual({ low: [1, 2, 34], high: [97, 194, 66] });
  });

  it('refuses a mask that does not match the image', () => {
    expect(() => percentileStretch([{ image: flat(2, 2, 0), mask: new Uint8Array(3) }])).toThrow(
      /mask of 3 values does not match 2×2/,
    );
  });
});

describe('tile size, media types and labels', () => {
  it('caps a large rendering to 1024 px on its long side as WebP, the heat-map as PNG', async () => {
    const big = image(2048, 1536, (i) => [i % 256, (i >> 8) % 256, 100]);
    const tiles = await renderEvidence({
      before: { image: big, label: 'before 2024-04-01' },
      after: { image: big, label: 'after 2024-05-01' },
      heat: { cols: 300, rows: 2, values: new Array<number>(600).fill(0.2) },
    });
    const meta = await Promise.all(
      [tiles.before, tiles.after, tiles.heatmap].map((t) => sharp(t.bytes).metadata()),
    );
    expect(meta.map((m) => [m.format, m.width, m.height])).toEqual([
      ['webp', 1024, 768],
      ['webp', 1024, 768],
      ['png', 900, 6 + LEGEND_HEIGHT],
    ]);
    expect([tiles.before.mediaType, tiles.after.mediaType, tiles.heatmap.mediaType]).toEqual([
      'image/webp',
      'image/webp',
      'image/png',
    ]);
    expect(heatCellPixels(300, 2)).toBe(3);
    const magic = (b: Buffer) => [b.subarray(0, 4).toString('latin1'), b.subarray(8, 12).toString('latin1')];
    expect(magic(tiles.before.bytes)).toEqual(['RIFF', 'WEBP']);
    expect([...tiles.heatmap.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // The tile's date travels in the file too (EXIF ImageDescription).
    const exif = meta[0]!.exif!.toString('latin1');
    expect(exif).toContain('before 2024-04-01');
    expect(meta[1]!.exif!.toString('latin1')).toContain('after 2024-05-01');
  });

  it('burns the label into the top-left corner: white glyphs on a black box', () => {
    expect(labelScale(1024, 768, 'before 2024-04-01')).toBe(4);
    expect(labelScale(96, 96, 'before 2024-04-01')).toBe(1);
    expect(textWidth('ab', 2)).toBe(22);
    expect(glyphRows('1')).toEqual(['00100', '01100', '00100', '00100', '00100', '00100', '01110']);
    expect(glyphRows('B')).toEqual(glyphRows('b'));
    const img = flat(20, 9, 7);
    drawText(img, '1', 1, 1, 1, [255, 255, 255]);
    expect(px(img, 3, 1)).toEqual([255, 255, 255]); // row 0, column 2 of '1'
    expect(px(img, 2, 1)).toEqual([7, 7, 7]);
    expect(px(img, 2, 2)).toEqual([255, 255, 255]); // row 1, column 1
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
  it('writes WebP and PNG tiles under their sha256 with the matching extension', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-evidence-'));
    dirs.push(dir);
    const w = await writeEvidenceFile(dir, Buffer.from('webp bytes'), 'image/webp');
    const p = await writeEvidenceFile(dir, Buffer.from('png bytes'), 'image/png');
    expect(w.path).toBe(`${w.sha256}.webp`);
    expect(p.path).toBe(`${p.sha256}.png`);
    expect((await readdir(dir)).sort()).toEqual([w.path, p.path].sort());
  });
});

describe('heat-map legend', () => {
  it('draws the grid above a legend with the colour scale, its values and the swatches', () => {
    const img = heatmapImage({
      cols: 4,
      rows: 2,
      values: [0, 0.5, 1, Number.NaN, 0, 0, 0, 0],
      highlight: [false, false, true, false, false, false, false, false],
      title: 'change score 2024-05-01',
    });
    expect([img.width, img.height]).toEqual([320, 64 + LEGEND_HEIGHT]);
    expect(LEGEND_HEIGHT).toBe(92);
    const left = 96; // the 128-px grid is centred over the 320-px legend
    expect(px(img, left + 10, 10)).toEqual([49, 54, 149]);
    expect(px(img, left + 42, 10)).toEqual([255, 255, 191]);
    expect(px(img, left + 74, 10)).toEqual([165, 0, 38]);
    expect(px(img, left + 64, 0)).toEqual([255, 255, 255]); // outline of the highlighted cell
    expect(px(img, left + 106, 10)).toEqual([128, 128, 128]); // not scored
    expect(px(img, 0, 0)).toEqual([32, 32, 32]); // beside the grid
    const top = 64;
    expect(px(img, 2, top + 2)).toEqual([32, 32, 32]); // legend background
    // Colour scale: 0 at x 12, 1 at x 307, one column per step.
    expect([legendX(320, 0), legendX(320, 0.5), legendX(320, 1)]).toEqual([12, 160, 307]);
    expect(px(img, 12, top + 28)).toEqual([49, 54, 149]);
    expect(px(img, 307, top + 41)).toEqual([165, 0, 38]);
    expect(px(img, 160, top + 35)).toEqual(heatColour(148 / 295));
    // Ticks under 0, 0.25, 0.5, 0.75 and 1, with their values below.
    for (const t of [0, 0.25, 0.5, 0.75, 1])
      expect(px(img, legendX(320, t), top + 43)).toEqual([240, 240, 240]);
    expect(px(img, 12 + 2, top + 48)).toEqual([240, 240, 240]); // top of the "0" under 0 (row 0, column 1)
    expect(px(img, 12, top + 48)).toEqual([32, 32, 32]); // row 0, column 0 of "0" is empty
    // Title: "c" of "change score" has its first row empty and its top bar on row 2.
    expect(px(img, 12 + 2, top + 8)).toEqual([32, 32, 32]);
    expect(px(img, 12 + 2, top + 8 + 4)).toEqual([240, 240, 240]);
    // Swatches: grey "not scored", then an outlined red "in alert".
    expect(px(img, 15, top + 75)).toEqual([128, 128, 128]);
    const x2 = 12 + 14 + 6 + textWidth('not scored', 2) + 24;
    expect(px(img, x2, top + 70)).toEqual([255, 255, 255]);
    expect(px(img, x2 + 5, top + 75)).toEqual([165, 0, 38]);
  });

  it('rejects a heat-map whose values do not fill the grid', async () => {
    await expect(
      renderEvidence({
        before: { image: flat(2, 2, 0) },
        after: { image: flat(2, 2, 0) },
        heat: { cols: 2, rows: 2, values: [1] },
      }),
    ).rejects.toThrow(/heat-map has 1 values for 2×2 cells/);
  });
});

describe('alert evidence from the pipeline', () => {
  it('dates the before tile by the before acquisition and the after tile by the after one', async () => {
    const dates = ['2024-03-01', '2024-04-01', '2024-05-01'].map((d) => `${d}T10:00:00Z`);
    // 128 px, 32-px chips: the north-west quarter floods on 05-01.
    const fixture = await writeSeriesFixture(mkdtempSync(join(tmpdir(), 'dw-ev-series-')), { dates });
    dirs.push(dirname(fixture.catalog));
    const db = await openDb({ dataDir: 'memory://' });
    const evidence = new DbEvidenceStore(db);
    const embedder = new SpectralEmbedder();
    try {
      await addArea(db, {
        id: 'valley',
        geojson: fixture.area,
        source: { kind: 'local', path: fixture.catalog },
        chipPx: 32,
      });
      const area = await getArea(db, 'valley');
      const pending = await discoverAcquisitions(db, openSource(area.source), area, {
        until: '2025-01-01T00:00:00Z',
      });
      let alertId: number | undefined;
      for (const acq of pending) {
        await embedAcquisitionChips(
          { db, embedder, evidence },
          { areaId: 'valley', acquisitionId: acq.id, batchSize: 16 },
        );
        const r = await detectAcquisition(db, evidence, {
          areaId: 'valley',
          acquisitionId: acq.id,
          modelId: embedder.id,
        });
        await markAcquisition(db, 'valley', acq.id, 'processed');
        alertId ??= r.alerts[0]?.id;
      }
      const alert = (await getAlert(db, alertId!))!;
      const day = (iso: string) => iso.slice(0, 10);
      expect(
        alert.evidence.map((e) => [
          e.kind,
          day(e.datetime),
          e.imaged && [day(e.imaged.from), day(e.imaged.to)],
          e.mediaType,
          e.path.slice(65),
        ]),
      ).toEqual([
        ['before', '2024-05-01', ['2024-04-01', '2024-04-01'], 'image/webp', 'webp'],
        ['after', '2024-05-01', ['2024-05-01', '2024-05-01'], 'image/webp', 'webp'],
        ['heatmap', '2024-05-01', ['2024-05-01', '2024-05-01'], 'image/png', 'png'],
      ]);
      // The mosaics' cell box is stored with them (the viewer draws the outline in it): the north-west
      // corner of the grid, so clipped to the chips and one cell east and south.
      const box = {
        left: Math.min(...alert.chips.map((c) => c.col)),
        top: Math.max(...alert.chips.map((c) => c.row)),
        cols: 3,
        rows: 3,
      };
      expect(alert.evidence.map((e) => e.cellBox)).toEqual([box, box, null]);
      const files = await Promise.all(
        alert.evidence.map(async (e) => (await evidence.get(e.sha256))!.content),
      );
      expect(alert.evidence.map((e) => e.bytes)).toEqual(files.map((f) => f.length));
      const meta = await Promise.all(files.map((f) => sharp(f).metadata()));
      // The four north-west chips and their neighbours: 3 × 3 chips of 32 px; the 4 × 4 grid over its legend.
      expect(meta.map((m) => [m.format, m.width, m.height])).toEqual([
        ['webp', 96, 96],
        ['webp', 96, 96],
        ['png', 320, 128 + LEGEND_HEIGHT],
      ]);
      expect(meta[0]!.exif!.toString('latin1')).toContain('before 2024-04-01');
      expect(meta[1]!.exif!.toString('latin1')).toContain('after 2024-05-01');
    } finally {
      await db.close();
    }
  }, 60_000);

  it('mosaics 512-px chips of a 3 × 3 neighbourhood into 341-px cells, 1023 px in all', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dw-mosaic-'));
    dirs.push(dir);
    const store = new FileEvidenceStore(dir);
    const cells: MosaicCell[] = [];
    for (let row = 0; row < 3; row++) {
      for (let col = 0; col < 3; col++) {
        const v = 20 + 20 * (row * 3 + col);
        const png = await sharp({
          create: { width: 512, height: 512, channels: 3, background: { r: v, g: v, b: v } },
        })
          .png()
          .toBuffer();
        const file = await store.put(png, 'image/png');
        const datetime = `2024-04-0${1 + (col === 2 ? 1 : 0)}T10:00:00.000Z`;
        // The south-west chip has no rendering: grey, and not valid.
        const image = row === 0 && col === 0 ? undefined : { sha: file.sha256, datetime };
        cells.push({ col, row, image, member: row === 1 && col === 1 });
      }
    }
    const m = await cellMosaic(store, cells, 512);
    expect([m.image.width, m.image.height]).toEqual([1023, 1023]);
    expect(m.outline).toEqual([{ x: 341, y: 341, width: 341, height: 341 }]);
    // Rows grow northwards: row 2 is on top. Cell (col 0, row 2) holds 20 + 20 × 6.
    expect(px(m.image, 10, 10)).toEqual([140, 140, 140]);
    expect(px(m.image, 10, 1000)).toEqual([40, 40, 40]);
    expect([m.mask![10 * 1023 + 10], m.mask![1000 * 1023 + 10]]).toEqual([1, 0]);
    expect(m.dates).toEqual([
      ...new Array<string>(5).fill('2024-04-01T10:00:00.000Z'),
      ...new Array<string>(3).fill('2024-04-02T10:00:00.000Z'),
    ]);
    expect(dayRange(m.dates[0]!, m.dates[7]!)).toBe('2024-04-01 to 2024-04-02');
  });
});

describe('tile dates and links in pages', () => {
  const tile = (kind: AlertEvidence['kind'], imaged: AlertEvidence['imaged']): AlertEvidence => ({
    acquisitionId: 9,
    datetime: '2024-06-21T10:05:32.000Z',
    imaged,
    kind,
    sha256: 'a'.repeat(64),
    mediaType: 'image/webp',
    bytes: 10,
    path: `${'a'.repeat(64)}.webp`,
  });

  it('captions a tile with its imagery dates, not the date of the acquisition that wrote it', () => {
    const may = '2024-05-02T10:05:30.000Z';
    const june = '2024-06-11T10:05:29.000Z';
    expect(tileDate(tile('before', { from: may, to: may }))).toBe('2 May 2024');
    expect(tileDate(tile('before', { from: may, to: june }))).toBe('2 May 2024 – 11 Jun 2024');
    // Tiles of older versions recorded no dates: a before tile does not pretend to be from the after date.
    expect(tileDate(tile('before', null))).toBe('date not recorded');
    expect(tileDate(tile('after', null))).toBe('21 Jun 2024');
  });

  it('links evidence under the extension of its media type', () => {
    const sha = 'b'.repeat(64);
    expect(viewerLinks.evidence(sha, 'image/webp')).toBe(`/evidence/${sha}.webp`);
    expect(viewerLinks.evidence(sha, 'image/png')).toBe(`/evidence/${sha}.png`);
    expect(viewerLinks.evidence(sha, 'image/jpeg')).toBe(`/evidence/${sha}.jpg`);
    expect([evidenceExtension('text/html'), evidenceExtension('application/octet-stream')]).toEqual([
      '.html',
      '',
    ]);
  });
});
