/** The viewer's HTML pages: overview, alert list with filters, alert detail, area grid, errors. */
import {
  alertFacts,
  alertRow,
  areaCard,
  confidenceBadge,
  confirmationTag,
  evidenceTiles,
  kindTag,
  tileDate,
  page,
  promptList,
  statusTag,
  type Links,
} from '../report/components.ts';
import { alertOverlay } from '../report/alert-overlay.ts';
import { driftChart } from '../report/drift-chart.ts';
import {
  formatBytes,
  formatDate,
  formatDateTime,
  formatKm2,
  formatScore,
  kindTitle,
  plural,
} from '../report/format.ts';
import { imageExtension } from '../report/evidence-files.ts';
import { gridMap } from '../report/grid-map.ts';
import { html, type SafeHtml } from '../report/html.ts';
import {
  CONFIDENCE_LEVELS,
  type AlertDetail,
  type AlertSummary,
  type AreaGrid,
  type AreaSummary,
  type ChipHistory,
} from '../store/read-queries.ts';
import { filterQuery } from './filters.ts';

/** The extension of evidence URLs of a media type (`.webp`, `.png`, `.jpg`, `.html`; none for others). */
export function evidenceExtension(mediaType: string): string {
  return imageExtension(mediaType) ?? (mediaType.toLowerCase() === 'text/html' ? '.html' : '');
}

/** Links of the viewer's routes. */
export const viewerLinks: Required<Links> = {
  evidence: (sha, mediaType) => `/evidence/${sha}${evidenceExtension(mediaType)}`,
  alert: (id) => `/alerts/${id}`,
  area: (id) => `/areas/${encodeURIComponent(id)}`,
  alertChip: (id, key) => `/alerts/${id}?chip=${encodeURIComponent(key)}`,
};

function areaChipHref(areaId: string, key: string): string {
  return `${viewerLinks.area(areaId)}?chip=${encodeURIComponent(key)}`;
}

/** Which section of the top bar is active, and what to show at its right. */
export interface Chrome {
  /** Active navigation entry. */
  active: 'overview' | 'alerts' | 'none';
  /** Where the data comes from (shown in the top bar). */
  source: string;
}

function topbar(chrome: Chrome): SafeHtml {
  const item = (href: string, label: string, key: Chrome['active']) =>
    html`<a href="${href}" class="${chrome.active === key ? 'active' : ''}">${label}</a>`;
  return html`<header class="topbar">
    <div class="wrap">
      <a class="brand" href="/"><span class="brand-mark"></span>driftwatch</a>
      <nav>${item('/', 'Overview', 'overview')}${item('/alerts', 'Alerts', 'alerts')}</nav>
      <span class="db" title="database">${chrome.source}</span>
    </div>
  </header>`;
}

function shell(title: string, chrome: Chrome, body: SafeHtml): string {
  return page({
    title: `${title} · driftwatch`,
    header: topbar(chrome),
    body: html`<main class="wrap">${body}</main>`,
  });
}

function chartBox(history: ChipHistory | undefined, alert?: AlertDetail, width?: number): SafeHtml {
  if (!history) return html`<p class="muted">No chip selected.</p>`;
  return html`<div class="chart-box">
      ${driftChart(history.points, {
        id: `chart-${history.chipId}`,
        width,
        alertSpan: alert ? [alert.firstSeen, alert.lastSeen] : undefined,
        label: `score and drift of chip ${history.key} over time`,
      })}
    </div>
    <p class="muted" style="font-size:.8rem;margin:6px 2px 0">
      Model <span class="mono">${history.modelId ?? '—'}</span> ·
      ${plural(history.points.length, 'acquisition')}, ${history.points.filter((p) => !p.usable).length}
      unusable
    </p>`;
}

/** `/`: areas with their grids and the latest alerts. */
export function overviewPage(data: {
  areas: AreaSummary[];
  grids: Map<string, AreaGrid>;
  alerts: AlertSummary[];
  chrome: Chrome;
}): string {
  const open = data.alerts.filter((a) => a.status === 'open');
  const latest = data.alerts.slice(0, 6);
  const body = html`<div class="page-title">
      <h1>Overview</h1>
      <span class="muted"
        >${plural(data.areas.length, 'area')} watched · ${plural(open.length, 'open alert')}</span
      >
    </div>
    <div class="stats" style="margin-top:0">
      <div class="stat">
        <div class="value">${open.length}</div>
        <div class="label">open alerts</div>
      </div>
      <div class="stat">
        <div class="value">${open.filter((a) => a.confidence === 'highest').length}</div>
        <div class="label">highest confidence</div>
      </div>
      <div class="stat">
        <div class="value">${formatKm2(open.reduce((s, a) => s + a.areaKm2, 0))}</div>
        <div class="label">area changed (open)</div>
      </div>
      <div class="stat">
        <div class="value">${data.areas.reduce((n, a) => n + a.chipCount, 0)}</div>
        <div class="label">chips watched</div>
      </div>
    </div>
    <section>
      <h2>Latest alerts</h2>
      ${latest.length ? html`<div class="alert-list">${latest.map((a) => alertRow(a, viewerLinks))}</div>` : html`<div class="card empty">No alerts yet.</div>`}
      ${data.alerts.length > latest.length ? html`<p><a href="/alerts">All ${data.alerts.length} alerts →</a></p>` : ''}
    </section>
    <section>
      <h2>Areas</h2>
      ${
        data.areas.length
          ? html`<div class="area-list">
              ${data.areas.map((a) =>
                areaCard(a, data.grids.get(a.id), {
                  href: viewerLinks.area(a.id),
                  cellHref: (c) => areaChipHref(a.id, c.key),
                }),
              )}
            </div>`
          : html`<div class="card empty">
              No areas yet. Add one with <span class="mono">driftwatch area add</span>.
            </div>`
      }
    </section>`;
  return shell('Overview', { ...data.chrome, active: 'overview' }, body);
}

