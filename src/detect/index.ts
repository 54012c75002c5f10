/** Detection: baselines, signals, scoring, alerts, clustering, evidence tiles. */
export { spectralStats, type SpectralStats } from './spectral-stats.ts';
export type {
  ChangeKind,
  ChipDetection,
  ChipState,
  Confidence,
  DetectOptions,
  SignalName,
} from './detect-types.ts';
export { detectChip, DEFAULT_ALERT_THRESHOLD, CHANGE_PROMPTS } from './detect-chip.ts';
export { clusterAlerts, matchAlert, type AlertCandidate, type GridDetection } from './cluster.ts';
export { mergeAlert, type AlertMerge, type CandidateArea, type OpenAlert } from './alert-merge.ts';
export {
  renderEvidence,
  type TileMediaType,
  type EvidencePhoto,
  type EvidenceTiles,
  type PixelRect,
} from './evidence.ts';
export { dnbrClass, DNBR_BREAKS, type DnbrClass, type SpectralEvidence } from './signals.ts';
