/**
 * Domain constants shared by workflows, activities, the pipeline, the CLI and the viewer: the assessment
 * windows, the default prompts, the confidence levels and the Temporal task queues. Plain values only
 * (no imports), so deterministic workflow code can import this module.
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
