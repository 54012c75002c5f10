/**
 * The prompt vocabulary of `spectral-v1`. Each prompt is a fixed weight vector over the feature layout
 * (spectral-features.ts); its bias sits on the anchor component, so for raw features f
 * score = sigmoid(w · f + b). Weights are on cover fractions (spectral/cover.ts) and texture:
 *
 * | prompt | logit w · f + b | reads as |
 * |---|---|---|
 * | water | 10·water − 3 | 0.5 at 30 % water |
 * | flooded area | 10·water − 4 | 0.5 at 40 % water |
 * | burned area, burned forest | 12·burn − 3 | 0.5 at 25 % burn scar |
 * | vegetation | 10·vegetation − 4 | 0.5 at 40 % vegetation |
 * | vegetation loss | 6·bare + 6·burn − 6·vegetation − 1.5 | non-vegetated land, 0.5 at 25 % more bare/burnt than vegetated |
 * | bare soil | 10·bare − 5 | 0.5 at 50 % bare |
 * | built-up, new buildings | 10·built + 8·edges − 4 | built-up cover (SWIR) or dense edges (RGB-only chips) |
 * | cloud | 12·cloud − 4 | 0.5 at 33 % cloud |
 * | snow | 12·snow − 4 | 0.5 at 33 % snow |
 *
 * `edges` is the texture feature "fraction of gradients > 0.05". Prompts match case-insensitively after trimming.
 */
import { InputError } from '../errors.ts';
import type { CoverClass } from '../spectral/cover.ts';
import { ANCHOR, SPECTRAL_DIMENSION, TEXTURE_OFFSET, coverOffset } from './spectral-features.ts';

interface PromptWeights {
  /** Bias b. */
  bias: number;
  /** Weights on cover fractions. */
  cover: Partial<Record<CoverClass, number>>;
  /** Weight on the edge-fraction texture feature. */
  edges?: number;
}

const WEIGHTS: Record<string, PromptWeights> = {
  water: { bias: -3, cover: { water: 10 } },
  'flooded area': { bias: -4, cover: { water: 10 } },
  'burned area': { bias: -3, cover: { burn: 12 } },
  'burned forest': { bias: -3, cover: { burn: 12 } },
  vegetation: { bias: -4, cover: { vegetation: 10 } },
  'vegetation loss': { bias: -1.5, cover: { bare: 6, burn: 6, vegetation: -6 } },
  'bare soil': { bias: -5, cover: { bare: 10 } },
  'built-up': { bias: -4, cover: { built: 10 }, edges: 8 },
  'new buildings': { bias: -4, cover: { built: 10 }, edges: 8 },
  cloud: { bias: -4, cover: { cloud: 12 } },
  snow: { bias: -4, cover: { snow: 12 } },
};

/** The prompts spectral-v1 can score. */
export const SPECTRAL_PROMPTS: readonly string[] = Object.keys(WEIGHTS);

/** The weight vector of one prompt; an unknown prompt throws an InputError listing the supported ones. */
export function promptVector(prompt: string): Float32Array {
  const w = WEIGHTS[prompt.trim().toLowerCase()];
  if (!w) {
    throw new InputError(
      `prompt "${prompt}" is not in the spectral-v1 vocabulary; supported: ${SPECTRAL_PROMPTS.map((p) => `"${p}"`).join(', ')}`,
    );
  }
  const v = new Float32Array(SPECTRAL_DIMENSION);
  v[ANCHOR] = w.bias;
  for (const [c, x] of Object.entries(w.cover)) v[coverOffset(c as CoverClass)] = x;
  if (w.edges !== undefined) v[TEXTURE_OFFSET + 3] = w.edges;
  return v;
}
