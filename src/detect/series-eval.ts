/**
 * Series evaluation: runs monitoring — the same detectChip, pair check (pair-gate.ts, against the look
 * chooseReferenceLook picks, with the pair detector on the two looks' pixels), clusterAlerts, matchAlert
 * and confirmation as the pipeline — over every look of real series (imagery/series-folder.ts) cut into chips,
 * and scores it.
 * - Every series: alerts raised by kind and status, and per site-year (span first → last look); and
 *   vegetation-loss alerts raised where the chip already had a seasonal model (harvests must not).
 * - Event series (a `label_loss<YYYY>` label): monitoring from 1 January of YYYY. A chip is changed when
 *   ≥ 5 % of its labelled pixels changed, unchanged when none did (others are left out); a chip is
 *   detected when it is part of an alert (raised or continued) on a look of the monitoring period. Chip F1, pixel F1 (a pixel
 *   takes its chip's decision; ignore-class pixels are left out) and the detection delay: the clear look
 *   of the chip in the monitoring period on which it was first alerted (1 = the first clear look).
 *   The seasonal baseline (series-baseline.ts) is scored on the same pixels and chips.
 * A chip's valid fraction counts pixels that hold data in at least one look (its footprint), so
 * pre-masked series (forest-only NDVI) are judged on the ground they cover. Spectral stats, embeddings
 * (spectral-v1 where the bands allow; a constant vector otherwise, so drift never corroborates) and
 * prompt scores are computed as the pipeline computes them.
 */
import { SpectralEmbedder } from '../embed/spectral.ts';
import type { ImageValue } from '../imagery/image.ts';
import { renderRgb } from '../imagery/render.ts';
import { DEFAULT_PROMPTS } from '../domain.ts';
import { isScorable } from './baseline.ts';
import { clusterAlerts, matchAlert, type GridDetection } from './cluster.ts';
import { advance, provisional, type AlertStatus, type ConfirmationState } from './confirmation.ts';
import { confirmationLook } from './confirmation-look.ts';
import { DEFAULT_ALERT_THRESHOLD, detectChip } from './detect-chip.ts';
import type { ChipState } from './detect-types.ts';
import { YEAR_MS } from './harmonic.ts';
import { POSITIVE_SHARE } from './evaluate.ts';
import { seasonalBaseline } from './series-baseline.ts';
import { findSeries, type SeriesSource } from '../imagery/series-folder.ts';
import { DEFAULT_MMU_HA, mmuPixels } from './mapping-unit.ts';
import { checkLook, chooseReferenceLook, needsPairCheck, type LookCover } from './pair-gate.ts';
import { spectralStats } from './spectral-stats.ts';

/** Default chip size of the series evaluation, in pixels (the series grids are 46–246 px wide). */
export const DEFAULT_SERIES_CHIP = 8;
/** Smallest valid share of a chip's footprint that makes it usable (the pipeline's default). */
const MIN_VALID = 0.5;

/** One alert raised during a series. */
export interface SeriesAlert {
  /** Kind of change. */
  kind: string;
  /** Status at the end of the series. */
  status: AlertStatus;
  /** Datetime of the first anomalous look. */
  firstSeen: string;
  /** Chips (col,row) it covers at the end. */
  chips: string[];
  /** Whether its first chip had a seasonal model when it was raised. */
  seasonal: boolean;
}

/** Detection figures of an event series, for one method. */
export interface EventScores {
  /** Chip-level true positives, false positives, false negatives. */
  chip: { tp: number; fp: number; fn: number; f1: number };
  /** Pixel-level counts and F1. */
  pixel: { tp: number; fp: number; fn: number; f1: number };
  /** Median delay over detected changed chips, in clear looks of the monitoring period (1 = first). */
  medianDelay: number | null;
  /** Share of detected changed chips alerted within two clear looks. */
  withinTwoLooks: number | null;
}

