/**
 * The drift-over-time chart: an inline SVG with the combined score (left axis, 0–1) and the drift
 * (right axis) over acquisition dates. Unusable (cloudy) acquisitions break the lines and show as
 * hatched bands; the alert's first and last sightings are marked. No script, no external assets.
 */
import { formatDate, formatDayMonth, formatScore } from './format.ts';
import { html, raw, type SafeHtml } from './html.ts';
import type { HistoryPoint } from '../store/read-queries.ts';

/** Options of `driftChart`. */
export interface DriftChartOptions {
  /** Unique id prefix for SVG defs when several charts share a page. */
  id: string;
  /** Width of the drawing in SVG units (it scales to its container). */
  width?: number;
  /** Height in SVG units. */
  height?: number;
  /** First and last time the alert saw the change (ISO 8601), shaded and marked; omit for none. */
  alertSpan?: [string, string];
  /** Accessible description, e.g. which chip the chart shows. */
  label?: string;
}

const COLOURS = {
  score: '#4f46e5',
  drift: '#0d9488',
  alert: '#e11d48',
  cloud: '#94a3b8',
  grid: '#e2e8f0',
  text: '#64748b',
};

/** The smallest `4 × step` ≥ value with a round step, so that the four axis intervals read well. */
function niceMax(value: number): number {
  if (!(value > 0)) return 0.04;
  const quarter = value / 4;
  const exp = Math.pow(10, Math.floor(Math.log10(quarter)));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * exp >= quarter - 1e-12) return 4 * m * exp;
  return 40 * exp;
}

