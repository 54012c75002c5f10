/** The JSON event POSTed to a webhook when an alert changes: built once per change, stored and sent as is. */

/** What changed. */
export type AlertChangeKind = 'created' | 'updated' | 'confirmed';

/** The alert as the event reports it (after the change). */
export interface AlertEventAlert {
  /** Alert id. */
  id: number;
  /** Its area. */
  areaId: string;
  /** flood, burn, vegetation-loss, construction or change. */
  kind: string;
  /** low, high or highest. */
  confidence: string;
  /** open or closed. */
  status: string;
  /** provisional, confirmed or dismissed. */
  confirmation: string;
  /** Affected area in km² (from pixels when the alert's outline is). */
  areaKm2: number;
  /** First detection (ISO 8601). */
  firstSeen: string;
  /** Last look that saw it (ISO 8601). */
  lastSeen: string;
  /** The alert's version after this change (1 when created). */
  version: number;
  /** Its outline: a GeoJSON MultiPolygon in lon/lat, or null when none is stored. */
  geometry: unknown;
}

/** One change of one alert. */
export interface AlertChangeEvent {
  /** `alert/<id>/v<version>`: the same for every subscriber, unique per change (receivers deduplicate on it). */
  id: string;
  /** `alert.created`, `alert.updated` or `alert.confirmed`. */
  type: `alert.${AlertChangeKind}`;
  /** The acquisition whose look made the change. */
  acquisition: { id: number; datetime: string };
  /** The alert after the change. */
  alert: AlertEventAlert;
  /** Where to see more, relative to the driftwatch server (`driftwatch serve`). */
  links: Array<{ rel: string; type: string; href: string }>;
}

/** The event id of an alert's version. */
export function eventId(alertId: number, version: number): string {
  return `alert/${alertId}/v${version}`;
}

/** The event of one change, with links to the viewer page, the feature (GeoJSON) and the evidence list. */
export function buildAlertEvent(
  change: AlertChangeKind,
  acquisition: { id: number; datetime: string },
  alert: AlertEventAlert,
): AlertChangeEvent {
  const id = alert.id;
  return {
    id: eventId(id, alert.version),
    type: `alert.${change}`,
    acquisition,
    alert,
    links: [
      { rel: 'alternate', type: 'text/html', href: `/alerts/${id}` },
      { rel: 'item', type: 'application/geo+json', href: `/collections/alerts/items/${id}` },
      { rel: 'evidence', type: 'application/json', href: `/api/alerts/${id}` },
    ],
  };
}
