/**
 * What one acquisition says about an open alert (confirmation.ts): the look is clear when at least half
 * of the alert's chips were scorable in it (usable, embedded, not mostly cloud), and it agrees when one
 * of them scored at or above the threshold with the alert's kind of change.
 */
import { isScorable } from './baseline.ts';
import type { LaterLook } from './confirmation.ts';
import type { ChipDetection, ChipState } from './detect-types.ts';

/** The look of an alert's chips in one acquisition; chips absent from `detections` count as not seen. */
export function confirmationLook(
  alert: { kind: string; chipKeys: readonly string[] },
  detections: ReadonlyMap<string, { state: ChipState; detection: ChipDetection }>,
  threshold: number,
): LaterLook {
  let seen = 0;
  let agrees = false;
  for (const key of alert.chipKeys) {
    const d = detections.get(key);
    if (!d || !isScorable(d.state)) continue;
    seen++;
    if (d.detection.score >= threshold && d.detection.kind === alert.kind) agrees = true;
  }
  return { clear: seen > 0 && seen >= alert.chipKeys.length / 2, agrees };
}
