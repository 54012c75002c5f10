/**
 * detectChip: one chip's current state against its own baseline.
 * - drift = cosine distance from the current embedding to the baseline centre; driftZ = (drift − typical) /
 *   spread, where typical and spread are the median and 1.4826·MAD of the distances of the chip's eligible
 *   history (up to 3K states) to the same centre, spread floored at DRIFT_SIGMA_FLOOR. With fewer than 3
 *   such states the prior (typical 0, spread DRIFT_PRIOR_SIGMA) is used. Seasonal swings of a field thus
 *   widen its own spread and do not alarm.
 * - reference for prompts and spectral evidence:
 *   - monitoring (no `preEvent`): the chip's envelope over its eligible history (up to ENVELOPE_SIZE
 *     states): lowest NDVI and NBR, highest water fraction, highest prompt probabilities. Change is a
 *     state the chip has not shown before, so seasonal states that recur (bare fields in winter and after
 *     harvest) are not evidence. A chip needs MIN_HISTORY eligible earlier states before it can alert.
 *   - monitoring with a year of history (seasonal.ts): each index and prompt probability against its
 *     harmonic seasonal expectation, in σ of the chip's own residuals, and kinds of change only where
 *     their physics holds against the envelope of the fitted window (seasonal-score.ts).
 *   - disaster mode (`preEvent`): the median of the pre-event states (one state suffices).
 * - prompt deltas = current probability − reference, for every prompt; the prompt signal uses the
 *   change prompts only (not cloud, snow, vegetation).
 * - spectral evidence: see signals.ts. Unusable or mostly cloudy chips are never scored.
 * - score (chipScore): a chip alerts only when a signal of a kind of change — prompt or spectral — fires
 *   on its own; the other signals then raise the score. Drift corroborates but never alerts on its own (a
 *   chip that merely looks different — a new season in its first year — is not an alert), and weak signals
 *   below their thresholds do not add up to an alert.
 * - confidence (score ≥ threshold): highest when drift, prompt and spectral fired, high for two, else low.
 */
import {
  baselineStats,
  centreEmbedding,
  envelopePrompts,
  envelopeStats,
  ENVELOPE_SIZE,
  recurrentEnvelopeStats,
  MIN_HISTORY,
  cosineDistance,
  eligibleHistory,
  isScorable,
  medianRecord,
  selectBaseline,
  DEFAULT_BASELINE_SIZE,
} from './baseline.ts';
import type {
  ChangeKind,
  ChipDetection,
  ChipState,
  Confidence,
  DetectOptions,
  SignalName,
} from './detect-types.ts';
import { median } from '../spectral/robust.ts';
import { seasonalEvidence, seasonalWindow, type SeasonalEvidence } from './seasonal.ts';
import {
  envelopeKindStrengths,
  measuredContradicts,
  seasonalKindStrengths,
  seasonalPromptStrength,
} from './monitoring-kinds.ts';
import {
  SIGNAL_THRESHOLDS,
  combineStrengths,
  driftStrength,
  spectralEvidence,
  spectralStrength,
  strength,
  type SpectralEvidence,
} from './signals.ts';

/** Default alert threshold on score: one signal at its firing threshold. */
export const DEFAULT_ALERT_THRESHOLD = 0.5;
/** Drift spread assumed when a chip has fewer than 3 eligible earlier states. */
export const DRIFT_PRIOR_SIGMA = 0.02;
/** Smallest drift spread used (keeps a perfectly stable chip from alarming on noise). */
export const DRIFT_SIGMA_FLOOR = 0.005;

/** Change prompts and the kind each points to. */
export const CHANGE_PROMPTS: Record<string, ChangeKind> = {
  'flooded area': 'flood',
  water: 'flood',
  'burned area': 'burn',
  'burned forest': 'burn',
  'vegetation loss': 'vegetation-loss',
  'bare soil': 'vegetation-loss',
  'new buildings': 'construction',
  'built-up': 'construction',
};

/** A detection that scores nothing: no baseline to compare with, or a chip no detector scored. */
export function emptyDetection(baselineCount: number): ChipDetection {
  return {
    score: 0,
    drift: null,
    driftZ: null,
    promptDeltas: {},
    evidence: {},
    signals: [],
    kind: 'change',
    confidence: null,
    baselineCount,
  };
}

/** Confidence from the score and the signals that fired. */
export function confidenceOf(
  score: number,
  signals: readonly SignalName[],
  threshold: number,
): Confidence | null {
  if (!(score >= threshold)) return null;
  if (signals.length >= 3) return 'highest';
  return signals.length === 2 ? 'high' : 'low';
}

/** Kinds from most to least specific: a burn or a flood also removes vegetation, not the other way round. */
const SPECIFICITY: readonly Exclude<ChangeKind, 'change'>[] = [
  'flood',
  'burn',
  'construction',
  'vegetation-loss',
];

/**
 * Kind of change: among flood, burn, construction and vegetation-loss evidence (spectral or prompt) of
 * strength ≥ 0.5, the most specific; `change` when none reaches 0.5.
 */
