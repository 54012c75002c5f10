import { CHANGE_PROMPTS, DEFAULT_ALERT_THRESHOLD } from '../detect/index.ts';
import type { PairEvidence } from '../detect/pair-detector.ts';
import { affectedShare } from './detect-event.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Db } from '../store/db.ts';
import { alertEvidenceFiles } from '../store/alert-evidence.ts';
import { alertsLastSeenIn } from '../store/alerts.ts';
import { eventDetectionsInWindows } from '../store/detections.ts';
import { insertPromptScores } from '../store/prompt-scores.ts';
import { areaEmbeddings } from '../store/vectors.ts';
import { eventWindows, type AssessWindows } from '../domain.ts';
import { listProcessed } from './acquisitions.ts';
import { getArea } from './areas.ts';

export { DEFAULT_WINDOWS, eventWindows, type AssessWindows } from '../domain.ts';

/** A prompt's score must rise by this much over the baseline for a changed chip to count for it. */
export const PROMPT_DELTA_MIN = 0.1;

/** One changed chip in the assessment. */
export interface AssessedChip {
  key: string;
  acquisitionId: number;
  datetime: string;
  kind: string;
  score: number;
  confidence: string | null;
  promptDeltas: Record<string, number>;
}

/** What `assessDisaster` returns. */
export interface Assessment {
  areaId: string;
  eventDate: string;
  preEvent: { start: string; end: string; acquisitions: number };
  postEvent: { start: string; end: string; acquisitions: number };
  /** Changed chips: the strongest post-event detection of each chip at or above the threshold. */
  changedChips: AssessedChip[];
  /** Per prompt: km² of changed chips of the prompt's kind of change, or whose score for the prompt rose by at least PROMPT_DELTA_MIN. */
  affectedKm2: Record<string, number>;
  /** Alerts whose last sighting falls in the post-event window, with their evidence files. */
  alerts: {
    id: number;
    kind: string;
    confidence: string;
    chipKeys: string[];
    /** Changed area in km²: pixels for outlines from pixels, whole chips for outlines from chips. */
    areaKm2: number;
    /** Burn alerts from pixels: km² per USGS dNBR class (low, moderate-low, moderate-high, high); else null. */
    burnSeverityKm2: Record<string, number> | null;
    evidence: { kind: string; sha256: string; path: string }[];
  }[];
}

/** Scores prompts on stored embeddings of the given acquisitions (idempotent). */
export async function scoreStoredEmbeddings(
  db: Db,
  embedder: Embedder,
  areaId: string,
  acquisitionIds: readonly number[],
  prompts: readonly string[],
): Promise<number> {
  if (prompts.length === 0 || acquisitionIds.length === 0) return 0;
  const text = await embedder.embedTexts(prompts);
  const rows = await areaEmbeddings(db, areaId, embedder.id, acquisitionIds);
  if (rows.length === 0) return 0;
  const scores = embedder.score(
    rows.map((r) => Float32Array.from(r.embedding)),
    text,
  );
  return db.transaction((tx) =>
    insertPromptScores(
      tx,
      rows.flatMap((r, i) =>
        prompts.map((prompt, p) => ({
          chipId: r.chipId,
          acquisitionId: r.acquisitionId,
          modelId: embedder.id,
          prompt,
          score: scores[i]![p]!,
        })),
      ),
    ),
  );
}

/**
 * The assessment of an event from the post-event detections (detect-event.ts) stored for the area:
 * per chip, its strongest post-event detection at or above the threshold against a pre-event reference
 * inside the window. Affected areas are counted in pixels: for each changed chip of a prompt's kind (or
 * whose score for the prompt rose by PROMPT_DELTA_MIN), the share of its pixels that changed that way
 * times the chip's area. Reads only.
 */
export async function assessArea(
  db: Db,
  input: {
    areaId: string;
    eventDate: string;
    modelId: string;
    prompts: readonly string[];
    windows?: AssessWindows;
    threshold?: number;
  },
): Promise<Assessment> {
  const area = await getArea(db, input.areaId);
  const { pre, post } = eventWindows(input.eventDate, input.windows);
  const threshold = input.threshold ?? DEFAULT_ALERT_THRESHOLD;
  const rows = await eventDetectionsInWindows<{
    evidence?: PairEvidence;
    promptDeltas?: Record<string, number>;
    validFraction?: number;
  }>(db, area.id, pre, post, threshold);
  const changedChips: AssessedChip[] = [];
  const share = new Map<string, number>();
  for (const r of rows) {
    if (changedChips.at(-1)?.key === r.key) continue;
    changedChips.push({
      key: r.key,
      acquisitionId: r.postAcquisitionId,
      datetime: r.datetime,
      kind: r.kind,
      score: r.score,
      confidence: r.confidence,
      promptDeltas: r.evidence.promptDeltas ?? {},
    });
    const e = r.evidence.evidence ?? {};
    share.set(r.key, affectedShare(r.kind, e) * (r.evidence.validFraction ?? 1));
  }
  const cellKm2 = ((area.grid.chipPx * area.grid.resolutionM) / 1000) ** 2;
  const affectedKm2: Record<string, number> = {};
  for (const prompt of input.prompts) {
    const kind = CHANGE_PROMPTS[prompt];
    const km2 = changedChips
      .filter((c) => c.kind === kind || (c.promptDeltas[prompt] ?? 0) >= PROMPT_DELTA_MIN)
      .reduce((sum, c) => sum + (share.get(c.key) ?? 0) * cellKm2, 0);
    affectedKm2[prompt] = Math.round(km2 * 1e6) / 1e6;
  }
  const preCount = (await listProcessed(db, area.id, pre)).length;
  const postCount = (await listProcessed(db, area.id, post)).length;
  const alerts: Assessment['alerts'] = [];
  for (const a of await alertsLastSeenIn(db, area.id, post)) {
    alerts.push({ ...a, evidence: await alertEvidenceFiles(db, a.id) });
  }
  return {
    areaId: area.id,
    eventDate: new Date(input.eventDate).toISOString(),
    preEvent: { ...pre, acquisitions: preCount },
    postEvent: { ...post, acquisitions: postCount },
    changedChips,
    affectedKm2,
    alerts,
  };
}
