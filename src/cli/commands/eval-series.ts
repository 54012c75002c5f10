import type { SeriesResult } from '../../detect/series-eval.ts';

const pct = (v: number | null) => (v === null ? '-' : `${Math.round(v * 100)} %`);

/** The series evaluation as text: one block per series. */
export function formatSeries(results: readonly SeriesResult[], chip: number): string {
  const lines: string[] = [`series evaluation, ${chip}-px chips`];
  for (const r of results) {
    lines.push('', `${r.name}: ${r.looks} looks, ${r.chips} chips, ${r.years.toFixed(2)} years`);
    const byKind = new Map<string, Record<string, number>>();
    for (const a of r.alerts) {
      const row = byKind.get(a.kind) ?? {};
      row[a.status] = (row[a.status] ?? 0) + 1;
      if (a.kind === 'vegetation-loss' && a.seasonal) row.seasonal = (row.seasonal ?? 0) + 1;
      byKind.set(a.kind, row);
    }
    if (byKind.size === 0) lines.push('  alerts: none');
    for (const [kind, row] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
      const total = (row.provisional ?? 0) + (row.confirmed ?? 0) + (row.dismissed ?? 0);
      const seasonal = kind === 'vegetation-loss' ? `, ${row.seasonal ?? 0} with a season of history` : '';
      lines.push(
        `  ${kind}: ${total} alert(s), ${(r.perSiteYear[kind] ?? 0).toFixed(2)} per site-year (${row.confirmed ?? 0} confirmed, ${row.provisional ?? 0} provisional, ${row.dismissed ?? 0} dismissed${seasonal})`,
      );
    }
    if (r.event) {
      const e = r.event;
      lines.push(
        `  event from ${e.start.slice(0, 10)}: ${e.changedChips} changed, ${e.unchangedChips} unchanged chips`,
      );
      for (const [name, s] of [
        ['detector', e.detector],
        ['seasonal baseline', e.baseline],
      ] as const) {
        lines.push(
          `  ${name.padEnd(17)} chip F1 ${s.chip.f1.toFixed(3)} (TP ${s.chip.tp} FP ${s.chip.fp} FN ${s.chip.fn})  pixel F1 ${s.pixel.f1.toFixed(3)}  median delay ${s.medianDelay ?? '-'} clear look(s), ${pct(s.withinTwoLooks)} within two`,
        );
      }
    }
  }
  return lines.join('\n');
}
