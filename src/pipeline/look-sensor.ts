/**
 * Which sensor an acquisition's chips come from, and its chips' images made ready for the detector of that
 * sensor: an acquisition that declares backscatter units (radar-metadata.ts) is radar, and its chips
 * become dB backscatter with a `vv` polarisation at least (toBackscatter, which refuses a units
 * declaration the values contradict); any other acquisition is optical, and a chip of it that holds radar
 * (polarisation bands, or mostly negative values) is refused (assertOptical). Errors are SourceErrors
 * naming the item and its files.
 */
import type { Sensor } from '../detect/sensor-fusion.ts';
import type { Chip } from '../imagery/chip.ts';
import { assertOptical, toBackscatter } from '../imagery/radar-image.ts';
import { BACKSCATTER_KEY, backscatterUnits } from '../imagery/radar-metadata.ts';
import type { Queryable } from '../store/db.ts';
import { listProcessedWithProperty, type AcquisitionRef } from '../store/acquisitions.ts';
import type { Acquisition } from '../imagery/source.ts';

/** The sensor of a look. */
export type LookSensor = Sensor;

/** Polarisations a radar look must have for the radar pair detector. */
export const REQUIRED_POLARISATIONS = ['vv'] as const;

/** The sensor of an acquisition (throws SourceError on a bad backscatter declaration). */
export function lookSensor(acq: Acquisition): LookSensor {
  return backscatterUnits(acq) === null ? 'optical' : 'radar';
}

/**
 * The area's processed looks up to `end` with their sensors, oldest first. A processed look passed
 * lookSensor when its chips were read, so the presence of its backscatter declaration is its sensor;
 * only that is read, not the items.
 */
export async function processedLookSensors(
  db: Queryable,
  areaId: string,
  end: string,
): Promise<{ ref: AcquisitionRef; sensor: LookSensor }[]> {
  const rows = await listProcessedWithProperty(db, areaId, end, BACKSCATTER_KEY);
  return rows.map((r) => ({ ref: r.ref, sensor: r.has ? 'radar' : 'optical' }));
}

/** The item and its files, as errors name the asset. */
export function assetName(acq: Acquisition): string {
  const files = [...new Set(Object.values(acq.assets).map((h) => h.replace(/#band=\d+$/, '')))];
  return `"${acq.itemId}" (${files.join(', ')})`;
}

/** The chips with images ready for the look's detector (see the module comment). */
export function sensorChips(acq: Acquisition, chips: readonly Chip[]): Chip[] {
  const units = backscatterUnits(acq);
  const asset = assetName(acq);
  if (units === null) {
    for (const c of chips) if (c.usable) assertOptical(c.image, asset);
    return [...chips];
  }
  return chips.map((c) => ({
    ...c,
    image: toBackscatter(c.image, { units, asset, required: REQUIRED_POLARISATIONS }),
  }));
}
