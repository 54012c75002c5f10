/**
 * Verifies the Sentinel-2 processing-baseline offset against the pixels. Without the offset applied,
 * valid DNs below 1000 mean negative reflectance and are rare; when the provider already subtracted it,
 * dark surfaces (water, shadow, vegetation in the visible bands) put many DNs below 1000. The red band's
 * smallest overview (≤ 256 px) is read once per acquisition: more than 2 % of valid DNs below 1000 means
 * the offset was already applied, so none is added.
 */
import type { BandScaling, OpenRasterOptions } from './raster-reader.ts';
import { openRaster } from './raster-reader.ts';
import type { Acquisition } from './source.ts';

const decisions = new Map<string, Promise<boolean>>();
const SHARE_BELOW = 0.02;

/** Whether the acquisition's DNs still carry the +1000 offset (so −0.1 must be added after scaling). */
export function offsetStillPresent(
  acq: Acquisition,
  options: OpenRasterOptions & { signal?: AbortSignal },
): Promise<boolean> {
  const id = `${acq.source}/${acq.itemId}`;
  let decision = decisions.get(id);
  if (!decision) {
    decision = measure(acq, options);
    decisions.set(id, decision);
    decision.catch(() => decisions.delete(id));
    if (decisions.size > 10_000) decisions.delete(decisions.keys().next().value as string);
  }
  return decision;
}

async function measure(
  acq: Acquisition,
  options: OpenRasterOptions & { signal?: AbortSignal },
): Promise<boolean> {
  const band = ['red', 'green', 'blue', 'nir'].find((b) => acq.assets[b]);
  if (!band) return true;
  const raw: Partial<BandScaling> = { scale: 1, offset: 0, nodata: 0, kind: 'reflectance' };
  const reader = openRaster(acq.assets[band]!, { ...options, bandNames: [band], scaling: { [band]: raw } });
  try {
    const img = await reader.preview({ maxSize: 256, signal: options.signal });
    const plane = img.data[0]!;
    let valid = 0;
    let below = 0;
    for (let i = 0; i < plane.length; i++) {
      if (img.mask[i] === 0) continue;
      valid++;
      if (plane[i]! < 1000) below++;
    }
    return valid === 0 || below / valid <= SHARE_BELOW;
  } finally {
    await reader.close();
  }
}
