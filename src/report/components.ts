/** Pieces of markup shared by the static report and the viewer: badges, alert rows, evidence tiles, prompts. */
import { scoreColour } from './colour-scale.ts';
import { formatDate, formatDateRange, formatKm2, formatScore, plural } from './format.ts';
import { gridMap } from './grid-map.ts';
import { html, raw, type SafeHtml } from './html.ts';
import type {
  AlertDetail,
  AlertEvidence,
  AlertSummary,
  AreaGrid,
  AreaSummary,
  Confidence,
  GridCell,
  PromptScore,
} from '../store/read-queries.ts';
import { FIRED_PROMPT_MIN } from '../store/read-queries.ts';
import { STYLES } from './styles.ts';

/** How pages link to evidence, alerts and chips (relative files in the report, routes in the viewer). */
export interface Links {
  /** URL of an evidence file of `mediaType` (e.g. image/webp), or undefined when it cannot be shown. */
  evidence(sha256: string, mediaType: string): string | undefined;
  /** URL of an alert. */
  alert(id: number): string;
  /** URL of an area, where there is one. */
  area?(areaId: string): string;
  /** URL of an alert's view of one of its chips, where there is one. */
  alertChip?(alertId: number, key: string): string;
}

export function confidenceBadge(confidence: Confidence): SafeHtml {
  return html`<span class="badge conf-${confidence}" title="confidence">${confidence}</span>`;
}

export function kindTag(kind: string): SafeHtml {
  const cls = /^[a-z][a-z-]*$/.test(kind) ? ` kind-${kind}` : '';
  return html`<span class="tag${cls}">${kind}</span>`;
}

export function statusTag(status: 'open' | 'closed'): SafeHtml | '' {
  return status === 'closed' ? html`<span class="tag status-closed">closed</span>` : '';
}

/** The alert's confirmation status (provisional, confirmed, dismissed) as a tag. */
export function confirmationTag(a: Pick<AlertSummary, 'confirmation' | 'looks'>): SafeHtml {
  const title = `${a.looks.agreeing} of ${a.looks.clear} later clear look(s) agreed`;
  return html`<span class="tag confirm-${a.confirmation}" title="${title}">${a.confirmation}</span>`;
}

export function scoreBlock(score: number): SafeHtml {
  return html`<div class="score-big">${formatScore(score)}</div>
    <div class="score-bar">
      <span
        style="width:${Math.round(Math.max(0, Math.min(1, score)) * 100)}%;background:${scoreColour(score)}"
      ></span>
    </div>`;
}

/** One row of the alert list, linking to the alert. */
export function alertRow(a: AlertSummary, links: Links): SafeHtml {
  const src = a.thumbnailSha256
    ? links.evidence(a.thumbnailSha256, a.thumbnailMediaType ?? 'image/png')
    : undefined;
  const thumb = src
    ? html`<img class="thumb" src="${src}" alt="${`latest evidence of alert ${a.id}`}" loading="lazy" />`
    : html`<div class="thumb thumb-none">no tile</div>`;
  const top = a.prompts[0];
  return html`<a class="alert-row" href="${links.alert(a.id)}" data-alert-id="${a.id}">
    ${thumb}
    <div>
      <div class="title">
        ${confidenceBadge(a.confidence)} ${kindTag(a.kind)} <span>${a.areaName}</span>
        <span class="muted">#${a.id}</span> ${confirmationTag(a)} ${statusTag(a.status)}
      </div>
      <div class="meta">
        ${formatDateRange(a.firstSeen, a.lastSeen)} · ${formatKm2(a.areaKm2)} ·
        ${plural(a.chipKeys.length, 'chip')}${top ? html` · “${top.prompt}” ${formatScore(top.score)}` : ''}
      </div>
    </div>
    <div class="score">${scoreBlock(a.score)}</div>
  </a>`;
}

/** Key facts of an alert as a line of labelled values. */
export function alertFacts(a: AlertSummary): SafeHtml {
  return html`<div class="facts">
    <span>Seen <b>${formatDateRange(a.firstSeen, a.lastSeen)}</b></span>
    <span
      >Status <b>${a.confirmation}</b> (${a.looks.agreeing} of ${a.looks.clear} later clear
      look${a.looks.clear === 1 ? '' : 's'} agreed)</span
    >
    <span>Area <b>${formatKm2(a.areaKm2)}</b></span>
    <span>Chips <b>${a.chipKeys.length}</b></span>
    <span>Score <b>${formatScore(a.score)}</b></span>
    <span>Status <b>${a.status}</b></span>
  </div>`;
}

/** The latest evidence file of each kind. */
export function latestEvidence(
  evidence: AlertEvidence[],
): Partial<Record<'before' | 'after' | 'heatmap', AlertEvidence>> {
  const out: Partial<Record<'before' | 'after' | 'heatmap', AlertEvidence>> = {};
  for (const e of evidence) {
    if (e.kind === 'page') continue;
    const prev = out[e.kind];
    if (!prev || e.datetime >= prev.datetime) out[e.kind] = e;
  }
  return out;
}

