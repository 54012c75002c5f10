/**
 * Baselines per chip, from the chip's own history. A state is eligible when it is usable, embedded,
 * earlier than the current one and not mostly cloud or snow (cloudFraction + snowFraction ≤ 0.5). The baseline is:
 * - disaster mode (`preEvent`): every eligible state inside the pre-event window (inclusive);
 * - seasonal: when at least 2 eligible states lie ≥ 300 days earlier within ±45 days of the current
 *   day of year, the last K of those (the same season of earlier years);
 * - otherwise the last K eligible states.
 * Its centre is the element-wise median of the members' embeddings (L2-normalised), the per-key median
 * of their spectral stats, and the per-prompt median of their prompt scores.
 */
import type { ChipState } from './detect-types.ts';
import type { SpectralStats } from './spectral-stats.ts';
import { median, quantile } from '../spectral/robust.ts';

/** A state whose valid pixels are more than this share cloud is skipped as if unusable. */
export const MAX_CLOUD_FRACTION = 0.5;
/** Default number of acquisitions in a baseline. */
export const DEFAULT_BASELINE_SIZE = 5;
/** Same-season window, in days of year either side. */
export const SEASON_HALF_WINDOW_DAYS = 45;
/** A same-season state must be at least this many days older. */
export const SEASON_MIN_AGE_DAYS = 300;

const DAY_MS = 86_400_000;

/**
 * Whether a state can be scored or used in a baseline: usable, embedded, and its valid pixels not mostly
 * obscured — cloud and snow count together (snow hides the ground as cloud does, and haze that the
 * mask missed reads as snow).
 */
export function isScorable(s: ChipState): boolean {
  const obscured = (s.stats.cloudFraction ?? 0) + (s.stats.snowFraction ?? 0);
  return s.usable && s.embedding !== null && !(obscured > MAX_CLOUD_FRACTION);
}

function dayOfYear(t: number): number {
  const d = new Date(t);
  return (t - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS;
}

/** Eligible earlier states, newest first. */
export function eligibleHistory(current: ChipState, history: readonly ChipState[]): ChipState[] {
  const now = Date.parse(current.datetime);
  return history
    .filter((s) => isScorable(s) && Date.parse(s.datetime) < now)
    .sort((a, b) => Date.parse(b.datetime) - Date.parse(a.datetime));
}

/** The baseline members for `current` (see the module comment). */
export function selectBaseline(
  current: ChipState,
  history: readonly ChipState[],
  options: { baselineSize?: number; preEvent?: { start: string; end: string } } = {},
): ChipState[] {
  const eligible = eligibleHistory(current, history);
  if (options.preEvent) {
    const start = Date.parse(options.preEvent.start);
    const end = Date.parse(options.preEvent.end);
    return eligible.filter((s) => {
      const t = Date.parse(s.datetime);
      return t >= start && t <= end;
    });
  }
  const k = Math.max(1, options.baselineSize ?? DEFAULT_BASELINE_SIZE);
  const now = Date.parse(current.datetime);
  const doy = dayOfYear(now);
  const seasonal = eligible.filter((s) => {
    const t = Date.parse(s.datetime);
    const d = Math.abs(dayOfYear(t) - doy);
    return now - t >= SEASON_MIN_AGE_DAYS * DAY_MS && Math.min(d, 365.25 - d) <= SEASON_HALF_WINDOW_DAYS;
  });
  return (seasonal.length >= 2 ? seasonal : eligible).slice(0, k);
}

/** Element-wise median of the vectors, L2-normalised. */
export function centreEmbedding(vectors: readonly ArrayLike<number>[]): Float32Array {
  const d = vectors[0]?.length ?? 0;
  const out = new Float32Array(d);
  const column = new Float64Array(vectors.length);
  for (let i = 0; i < d; i++) {
    vectors.forEach((v, j) => (column[j] = v[i]!));
    out[i] = median(column);
  }
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < d; i++) out[i]! /= norm;
  return out;
}

/** Per-key median of records (a key counts only where present). */
export function medianRecord(records: readonly Record<string, number>[]): Record<string, number> {
  const keys = new Set(records.flatMap((r) => Object.keys(r)));
  const out: Record<string, number> = {};
  for (const k of keys) {
    const values = records.map((r) => r[k]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length > 0) out[k] = median(values);
  }
  return out;
}

/** States of the chip's own past that define its envelope (about two years of monthly acquisitions). */
export const ENVELOPE_SIZE = 24;
/** Eligible earlier states a chip needs before monitoring may alert on it. */
export const MIN_HISTORY = 2;

/**
 * The chip's envelope: per key, the extreme of its eligible history in the direction that would mean
 * change — lowest NDVI and NBR, highest water and burn fractions — so that a state the chip has shown before
 * (a field bare in winter, a river in spate) is not evidence of change when it recurs.
 */
export function envelopeStats(states: readonly ChipState[]): SpectralStats {
  const out: SpectralStats = {};
  const take = (key: string, pick: (values: number[]) => number) => {
    const values = states
      .map((s) => s.stats[key])
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length > 0) out[key] = pick(values);
  };
  take('ndvi', (v) => Math.min(...v));
  take('nbr', (v) => Math.min(...v));
  take('ndviLow', (v) => Math.min(...v));
  take('nbrLow', (v) => Math.min(...v));
  take('waterFraction', (v) => Math.max(...v));
  take('burnFraction', (v) => Math.max(...v));
  return out;
}

/** Per prompt, the highest probability the chip has had in its eligible history. */
export function envelopePrompts(states: readonly ChipState[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of states) {
    for (const [p, v] of Object.entries(s.prompts))
      if (Number.isFinite(v)) out[p] = Math.max(out[p] ?? -Infinity, v);
  }
  return out;
}

/** Median spectral stats of the members. */
export function baselineStats(members: readonly ChipState[]): SpectralStats {
  return medianRecord(members.map((m) => m.stats));
}

export { cosineDistance } from '../spectral/cosine.ts';

/** Share of a chip's looks a state must recur in to count as part of its cycle (the project's 5 % convention). */
export const RECURRENT_SHARE = 0.05;

/**
 * The seasonal path's envelope: like envelopeStats, but the vegetation keys (NDVI, NBR and their tails)
 * take the RECURRENT_SHARE quantile of the fitted window instead of its minimum — a state the chip
 * spends at least a twentieth of its looks in (a field bare after harvest or before sowing, whatever
 * the rotation) is part of its cycle, and a single hazy look does not lower the bar. Water and burn
 * fractions keep their maximum: new water must not have been water at any earlier look. (A change
 * confirms against the history before its first look, confirmation-look.ts, so the changed looks
 * entering this envelope do not stop it from confirming.)
 */
export function recurrentEnvelopeStats(states: readonly ChipState[]): SpectralStats {
  const out = envelopeStats(states);
  for (const key of ['ndvi', 'nbr', 'ndviLow', 'nbrLow']) {
    const values = states.map((s) => s.stats[key]).filter((v): v is number => v !== undefined);
    const q = quantile(values, RECURRENT_SHARE);
    if (Number.isFinite(q)) out[key] = q;
  }
  return out;
}
