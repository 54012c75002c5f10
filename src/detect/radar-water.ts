/**
 * Open water from radar backscatter alone (calm water is a specular reflector: it returns little energy
 * to the sensor and is dark in VV and VH). Per scene:
 * 1. speckle: each polarisation is median-filtered over SPECKLE_WINDOW × SPECKLE_WINDOW (speckle.ts);
 * 2. threshold: Otsu's cut (otsu.ts) of the filtered dB values of the valid pixels, per polarisation, so the
 *    threshold follows the scene's own water/land distribution instead of a global constant;
 * 3. a cut above the polarisation's ceiling (RADAR_WATER_CEILING_DB) means the scene has no dark class
 *    (a dry scene splits land from land): that polarisation maps no water;
 * 4. water: VV at or below its cut, or VH at or below its cut (VH separates water from smooth bare soil
 *    that VV confuses; VV separates wind-roughened water that VH confuses).
 * The image must be backscatter in dB (ImageValue scale `backscatter`, bands `vv` and optionally `vh`).
 */
import { InputError } from '../errors.ts';
import { band, type ImageValue } from '../imagery/image.ts';
import { otsuThreshold } from './otsu.ts';
import { medianFilter, SPECKLE_WINDOW } from './speckle.ts';

/**
 * Highest accepted water threshold per polarisation, in dB. Open water sits near −20 dB in VV and −25 dB
 * in VH; Otsu cuts of flooded scenes fall at about −14…−20 (VV) and −20…−26 (VH). A cut above these lies
 * between two land classes (e.g. forest −8 dB and cleared ground −12 dB in VV).
 */
export const RADAR_WATER_CEILING_DB = { vv: -13, vh: -20 } as const;

/** Options of radarWater. */
export interface RadarWaterOptions {
  /** Median filter window in pixels (default SPECKLE_WINDOW; 1 = no filter). */
  window?: number;
  /** Highest accepted threshold per polarisation in dB (default RADAR_WATER_CEILING_DB). */
  ceilingDb?: { vv: number; vh: number };
}

/** Water mapped from one radar look. */
export interface RadarWater {
  /** One byte per pixel: 1 water, 0 not water or invalid. */
  water: Uint8Array;
  /** Otsu cut per polarisation in dB (NaN when the band has fewer than two distinct valid values). */
  thresholdDb: { vv: number; vh: number | null };
  /** Whether each polarisation's cut was accepted (at or below its ceiling). */
  used: { vv: boolean; vh: boolean };
  /** The speckle-filtered image the thresholds were taken on. */
  filtered: ImageValue;
  /** Water pixels. */
  waterPixels: number;
}

/** Throws InputError unless the image is dB backscatter with a `vv` band. */
export function assertBackscatter(image: ImageValue, what: string): void {
  if (image.scale !== 'backscatter')
    throw new InputError(`${what} has scale "${image.scale}"; radar evidence needs backscatter in dB`);
  if (!image.bands.includes('vv'))
    throw new InputError(`${what} has no vv band (bands: ${image.bands.join(', ')})`);
}

/** The valid values of a plane. */
function validValues(plane: Float32Array, mask: Uint8Array): Float32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  const out = new Float32Array(n);
  for (let i = 0, k = 0; i < mask.length; i++) if (mask[i]) out[k++] = plane[i]!;
  return out;
}

/** Otsu's cut of a band's valid values and whether it lies at or below the ceiling. */
export function waterCut(
  image: ImageValue,
  name: 'vv' | 'vh',
  ceilingDb: number,
): { cut: number; ok: boolean } {
  const plane = band(image, name)!;
  const cut = otsuThreshold(validValues(plane, image.mask));
  return { cut, ok: Number.isFinite(cut) && cut <= ceilingDb };
}

/** Water of one radar look (see the module comment). */
export function radarWater(image: ImageValue, options: RadarWaterOptions = {}): RadarWater {
  assertBackscatter(image, 'radar look');
  const ceiling = options.ceilingDb ?? RADAR_WATER_CEILING_DB;
  const filtered = medianFilter(image, options.window ?? SPECKLE_WINDOW);
  const vv = band(filtered, 'vv')!;
  const vh = band(filtered, 'vh');
  const cv = waterCut(filtered, 'vv', ceiling.vv);
  const ch = vh ? waterCut(filtered, 'vh', ceiling.vh) : null;
  const water = new Uint8Array(image.width * image.height);
  let waterPixels = 0;
  for (let i = 0; i < water.length; i++) {
    if (!filtered.mask[i]) continue;
    const w = (cv.ok && vv[i]! <= cv.cut) || (ch !== null && ch.ok && vh![i]! <= ch.cut);
    if (w) {
      water[i] = 1;
      waterPixels++;
    }
  }
  return {
    water,
    thresholdDb: { vv: cv.cut, vh: ch ? ch.cut : null },
    used: { vv: cv.ok, vh: ch !== null && ch.ok },
    filtered,
    waterPixels,
  };
}
