/**
 * Spectral primitives, the bottom layer that embedding and detection both build on: normalised-difference
 * indices, robust statistics, per-pixel cover classes and cosine similarity. Imports nothing of driftwatch
 * but the image value type.
 */
export {
  INDEX_BANDS,
  INDEX_NAMES,
  hasIndex,
  indexPlane,
  normalizedDifference,
  type IndexName,
} from './indices.ts';
export { clamp, meanStd, median, quantile, quantiles } from './robust.ts';
export {
  CHAR_MAX_RED,
  COVER_CLASSES,
  WATER_MAX_SWIR16,
  classifyPixels,
  coverFractions,
  reflectanceFactor,
  type CoverClass,
} from './cover.ts';
export { cosineDistance, cosineSimilarity } from './cosine.ts';
