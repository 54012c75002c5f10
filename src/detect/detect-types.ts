import type { SeasonalEvidence } from './seasonal.ts';
import type { FusionEvidence } from './sensor-fusion.ts';
import type { SpectralEvidence } from './signals.ts';
import type { SpectralStats } from './spectral-stats.ts';
import type { Confidence } from '../domain.ts';

/** What detection knows of one chip at one acquisition (from the database). */
export interface ChipState {
  /** Acquisition id. */
  acquisitionId: number;
  /** Acquisition time, ISO 8601. */
  datetime: string;
  /** Whether the chip had enough valid pixels. */
  usable: boolean;
  /** Fraction of valid pixels. */
  validFraction: number;
  /** Embedding; null when not embedded (unusable). */
  embedding: ArrayLike<number> | null;
  /** Prompt → probability. */
  prompts: Record<string, number>;
  /** spectralStats of the chip's image. */
  stats: SpectralStats;
}

/** Options of detectChip. */
export interface DetectOptions {
  /** K last valid acquisitions in the baseline (default 5). */
  baselineSize?: number;
  /** Disaster mode: baseline = usable states in this window. */
  preEvent?: { start: string; end: string };
  /** Alert threshold on score (default DEFAULT_ALERT_THRESHOLD). */
  threshold?: number;
}

/** What kind of change a detection shows. */
export const CHANGE_KINDS = ['flood', 'burn', 'vegetation-loss', 'construction', 'change'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Alert confidence in the manner of Global Forest Watch (levels: src/domain.ts). */
export type { Confidence };

/**
 * One signal family ('change': a pair's change statistic beyond its scene threshold; 'radar': new open
 * water or forest loss seen in radar backscatter, radar-pair.ts).
 */
export type SignalName = 'drift' | 'prompt' | 'spectral' | 'change' | 'radar';

/** The detection result for one chip at one acquisition. */
export interface ChipDetection {
  /** Combined score in [0, 1]. */
  score: number;
  /** Cosine distance to the baseline centre. */
  drift: number | null;
  /** Drift normalised by the chip's own variability. */
  driftZ: number | null;
  /** Prompt → current probability minus baseline probability. */
  promptDeltas: Record<string, number>;
  /** Spectral evidence where bands allow. */
  evidence: SpectralEvidence;
  /** Which signals fired. */
  signals: SignalName[];
  /** Kind of change. */
  kind: ChangeKind;
  /** null below threshold. */
  confidence: Confidence | null;
  /** Members of the baseline; 0 → no baseline yet, score 0. */
  baselineCount: number;
  /** Monitoring with a year of history: the anomaly against the seasonal model (absent otherwise). */
  seasonal?: SeasonalEvidence;
  /** Monitoring of an area with optical and radar looks: what the other sensor's looks in the window saw (sensor-fusion.ts). */
  fusion?: FusionEvidence;
}
