/**
 * Fusion in monitoring, as in assessment (sensor-fusion.ts): the alerting chips of a monitoring look are
 * compared with the stored detections (chip_signals) of the other sensor's processed looks of the area
 * within `windowDays`. Agreement makes a chip's confidence `highest` and adds the other system's signal; a
 * radar chip no optical look in the window could see still alerts, with `radarOnly` in its fusion
 * evidence. A partner's chip counts as seen where it was usable and scored against a baseline
 * (baselineCount > 0); one not scored yet (no history) cannot agree or disagree. Areas whose looks are all
 * of one sensor are left as they are.
 */
import type { ChipDetection } from '../detect/detect-types.ts';
import { FUSION_WINDOW_DAYS, fuseLooks, type FusionChip } from '../detect/sensor-fusion.ts';
import type { Db } from '../store/db.ts';
import { lookChipSignals } from '../store/detections.ts';
import type { AcquisitionRef } from './acquisitions.ts';
import type { LookSensor } from './look-sensor.ts';

/** A processed look of the area with its sensor. */
export interface SensorLook {
  /** The acquisition. */
  ref: AcquisitionRef;
  /** Its sensor. */
  sensor: LookSensor;
}

/** One chip of the look being fused: whether it was usable and its detection (replaced by the fused one). */
export interface FusableDetection {
  /** The chip's grid key. */
  key: string;
  /** Whether the chip was usable in the look. */
  usable: boolean;
  /** Its detection; confidence, signals and fusion are replaced. */
  detection: ChipDetection;
}

const DAY_MS = 86_400_000;

/** Fuses the look's detections in place with the other sensor's looks in the window (see the module comment). */
export async function fuseMonitoringLook(
  db: Db,
  area: { id: string; modelId: string },
  look: { id: number; datetime: string; sensor: LookSensor },
  looks: readonly SensorLook[],
  detections: FusableDetection[],
  windowDays = FUSION_WINDOW_DAYS,
): Promise<void> {
  if (!looks.some((l) => l.sensor !== look.sensor)) return;
  const t = Date.parse(look.datetime);
  const partners = looks.filter(
    (l) =>
      l.sensor !== look.sensor &&
      l.ref.id !== look.id &&
      Math.abs(Date.parse(l.ref.datetime) - t) <= windowDays * DAY_MS,
  );
  const rows = await lookChipSignals(
    db,
    area.id,
    area.modelId,
    partners.map((p) => p.ref.id),
  );
  const chips = (id: number): FusionChip[] =>
    rows
      .filter((r) => r.acquisitionId === id)
      .map((r) => {
        const d = r.signals as Partial<ChipDetection> | null;
        return {
          key: r.key,
          usable: r.usable && d !== null && (d.baselineCount ?? 0) > 0,
          confidence: d?.confidence ?? null,
          kind: d?.kind ?? 'change',
          signals: d?.signals ?? [],
        };
      });
  const own = detections.map((d): FusionChip => ({
    key: d.key,
    usable: d.usable,
    confidence: d.detection.confidence,
    kind: d.detection.kind,
    signals: d.detection.signals,
  }));
  const [fused] = fuseLooks(
    [
      { id: look.id, datetime: look.datetime, sensor: look.sensor, chips: own },
      ...partners.map((p) => ({
        id: p.ref.id,
        datetime: p.ref.datetime,
        sensor: p.sensor,
        chips: chips(p.ref.id),
      })),
    ],
    windowDays,
  );
  fused!.forEach((f, i) => {
    if (!f.fusion) return;
    const d = detections[i]!;
    d.detection = { ...d.detection, confidence: f.confidence, signals: f.signals, fusion: f.fusion };
  });
}