/** The result for one series. */
export interface SeriesResult {
  /** Series name (folder). */
  name: string;
  /** Looks read. */
  looks: number;
  /** Chips in the grid. */
  chips: number;
  /** Years from first to last look. */
  years: number;
  /** Alerts raised. */
  alerts: SeriesAlert[];
  /** Alerts per site-year, by kind. */
  perSiteYear: Record<string, number>;
  /** Event series only: the monitoring start and the detector's and the baseline's scores. */
  event?: {
    start: string;
    /** Chips (col,row) the detector alerted on a look of the monitoring period, in grid order. */
    detectedChips: string[];
    changedChips: number;
    unchangedChips: number;
    detector: EventScores;
    baseline: EventScores;
  };
}

/** Options of evaluateSeries. */
export interface SeriesEvalOptions {
  /** Chip size in pixels (default DEFAULT_SERIES_CHIP). */
  chip?: number;
  /** Alert threshold (default DEFAULT_ALERT_THRESHOLD). */
  threshold?: number;
}

interface Cell {
  col: number;
  row: number;
  x: number;
  y: number;
  w: number;
  h: number;
  footprint: number;
}

function crop(image: ImageValue, c: Cell): ImageValue {
  const data = image.data.map(() => new Float32Array(c.w * c.h));
  const mask = new Uint8Array(c.w * c.h);
  for (let r = 0; r < c.h; r++)
    for (let q = 0; q < c.w; q++) {
      const src = (c.y + r) * image.width + c.x + q;
      const dst = r * c.w + q;
      mask[dst] = image.mask[src]!;
      image.data.forEach((p, b) => (data[b]![dst] = p[src]!));
    }
  return { ...image, width: c.w, height: c.h, data, mask, bounds: null };
}

