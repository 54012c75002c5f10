/** Display formatting shared by the report and the viewer (UTC dates, fixed decimals). */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2024-06-21T10:05:32Z` → `21 Jun 2024` (UTC). */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** `2024-06-21T10:05:32Z` → `21 Jun` (UTC). */
export function formatDayMonth(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** `2024-06-21T10:05:32Z` → `2024-06-21 10:05 UTC`. */
export function formatDateTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A date range, collapsed to one date when both ends fall on the same day. */
export function formatDateRange(fromIso: string, toIso: string): string {
  return fromIso.slice(0, 10) === toIso.slice(0, 10)
    ? formatDate(fromIso)
    : `${formatDate(fromIso)} – ${formatDate(toIso)}`;
}

/** A score in [0, 1] with two decimals, or an em dash for null. */
export function formatScore(score: number | null): string {
  return score === null ? '—' : score.toFixed(2);
}

/** An area in km² with one decimal (two below 1 km²). */
export function formatKm2(km2: number): string {
  return `${km2 < 1 ? km2.toFixed(2) : km2.toFixed(1)} km²`;
}

/** A byte count as B, kB or MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** `1` → `1 chip`, `3` → `3 chips`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `vegetation-loss` → `Vegetation loss`. */
export function kindTitle(kind: string): string {
  const words = kind.replace(/[-_]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'Change';
}
