/** The one stylesheet of the report and the viewer, inlined into every page (no external assets). */
export const STYLES = `
:root {
  --bg: #f5f6fa; --card: #ffffff; --text: #0f172a; --muted: #64748b; --line: #e2e8f0; --soft: #f1f5f9;
  --accent: #4f46e5; --accent-soft: #eef2ff; --teal: #0d9488; --rose: #e11d48;
  --radius: 14px; --shadow: 0 1px 2px rgba(15, 23, 42, .05), 0 4px 16px rgba(15, 23, 42, .06);
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.5;
  font: 15px/1.5 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1, h2, h3 { line-height: 1.2; margin: 0; letter-spacing: -0.01em; }
h2 { font-size: 1.25rem; margin: 0 0 .9rem; }
h3 { font-size: 1.05rem; }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .85em; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
main.wrap { padding-top: 24px; padding-bottom: 48px; }

/* Top bar (viewer) and hero (report) */
.topbar { background: #0f172a; color: #e2e8f0; }
.topbar .wrap { display: flex; align-items: center; gap: 28px; height: 56px; }
.brand { display: flex; align-items: center; gap: 10px; color: #fff; font-weight: 700; font-size: 1.05rem; }
.brand:hover { text-decoration: none; }
.brand-mark { width: 22px; height: 22px; border-radius: 6px;
  background: conic-gradient(from 200deg, #6366f1, #14b8a6, #f59e0b, #e11d48, #6366f1); }
.topbar nav { display: flex; gap: 18px; }
.topbar nav a { color: #cbd5e1; font-weight: 500; }
.topbar nav a.active, .topbar nav a:hover { color: #fff; text-decoration: none; }
.topbar .db { margin-left: auto; color: #94a3b8; font-size: .8rem; }
.hero { background: radial-gradient(1200px 400px at 10% -20%, #6366f1 0%, transparent 60%),
  radial-gradient(900px 400px at 100% 0%, #0d9488 0%, transparent 55%), #111827; color: #fff; padding: 44px 0 36px; }
.hero h1 { font-size: 2.1rem; }
.hero .lede { color: #cbd5e1; margin-top: 8px; }
.hero ul.summary { margin: 18px 0 0; padding: 0; list-style: none; display: grid; gap: 6px; max-width: 820px; }
.hero ul.summary li { padding-left: 22px; position: relative; color: #e2e8f0; }
.hero ul.summary li::before { content: ""; position: absolute; left: 4px; top: .6em; width: 8px; height: 8px;
  border-radius: 50%; background: #5eead4; }
.page-title { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; margin-bottom: 18px; }
.page-title h1 { font-size: 1.6rem; }

/* Cards, stats */
.card { background: var(--card); border-radius: var(--radius); box-shadow: var(--shadow); padding: 20px 22px; }
section { margin-top: 28px; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 14px; margin-top: -22px; }
.stat { background: var(--card); border-radius: var(--radius); box-shadow: var(--shadow); padding: 14px 18px; }
.stat .value { font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.stat .label { color: var(--muted); font-size: .85rem; }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }

/* Badges and tags */
.badge { display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px; border-radius: 999px;
  font-size: .75rem; font-weight: 700; letter-spacing: .04em; text-transform: uppercase; white-space: nowrap; }
.badge::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.conf-highest { background: #ffe4e6; color: #be123c; }
.conf-high { background: #ffedd5; color: #c2410c; }
.conf-low { background: #e2e8f0; color: #475569; }
.tag { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: .8rem; font-weight: 600;
  background: var(--soft); color: #334155; white-space: nowrap; }
.kind-flood { background: #dbeafe; color: #1d4ed8; }
.kind-burn { background: #fee2e2; color: #b91c1c; }
.kind-vegetation-loss { background: #dcfce7; color: #15803d; }
.kind-construction { background: #fef3c7; color: #b45309; }
.kind-change { background: #ede9fe; color: #6d28d9; }
.confirm-provisional { background: #fef9c3; color: #a16207; }
.confirm-confirmed { background: #dcfce7; color: #15803d; }
.confirm-dismissed { background: #f1f5f9; color: #64748b; }
.status-closed { background: #f1f5f9; color: #64748b; }

/* Alert list */
.alert-list { display: grid; gap: 12px; }
.alert-row { display: grid; grid-template-columns: 84px 1fr auto; gap: 16px; align-items: center;
  background: var(--card); border-radius: var(--radius); box-shadow: var(--shadow); padding: 12px 16px 12px 12px;
  color: inherit; border: 1px solid transparent; transition: border-color .15s, transform .15s; }
a.alert-row:hover { text-decoration: none; border-color: #c7d2fe; transform: translateY(-1px); }
.thumb { width: 84px; height: 84px; border-radius: 10px; object-fit: cover; background: var(--soft); display: block; }
.thumb-none { display: grid; place-items: center; color: var(--muted); font-size: .75rem; }
.alert-row .title { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; font-weight: 600; }
.alert-row .meta { color: var(--muted); font-size: .88rem; margin-top: 4px; }
.alert-row .score { text-align: right; }
.score-big { font-size: 1.5rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.score-bar { width: 96px; height: 6px; border-radius: 3px; background: var(--soft); overflow: hidden; margin-top: 4px; }
.score-bar > span { display: block; height: 100%; border-radius: 3px; }

/* Alert card / detail */
.alert-card { margin-top: 20px; scroll-margin-top: 16px; }
.alert-head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.alert-head h3, .alert-head h1 { margin-right: 6px; }
.alert-head .id { color: var(--muted); font-weight: 500; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 26px; margin: 12px 0 4px; color: var(--muted); font-size: .9rem; }
.facts b { color: var(--text); font-weight: 600; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 14px; margin-top: 16px; }
.tile { margin: 0; }
.tile img, .tile .missing { width: 100%; aspect-ratio: 1; object-fit: contain; border-radius: 12px; display: block;
  background: var(--soft); box-shadow: inset 0 0 0 1px rgba(15, 23, 42, .06); }
.tile img.heat { image-rendering: auto; }
.tile-frame { position: relative; }
.tile-frame svg.overlay { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; }
.tile-frame svg.overlay path { fill: rgba(255, 214, 10, .18); fill-rule: evenodd; stroke: #ffd60a;
  stroke-width: 1.5px; vector-effect: non-scaling-stroke; }
.tile .missing { display: grid; place-items: center; color: var(--muted); font-size: .85rem; text-align: center; padding: 12px; }
.tile figcaption { display: flex; justify-content: space-between; margin-top: 6px; font-size: .85rem; }
.tile figcaption b { font-weight: 600; }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(260px, 340px); gap: 22px; margin-top: 18px; }
@media (max-width: 860px) { .split { grid-template-columns: 1fr; } }
.panel-title { font-size: .78rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted);
  font-weight: 700; margin: 0 0 10px; }
.prompts { display: grid; gap: 10px; }
.prompt .row { display: flex; justify-content: space-between; gap: 12px; font-size: .9rem; }
.prompt .bar { height: 8px; border-radius: 4px; background: var(--soft); overflow: hidden; margin-top: 4px; }
.prompt .bar > span { display: block; height: 100%; border-radius: 4px;
  background: linear-gradient(90deg, #818cf8, #4f46e5); }
.chips-list { display: flex; flex-wrap: wrap; gap: 6px; }
.chips-list a, .chips-list span { font-size: .78rem; }
.chip-link { padding: 2px 8px; border-radius: 6px; background: var(--soft); color: #334155; }
.chip-link.active { background: var(--accent); color: #fff; }

/* Charts and grid maps */
.drift-chart { width: 100%; height: auto; display: block; overflow: visible; }
.drift-chart .tick { font-size: 11px; fill: #64748b; }
.drift-chart .drift-tick { fill: #0d9488; }
.drift-chart .mark { font-size: 11px; fill: #e11d48; font-weight: 600; }
.drift-chart .legend text { font-size: 11.5px; fill: #334155; }
.chart-box { background: #fcfcfe; border: 1px solid var(--line); border-radius: 12px; padding: 10px 10px 4px; }
.grid-map { margin: 0; }
.grid-map svg { width: 100%; height: auto; display: block; }
.grid-map .cell { stroke: rgba(15, 23, 42, .06); stroke-width: .5; }
.grid-map .cell-alert { stroke: #be123c; stroke-width: 1.6; }
.grid-map .cell-selected { stroke: #0f172a; stroke-width: 2.2; }
.grid-map a:hover .cell { stroke: #4f46e5; stroke-width: 2; }
.grid-legend { display: flex; align-items: center; gap: 8px; margin-top: 10px; font-size: .78rem; color: var(--muted); flex-wrap: wrap; }
.grid-legend .ramp { width: 80px; height: 8px; border-radius: 4px; }
.legend-key { display: inline-flex; align-items: center; gap: 5px; margin-left: 6px; white-space: nowrap; }
.swatch { width: 12px; height: 12px; border-radius: 3px; display: inline-block; }
.swatch-alert { border: 2px solid #be123c; }
.swatch-none { background: #f8fafc; border: 1px solid #e2e8f0; }
.area-list { display: grid; gap: 16px; }
.area-card { display: grid; grid-template-columns: minmax(240px, 1fr) minmax(0, 1.6fr); gap: 28px; align-items: start; }
@media (max-width: 760px) { .area-card { grid-template-columns: 1fr; } }
.area-card h3 { font-size: 1.2rem; margin-bottom: 4px; }
.area-card .grid-map { justify-self: center; width: 100%; }

/* Filters, tables, notes */
form.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; background: var(--card);
  border-radius: var(--radius); box-shadow: var(--shadow); padding: 14px 16px; margin-bottom: 16px; }
form.filters label { display: grid; gap: 4px; font-size: .78rem; color: var(--muted); font-weight: 600; }
form.filters select, form.filters input { font: inherit; font-size: .9rem; padding: 6px 10px; border-radius: 8px;
  border: 1px solid #cbd5e1; background: #fff; color: var(--text); min-width: 130px; }
form.filters button { font: inherit; font-weight: 600; padding: 7px 16px; border-radius: 8px; border: 0;
  background: var(--accent); color: #fff; cursor: pointer; }
form.filters .reset { align-self: center; font-size: .88rem; }
table.kv { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.kv th { text-align: left; color: var(--muted); font-weight: 500; padding: 5px 12px 5px 0; white-space: nowrap; vertical-align: top; }
table.kv td { padding: 5px 18px 5px 0; }
.empty { text-align: center; padding: 40px; color: var(--muted); }
.toc { columns: 2 280px; padding-left: 18px; margin: 0; }
.toc li { margin: 3px 0; break-inside: avoid; }
footer.foot { color: var(--muted); font-size: .82rem; padding: 28px 0 40px; text-align: center; }
.error-page { text-align: center; padding: 80px 20px; }
.error-page .code { font-size: 3rem; font-weight: 800; color: #c7d2fe; }
`;