function select(name: string, label: string, current: string, options: Array<[string, string]>): SafeHtml {
  return html`<label
    >${label}<select name="${name}">
      ${options.map(
        ([value, text]) =>
          html`<option value="${value}" ${value === current ? ' selected' : ''}>${text}</option>`,
      )}
    </select></label
  >`;
}

/** `/alerts`: the filter form and the matching alerts. */
export function alertsPage(data: {
  alerts: AlertSummary[];
  areas: AreaSummary[];
  facets: { kinds: string[]; prompts: string[] };
  params: URLSearchParams;
  chrome: Chrome;
}): string {
  const p = (name: string) => data.params.get(name)?.trim() ?? '';
  const filtered = filterQuery(data.params) !== '';
  const form = html`<form class="filters" method="get" action="/alerts">
    ${select('area', 'Area', p('area'), [['', 'All areas'], ...data.areas.map((a) => [a.id, a.name] as [string, string])])}
    <label>Last seen from<input type="date" name="from" value="${p('from')}" /></label>
    <label>to<input type="date" name="to" value="${p('to')}" /></label>
    ${select('confidence', 'Confidence', p('confidence'), [
      ['', 'Any'],
      ...CONFIDENCE_LEVELS.map(
        (c) => [c, c === 'highest' ? 'highest only' : `${c} or higher`] as [string, string],
      ),
    ])}
    ${select('kind', 'Kind', p('kind'), [['', 'All kinds'], ...data.facets.kinds.map((k) => [k, k] as [string, string])])}
    <label
      >Prompt<input
        type="search"
        name="prompt"
        value="${p('prompt')}"
        placeholder="e.g. flooded"
        list="prompt-list"
    /></label>
    <datalist id="prompt-list">
      ${data.facets.prompts.map((x) => html`<option value="${x}"></option>`)}
    </datalist>
    <button type="submit">Filter</button>
    ${filtered ? html`<a class="reset" href="/alerts">Clear</a>` : ''}
  </form>`;
  const body = html`<div class="page-title">
      <h1>Alerts</h1>
      <span class="muted" id="alert-count"
        >${plural(data.alerts.length, filtered ? 'matching alert' : 'alert')}</span
      >
    </div>
    ${form}
    ${
      data.alerts.length
        ? html`<div class="alert-list">${data.alerts.map((a) => alertRow(a, viewerLinks))}</div>`
        : html`<div class="card empty">No alerts match these filters.</div>`
    }`;
  return shell('Alerts', { ...data.chrome, active: 'alerts' }, body);
}

