/**
 * Pipeline evaluation on real georeferenced pairs (`<set>/<pair>/before.tif`, `after.tif`, `label.png` on
 * before.tif's pixel grid, `pair.json` with band names, scale and the two dates): each pair goes through
 * what a user runs — a local source over the two GeoTIFFs, an area over the raster's footprint on the
 * project's UTM chip grid, embedding, monitoring detection and the post-event assessment — on a fresh
 * embedded database, and the chips the assessment reports as changed are scored against the label warped
 * onto the area's grid (each chip pixel's centre looked up in the label raster). A chip is positive when
 * at least POSITIVE_SHARE of its labelled pixels changed, negative when none did, left out otherwise and
 * when under half its pixels fall inside the label. Beside it, on the same chips, the classical
 * change-vector magnitude (bands standardised per date over the scene) with Otsu's threshold over the
 * chips. The GeoTIFFs are read where they are: the source folder holds links to them and their sidecars.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { SpectralEmbedder } from '../embed/spectral.ts';
import type { Embedder } from '../embed/embedder.ts';
import { InputError } from '../errors.ts';
import { otsuThreshold } from '../detect/otsu.ts';
import { readPairMeta, parseScale } from '../imagery/pair-folder.ts';
import { POSITIVE_SHARE } from '../detect/evaluate.ts';
import {
  openRaster,
  openSource,
  rasterFootprint,
  readChips,
  transformer,
  type Chip,
} from '../imagery/index.ts';
import { DbEvidenceStore } from '../store/db-evidence-store.ts';
import { openDb } from '../store/open.ts';
import { discover, getAcquisition, markAcquisition } from './acquisitions.ts';
import { addArea, areaCells, getArea } from './areas.ts';
import { assessArea } from './assess.ts';
import { detectAcquisition } from './detect-alerts.ts';
import { detectEvent } from './detect-event.ts';
import { embedAcquisitionChips } from './embed-chips.ts';

/** Default chip size of the pipeline evaluation, in pixels (10 m pixels: 320 m chips). */
export const DEFAULT_PIPELINE_CHIP = 32;

/** Counts and scores of a binary chip classification. */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

/** One pair's result. */
export interface PipelinePairResult {
  /** The pair folder's name. */
  pair: string;
  /** Chips of the area's grid. */
  chips: number;
  /** Positive and negative chips evaluated. */
  positives: number;
  negatives: number;
  /** The pipeline's changed chips against the label. */
  pipeline: Confusion;
  /** Change-vector magnitude with Otsu's threshold on the same chips. */
  changeVector: Confusion;
  /** Every chip of the area's grid, with options.keepChips only. */
  chipRows?: PipelineChipRow[];
}

/** One chip of a pair's area (`eval --pipeline --chips`). */
export interface PipelineChipRow {
  /** The grid key. */
  key: string;
  /** Grid column. */
  col: number;
  /** Grid row. */
  row: number;
  /** Share of the chip's pixels inside the label raster. */
  labelCovered: number;
  /** Share of those labelled changed. */
  changedShare: number;
  /** Whether the chip is evaluated (at least half inside the label, read in both looks, share 0 or ≥ POSITIVE_SHARE). */
  evaluated: boolean;
  /** Whether it counts as changed (share ≥ POSITIVE_SHARE). */
  positive: boolean;
  /** The assessment's report of the chip, or null when it did not report it as changed. */
  reported: { kind: string; score: number; confidence: string | null } | null;
  /** Change-vector magnitude, or null when a look did not read the chip. */
  changeVector: number | null;
  /** Whether it is above the pair's change-vector Otsu threshold. */
  changeVectorFlagged: boolean;
}

/** The evaluation of a set. */
export interface PipelineEvalResult {
  /** The set folder. */
  set: string;
  /** Per pair. */
  pairs: PipelinePairResult[];
  /** Counts pooled over the pairs. */
  pooled: { pipeline: Confusion; changeVector: Confusion };
}

/** Options of evaluatePipeline. */
export interface PipelineEvalOptions {
  /** Chip size in pixels (default DEFAULT_PIPELINE_CHIP). */
  chipPx?: number;
  /** Embedder (default spectral). */
  embedder?: Embedder;
  /** Keep every chip's row in each pair's result (`chipRows`; default false). */
  keepChips?: boolean;
}

/** Confusion from counts. */
export function confusion(tp: number, fp: number, fn: number): Confusion {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, precision, recall, f1 };
}

/** A raster's info, closing the reader. */
async function rasterInfo(path: string) {
  const reader = openRaster(path);
  try {
    return await reader.info();
  } finally {
    await reader.close();
  }
}

/** `20161130` or an ISO date → ISO datetime at noon UTC. */
function isoDate(value: string | undefined, what: string, dir: string): string {
  const m = value?.match(/^(\d{4})-?(\d{2})-?(\d{2})/);
  if (!m) throw new InputError(`${dir}: pair.json has no ${what} date (got ${JSON.stringify(value)})`);
  return `${m[1]}-${m[2]}-${m[3]}T12:00:00Z`;
}

