/**
 * Chip states as GeoJSON features: each chip's square (its grid bounds through proj4 to lon/lat, exterior
 * counter-clockwise) with its latest observation — in the datetime interval when one is given, and then
 * only chips observed in it — and the highest-scoring detection signals of that acquisition.
 */
import { transformer } from '../imagery/index.ts';
import { chipStateRowPage, type ChipFeatureFilter, type ChipStateRow } from '../store/chip-feature-rows.ts';
import type { Queryable } from '../store/db.ts';

export type { ChipFeatureFilter } from '../store/chip-feature-rows.ts';

/** A chip state's properties. */
export interface ChipProperties {
  /** Chip id. */
  id: number;
  /** Grid key EPSG:<code>/<cell metres>/<col>/<row>. */
  key: string;
  /** Area id. */
  area_id: string;
  /** Grid column. */
  col: number;
  /** Grid row (grows northwards). */
  row: number;
  /** Acquisition of the state, or null when the chip was never observed. */
  acquisition_id: number | null;
  /** Its datetime (ISO 8601), or null. */
  datetime: string | null;
  /** Share of valid pixels, or null. */
  valid_fraction: number | null;
  /** Whether the look was usable, or null. */
  usable: boolean | null;
  /** Highest detection score of the acquisition over models, or null when none was scored. */
  score: number | null;
  /** Kind of change of that detection, or null. */
  kind: string | null;
  /** Its confidence, or null (below the threshold or not scored). */
  confidence: string | null;
}

/** One chip state as a GeoJSON Feature. */
export interface ChipFeature {
  /** Always Feature. */
  type: 'Feature';
  /** The chip id. */
  id: number;
  /** The chip's square. */
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
  /** Its state. */
  properties: ChipProperties;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

function toFeature(r: ChipStateRow): ChipFeature {
  const t = transformer(r.epsg, 4326);
  const [x0, y0, x1, y1] = r.bounds;
  const ring = (
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ] as const
  ).map(([x, y]): [number, number] => {
    const [lon, lat] = t(x, y);
    return [round7(lon), round7(lat)];
  });
  return {
    type: 'Feature',
    id: r.id,
    geometry: { type: 'Polygon', coordinates: [ring] },
    properties: {
      id: r.id,
      key: r.key,
      area_id: r.areaId,
      col: r.col,
      row: r.row,
      acquisition_id: r.acquisitionId,
      datetime: r.datetime,
      valid_fraction: r.validFraction,
      usable: r.usable,
      score: r.score,
      kind: r.kind,
      confidence: r.confidence,
    },
  };
}

/** One page of matching chips by id, with the number of all matching chips. */
export async function chipFeaturePage(
  q: Queryable,
  filter: ChipFeatureFilter,
  page: { limit: number; offset: number },
): Promise<{ features: ChipFeature[]; numberMatched: number }> {
  const { rows, numberMatched } = await chipStateRowPage(q, filter, page);
  return { features: rows.map(toFeature), numberMatched };
}
