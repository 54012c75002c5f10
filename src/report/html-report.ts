/**
 * The static HTML report: one self-contained folder with `index.html` and the evidence tiles it shows
 * (copied from the evidence store into `evidence/`, a folder store). Inline CSS and SVG only; opens from
 * disk without a server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from '../store/db.ts';
import { SHA256_PATTERN, type EvidenceMediaType } from '../store/evidence-media.ts';
import type { EvidenceReader } from '../store/evidence-store.ts';
import { FileEvidenceStore } from '../store/file-evidence-store.ts';
import { InputError } from '../errors.ts';
import {
  alertFacts,
  areaCard,
  confidenceBadge,
  confirmationTag,
  evidenceTiles,
  kindTag,
  latestEvidence,
  page,
  promptList,
  statusTag,
  type Links,
} from './components.ts';
import { driftChart } from './drift-chart.ts';
import { imageExtension } from './evidence-files.ts';
import { formatDate, formatDateRange, formatDateTime, formatKm2, kindTitle, plural } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import {
  areaGrid,
  chipHistory,
  getAlert,
  listAlerts,
  listAreas,
  type AlertDetail,
  type AlertFilter,
  type AreaGrid,
  type ChipHistory,
} from '../store/read-queries.ts';

/** Options of `writeReport`. */
export interface ReportOptions {
  /** Folder to write `index.html` and `evidence/` into (created when missing). */
  outDir: string;
  /** Where the evidence the report shows is read, by hash. */
  evidence: EvidenceReader;
  /** Page title (default "driftwatch report"). */
  title?: string;
  /** Lines of plain-text summary shown under the title. */
  summary?: string[];
  /** Which alerts to include (default: all). */
  filter?: AlertFilter;
  /** Time shown as the report's generation time (default now). */
  now?: Date;
}

interface AlertSection {
  alert: AlertDetail;
  history: ChipHistory | undefined;
}

function alertCard({ alert: a, history }: AlertSection, links: Links): SafeHtml {
  const chart = history
    ? html`<div class="chart-box">
        ${driftChart(history.points, {
          id: `chart-${a.id}`,
          alertSpan: [a.firstSeen, a.lastSeen],
          label: `score and drift of chip ${history.key} over time`,
        })}
      </div>`
    : html`<p class="muted">No chip history.</p>`;
  return html`<article class="card alert-card" id="alert-${a.id}">
    <div class="alert-head">
      <h3>${kindTitle(a.kind)} in ${a.areaName}</h3>
      ${confidenceBadge(a.confidence)} ${kindTag(a.kind)} ${confirmationTag(a)} ${statusTag(a.status)}
      <span class="id">#${a.id}</span>
    </div>
    ${alertFacts(a)} ${evidenceTiles(a, links)}
    <div class="split">
      <div>
        <p class="panel-title">
          Drift over time${history ? html` · <span class="mono">${history.key}</span>` : ''}
        </p>
        ${chart}
      </div>
      <div>
        <p class="panel-title">Prompts that fired</p>
        ${promptList(a.prompts)}
        <p class="panel-title" style="margin-top:18px">Chips</p>
        <div class="chips-list">
          ${a.chips.map((c) => html`<span class="chip-link mono" title="${`score ${c.score ?? '—'}`}">${c.key}</span>`)}
        </div>
      </div>
    </div>
  </article>`;
}

function alertAnchor(id: number | undefined): string | undefined {
  return id === undefined ? undefined : `#alert-${id}`;
}

/** Copies the shown evidence into `<outDir>/evidence/` and returns the sha256s that are available. */
async function copyEvidence(
  sections: AlertSection[],
  evidence: EvidenceReader,
  outDir: string,
): Promise<Set<string>> {
  const available = new Set<string>();
  const target = join(outDir, 'evidence');
  mkdirSync(target, { recursive: true });
  const copies = new FileEvidenceStore(target);
  for (const { alert } of sections) {
    for (const e of Object.values(latestEvidence(alert.evidence))) {
      if (!imageExtension(e.mediaType) || !SHA256_PATTERN.test(e.sha256) || available.has(e.sha256)) continue;
      const stored = await evidence.get(e.sha256);
      if (!stored) continue;
      await copies.put(stored.content, stored.mediaType as EvidenceMediaType);
      available.add(e.sha256);
    }
  }
  return available;
}

