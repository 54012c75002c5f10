/**
 * Monitoring's pair check (detect/pair-gate.ts) in the pipeline: when a monitoring look would alert, the
 * look and its reference look (the latest earlier processed look, within REFERENCE_MAX_DAYS, with at least
 * half the best usable share among them) are read again from the source on the area's grid — detection
 * runs on the I/O queue, which can reach the source; the database holds no pixels — scored as one scene
 * by the pair detector, and every alerting detection of a checked kind is confirmed or capped by it, with
 * the area's own minimum mapping unit. The looks are read in batches of cells and scored in two passes
 * (detect/pair-batches.ts: the scene's fit from a bounded sample of its chips, then every chip with that
 * fit), so the memory the check takes does not grow with the area; an area within the sample's cap is
 * read once. The masks of the confirmed chips come back, so that an alert of
 * confirmed chips gets its area and outline from its changed pixels, as a post-event assessment's does,
 * with those of their neighbouring chips; the pair detector keeps the masks of no other chip
 * (outlineMaskKeys), so what the check keeps per chip beyond the sample is its detection alone.
 * Nothing is read when no chip would alert.
 */
import type { ChipDetection } from '../detect/detect-types.ts';
import { mmuPixels } from '../detect/mapping-unit.ts';
import { detectPairSceneInBatches } from '../detect/pair-batches.ts';
import type { PairChipDetection, PairChipInput } from '../detect/pair-detector.ts';
import { sceneClearImages } from '../detect/scene-clear-mask.ts';
import {
  CHECKED_KINDS,
  checkLookPairs,
  chooseReferenceLook,
  needsPairCheck,
  type LookCover,
  type PairCheckSummary,
} from '../detect/pair-gate.ts';
import {
  readChips as defaultReadChips,
  type Acquisition,
  type Chip,
  type ChipOptions,
  type GridCell,
  type ImageValue,
} from '../imagery/index.ts';
import type { Db } from '../store/db.ts';
import { getAcquisition } from './acquisitions.ts';
import { neighbourCells } from './alert-extent.ts';
import { areaCells, type AreaRecord } from './areas.ts';
import type { EmbedDeps } from './embed-chips.ts';

/** What the pair check reads with. */
export interface PairCheckDeps {
  /** Chip reader (injectable for tests). */
  readChips?: EmbedDeps['readChips'];
  /** Minimum valid fraction for a chip to be usable (default 0.5). */
  minValidFraction?: number;
}

/** One chip's monitoring detection, by grid key. */
export interface KeyedDetection {
  /** The chip's grid key. */
  key: string;
  /** Its monitoring detection; replaced by the checked one. */
  detection: ChipDetection;
}

/**
 * The usable share of the area's chips in each earlier look, tallied from the chip series a batch at a
 * time: per look, the chips usable in it over every chip with a series.
 */
export class LookCoverTally {
  private readonly byLook = new Map<number, { datetime: string; usable: number }>();
  private chips = 0;
  /** @param currentId The look being detected, which is not an earlier look. */
  constructor(private readonly currentId: number) {}
  /** Adds a batch of chip series (each chip once over all batches). */
  add(
    series: Iterable<{ states: readonly { acquisitionId: number; datetime: string; usable: boolean }[] }>,
  ): void {
    for (const s of series) {
      this.chips++;
      for (const st of s.states) {
        if (st.acquisitionId === this.currentId) continue;
        const c = this.byLook.get(st.acquisitionId) ?? { datetime: st.datetime, usable: 0 };
        if (st.usable) c.usable++;
        this.byLook.set(st.acquisitionId, c);
      }
    }
  }
  /** Every earlier look seen, in the order first seen, with its usable share. */
  covers(): LookCover[] {
    return [...this.byLook].map(([id, c]) => ({
      id,
      datetime: c.datetime,
      usableShare: c.usable / Math.max(1, this.chips),
    }));
  }
}

/**
 * The keys of the chips whose pair masks an alert's outline can use: every chip whose detection the pair
 * check can confirm (it alerts, with a checked kind: checkWithPair), and the chips among `cells` around
 * one (8-neighbours), which extentWithNeighbours looks into. An alert's extent comes from masks only when
 * every chip of it was confirmed, so no other chip's mask is ever read.
 */
export function outlineMaskKeys(
  cells: readonly Pick<GridCell, 'key' | 'col' | 'row'>[],
  detections: readonly KeyedDetection[],
  threshold: number,
): Set<string> {
  const confirmable = new Set(
    detections
      .filter((d) => d.detection.score >= threshold && CHECKED_KINDS[d.detection.kind] !== undefined)
      .map((d) => d.key),
  );
  const around = cells.filter((c) => confirmable.has(c.key));
  const byCell = new Map(cells.map((c) => [`${c.col}/${c.row}`, c.key]));
  const keys = new Set(around.map((c) => c.key));
  for (const n of neighbourCells(around)) {
    const k = byCell.get(`${n.col}/${n.row}`);
    if (k !== undefined) keys.add(k);
  }
  return keys;
}

