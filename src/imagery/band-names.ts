/**
 * Band naming: Earth Search names (blue, green, red, nir, nir08, swir16, swir22, scl, …) are the
 * project's vocabulary. Sentinel-2 band ids (B02, B8A, …) and GDAL band descriptions map onto them;
 * radar bands are named by polarisation (vv, vh, hh, hv).
 */
import { POLARISATIONS } from './radar-image.ts';

/** Sentinel-2 band ids to Earth Search names. */
export const SENTINEL2_IDS: Readonly<Record<string, string>> = {
  B01: 'coastal',
  B02: 'blue',
  B03: 'green',
  B04: 'red',
  B05: 'rededge1',
  B06: 'rededge2',
  B07: 'rededge3',
  B08: 'nir',
  B8A: 'nir08',
  B09: 'nir09',
  B10: 'cirrus',
  B11: 'swir16',
  B12: 'swir22',
  SCL: 'scl',
};

/** Every name of the vocabulary. */
export const KNOWN_BANDS = new Set([...Object.values(SENTINEL2_IDS), 'alpha']);

/** Bands read by default when present, in this order. */
export const DEFAULT_BANDS = ['blue', 'green', 'red', 'nir', 'swir16', 'swir22'];

/** Bands of a 13-band Sentinel-2 L1C stack (B1…B12 with B8A after B8) and of a 12-band L2A stack (no B10). */
const S2_13 = [
  'coastal',
  'blue',
  'green',
  'red',
  'rededge1',
  'rededge2',
  'rededge3',
  'nir',
  'nir08',
  'nir09',
  'cirrus',
  'swir16',
  'swir22',
];
const S2_12 = S2_13.filter((b) => b !== 'cirrus');

/** The project's name for a band id or description (B4, B04, "Red", "nir08", "VV"), or null when unknown. */
export function normalizeBandName(raw: string): string | null {
  const s = raw.trim();
  const lower = s.toLowerCase();
  if (KNOWN_BANDS.has(lower)) return lower;
  const m = /^b(\d{1,2}|8a)$/i.exec(s);
  if (m) {
    const id = m[1]!.toUpperCase() === '8A' ? 'B8A' : `B${m[1]!.padStart(2, '0')}`;
    return SENTINEL2_IDS[id] ?? null;
  }
  if (lower === 'scl') return 'scl';
  if ((POLARISATIONS as readonly string[]).includes(lower)) return lower; // radar: vv, vh, hh, hv
  return null;
}

/**
 * Names for the bands of a multi-band file: its band descriptions when they all map to known names,
 * else by layout (3-band RGB → red green blue; 13/12 bands → Sentinel-2 order), else b1…bn.
 */
export function guessBandNames(
  count: number,
  descriptions: Array<string | undefined>,
  photometricRgb: boolean,
): string[] {
  const fromDescriptions = descriptions.map((d) => (d ? normalizeBandName(d) : null));
  if (
    fromDescriptions.length === count &&
    fromDescriptions.every((n) => n !== null) &&
    new Set(fromDescriptions).size === count
  ) {
    return fromDescriptions as string[];
  }
  if (count === 3 && photometricRgb) return ['red', 'green', 'blue'];
  if (count === 4 && photometricRgb) return ['red', 'green', 'blue', 'alpha'];
  if (count === 13) return [...S2_13];
  if (count === 12) return [...S2_12];
  return Array.from({ length: count }, (_, i) => `b${i + 1}`);
}