/** Writes the report and returns the path of its `index.html`. */
export async function writeReport(db: Db, options: ReportOptions): Promise<string> {
  if (!options.outDir) throw new InputError(`report output folder "${options.outDir}" is empty`);
  const outDir = resolve(options.outDir);
  const title = options.title ?? 'driftwatch report';
  const now = options.now ?? new Date();

  const { areas, grids, summaries } = await db.readOnly(async (q) => {
    const areas = await listAreas(q);
    const grids = new Map<string, AreaGrid>();
    for (const area of areas) {
      const grid = await areaGrid(q, area.id);
      if (grid) grids.set(area.id, grid);
    }
    return { areas, grids, summaries: await listAlerts(q, options.filter ?? {}) };
  });
  const sections: AlertSection[] = [];
  for (const s of summaries) {
    const section = await db.readOnly(async (q) => {
      const alert = await getAlert(q, s.id);
      if (!alert) return undefined;
      const peak = alert.chips[0];
      return { alert, history: peak ? await chipHistory(q, alert.areaId, peak.key) : undefined };
    });
    if (section) sections.push(section);
  }

  mkdirSync(outDir, { recursive: true });
  const available = await copyEvidence(sections, options.evidence, outDir);
  const links: Links = {
    evidence: (sha, mediaType) =>
      available.has(sha) ? `evidence/${sha}${imageExtension(mediaType) ?? ''}` : undefined,
    alert: (id) => `#alert-${id}`,
  };

  const firstAlertOfChip = new Map<string, number>();
  for (const { alert } of sections) {
    for (const key of alert.chipKeys) {
      if (!firstAlertOfChip.has(`${alert.areaId}|${key}`))
        firstAlertOfChip.set(`${alert.areaId}|${key}`, alert.id);
    }
  }
  const alerts = sections.map((s) => s.alert);
  const open = alerts.filter((a) => a.status === 'open');
  const highest = alerts.filter((a) => a.confidence === 'highest').length;
  const km2 = alerts.reduce((sum, a) => sum + a.areaKm2, 0);
  const dates = alerts.flatMap((a) => [a.firstSeen, a.lastSeen]).sort();

  const body = html`<header class="hero">
      <div class="wrap">
        <h1>${title}</h1>
        <p class="lede">
          Generated ${formatDateTime(now.toISOString())} · ${plural(alerts.length, 'alert')} in
          ${plural(areas.length, 'area')}${
            dates.length ? html` · changes seen ${formatDateRange(dates[0]!, dates[dates.length - 1]!)}` : ''
          }
        </p>
        ${
          options.summary?.length
            ? html`<ul class="summary">
                ${options.summary.map((line) => html`<li>${line}</li>`)}
              </ul>`
            : ''
        }
      </div>
    </header>
    <main class="wrap">
      <div class="stats">
        <div class="stat">
          <div class="value">${open.length}</div>
          <div class="label">open alerts</div>
        </div>
        <div class="stat">
          <div class="value">${highest}</div>
          <div class="label">highest confidence</div>
        </div>
        <div class="stat">
          <div class="value">${formatKm2(km2)}</div>
          <div class="label">area changed</div>
        </div>
        <div class="stat">
          <div class="value">${areas.reduce((n, a) => n + a.chipCount, 0)}</div>
          <div class="label">chips watched in ${plural(areas.length, 'area')}</div>
        </div>
      </div>
      <section>
        <h2>Areas</h2>
        ${areas.length ? html`<div class="area-list">${areas.map((a) => areaCard(a, grids.get(a.id), { cellHref: (c) => alertAnchor(firstAlertOfChip.get(`${a.id}|${c.key}`)) }))}</div>` : html`<div class="card empty">No areas are watched yet.</div>`}
      </section>
      <section>
        <h2>Alerts</h2>
        ${
          alerts.length
            ? html`<div class="card">
                  <ol class="toc">
                    ${alerts.map(
                      (a) =>
                        html`<li>
                          <a href="#alert-${a.id}">${kindTitle(a.kind)} in ${a.areaName}</a>
                          ${confidenceBadge(a.confidence)} ${confirmationTag(a)}
                          <span class="muted">${formatDate(a.lastSeen)}</span>
                        </li>`,
                    )}
                  </ol>
                </div>
                ${sections.map((s) => alertCard(s, links))}`
            : html`<div class="card empty">No alerts: nothing changed beyond the baselines.</div>`
        }
      </section>
    </main>
    <footer class="foot">
      driftwatch · scores are combined change scores in [0, 1]; drift is the cosine distance of a chip's
      embedding to its baseline.
    </footer>`;

  const path = join(outDir, 'index.html');
  writeFileSync(path, page({ title, body }));
  return path;
}
