/**
 * What one acquisition says about an open alert (confirmation.ts). The look is clear when at least half
 * of the alert's chips are scorable in it (usable, embedded, not mostly cloud). It agrees when one of
 * them still shows the alert's kind of change against the chip's past *before the alert's first look*
 * (detectChip with that history), so a change that persists confirms itself even where the envelope or
 * seasonal model has since taken the changed looks in.
 */
import { isScorable } from './baseline.ts';
import type { LaterLook } from './confirmation.ts';
import { detectChip } from './detect-chip.ts';
import type { ChipState } from './detect-types.ts';

/** One chip of an alert at the acquisition: its state and its earlier states (any order). */
export interface ChipLook {
  /** The chip's state in this acquisition. */
  state: ChipState;
  /** Its states before this acquisition. */
  history: readonly ChipState[];
}

/** The look of an alert's chips in one acquisition; chips absent from `chips` count as not seen. */
export function confirmationLook(
  alert: { kind: string; chipKeys: readonly string[]; firstSeen: string },
  chips: ReadonlyMap<string, ChipLook>,
  threshold: number,
): LaterLook {
  const first = Date.parse(alert.firstSeen);
  let seen = 0;
  let agrees = false;
  for (const key of alert.chipKeys) {
    const c = chips.get(key);
    if (!c || !isScorable(c.state)) continue;
    seen++;
    if (agrees) continue;
    const before = c.history.filter((h) => Date.parse(h.datetime) < first);
    const d = detectChip(c.state, before, { threshold });
    if (d.score >= threshold && d.kind === alert.kind) agrees = true;
  }
  return { clear: seen > 0 && seen >= alert.chipKeys.length / 2, agrees };
}