export function kindOf(
  evidence: SpectralEvidence,
  promptDeltas: Record<string, number>,
  waterThreshold: number = SIGNAL_THRESHOLDS.waterGain,
): ChangeKind {
  const s: Record<Exclude<ChangeKind, 'change'>, number> = {
    flood: strength(evidence.waterGain, waterThreshold),
    burn: Math.max(
      strength(evidence.dnbr, SIGNAL_THRESHOLDS.dnbr),
      strength(evidence.burnGain, SIGNAL_THRESHOLDS.coverGain),
    ),
    'vegetation-loss': strength(evidence.ndviLoss, SIGNAL_THRESHOLDS.ndviLoss),
    construction: 0,
  };
  for (const [p, d] of Object.entries(promptDeltas)) {
    const k = CHANGE_PROMPTS[p];
    if (k && k !== 'change') s[k] = Math.max(s[k], strength(d, SIGNAL_THRESHOLDS.promptDelta));
  }
  return SPECIFICITY.find((k) => s[k] >= 0.5) ?? 'change';
}

/**
 * Whether the measured spectral evidence fails to support a prompt's kind of change: a flood prompt where
 * new water did not reach its threshold, a burn prompt without a firing dNBR or burn gain, a
 * vegetation-loss prompt without a firing NDVI loss. Where the bands can measure a kind of change, the
 * measurement decides whether it happened; the prompt corroborates and names it. Kinds without a
 * spectral counterpart (construction), and images without the bands (RGB), are never contradicted.
 */
export function contradicted(kind: ChangeKind, e: SpectralEvidence): boolean {
  // Unsupported: the measurement the prompt names did not reach its own firing threshold.
  const weak = (v: number | undefined, threshold: number) => v !== undefined && !(v >= threshold);
  switch (kind) {
    case 'flood':
      return weak(e.waterGain, SIGNAL_THRESHOLDS.coverGain);
    case 'burn':
      return (
        weak(e.dnbr, SIGNAL_THRESHOLDS.dnbr) &&
        (e.burnGain === undefined || weak(e.burnGain, SIGNAL_THRESHOLDS.coverGain))
      );
    case 'vegetation-loss':
      return weak(e.ndviLoss, SIGNAL_THRESHOLDS.ndviLoss);
    default:
      return false;
  }
}

/**
 * The one chip score in [0, 1]. With e = max(s_prompt, s_spectral), the strongest evidence of a kind of
 * change: below 0.5 (nothing fired) the score is e itself; otherwise
 * 1 − (1 − s_prompt)(1 − s_spectral)(1 − min(s_drift, e)). Non-decreasing in every strength.
 */
export function chipScore(sDrift: number, sPrompt: number, sSpectral: number): number {
  const e = Math.max(sPrompt, sSpectral);
  if (e < 0.5) return e;
  return combineStrengths([sPrompt, sSpectral, Math.min(sDrift, e)]);
}

/** Drift z-score of `drift` against the chip's history distances to the centre. */
export function driftZScore(drift: number, historyDistances: readonly number[]): number {
  if (historyDistances.length < 3) return drift / DRIFT_PRIOR_SIGMA;
  const typical = median(historyDistances);
  const mad = median(historyDistances.map((d) => Math.abs(d - typical)));
  return (drift - typical) / Math.max(1.4826 * mad, DRIFT_SIGMA_FLOOR);
}

/** history: earlier states of the same chip (any order); current is not in it. */
export function detectChip(
  current: ChipState,
  history: readonly ChipState[],
  options: DetectOptions = {},
): ChipDetection {
  const threshold = options.threshold ?? DEFAULT_ALERT_THRESHOLD;
  const members = selectBaseline(current, history, options);
  if (!isScorable(current) || members.length === 0) return emptyDetection(members.length);

  const centre = centreEmbedding(members.map((m) => m.embedding!));
  const drift = cosineDistance(current.embedding!, centre);
  const k = options.baselineSize ?? DEFAULT_BASELINE_SIZE;
  const eligible = eligibleHistory(current, history);
  const distances = eligible
    .slice(0, 3 * k)
    .map((s) => cosineDistance(s.embedding!, centre))
    .filter(Number.isFinite);
  const driftZ = Number.isFinite(drift) ? driftZScore(drift, distances) : null;

  const monitoring = !options.preEvent;
  if (monitoring && eligible.length < MIN_HISTORY) {
    return { ...emptyDetection(members.length), drift: Number.isFinite(drift) ? drift : null, driftZ };
  }
  const base = {
    drift: Number.isFinite(drift) ? drift : null,
    driftZ,
    baselineCount: members.length,
    threshold,
  };
  if (monitoring) {
    const window = seasonalWindow(current, eligible);
    const seasonal = seasonalEvidence(current, window);
    return seasonal
      ? monitoringDetection(current, window, seasonal, base)
      : monitoringDetection(current, eligible.slice(0, ENVELOPE_SIZE), undefined, base);
  }
  const basePrompts = medianRecord(members.map((m) => m.prompts));
  const promptDeltas: Record<string, number> = {};
  for (const [p, v] of Object.entries(current.prompts)) {
    const b = basePrompts[p];
    if (b !== undefined) promptDeltas[p] = v - b;
  }
  const evidence = spectralEvidence(baselineStats(members), current.stats);

  const sDrift = driftStrength(driftZ);
  const sPrompt = Math.max(
    0,
    ...Object.entries(promptDeltas)
      .filter(([p]) => p in CHANGE_PROMPTS && !contradicted(CHANGE_PROMPTS[p]!, evidence))
      .map(([, d]) => strength(d, SIGNAL_THRESHOLDS.promptDelta)),
  );
  const sSpectral = spectralStrength(evidence);
  const signals: SignalName[] = [];
  if (sDrift >= 0.5) signals.push('drift');
  if (sPrompt >= 0.5) signals.push('prompt');
  if (sSpectral >= 0.5) signals.push('spectral');
  const score = chipScore(sDrift, sPrompt, sSpectral);
  return {
    score,
    drift: Number.isFinite(drift) ? drift : null,
    driftZ,
    promptDeltas,
    evidence,
    signals,
    kind: kindOf(evidence, promptDeltas, SIGNAL_THRESHOLDS.coverGain),
    confidence: confidenceOf(score, signals, threshold),
    baselineCount: members.length,
  };
}

