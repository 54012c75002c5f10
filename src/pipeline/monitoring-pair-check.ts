/**
 * Monitoring's pair check (detect/pair-gate.ts) in the pipeline: when a monitoring look would alert, the
 * look and its reference look (the latest earlier processed look, within REFERENCE_MAX_DAYS, with at least
 * half the best usable share among them) are read again from the source on the area's grid — detection
 * runs on the I/O queue, which can reach the source; the database holds no pixels — scored as one scene
 * by the pair detector, and every alerting detection of a checked kind is confirmed or capped by it.
 * Nothing is read when no chip would alert.
 */
import type { ChipDetection } from '../detect/detect-types.ts';
import { detectPairScene } from '../detect/pair-detector.ts';
import {
  CHECKED_KINDS,
  DEFAULT_MMU_HA,
  checkWithPair,
  chooseReferenceLook,
  mmuPixels,
  type CheckedDetection,
  type LookCover,
} from '../detect/pair-gate.ts';
import { readChips as defaultReadChips } from '../imagery/index.ts';
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

/** What the check did, for the activity's result. */
export interface PairCheckSummary {
  /** The reference look, when one was in reach and something needed checking. */
  referenceId: number | null;
  /** Detections confirmed by the pair detector. */
  confirmed: number;
  /** Detections capped under the alert threshold or renamed. */
  capped: number;
  /** Detections that needed a check but had no usable pair (cloud, no reference in reach). */
  unchecked: number;
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

/** Checks the alerting detections of one monitoring look in place (see the module comment). */
export async function pairCheckLook(
  db: Db,
  deps: PairCheckDeps,
  area: AreaRecord,
  current: { id: number; datetime: string },
  earlier: readonly LookCover[],
  detections: KeyedDetection[],
  threshold: number,
): Promise<PairCheckSummary> {
  const summary: PairCheckSummary = { referenceId: null, confirmed: 0, capped: 0, unchecked: 0 };
  const needs = detections.filter((d) => d.detection.score >= threshold && CHECKED_KINDS[d.detection.kind]);
  if (needs.length === 0) return summary;
  const reference = chooseReferenceLook(current, earlier);
  const pairs = new Map<string, Parameters<typeof checkWithPair>[1]>();
  if (reference) {
    summary.referenceId = reference.id;
    const read = deps.readChips ?? defaultReadChips;
    const cells = areaCells(area);
    const minValidFraction = deps.minValidFraction ?? 0.5;
    const before = await read(await getAcquisition(db, reference.id), cells, area.grid, { minValidFraction });
    const after = new Map(
      (await read(await getAcquisition(db, current.id), cells, area.grid, { minValidFraction })).map((c) => [
        c.key,
        c,
      ]),
    );
    const inputs = before
      .filter((b) => after.has(b.key))
      .map((b) => ({ key: b.key, before: b.image, after: after.get(b.key)!.image }));
    const scene = detectPairScene(inputs, { threshold, minValid: minValidFraction });
    for (const c of scene.chips) pairs.set(c.key, c);
  }
  const options = {
    threshold,
    chipPixels: area.grid.chipPx * area.grid.chipPx,
    minPixels: mmuPixels(DEFAULT_MMU_HA, area.grid.resolutionM),
    ...(reference ? { referenceId: reference.id } : {}),
  };
  for (const d of needs) {
    const checked: CheckedDetection = checkWithPair(d.detection, pairs.get(d.key), options);
    if (checked.pairCheck === 'confirmed') summary.confirmed++;
    else if (checked.pairCheck === 'capped') summary.capped++;
    else if (checked.pairCheck === 'unchecked') summary.unchecked++;
    d.detection = checked;
  }
  return summary;
}
