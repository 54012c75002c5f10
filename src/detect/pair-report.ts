/**
 * Evidence of a compared pair: before/after renderings (true colour; images without red, green and blue
 * but with three display bands are shown in false colour in file order) under the evidence tiles'
 * shared percentile stretch, labelled with pair.json's dates where it gives them, the chip-score heat-map
 * with the chips at or above the threshold outlined, and a small HTML page. Rendering only: the files are
 * stored by pipeline/pair-report-files.ts.
 */
import type { ImageValue, RgbImage } from '../imagery/image.ts';
import { renderRgb } from '../imagery/render.ts';
import type { PairComparison } from './compare-pair.ts';
import { DEFAULT_ALERT_THRESHOLD } from './detect-chip.ts';
import { renderEvidence, type EvidenceTiles } from './evidence.ts';

/** Files stored for a pair: their names (`<sha256>.<ext>`), relative to the output folder. */
export interface PairReportFiles {
  /** Before rendering. */
  before: string;
  /** After rendering. */
  after: string;
  /** Heat-map of chip scores. */
  heatmap: string;
  /** HTML page showing them. */
  html: string;
}

/** RGB rendering of a pair image (false colour for three-band display images without RGB). */
export function renderPairImage(image: ImageValue): RgbImage {
  const rgb = ['red', 'green', 'blue'].every((b) => image.bands.includes(b));
  if (rgb || image.scale !== 'display' || image.data.length < 3) return renderRgb(image);
  const n = image.width * image.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (!image.mask[i]) continue;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round(Math.min(255, Math.max(0, image.data[c]![i]!)));
  }
  return { width: image.width, height: image.height, data };
}

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Renders the pair's before, after and heat-map tiles (chips at or above the threshold outlined on the heat-map). */
export function renderPairTiles(
  before: ImageValue,
  after: ImageValue,
  cmp: PairComparison,
  threshold = DEFAULT_ALERT_THRESHOLD,
  dates: { before?: string; after?: string } = {},
): Promise<EvidenceTiles> {
  return renderEvidence({
    before: {
      image: renderPairImage(before),
      mask: before.mask,
      label: dates.before ? `before ${dates.before}` : 'before',
    },
    after: {
      image: renderPairImage(after),
      mask: after.mask,
      label: dates.after ? `after ${dates.after}` : 'after',
    },
    heat: {
      cols: cmp.cols,
      rows: cmp.rows,
      values: cmp.chips.map((c) => (c.usable ? c.score : Number.NaN)),
      highlight: cmp.chips.map((c) => c.score >= threshold),
    },
  });
}

/** The HTML page showing the tiles (by their file names) and a table of the chips at or above the threshold. */
export function pairReportPage(
  title: string,
  cmp: PairComparison,
  threshold: number,
  files: Pick<PairReportFiles, 'before' | 'after' | 'heatmap'>,
): string {
  const rows = cmp.chips
    .filter((c) => c.score >= threshold)
    .sort((x, y) => y.score - x.score)
    .map((c) => {
      const fired = Object.entries(c.prompts)
        .filter(([, p]) => p.delta > 0)
        .map(([k, p]) => `${escape(k)} ${p.before.toFixed(2)}→${p.after.toFixed(2)}`)
        .join(', ');
      return `<tr><td>${c.x}</td><td>${c.y}</td><td>${c.score.toFixed(3)}</td><td>${c.kind}</td><td>${c.confidence ?? ''}</td><td>${c.signals.join(' ')}</td><td>${fired}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif}img{width:320px;margin:4px;vertical-align:top}td,th{padding:2px 8px;text-align:left}</style></head>
<body><h1>${escape(title)}</h1><p>model ${escape(cmp.model)}, ${cmp.size}-pixel chips, threshold ${threshold}</p>
<figure><img src="${files.before}" alt="before"><img src="${files.after}" alt="after"><img src="${files.heatmap}" alt="change heat-map"></figure>
<table><tr><th>x</th><th>y</th><th>score</th><th>kind</th><th>confidence</th><th>signals</th><th>prompts (before→after)</th></tr>
${rows}</table></body></html>\n`;
}
