/**
 * The Sentinel-2 processing-baseline offset, decided by what an item says whatever its source: from
 * processing baseline 04.00 (products from 2022-01-25 on) ESA adds 1000 to every DN, so reflectance is
 * DN × 1e-4 − 0.1. An item naming its baseline gets −0.1 for baseline ≥ 04.00 and 0 before; a Sentinel-2
 * item that names none (its platform or constellation is Sentinel-2 and its level L1C/L2A) is judged by its
 * datetime; anything else gets no offset from this rule.
 */

/** First day of processing baseline 04.00 products. */
export const BASELINE_04_START = '2022-01-25T00:00:00Z';

/** Reflectance offset of baseline ≥ 04.00 products (−1000 DN at scale 1e-4). */
export const BASELINE_04_OFFSET = -0.1;

/** Property keys that may hold the processing baseline (STAC extensions, older Earth Search, local sidecars). */
const BASELINE_KEYS = ['s2:processing_baseline', 'sentinel:processing_baseline', 'processingBaseline'];

/** The item's processing baseline as a number (e.g. 4 for "04.00"), or null when it names none. */
export function processingBaseline(properties: Record<string, unknown>): number | null {
  for (const key of BASELINE_KEYS) {
    const v = properties[key];
    if (v === undefined || v === null) continue;
    const n = typeof v === 'number' ? v : Number.parseFloat(String(v));
    if (Number.isFinite(n)) return n;
  }
  return null;
}

/** Whether the item says it is a Sentinel-2 L1C or L2A product. */
function isSentinel2Product(properties: Record<string, unknown>): boolean {
  const platform = String(properties.platform ?? properties.constellation ?? '');
  const level = String(
    properties['processing:level'] ?? properties['s2:product_type'] ?? properties.level ?? '',
  );
  return /sentinel-?2/i.test(platform) && /L1C|L2A|MSI1C|MSI2A/i.test(level);
}

/** The reflectance offset the rule gives the item (see the module comment), or null when it does not apply. */
export function sentinel2Offset(properties: Record<string, unknown>, datetime: string): number | null {
  const baseline = processingBaseline(properties);
  if (baseline !== null) return baseline >= 4 ? BASELINE_04_OFFSET : 0;
  if (!isSentinel2Product(properties)) return null;
  return Date.parse(datetime) >= Date.parse(BASELINE_04_START) ? BASELINE_04_OFFSET : 0;
}