/** `/alerts/:id`: tiles, drift history of one of its chips, where it lies, prompts and files. */
export function alertPage(data: {
  alert: AlertDetail;
  history: ChipHistory | undefined;
  grid: AreaGrid | undefined;
  chrome: Chrome;
}): string {
  const a = data.alert;
  const selected = data.history?.key;
  const evidenceRows = a.evidence.map(
    (e) =>
      html`<tr>
        <th>${e.kind}</th>
        <td>${tileDate(e)}</td>
        <td class="mono">
          <a href="${viewerLinks.evidence(e.sha256, e.mediaType)}">${e.sha256.slice(0, 12)}…</a>
        </td>
        <td class="muted">${formatBytes(e.bytes)}</td>
      </tr>`,
  );
  const body = html`<p style="margin:0 0 10px"><a href="/alerts">← All alerts</a></p>
    <article class="card">
      <div class="alert-head">
        <h1 style="font-size:1.5rem">
          ${kindTitle(a.kind)} in <a href="${viewerLinks.area(a.areaId)}">${a.areaName}</a>
        </h1>
        ${confidenceBadge(a.confidence)} ${kindTag(a.kind)} ${confirmationTag(a)} ${statusTag(a.status)}
        <span class="id">#${a.id}</span>
      </div>
      ${alertFacts(a)}
      ${evidenceTiles(a, viewerLinks, (e) =>
        alertOverlay(a.geometry, a.chipKeys, data.grid?.cells ?? [], e.cellBox),
      )}
      <p class="downloads">
        Download:
        <a
          href="/collections/alerts/items/${a.id}"
          type="application/geo+json"
          download="${`alert-${a.id}.geojson`}"
          >GeoJSON</a
        >
        · <a href="/alerts/${a.id}.csv" type="text/csv" download="${`alert-${a.id}.csv`}">CSV</a>
      </p>
      <div class="split">
        <div>
          <p class="panel-title">
            Drift over time${selected ? html` · <span class="mono">${selected}</span>` : ''}
          </p>
          ${chartBox(data.history, a)}
          <p class="panel-title" style="margin-top:18px">Chips of this alert</p>
          <div class="chips-list">
            ${a.chips.map(
              (c) =>
                html`<a
                  class="chip-link mono${c.key === selected ? ' active' : ''}"
                  href="${viewerLinks.alertChip(a.id, c.key)}"
                  title="${`score ${formatScore(c.score)}`}"
                  >${c.key}</a
                >`,
            )}
          </div>
        </div>
        <div>
          <p class="panel-title">Where</p>
          ${data.grid ? gridMap(data.grid, { highlight: new Set(a.chipKeys), selectedKey: selected, cellHref: (c) => (a.chipKeys.includes(c.key) ? viewerLinks.alertChip(a.id, c.key) : areaChipHref(a.areaId, c.key)), maxWidth: 340 }) : ''}
          <p class="panel-title" style="margin-top:18px">Prompts that fired</p>
          ${promptList(a.prompts)}
        </div>
      </div>
    </article>
    <section class="card">
      <p class="panel-title">Details</p>
      <table class="kv">
        <tr>
          <th>First seen</th>
          <td>${formatDateTime(a.firstSeen)}</td>
          <th>Last seen</th>
          <td>${formatDateTime(a.lastSeen)}</td>
        </tr>
        <tr>
          <th>Area</th>
          <td>${formatKm2(a.areaKm2)}</td>
          <th>Score</th>
          <td>${formatScore(a.score)}</td>
        </tr>
      </table>
      <p class="panel-title" style="margin-top:16px">Evidence files</p>
      ${
        a.evidence.length
          ? html`<table class="kv" style="width:auto">
              ${evidenceRows}
            </table>`
          : html`<p class="muted">None.</p>`
      }
      <p class="muted" style="font-size:.8rem;margin-top:12px">
        JSON: <a class="mono" href="/api/alerts/${a.id}">/api/alerts/${a.id}</a>
      </p>
    </section>`;
  return shell(`Alert #${a.id}`, { ...data.chrome, active: 'alerts' }, body);
}

/** `/areas/:id`: the grid of latest scores, one chip's history, and the area's alerts. */
export function areaPage(data: {
  area: AreaSummary;
  grid: AreaGrid;
  history: ChipHistory | undefined;
  alerts: AlertSummary[];
  chrome: Chrome;
}): string {
  const a = data.area;
  const body = html`<p style="margin:0 0 10px"><a href="/">← Overview</a></p>
    <div class="page-title">
      <h1>${a.name}</h1>
      <span class="muted mono">${a.id} · EPSG:${a.epsg}</span>
    </div>
    <div class="split" style="margin-top:0">
      <article class="card">
        <p class="panel-title">
          Latest score per
          chip${data.grid.modelId ? html` · <span class="mono">${data.grid.modelId}</span>` : ''}
        </p>
        ${gridMap(data.grid, { cellHref: (c) => areaChipHref(a.id, c.key), selectedKey: data.history?.key, maxWidth: 640, cellPx: 64 })}
      </article>
      <article class="card">
        <p class="panel-title">Area</p>
        <table class="kv">
          <tr>
            <th>Chips</th>
            <td>${a.chipCount}</td>
          </tr>
          <tr>
            <th>Acquisitions</th>
            <td>${a.acquisitionCount}</td>
          </tr>
          <tr>
            <th>Latest</th>
            <td>${a.lastAcquisition ? formatDate(a.lastAcquisition) : '—'}</td>
          </tr>
          <tr>
            <th>Open alerts</th>
            <td>${a.openAlertCount}</td>
          </tr>
        </table>
      </article>
    </div>
    <section class="card">
      <p class="panel-title">
        Drift over time${data.history ? html` · <span class="mono">${data.history.key}</span>` : ''}
      </p>
      ${data.history ? chartBox(data.history, undefined, 1040) : html`<p class="muted">Pick a chip on the map to see its history.</p>`}
    </section>
    <section>
      <h2>Alerts in ${a.name}</h2>
      ${data.alerts.length ? html`<div class="alert-list">${data.alerts.map((x) => alertRow(x, viewerLinks))}</div>` : html`<div class="card empty">No alerts in this area.</div>`}
    </section>`;
  return shell(a.name, { ...data.chrome, active: 'overview' }, body);
}

/** An error page with the status code and a message. */
export function errorPage(status: number, message: string, chrome: Chrome): string {
  const body = html`<div class="error-page">
    <div class="code">${status}</div>
    <h1>${message}</h1>
    <p><a href="/">Back to the overview</a></p>
  </div>`;
  return shell(String(status), chrome, body);
}
