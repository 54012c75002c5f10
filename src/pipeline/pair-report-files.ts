/**
 * The `compare` command's pair report, stored: the rendered tiles (detect/pair-report.ts) and the page
 * that shows them, each put in an evidence store; a folder for `compare --out`.
 */
import type { PairComparison } from '../detect/compare-pair.ts';
import { DEFAULT_ALERT_THRESHOLD } from '../detect/detect-chip.ts';
import { pairReportPage, renderPairTiles, type PairReportFiles } from '../detect/pair-report.ts';
import type { ImageValue } from '../imagery/image.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { FileEvidenceStore } from '../store/file-evidence-store.ts';

export type { PairReportFiles } from '../detect/pair-report.ts';

/** Renders the pair's evidence and puts the tiles and the page in `store`; returns their file names. */
export async function storePairReport(
  store: EvidenceStore,
  title: string,
  before: ImageValue,
  after: ImageValue,
  cmp: PairComparison,
  threshold = DEFAULT_ALERT_THRESHOLD,
  dates: { before?: string; after?: string } = {},
): Promise<PairReportFiles> {
  const tiles = await renderPairTiles(before, after, cmp, threshold, dates);
  const b = await store.put(tiles.before.bytes, tiles.before.mediaType);
  const a = await store.put(tiles.after.bytes, tiles.after.mediaType);
  const h = await store.put(tiles.heatmap.bytes, tiles.heatmap.mediaType);
  const html = pairReportPage(title, cmp, threshold, { before: b.path, after: a.path, heatmap: h.path });
  const page = await store.put(Buffer.from(html, 'utf8'), 'text/html');
  return { before: b.path, after: a.path, heatmap: h.path, html: page.path };
}

/** Renders and writes the pair's evidence under dir (`<sha256>.<ext>` files). */
export async function writePairReport(
  dir: string,
  title: string,
  before: ImageValue,
  after: ImageValue,
  cmp: PairComparison,
  threshold = DEFAULT_ALERT_THRESHOLD,
  dates: { before?: string; after?: string } = {},
): Promise<PairReportFiles> {
  return storePairReport(new FileEvidenceStore(dir), title, before, after, cmp, threshold, dates);
}
