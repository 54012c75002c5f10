/**
 * Radar in a local source's metadata: a sidecar (or the area's band metadata, sidecar.ts) names the units
 * of its backscatter with `"backscatter": "db"` or `"backscatter": "linear"` and its bands by polarisation:
 *
 *     { "datetime": "2019-09-18T17:50:00Z", "bands": ["vv", "vh"], "backscatter": "db", "nodata": null }
 *
 * The key is kept as an item property (as every sidecar key is), so the acquisition carries it to the
 * reader of its chips, which converts once (radar-image.ts). STAC presets of radar collections set it too
 * (collection-presets.ts).
 */
import { SourceError } from '../errors.ts';
import { POLARISATIONS, type BackscatterUnits } from './radar-image.ts';
import type { Acquisition } from './source.ts';

/** Property key naming the units of an acquisition's backscatter. */
export const BACKSCATTER_KEY = 'backscatter';

/**
 * The backscatter units an acquisition declares, or null for optical imagery; throws SourceError naming
 * the item when the value is not `db` or `linear`, or when it has no polarisation band.
 */
export function backscatterUnits(acq: Acquisition): BackscatterUnits | null {
  const v = acq.properties[BACKSCATTER_KEY];
  if (v === undefined) return null;
  if (v !== 'db' && v !== 'linear')
    throw new SourceError(
      `item "${acq.itemId}" of ${acq.source}: "${BACKSCATTER_KEY}" is ${JSON.stringify(v)}; expected "db" or "linear"`,
    );
  const bands = Object.keys(acq.assets);
  if (!bands.some((b) => (POLARISATIONS as readonly string[]).includes(b)))
    throw new SourceError(
      `item "${acq.itemId}" of ${acq.source} declares ${v} backscatter but has no polarisation band (${POLARISATIONS.join(', ')}); its bands: ${bands.join(', ')}`,
    );
  return v;
}
