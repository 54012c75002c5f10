/**
 * Domain constants shared by workflows, activities, the pipeline, the CLI and the viewer: the assessment
 * windows (and the pre- and post-event windows of an event date), the default prompts, the confidence
 * levels and the Temporal task queues. Plain values and pure functions, no imports, so deterministic
 * workflow code can import this module.
 */

/** Time windows around an event, in days. */
export interface AssessWindows {
  /** Days before the event whose acquisitions form the baseline (default 60). */
  preDays: number;
  /** Days after the event whose acquisitions are assessed (default 30). */
  postDays: number;
}

/** Assessment windows when none are given: 60 days of baseline, 30 days assessed. */
export const DEFAULT_WINDOWS: Readonly<AssessWindows> = Object.freeze({ preDays: 60, postDays: 30 });

const DAY_MS = 86_400_000;

/** A span of time, ISO 8601 UTC, both ends included. */
export interface TimeWindow {
  start: string;
  end: string;
}

/** The pre-event window (up to the millisecond before the event) and the post-event window of an event date. */
export function eventWindows(
  eventDate: string,
  windows: AssessWindows = DEFAULT_WINDOWS,
): { pre: TimeWindow; post: TimeWindow } {
  const t = Date.parse(eventDate);
  return {
    pre: { start: new Date(t - windows.preDays * DAY_MS).toISOString(), end: new Date(t - 1).toISOString() },
    post: { start: new Date(t).toISOString(), end: new Date(t + windows.postDays * DAY_MS).toISOString() },
  };
}

/**
 * Kinds of event an assessment can be about. Naming one makes the event's own physics rank and alert the
 * chips (a flood's new water, a fire's post-fire dNBR), so a flood assessment does not alert on a harvest
 * or a new building; without one every kind of change counts.
 */
export const EVENT_KINDS = ['flood', 'burn'] as const;

/** An assessment's event kind. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** The event kind a free-text kind of change names (a pair's `kind`, a CLI value), or undefined. */
export function eventKindOf(text: string | undefined): EventKind | undefined {
  const t = (text ?? '').trim().toLowerCase();
  if (/^(flood|flooding|inundation)$/.test(t)) return 'flood';
  if (/^(burn|burns|burn-scar|burned-area|fire|wildfire)$/.test(t)) return 'burn';
  return undefined;
}

/** Prompts scored for every chip (and reported by an assessment) unless others are given. */
export const DEFAULT_PROMPTS = ['flooded area', 'burned area', 'vegetation loss', 'new buildings'] as const;

/** Confidence levels of a detection or an alert, lowest first. */
export const CONFIDENCE_LEVELS = ['low', 'high', 'highest'] as const;

/** Confidence of a detection or an alert. */
export type Confidence = (typeof CONFIDENCE_LEVELS)[number];

/** Order of the confidence levels: a merge or a cluster keeps the higher. */
export const CONFIDENCE_RANK: Readonly<Record<Confidence, number>> = Object.freeze({
  low: 0,
  high: 1,
  highest: 2,
});

/** I/O work: search, read, store, detect, alert. */
export const IO_TASK_QUEUE = 'driftwatch-io';

/** Model inference: a GPU worker can poll only this queue. */
export const EMBED_TASK_QUEUE = 'driftwatch-embed';