/** Kinds from most to least specific whose strength reaches 0.5; `change` when none does. */
function mostSpecific(s: Partial<Record<Exclude<ChangeKind, 'change'>, number>>): ChangeKind {
  return SPECIFICITY.find((k) => (s[k] ?? 0) >= 0.5) ?? 'change';
}

/** The most vegetated cover share of `past` minus the current one; undefined without cover shares. */
function vegetationLost(past: readonly ChipState[], current: ChipState): number | undefined {
  const now = current.stats.vegetationFraction;
  const before = past.map((s) => s.stats.vegetationFraction).filter((v): v is number => v !== undefined);
  return now === undefined || before.length === 0 ? undefined : Math.max(...before) - now;
}

/**
 * The monitoring detection against the chip's own past (monitoring-kinds.ts): with a seasonal model,
 * `past` is its fitted window and every signal must also be a seasonal anomaly; without one, `past`
 * is the envelope of the last ENVELOPE_SIZE eligible states.
 */
function monitoringDetection(
  current: ChipState,
  past: readonly ChipState[],
  seasonal: SeasonalEvidence | undefined,
  base: { drift: number | null; driftZ: number | null; baselineCount: number; threshold: number },
): ChipDetection {
  const basePrompts = envelopePrompts(past);
  const promptDeltas: Record<string, number> = {};
  for (const [p, v] of Object.entries(current.prompts)) {
    const b = basePrompts[p];
    if (b !== undefined) promptDeltas[p] = v - b;
  }
  const envelope = seasonal ? recurrentEnvelopeStats(past) : envelopeStats(past);
  const evidence = spectralEvidence(envelope, current.stats);
  const recurrentLow =
    current.stats.ndviLow !== undefined && envelope.ndviLow !== undefined ? envelope.ndviLow : envelope.ndvi;
  const measured = seasonal
    ? seasonalKindStrengths(evidence, seasonal, recurrentLow)
    : envelopeKindStrengths(evidence, vegetationLost(past, current));
  const kinds: Partial<Record<Exclude<ChangeKind, 'change'>, number>> = { ...measured };
  let sPrompt = 0;
  for (const [p, d] of Object.entries(promptDeltas)) {
    const kind = CHANGE_PROMPTS[p];
    if (!kind || measuredContradicts(kind, measured)) continue;
    // Without a season of history a field laid bare by harvest or ploughing is a building site to
    // every signal two or three looks have (prompt, NDBI, sealed-looking dark soil): not named.
    if (kind === 'construction' && !seasonal) continue;
    const s = seasonal ? seasonalPromptStrength(p, d, seasonal) : strength(d, SIGNAL_THRESHOLDS.promptDelta);
    sPrompt = Math.max(sPrompt, s);
    if (kind !== 'change') kinds[kind] = Math.max(kinds[kind] ?? 0, s);
  }
  const sSpectral = Math.max(0, ...Object.values(measured));
  const sDrift = driftStrength(base.driftZ);
  const signals: SignalName[] = [];
  if (sDrift >= 0.5) signals.push('drift');
  if (sPrompt >= 0.5) signals.push('prompt');
  if (sSpectral >= 0.5) signals.push('spectral');
  const score = chipScore(sDrift, sPrompt, sSpectral);
  return {
    score,
    drift: base.drift,
    driftZ: base.driftZ,
    promptDeltas,
    evidence,
    signals,
    kind: mostSpecific(kinds),
    confidence: confidenceOf(score, signals, base.threshold),
    baselineCount: base.baselineCount,
    ...(seasonal ? { seasonal } : {}),
  };
}