/** Label share of each cell: changed / labelled pixel centres, and the labelled share of the cell. */
async function cellLabels(
  dir: string,
  cells: ReturnType<typeof areaCells>,
  chipPx: number,
): Promise<Map<string, { share: number; covered: number }>> {
  const info = await rasterInfo(join(dir, 'before.tif'));
  const { data, info: png } = await sharp(join(dir, 'label.png'))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (png.width !== info.width || png.height !== info.height) {
    throw new InputError(
      `${dir}: label.png is ${png.width}×${png.height} but before.tif is ${info.width}×${info.height}`,
    );
  }
  const [minx, miny, maxx, maxy] = info.bounds;
  const out = new Map<string, { share: number; covered: number }>();
  for (const cell of cells) {
    const toRaster = transformer(cell.epsg, info.crs);
    const [cx0, cy0, cx1, cy1] = cell.bounds;
    const step = (cx1 - cx0) / chipPx;
    let changed = 0;
    let labelled = 0;
    for (let r = 0; r < chipPx; r++) {
      for (let c = 0; c < chipPx; c++) {
        const [x, y] = toRaster(cx0 + (c + 0.5) * step, cy1 - (r + 0.5) * ((cy1 - cy0) / chipPx));
        const px = Math.floor(((x - minx) / (maxx - minx)) * info.width);
        const py = Math.floor(((maxy - y) / (maxy - miny)) * info.height);
        if (px < 0 || py < 0 || px >= info.width || py >= info.height) continue;
        labelled++;
        if (data[py * info.width + px]! >= 128) changed++;
      }
    }
    out.set(cell.key, { share: labelled ? changed / labelled : 0, covered: labelled / (chipPx * chipPx) });
  }
  return out;
}

/** Per-chip change-vector magnitude (bands standardised per date over all chips' valid pixels). */
function changeVectorByChip(before: readonly Chip[], after: ReadonlyMap<string, Chip>): Map<string, number> {
  const pairs = before
    .map((b) => [b, after.get(b.key)] as const)
    .filter((p): p is readonly [Chip, Chip] => p[1] !== undefined);
  const bands = pairs[0]?.[0].image.bands ?? [];
  const stats = (which: 0 | 1) =>
    bands.map((_, bi) => {
      let n = 0;
      let s = 0;
      let q = 0;
      for (const p of pairs) {
        const b = p[0].image;
        const a = p[1].image;
        const plane = p[which].image.data[bi]!;
        for (let i = 0; i < plane.length; i++) {
          if (!b.mask[i] || !a.mask[i]) continue;
          n++;
          s += plane[i]!;
          q += plane[i]! ** 2;
        }
      }
      const mean = n ? s / n : 0;
      const sd = n ? Math.sqrt(Math.max(0, q / n - mean * mean)) : 1;
      return { mean, sd: sd > 0 ? sd : 1 };
    });
  const sb = stats(0);
  const sa = stats(1);
  const out = new Map<string, number>();
  for (const [b, a] of pairs) {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < b.image.mask.length; i++) {
      if (!b.image.mask[i] || !a.image.mask[i]) continue;
      let d2 = 0;
      for (let bi = 0; bi < bands.length; bi++) {
        const zb = (b.image.data[bi]![i]! - sb[bi]!.mean) / sb[bi]!.sd;
        const za = (a.image.data[bi]![i]! - sa[bi]!.mean) / sa[bi]!.sd;
        d2 += (za - zb) ** 2;
      }
      sum += Math.sqrt(d2);
      n++;
    }
    if (n > 0 && b.usable && a.usable) out.set(b.key, sum / n);
  }
  return out;
}

