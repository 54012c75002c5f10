/**
 * Confirmation of alerts over later looks, in the manner of the GLAD alerts: an alert is `provisional`
 * on its first anomalous look; it becomes `confirmed` when CONFIRM_AGREEING of the next
 * CONFIRM_WINDOW clear looks of its chips agree (show the same kind of change again), and `dismissed`
 * when that can no longer happen. Cloudy looks do not count either way. The first-detection date
 * stays the alert's first look. An alert from a single post-event look (an assessment) stays
 * provisional until later looks are processed.
 */

/** Confirmation states. */
export type AlertStatus = 'provisional' | 'confirmed' | 'dismissed';

/** Later clear looks considered for confirmation. */
export const CONFIRM_WINDOW = 4;
/** Agreeing looks among them that confirm the alert. */
export const CONFIRM_AGREEING = 2;

/** Where an alert stands. */
export interface ConfirmationState {
  /** Current status. */
  status: AlertStatus;
  /** Clear looks seen since the first detection. */
  clearLooks: number;
  /** Of those, looks that showed the change again. */
  agreeingLooks: number;
}

/** One later look of the alert's chips. */
export interface LaterLook {
  /** Whether the look saw the ground (its chips usable and not mostly cloud). */
  clear: boolean;
  /** Whether it showed the alert's kind of change on its chips again. */
  agrees: boolean;
}

/** The state of a new alert. */
export function provisional(): ConfirmationState {
  return { status: 'provisional', clearLooks: 0, agreeingLooks: 0 };
}

/** The state after one more look; confirmed and dismissed alerts stay as they are. */
export function advance(state: ConfirmationState, look: LaterLook): ConfirmationState {
  if (state.status !== 'provisional' || !look.clear) return state;
  const clearLooks = state.clearLooks + 1;
  const agreeingLooks = state.agreeingLooks + (look.agrees ? 1 : 0);
  let status: AlertStatus = 'provisional';
  if (agreeingLooks >= CONFIRM_AGREEING) status = 'confirmed';
  else if (agreeingLooks + (CONFIRM_WINDOW - clearLooks) < CONFIRM_AGREEING) status = 'dismissed';
  return { status, clearLooks, agreeingLooks };
}
