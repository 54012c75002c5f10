/**
 * Fusion of optical and radar looks, chip by chip. Pure: per-chip detections in (the two pair detectors'
 * in assessment, the stored and the new ones in monitoring), the same detections with their confidence and
 * fusion evidence out.
 *
 * For each alerting chip of a look, the looks of the other sensor within `windowDays` of it are its
 * partners; the chip's detection in each partner is
 * - `agrees`: usable and alerting with the same kind;
 * - `disagrees`: usable and not alerting (or of another kind);
 * - `unseen`: not usable there (cloud, no data) or not in that look.
 * A chip that a partner agrees with was seen by more than one system: its confidence is `highest` (as
 * Global Forest Watch's integrated alerts rank agreement), and its signals gain the other system's
 * (`radar` for an optical chip, `spectral` for a radar chip). Every other chip keeps its own confidence;
 * a radar flood whose optical partners all could not see the chip (under cloud) or that has none still
 * alerts, with `radarOnly: true` in its fusion evidence and the confidence of one system.
 */
import { InputError } from '../errors.ts';
import type { PairChipDetection } from './pair-detector.ts';

/** The sensor of a look. */
export type Sensor = 'optical' | 'radar';

/** Default window within which an optical and a radar look of a chip are fused, in days. */
export const FUSION_WINDOW_DAYS = 3;

/** Widest accepted fusion window, in days (two months: beyond it the looks no longer see one event). */
export const FUSION_WINDOW_MAX_DAYS = 60;

/** What is wrong with a fusion window (not a whole number of days from 0 to 60), or undefined. */
export function fusionDaysProblem(days: unknown, what = 'fusion window'): string | undefined {
  return typeof days === 'number' && Number.isInteger(days) && days >= 0 && days <= FUSION_WINDOW_MAX_DAYS
    ? undefined
    : `${what} ${JSON.stringify(days)} is not a whole number of days from 0 to ${FUSION_WINDOW_MAX_DAYS}`;
}

/** The window if it is a whole number of days from 0 to FUSION_WINDOW_MAX_DAYS; else an InputError naming it. */
export function checkFusionDays(days: unknown, what = 'fusion window'): number {
  const problem = fusionDaysProblem(days, what);
  if (problem) throw new InputError(problem);
  return days as number;
}

/** What fusion reads of one chip's detection in one look. */
export type FusionChip = Pick<PairChipDetection, 'key' | 'usable' | 'confidence' | 'kind' | 'signals'>;

/** One look's chip detections. */
export interface FusionLook<T extends FusionChip = PairChipDetection> {
  /** The acquisition id. */
  id: number;
  /** ISO datetime. */
  datetime: string;
  /** Its sensor. */
  sensor: Sensor;
  /** Its chips' detections. */
  chips: readonly T[];
}

/** What the other sensor's looks said of an alerting chip. */
export interface FusionEvidence {
  /** Window of the fusion in days. */
  windowDays: number;
  /** Partner acquisition ids by what they saw of the chip. */
  agrees: number[];
  disagrees: number[];
  unseen: number[];
  /** A radar chip that no optical look in the window could see (or none was taken). */
  radarOnly: boolean;
}

/** A fused chip detection: its evidence carries `fusion` where the chip alerted. */
export type FusedChipDetection<T extends FusionChip = PairChipDetection> = T & { fusion?: FusionEvidence };

const DAY_MS = 86_400_000;

/** The looks' detections fused across sensors (see the module comment), in input order. */
export function fuseLooks<T extends FusionChip = PairChipDetection>(
  looks: readonly FusionLook<T>[],
  windowDays = FUSION_WINDOW_DAYS,
): FusedChipDetection<T>[][] {
  const byKey = looks.map((l) => new Map(l.chips.map((c) => [c.key, c])));
  return looks.map((look) => {
    const t = Date.parse(look.datetime);
    const partners = looks
      .map((l, i) => ({ l, i }))
      .filter(
        ({ l }) => l.sensor !== look.sensor && Math.abs(Date.parse(l.datetime) - t) <= windowDays * DAY_MS,
      );
    return look.chips.map((d): FusedChipDetection<T> => {
      if (d.confidence === null) return d;
      const fusion: FusionEvidence = { windowDays, agrees: [], disagrees: [], unseen: [], radarOnly: false };
      for (const { l, i } of partners) {
        const p = byKey[i]!.get(d.key);
        if (!p || !p.usable) fusion.unseen.push(l.id);
        else if (p.confidence !== null && p.kind === d.kind) fusion.agrees.push(l.id);
        else fusion.disagrees.push(l.id);
      }
      fusion.radarOnly = look.sensor === 'radar' && fusion.agrees.length + fusion.disagrees.length === 0;
      if (fusion.agrees.length === 0) return { ...d, fusion };
      const other = look.sensor === 'radar' ? 'spectral' : 'radar';
      return {
        ...d,
        confidence: 'highest',
        signals: d.signals.includes(other) ? d.signals : [...d.signals, other],
        fusion,
      };
    });
  });
}