/** Cells read per call of the chip reader at most: the reader's whole answer (chips with their RGB) stays this small. */
const PAIR_READ_BATCH = 64;
/**
 * Pixels of one look read per call of the chip reader at most (2^20: 64 chips of 128 px, 16 of 256 px),
 * so that a batch of both looks holds ≈ 50 MiB of bands and masks whatever the chip size; at least one
 * cell is read per call.
 */
export const PAIR_READ_PIXELS = 2 ** 20;

/** Cells per call of the chip reader for chips of `chipPx` pixels a side (PAIR_READ_BATCH, PAIR_READ_PIXELS). */
export function pairReadCells(chipPx: number): number {
  return Math.max(1, Math.min(PAIR_READ_BATCH, Math.floor(PAIR_READ_PIXELS / (chipPx * chipPx))));
}

/**
 * Each chip's key and image, with the clouds its bands show found over the batch's mosaic
 * (scene-clear-mask.ts: a cloud over neighbouring cells is seen whole) rather than chip by chip.
 */
function cloudChecked(chips: readonly Chip[]): Array<[string, ImageValue]> {
  const images = sceneClearImages(chips);
  return chips.map((c, i) => [c.key, images[i]!]);
}

/**
 * The chips of both looks over the cells, batch by batch (pairReadCells): only the pixels of the
 * chips read in both looks, not the reader's whole answer (their RGB rendering, its per-call
 * state). Records each chip's pixel count in `chipPixels`.
 */
async function* readPairs(
  read: NonNullable<PairCheckDeps['readChips']>,
  looks: { before: Acquisition; after: Acquisition },
  cells: readonly GridCell[],
  area: AreaRecord,
  options: ChipOptions,
  chipPixels: Map<string, number>,
): AsyncGenerator<PairChipInput[]> {
  const size = pairReadCells(area.grid.chipPx);
  for (let i = 0; i < cells.length; i += size) {
    const batch = cells.slice(i, i + size);
    const before = new Map(cloudChecked(await read(looks.before, batch, area.grid, options)));
    const pairs: PairChipInput[] = [];
    for (const [key, after] of cloudChecked(await read(looks.after, batch, area.grid, options))) {
      const image = before.get(key);
      if (!image) continue;
      chipPixels.set(key, image.width * image.height);
      pairs.push({ key, before: image, after });
    }
    yield pairs;
  }
}

/** What the pair check of one look found. */
export interface PairCheckOutcome {
  /** Counts of confirmed, capped and unchecked detections. */
  summary: PairCheckSummary;
  /** Per confirmed chip key, the pair detector's per-pixel mask (mask-codes.ts). */
  masks: Map<string, Uint8Array>;
  /** Per chip key of the chips the pair detector scored that outlineMaskKeys names, its mask. */
  sceneMasks: Map<string, Uint8Array>;
}

/** Checks the detections of one monitoring look in place (see the module comment). */
export async function pairCheckLook(
  db: Db,
  deps: PairCheckDeps,
  area: AreaRecord,
  current: { id: number; datetime: string },
  earlier: readonly LookCover[],
  detections: KeyedDetection[],
  threshold: number,
): Promise<PairCheckOutcome> {
  if (
    !needsPairCheck(
      detections.map((d) => d.detection),
      threshold,
    )
  ) {
    return {
      summary: { referenceId: null, confirmed: 0, capped: 0, unchecked: 0 },
      masks: new Map(),
      sceneMasks: new Map(),
    };
  }
  const reference = chooseReferenceLook(current, earlier);
  const minValid = deps.minValidFraction ?? 0.5;
  const chipPixels = new Map<string, number>();
  let scored: PairChipDetection[] = [];
  if (reference) {
    const read = deps.readChips ?? defaultReadChips;
    // The cells of the detections, in their order: the order the pair detector fits a scene within its
    // sample's cap in (a larger one is fitted in an order of its own).
    const order = new Map(detections.map((d, i) => [d.key, i]));
    const cells = areaCells(area)
      .filter((c) => order.has(c.key))
      .sort((a, b) => order.get(a.key)! - order.get(b.key)!);
    const looks = {
      before: await getAcquisition(db, reference.id),
      after: await getAcquisition(db, current.id),
    };
    const opts = { minValidFraction: minValid };
    const outline = outlineMaskKeys(cells, detections, threshold);
    const scene = await detectPairSceneInBatches(
      () => readPairs(read, looks, cells, area, opts, chipPixels),
      { threshold, minValid, keepMasks: (key) => outline.has(key) },
    );
    scored = scene.chips;
  }
  const {
    detections: checked,
    summary,
    masks,
    sceneMasks,
  } = checkLookPairs(
    detections.map((d) => ({ key: d.key, detection: d.detection, chipPixels: chipPixels.get(d.key) ?? 0 })),
    scored,
    {
      threshold,
      minValid,
      minPixels: mmuPixels(area.mmuHa, area.grid.resolutionM),
      keepMasks: true,
      ...(reference ? { referenceId: reference.id } : {}),
    },
  );
  detections.forEach((d, i) => (d.detection = checked[i]!));
  return { summary, masks, sceneMasks };
}