/** Runs one pair through the pipeline and scores it. */
export async function evaluatePipelinePair(
  dir: string,
  options: PipelineEvalOptions = {},
): Promise<PipelinePairResult> {
  const chipPx = options.chipPx ?? DEFAULT_PIPELINE_CHIP;
  const meta = await readPairMeta(dir);
  const rule = parseScale(meta.scale, join(dir, 'pair.json'));
  const before = isoDate(meta.before, 'before', dir);
  const after = isoDate(meta.after, 'after', dir);
  const work = mkdtempSync(join(tmpdir(), 'dw-pipeline-eval-'));
  const db = await openDb({ dataDir: 'memory://' });
  try {
    const source = join(work, 'source');
    const evidence = new DbEvidenceStore(db);
    mkdirSync(source);
    for (const [name, datetime] of [
      ['before', before],
      ['after', after],
    ] as const) {
      statSync(join(dir, `${name}.tif`));
      symlinkSync(resolve(dir, `${name}.tif`), join(source, `${name}.tif`));
      writeFileSync(
        join(source, `${name}.json`),
        JSON.stringify({ datetime, bands: meta.bands, scale: 1 / rule.divisor, offset: 0 }),
      );
    }
    const info = await rasterInfo(join(dir, 'before.tif'));
    const area = await addArea(db, {
      id: 'pair',
      geojson: rasterFootprint(info),
      source: { kind: 'local', path: source },
      chipPx,
      resolutionM: 10,
      maxAreaKm2: 1e6,
    });
    const embedder = options.embedder ?? new SpectralEmbedder();
    const discovery = await discover(db, openSource(area.source), area, { until: '2100-01-01T00:00:00Z' });
    for (const a of discovery.pending) {
      await embedAcquisitionChips(
        { db, embedder, evidence },
        { areaId: area.id, acquisitionId: a.id, batchSize: 64 },
      );
      await detectAcquisition(db, evidence, {
        areaId: area.id,
        acquisitionId: a.id,
        modelId: embedder.id,
      });
      await markAcquisition(db, area.id, a.id, 'processed');
    }
    const day = 86_400_000;
    const eventDate = new Date(Date.parse(after) - day).toISOString();
    const windows = {
      preDays: Math.ceil((Date.parse(eventDate) - Date.parse(before)) / day) + 1,
      postDays: 2,
    };
    const pre = {
      start: new Date(Date.parse(before) - day).toISOString(),
      end: new Date(Date.parse(eventDate) - 1).toISOString(),
    };
    const post = { start: eventDate, end: new Date(Date.parse(after) + day).toISOString() };
    await detectEvent({ db, evidence }, { areaId: area.id, modelId: embedder.id, pre, post });
    const assessment = await assessArea(db, {
      areaId: area.id,
      eventDate,
      modelId: embedder.id,
      prompts: [],
      windows,
    });
    const changed = new Set(assessment.changedChips.map((c) => c.key));

    const stored = await getArea(db, area.id);
    const cells = areaCells(stored);
    const labels = await cellLabels(dir, cells, chipPx);
    const [acqBefore, acqAfter] = discovery.pending;
    const chipsBefore = await readChips(await getAcquisition(db, acqBefore!.id), cells, stored.grid);
    const chipsAfter = await readChips(await getAcquisition(db, acqAfter!.id), cells, stored.grid);
    const cva = changeVectorByChip(chipsBefore, new Map(chipsAfter.map((c) => [c.key, c])));
    const evaluated = cells.filter((c) => {
      const l = labels.get(c.key)!;
      return l.covered >= 0.5 && cva.has(c.key) && !(l.share > 0 && l.share < POSITIVE_SHARE);
    });
    const positive = (key: string) => labels.get(key)!.share >= POSITIVE_SHARE;
    const cvaThreshold = otsuThreshold(evaluated.map((c) => cva.get(c.key)!));
    const count = (flag: (key: string) => boolean) => {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (const c of evaluated) {
        const p = positive(c.key);
        const f = flag(c.key);
        if (f && p) tp++;
        else if (f) fp++;
        else if (p) fn++;
      }
      return confusion(tp, fp, fn);
    };
    const positives = evaluated.filter((c) => positive(c.key)).length;
    const result: PipelinePairResult = {
      pair: dir.split(/[\\/]/).filter(Boolean).at(-1)!,
      chips: cells.length,
      positives,
      negatives: evaluated.length - positives,
      pipeline: count((k) => changed.has(k)),
      changeVector: count((k) => cva.get(k)! > cvaThreshold),
    };
    if (options.keepChips) {
      const reported = new Map(assessment.changedChips.map((c) => [c.key, c]));
      const inEval = new Set(evaluated.map((c) => c.key));
      result.chipRows = cells.map((c) => {
        const l = labels.get(c.key)!;
        const r = reported.get(c.key);
        const v = cva.get(c.key);
        return {
          key: c.key,
          col: c.col,
          row: c.row,
          labelCovered: l.covered,
          changedShare: l.share,
          evaluated: inEval.has(c.key),
          positive: l.share >= POSITIVE_SHARE,
          reported: r ? { kind: r.kind, score: r.score, confidence: r.confidence } : null,
          changeVector: v ?? null,
          changeVectorFlagged: v !== undefined && v > cvaThreshold,
        };
      });
    }
    return result;
  } finally {
    await db.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Evaluates every pair folder of a set through the pipeline. */
export async function evaluatePipeline(
  setDir: string,
  options: PipelineEvalOptions = {},
): Promise<PipelineEvalResult> {
  let entries: string[];
  try {
    entries = readdirSync(setDir).filter((d) => statSync(join(setDir, d)).isDirectory());
  } catch {
    throw new InputError(`pairs set ${setDir} does not exist`);
  }
  if (entries.length === 0) throw new InputError(`pairs set ${setDir} has no pair folders`);
  const pairs: PipelinePairResult[] = [];
  for (const id of entries.sort()) pairs.push(await evaluatePipelinePair(join(setDir, id), options));
  const pool = (k: 'pipeline' | 'changeVector') =>
    confusion(
      pairs.reduce((s, p) => s + p[k].tp, 0),
      pairs.reduce((s, p) => s + p[k].fp, 0),
      pairs.reduce((s, p) => s + p[k].fn, 0),
    );
  return { set: setDir, pairs, pooled: { pipeline: pool('pipeline'), changeVector: pool('changeVector') } };
}