function f1(tp: number, fp: number, fn: number): number {
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

const median = (v: number[]) => {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Chip and pixel scores of per-chip decisions (and per-pixel ones, when given) against the label. */
export function scoreEvent(
  cells: readonly { x: number; y: number; w: number; h: number }[],
  width: number,
  label: Uint8Array,
  chipDetected: readonly boolean[],
  delays: readonly (number | null)[],
  pixelDetected?: Uint8Array,
): EventScores & { changed: boolean[]; unchanged: boolean[] } {
  const chip = { tp: 0, fp: 0, fn: 0, f1: 0 };
  const pixel = { tp: 0, fp: 0, fn: 0, f1: 0 };
  const changed: boolean[] = [];
  const unchanged: boolean[] = [];
  const delayed: number[] = [];
  cells.forEach((c, i) => {
    let pos = 0;
    let labelled = 0;
    for (let r = 0; r < c.h; r++)
      for (let q = 0; q < c.w; q++) {
        const p = (c.y + r) * width + c.x + q;
        const v = label[p]!;
        if (v !== 0 && v !== 255) continue;
        labelled++;
        if (v === 255) pos++;
        const hit = pixelDetected ? pixelDetected[p] === 1 : chipDetected[i]!;
        if (hit && v === 255) pixel.tp++;
        else if (hit) pixel.fp++;
        else if (v === 255) pixel.fn++;
      }
    const isChanged = labelled > 0 && pos / labelled >= POSITIVE_SHARE;
    const isUnchanged = labelled > 0 && pos === 0;
    changed.push(isChanged);
    unchanged.push(isUnchanged);
    if (isChanged && chipDetected[i]) {
      chip.tp++;
      if (delays[i] !== null && delays[i] !== undefined) delayed.push(delays[i]!);
    } else if (isChanged) chip.fn++;
    else if (isUnchanged && chipDetected[i]) chip.fp++;
  });
  chip.f1 = f1(chip.tp, chip.fp, chip.fn);
  pixel.f1 = f1(pixel.tp, pixel.fp, pixel.fn);
  return {
    chip,
    pixel,
    medianDelay: median(delayed),
    withinTwoLooks: delayed.length ? delayed.filter((d) => d <= 2).length / delayed.length : null,
    changed,
    unchanged,
  };
}

/** Monitoring over one series (see the module comment). */
export async function evaluateOneSeries(
  series: SeriesSource,
  options: SeriesEvalOptions = {},
): Promise<SeriesResult> {
  const size = options.chip ?? DEFAULT_SERIES_CHIP;
  const threshold = options.threshold ?? DEFAULT_ALERT_THRESHOLD;
  const images: ImageValue[] = [];
  for (let i = 0; i < series.datetimes.length; i++) images.push(await series.read(i));
  const ever = new Uint8Array(series.width * series.height);
  for (const im of images) for (let p = 0; p < ever.length; p++) if (im.mask[p]) ever[p] = 1;
  const cells: Cell[] = [];
  for (let y = 0, row = 0; y < series.height; y += size, row++)
    for (let x = 0, col = 0; x < series.width; x += size, col++) {
      const w = Math.min(size, series.width - x);
      const h = Math.min(size, series.height - y);
      let footprint = 0;
      for (let r = 0; r < h; r++)
        for (let q = 0; q < w; q++) footprint += ever[(y + r) * series.width + x + q]!;
      cells.push({ col, row, x, y, w, h, footprint });
    }
  const embedder = new SpectralEmbedder();
  const text = await embedder.embedTexts(DEFAULT_PROMPTS);
  const histories: ChipState[][] = cells.map(() => []);
  const key = (c: { col: number; row: number }) => `S/${size}/${c.col}/${c.row}`;
  const open: {
    id: number;
    kind: string;
    chipKeys: string[];
    state: ConfirmationState;
    firstSeen: string;
    seasonal: boolean;
  }[] = [];
  const closed: typeof open = [];
  const start = series.label ? `${series.label.year}-01-01T00:00:00.000Z` : series.datetimes[0]!;
  const clearLooks = cells.map(() => 0);
  const firstAlertLook: (number | null)[] = cells.map(() => null);
  let nextId = 1;
  const covers: LookCover[] = [];
  const minPixels = mmuPixels(DEFAULT_MMU_HA, series.resolutionM);
  for (let i = 0; i < images.length; i++) {
    const datetime = series.datetimes[i]!;
    const detections: (GridDetection & { state: ChipState; index: number })[] = [];
    const reference = chooseReferenceLook({ datetime }, covers);
    for (const [n, c] of cells.entries()) {
      if (c.footprint === 0) continue;
      const image = crop(images[i]!, c);
      let valid = 0;
      for (const m of image.mask) valid += m;
      const usable = valid / c.footprint >= MIN_VALID;
      let embedding: ArrayLike<number> | null = null;
      let prompts: Record<string, number> = {};
      if (usable) {
        try {
          const [v] = await embedder.embedImages([{ id: key(c), image, rgb: renderRgb(image) }]);
          embedding = v!;
          const scores = embedder.score([v!], text)[0]!;
          prompts = Object.fromEntries(DEFAULT_PROMPTS.map((p, k) => [p, scores[k]!]));
        } catch {
          embedding = [1]; // bands the spectral model cannot embed (an index only): no drift, no prompts
        }
      }
      const state: ChipState = {
        acquisitionId: i,
        datetime,
        usable,
        validFraction: valid / c.footprint,
        embedding,
        prompts,
        stats: spectralStats(image),
      };
      const detection = detectChip(state, histories[n]!, { threshold });
      histories[n]!.push(state);
      if (datetime >= start && isScorable(state)) clearLooks[n]!++;
      detections.push({ key: key(c), col: c.col, row: c.row, detection, state, index: n });
    }
    covers.push({
      id: i,
      datetime,
      usableShare: detections.filter((d) => d.state.usable).length / Math.max(1, detections.length),
    });
    if (
      needsPairCheck(
        detections.map((d) => d.detection),
        threshold,
      )
    ) {
      const { detections: checked } = checkLook(
        detections.map((d) => ({
          key: d.key,
          detection: d.detection,
          ...(reference
            ? {
                before: crop(images[reference.id]!, cells[d.index]!),
                after: crop(images[i]!, cells[d.index]!),
              }
            : {}),
        })),
        { threshold, minValid: MIN_VALID, minPixels, ...(reference ? { referenceId: reference.id } : {}) },
      );
      detections.forEach((d, n) => (d.detection = checked[n]!));
    }
    const byKey = new Map(detections.map((d) => [d.key, d]));
    const looks = new Map(
      detections.map((d) => [d.key, { state: d.state, history: histories[d.index]!.slice(0, -1) }]),
    );
    const touched = new Set<number>();
    for (const candidate of clusterAlerts(detections, { threshold })) {
      const id = matchAlert(candidate, open);
      const existing = open.find((a) => a.id === id);
      if (existing) {
        existing.chipKeys = [...new Set([...existing.chipKeys, ...candidate.chipKeys])].sort();
      } else {
        const first = byKey.get(candidate.chipKeys[0]!)!;
        open.push({
          id: nextId,
          kind: candidate.kind,
          chipKeys: candidate.chipKeys,
          state: provisional(),
          firstSeen: datetime,
          seasonal: first.detection.seasonal !== undefined,
        });
        touched.add(nextId++);
      }
      if (datetime >= start)
        for (const k of candidate.chipKeys) {
          const n = cells.findIndex((c) => key(c) === k);
          if (firstAlertLook[n] === null) firstAlertLook[n] = clearLooks[n]!;
        }
    }
    for (const alert of [...open]) {
      if (touched.has(alert.id)) continue;
      alert.state = advance(alert.state, confirmationLook(alert, looks, threshold));
      if (alert.state.status === 'dismissed') {
        open.splice(open.indexOf(alert), 1);
        closed.push(alert);
      }
    }
  }
  const all = [...open, ...closed].sort((a, b) => a.id - b.id);
  const years = (Date.parse(series.datetimes.at(-1)!) - Date.parse(series.datetimes[0]!)) / YEAR_MS;
  const alerts: SeriesAlert[] = all.map((a) => ({
    kind: a.kind,
    status: a.state.status,
    firstSeen: a.firstSeen,
    chips: a.chipKeys.map((k) => k.split('/').slice(2).join(',')),
    seasonal: a.seasonal,
  }));
  const perSiteYear: Record<string, number> = {};
  for (const a of alerts) perSiteYear[a.kind] = (perSiteYear[a.kind] ?? 0) + 1 / Math.max(years, 1 / 12);
  const result: SeriesResult = {
    name: series.name,
    looks: images.length,
    chips: cells.filter((c) => c.footprint > 0).length,
    years,
    alerts,
    perSiteYear,
  };
  if (series.label) {
    const chipDetected = firstAlertLook.map((l) => l !== null);
    const detector = scoreEvent(cells, series.width, series.label.pixels, chipDetected, firstAlertLook);
    const base = seasonalBaseline(images, series.datetimes, start);
    const baseChips = cells.map((c) => {
      let flagged = 0;
      for (let r = 0; r < c.h; r++)
        for (let q = 0; q < c.w; q++) flagged += base.flagged[(c.y + r) * series.width + c.x + q]!;
      return c.footprint > 0 && flagged / c.footprint >= POSITIVE_SHARE;
    });
    const baseDelays = cells.map((c) => {
      const d: number[] = [];
      for (let r = 0; r < c.h; r++)
        for (let q = 0; q < c.w; q++) {
          const v = base.delay[(c.y + r) * series.width + c.x + q]!;
          if (v > 0) d.push(v);
        }
      return median(d);
    });
    const baseline = scoreEvent(
      cells,
      series.width,
      series.label.pixels,
      baseChips,
      baseDelays,
      base.flagged,
    );
    result.event = {
      start,
      detectedChips: cells.filter((_, i) => chipDetected[i]).map((c) => `${c.col},${c.row}`),
      changedChips: detector.changed.filter(Boolean).length,
      unchangedChips: detector.unchanged.filter(Boolean).length,
      detector: {
        chip: detector.chip,
        pixel: detector.pixel,
        medianDelay: detector.medianDelay,
        withinTwoLooks: detector.withinTwoLooks,
      },
      baseline: {
        chip: baseline.chip,
        pixel: baseline.pixel,
        medianDelay: baseline.medianDelay,
        withinTwoLooks: baseline.withinTwoLooks,
      },
    };
  }
  return result;
}

/** Evaluates every series under root. */
export async function evaluateSeries(root: string, options: SeriesEvalOptions = {}): Promise<SeriesResult[]> {
  const out: SeriesResult[] = [];
  for (const s of await findSeries(root)) out.push(await evaluateOneSeries(s, options));
  return out;
}