function fmt(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

function trimZeros(n: number): string {
  return Number(n.toPrecision(3)).toString();
}

/** Renders the chart; an empty history gives a short note instead. */
export function driftChart(points: HistoryPoint[], options: DriftChartOptions): SafeHtml {
  if (points.length === 0)
    return html`<p class="muted chart-empty">No acquisitions have observed this chip yet.</p>`;
  const W = options.width ?? 720;
  const H = options.height ?? 240;
  const m = { left: 44, right: 52, top: 34, bottom: 34 };
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const times = points.map((p) => Date.parse(p.datetime));
  const span = options.alertSpan?.map((t) => Date.parse(t)) as [number, number] | undefined;
  let t0 = Math.min(...times, ...(span ?? []));
  let t1 = Math.max(...times, ...(span ?? []));
  if (t1 - t0 < 86_400_000) {
    t0 -= 5 * 86_400_000;
    t1 += 5 * 86_400_000;
  }
  const pad = (t1 - t0) * 0.04;
  t0 -= pad;
  t1 += pad;
  const x = (t: number) => m.left + ((t - t0) / (t1 - t0)) * plotW;
  const yScore = (s: number) => m.top + (1 - Math.max(0, Math.min(1, s))) * plotH;
  const driftMax = niceMax(Math.max(0, ...points.map((p) => p.drift ?? 0)) * 1.1);
  const yDrift = (d: number) => m.top + (1 - Math.max(0, Math.min(1, d / driftMax))) * plotH;

  const parts: string[] = [];
  const id = options.id.replace(/[^A-Za-z0-9_-]/g, '-');

  // Horizontal grid with score (left) and drift (right) ticks.
  for (const s of [0, 0.25, 0.5, 0.75, 1]) {
    const y = fmt(yScore(s));
    parts.push(
      `<line x1="${m.left}" x2="${W - m.right}" y1="${y}" y2="${y}" stroke="${COLOURS.grid}" stroke-width="1"${s === 0 ? '' : ' stroke-dasharray="2 4"'}/>`,
      `<text x="${m.left - 8}" y="${y}" dy="0.32em" text-anchor="end" class="tick">${s.toFixed(2)}</text>`,
      `<text x="${W - m.right + 8}" y="${y}" dy="0.32em" text-anchor="start" class="tick drift-tick">${trimZeros(s * driftMax)}</text>`,
    );
  }

  // The alert's span: shaded between first and last sighting, with labelled rules.
  if (span) {
    const [a, b] = span;
    const xa = x(a);
    const xb = x(b);
    if (xb - xa > 1) {
      parts.push(
        `<rect x="${fmt(xa)}" y="${m.top}" width="${fmt(xb - xa)}" height="${plotH}" fill="${COLOURS.alert}" opacity="0.07"/>`,
      );
    }
    const rules: Array<[number, string, 'start' | 'end' | 'middle']> =
      xb - xa > 1
        ? [
            [xa, 'first seen', 'end'],
            [xb, 'last seen', 'start'],
          ]
        : [[xa, 'alert', 'middle']];
    for (const [xr, label, anchor] of rules) {
      const dx = anchor === 'end' ? -4 : anchor === 'start' ? 4 : 0;
      parts.push(
        `<line x1="${fmt(xr)}" x2="${fmt(xr)}" y1="${m.top - 6}" y2="${m.top + plotH}" stroke="${COLOURS.alert}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
        `<text x="${fmt(xr + dx)}" y="${m.top - 9}" text-anchor="${anchor}" class="mark">${label}</text>`,
      );
    }
  }

  // Unusable acquisitions: hatched bands with a small cloud.
  const sorted = [...times].sort((a, b) => a - b);
  let minGap = Infinity;
  for (let i = 1; i < sorted.length; i++) minGap = Math.min(minGap, sorted[i]! - sorted[i - 1]!);
  const bandW = Math.max(6, Math.min(28, Number.isFinite(minGap) ? (minGap / (t1 - t0)) * plotW * 0.55 : 18));
  for (const [i, p] of points.entries()) {
    if (p.usable && p.score !== null) continue;
    const cx = x(times[i]!);
    const why = p.usable
      ? 'not scored'
      : `cloudy or masked${p.validFraction === null ? '' : ` (${Math.round(p.validFraction * 100)} % valid)`}`;
    parts.push(
      `<g class="gap"><title>${formatDate(p.datetime)}: ${why}</title>`,
      `<rect x="${fmt(cx - bandW / 2)}" y="${m.top}" width="${fmt(bandW)}" height="${plotH}" fill="url(#${id}-hatch)"/>`,
      `<g fill="${COLOURS.cloud}" transform="translate(${fmt(cx)} ${fmt(m.top + plotH - 9)})"><circle cx="-4" cy="1" r="3.2"/><circle cx="0" cy="-2" r="4"/><circle cx="4.2" cy="1" r="3.2"/><rect x="-7" y="1" width="14" height="3.4" rx="1.7"/></g>`,
      `</g>`,
    );
  }

  // Line segments between consecutive usable acquisitions.
  const segments = (value: (p: HistoryPoint) => number | null) => {
    const out: Array<Array<[number, number]>> = [];
    let current: Array<[number, number]> = [];
    for (const [i, p] of points.entries()) {
      const v = p.usable ? value(p) : null;
      if (v === null) {
        if (current.length) out.push(current);
        current = [];
      } else current.push([times[i]!, v]);
    }
    if (current.length) out.push(current);
    return out;
  };
  for (const seg of segments((p) => p.score)) {
    const pts = seg.map(([t, s]) => `${fmt(x(t))},${fmt(yScore(s))}`);
    if (seg.length > 1) {
      const first = seg[0]!;
      const last = seg[seg.length - 1]!;
      const base = fmt(yScore(0));
      parts.push(
        `<path d="M${fmt(x(first[0]))},${base} L${pts.join(' L')} L${fmt(x(last[0]))},${base} Z" fill="url(#${id}-fill)"/>`,
        `<polyline points="${pts.join(' ')}" fill="none" stroke="${COLOURS.score}" stroke-width="2.25" stroke-linejoin="round" stroke-linecap="round"/>`,
      );
    }
  }
  for (const seg of segments((p) => p.drift)) {
    if (seg.length < 2) continue;
    const pts = seg.map(([t, d]) => `${fmt(x(t))},${fmt(yDrift(d))}`);
    parts.push(
      `<polyline points="${pts.join(' ')}" fill="none" stroke="${COLOURS.drift}" stroke-width="1.75" stroke-dasharray="5 4" stroke-linejoin="round"/>`,
    );
  }
  for (const [i, p] of points.entries()) {
    if (!p.usable) continue;
    const cx = fmt(x(times[i]!));
    const tip = `${formatDate(p.datetime)} · score ${formatScore(p.score)} · drift ${p.drift === null ? '—' : p.drift.toFixed(3)}${p.driftZ === null ? '' : ` · z ${p.driftZ.toFixed(1)}`}`;
    parts.push(`<g class="pt"><title>${tip}</title>`);
    if (p.drift !== null) {
      parts.push(`<circle cx="${cx}" cy="${fmt(yDrift(p.drift))}" r="2.5" fill="${COLOURS.drift}"/>`);
    }
    if (p.score !== null) {
      const hot = span && times[i]! >= span[0] && times[i]! <= span[1];
      parts.push(
        `<circle cx="${cx}" cy="${fmt(yScore(p.score))}" r="${hot ? 4.5 : 3.5}" fill="#fff" stroke="${hot ? COLOURS.alert : COLOURS.score}" stroke-width="2"/>`,
      );
    }
    parts.push('</g>');
  }

  // Date labels: at most seven, evenly chosen among the acquisitions, with the year when it changes.
  const step = Math.max(1, Math.ceil(points.length / 7));
  let lastYear = -1;
  for (let i = 0; i < points.length; i += step) {
    const p = points[i]!;
    const year = new Date(p.datetime).getUTCFullYear();
    const label = year !== lastYear ? `${formatDayMonth(p.datetime)} ${year}` : formatDayMonth(p.datetime);
    lastYear = year;
    parts.push(
      `<text x="${fmt(x(times[i]!))}" y="${H - m.bottom + 18}" text-anchor="middle" class="tick">${label}</text>`,
    );
  }

  // Legend.
  parts.push(
    `<g class="legend" transform="translate(${m.left} 12)">`,
    `<line x1="0" x2="16" y1="0" y2="0" stroke="${COLOURS.score}" stroke-width="2.5"/><text x="21" y="0" dy="0.32em">score</text>`,
    `<line x1="70" x2="86" y1="0" y2="0" stroke="${COLOURS.drift}" stroke-width="2" stroke-dasharray="5 3"/><text x="91" y="0" dy="0.32em">drift</text>`,
    `<rect x="134" y="-5" width="12" height="10" fill="url(#${id}-hatch)" stroke="${COLOURS.cloud}" stroke-width="0.5"/><text x="151" y="0" dy="0.32em">cloudy / unusable</text>`,
    `</g>`,
  );

  const defs =
    `<defs><pattern id="${id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
    `<rect width="6" height="6" fill="#f1f5f9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#cbd5e1" stroke-width="2.5"/></pattern>` +
    `<linearGradient id="${id}-fill" x1="0" x2="0" y1="0" y2="1"><stop offset="0" stop-color="${COLOURS.score}" stop-opacity="0.22"/>` +
    `<stop offset="1" stop-color="${COLOURS.score}" stop-opacity="0.02"/></linearGradient></defs>`;
  return html`<svg
    class="drift-chart"
    viewBox="0 0 ${W} ${H}"
    role="img"
    aria-label="${options.label ?? 'drift over time'}"
    xmlns="http://www.w3.org/2000/svg"
  >
    ${raw(defs)}${raw(parts.join(''))}
  </svg>`;
}
