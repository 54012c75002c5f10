/**
 * Monitoring's pair check (detect/pair-gate.ts) in the pipeline: when a monitoring look would alert, the
 * look and its reference look (the latest earlier processed look, within REFERENCE_MAX_DAYS, with at least
 * half the best usable share among them) are read again from the source on the area's grid — detection
 * runs on the I/O queue, which can reach the source; the database holds no pixels — scored as one scene
 * by the pair detector, and every alerting detection of a checked kind is confirmed or capped by it, with
 * the area's own minimum mapping unit. The masks of the confirmed chips come back, so that an alert of
 * confirmed chips gets its area and outline from its changed pixels, as a post-event assessment's does.
 * Nothing is read when no chip would alert.
 */
import type { ChipDetection } from '../detect/detect-types.ts';
import { mmuPixels } from '../detect/mapping-unit.ts';
import {
  checkLook,
  chooseReferenceLook,
  needsPairCheck,
  type LookCover,
  type PairCheckSummary,
} from '../detect/pair-gate.ts';
import type { ImageValue } from '../imagery/image.ts';
import {
  readChips as defaultReadChips,
  type Acquisition,
  type ChipOptions,
  type GridCell,
} from '../imagery/index.ts';
import type { Db } from '../store/db.ts';
import { getAcquisition } from './acquisitions.ts';
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

/** Usable share of the area's chips in each earlier look, from the loaded chip series. */
export function lookCovers(
  states: Iterable<{ acquisitionId: number; datetime: string; usable: boolean }>,
  chipCount: number,
  currentId: number,
): LookCover[] {
  const byLook = new Map<number, LookCover>();
  for (const s of states) {
    if (s.acquisitionId === currentId) continue;
    const c = byLook.get(s.acquisitionId) ?? { id: s.acquisitionId, datetime: s.datetime, usableShare: 0 };
    if (s.usable) c.usableShare += 1 / Math.max(1, chipCount);
    byLook.set(s.acquisitionId, c);
  }
  return [...byLook.values()];
}

/** Cells read per call of the chip reader: the reader's whole answer (chips with their RGB) stays this small. */
const PAIR_READ_BATCH = 64;

/**
 * Reads the look's chips over the cells in batches of PAIR_READ_BATCH and keeps only their pixels, by key:
 * the pair detector scores the whole scene, so the pixels of every chip are needed at once, but nothing
 * else of a chip is (its RGB rendering, the reader's per-call state).
 */
async function readImages(
  read: NonNullable<PairCheckDeps['readChips']>,
  look: Acquisition,
  cells: readonly GridCell[],
  area: AreaRecord,
  options: ChipOptions,
  into: Map<string, ImageValue>,
): Promise<void> {
  for (let i = 0; i < cells.length; i += PAIR_READ_BATCH) {
    for (const c of await read(look, cells.slice(i, i + PAIR_READ_BATCH), area.grid, options))
      into.set(c.key, c.image);
  }
}

/** What the pair check of one look found. */
export interface PairCheckOutcome {
  /** Counts of confirmed, capped and unchecked detections. */
  summary: PairCheckSummary;
  /** Per confirmed chip key, the pair detector's per-pixel mask (mask-codes.ts). */
  masks: Map<string, Uint8Array>;
  /** Per chip key of every chip the pair detector scored, its mask (neighbours of an alert's chips). */
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
  const before = new Map<string, ImageValue>();
  const after = new Map<string, ImageValue>();
  if (reference) {
    const read = deps.readChips ?? defaultReadChips;
    const cells = areaCells(area);
    const opts = { minValidFraction: minValid };
    await readImages(read, await getAcquisition(db, reference.id), cells, area, opts, before);
    await readImages(read, await getAcquisition(db, current.id), cells, area, opts, after);
  }
  const {
    detections: checked,
    summary,
    masks,
    sceneMasks,
  } = checkLook(
    detections.map((d) => ({
      key: d.key,
      detection: d.detection,
      before: before.get(d.key),
      after: after.get(d.key),
    })),
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