const TILE_TITLES = { before: 'Before', after: 'After', heatmap: 'Change heat map' } as const;

/** The dates a tile shows: its imagery's range, or the acquisition's date where no range was recorded. */
export function tileDate(e: AlertEvidence): string {
  if (e.imaged) return formatDateRange(e.imaged.from, e.imaged.to);
  return e.kind === 'before' ? 'date not recorded' : formatDate(e.datetime);
}

/** Before, after and heat-map tiles of an alert (the latest of each kind). */
export function evidenceTiles(
  a: AlertDetail,
  links: Links,
  overlay: (e: AlertEvidence) => SafeHtml | '' = () => '',
): SafeHtml {
  const latest = latestEvidence(a.evidence);
  const kinds = (['before', 'after', 'heatmap'] as const).filter((k) => latest[k]);
  if (kinds.length === 0) return html`<p class="muted">No evidence tiles were stored for this alert.</p>`;
  return html`<div class="tiles">
    ${kinds.map((k) => {
      const e = latest[k]!;
      const src = e.mediaType.startsWith('image/') ? links.evidence(e.sha256, e.mediaType) : undefined;
      const img = src
        ? html`<img
            class="${k === 'heatmap' ? 'heat' : ''}"
            src="${src}"
            alt="${`${TILE_TITLES[k]} tile of alert ${a.id}, ${tileDate(e)}`}"
            data-kind="${k}"
          />`
        : html`<div class="missing">
            ${TILE_TITLES[k]} tile unavailable<br /><span class="mono">${e.sha256.slice(0, 12)}…</span>
          </div>`;
      // The outline goes over the before and after mosaics (the heat-map covers the whole area).
      const outline = src && k !== 'heatmap' ? overlay(e) : '';
      return html`<figure class="tile">
        ${outline ? html`<div class="tile-frame">${img}${outline}</div>` : img}
        <figcaption><b>${TILE_TITLES[k]}</b><span class="muted">${tileDate(e)}</span></figcaption>
      </figure>`;
    })}
  </div>`;
}

/** Prompt scores that rose noticeably (≥ PROMPT_SHOWN) over the baseline, as bars. */
export const PROMPT_SHOWN = FIRED_PROMPT_MIN;

/** Prompts that fired, with their scores as bars. */
export function promptList(all: PromptScore[]): SafeHtml {
  const prompts = all.filter((p) => p.score >= PROMPT_SHOWN);
  if (prompts.length === 0) return html`<p class="muted">No prompt fired.</p>`;
  return html`<div class="prompts">
    ${prompts.map(
      (p) =>
        html`<div class="prompt">
          <div class="row"><span>${p.prompt}</span><b>${formatScore(p.score)}</b></div>
          <div class="bar">
            <span style="width:${Math.round(Math.max(0, Math.min(1, p.score)) * 100)}%"></span>
          </div>
        </div>`,
    )}
  </div>`;
}

/** An area with its counts beside its grid map; cells link where `cellHref` says. */
export function areaCard(
  area: AreaSummary,
  grid: AreaGrid | undefined,
  options: { href?: string; cellHref?: (cell: GridCell) => string | undefined } = {},
): SafeHtml {
  const name = options.href ? html`<a href="${options.href}">${area.name}</a>` : area.name;
  return html`<article class="card area-card">
    <div>
      <h3>${name}</h3>
      <div class="mono muted">${area.id} · EPSG:${area.epsg} · ${area.cellM / 1000} km cells</div>
      <table class="kv" style="margin-top:12px">
        <tr>
          <th>Chips</th>
          <td>${area.chipCount}</td>
        </tr>
        <tr>
          <th>Acquisitions</th>
          <td>${area.acquisitionCount}</td>
        </tr>
        <tr>
          <th>Latest</th>
          <td>${area.lastAcquisition ? formatDate(area.lastAcquisition) : '—'}</td>
        </tr>
        <tr>
          <th>Open alerts</th>
          <td>
            ${area.openAlertCount}${area.alertCount > area.openAlertCount ? html` <span class="muted">(${area.alertCount} in all)</span>` : ''}
          </td>
        </tr>
        <tr>
          <th>Bounds</th>
          <td class="mono">${area.bbox.map((v) => v.toFixed(3)).join(', ')}</td>
        </tr>
      </table>
    </div>
    ${grid ? gridMap(grid, { cellHref: options.cellHref }) : ''}
  </article>`;
}

/** A complete HTML page with the inline stylesheet. */
export function page(options: { title: string; body: SafeHtml; header?: SafeHtml }): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title}</title>
        <link rel="icon" href="data:," />
        <style>
          ${raw(STYLES)}
        </style>
      </head>
      <body>
        ${options.header ?? ''} ${options.body}
      </body>
    </html> `.value;
}
