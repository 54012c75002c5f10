/**
 * Evidence tiles of one alert at one acquisition: before and after mosaics of the chip renderings around
 * the cluster (its bounding box plus one cell, inside the area) with the cluster's cells outlined, and the
 * change heat-map over the area's grid. Each tile records the dates of the imagery it shows. The chip
 * renderings are read from, and the tiles written to, the evidence store (by hash), so this runs on any
 * machine that reaches the database.
 */
import sharp from 'sharp';
import { renderEvidence, type EvidencePhoto, type PixelRect } from '../detect/index.ts';
import { EVIDENCE_MAX_SIDE } from '../detect/evidence.ts';
import { EvidenceError } from '../errors.ts';
import { insertAlertEvidence, type AlertEvidenceRow } from '../store/alert-evidence.ts';
import type { Queryable } from '../store/db.ts';
import type { EvidenceReader, EvidenceStore } from '../store/evidence-store.ts';
import { mosaicBox, type CellBox } from './mosaic-box.ts';

/** Grey of mosaic cells that have no rendering. */
const BLANK = [40, 40, 40] as const;

/** One chip's rendering on one date. */
export interface CellImage {
  /** sha256 of the chip's RGB PNG in the evidence store, or null when none was stored. */
  sha: string | null | undefined;
  /** When it was taken (ISO 8601). */
  datetime: string;
}

/** One chip of the area as the evidence sees it. */
export interface EvidenceCell {
  /** Chip key. */
  key: string;
  /** Grid column. */
  col: number;
  /** Grid row (grows northwards). */
  row: number;
  /** Combined change score at this acquisition. */
  score: number;
  /** The rendering shown in the before tile, or undefined when the chip has no usable earlier state. */
  before: CellImage | undefined;
  /** The rendering at this acquisition. */
  after: CellImage;
}

/** What writeAlertEvidence needs. */
export interface AlertEvidenceInput {
  /** The alert. */
  alertId: number;
  /** The acquisition that raised or updated it. */
  acquisitionId: number;
  /** Its datetime (ISO 8601). */
  acquisitionDatetime: string;
  /** Pixels per chip side in the area's grid. */
  chipPx: number;
  /** Every scored chip of the area. */
  cells: EvidenceCell[];
  /** Keys of the alert's chips. */
  members: ReadonlySet<string>;
  /** The area's whole grid: its first column, last (northern) row, and size. */
  grid: { minCol: number; maxRow: number; cols: number; rows: number };
}

/** writeAlertEvidence for each alert a look raised or updated, over the same cells and grid. */
export async function writeLookAlertsEvidence(
  db: Queryable,
  evidence: EvidenceStore,
  look: Omit<AlertEvidenceInput, 'alertId' | 'members'>,
  raised: readonly { candidate: { chipKeys: readonly string[] }; ref: { id: number } }[],
): Promise<void> {
  for (const { candidate, ref } of raised)
    await writeAlertEvidence(db, evidence, {
      ...look,
      alertId: ref.id,
      members: new Set(candidate.chipKeys),
    });
}

/** The box of grid cells that evidence heat-maps cover: first column, last (northern) row and size. */
export function gridBox(cells: readonly { col: number; row: number }[]): AlertEvidenceInput['grid'] {
  const cols = cells.map((c) => c.col);
  const rows = cells.map((c) => c.row);
  const minCol = Math.min(...cols);
  const maxRow = Math.max(...rows);
  return { minCol, maxRow, cols: Math.max(...cols) - minCol + 1, rows: maxRow - Math.min(...rows) + 1 };
}

/** `YYYY-MM-DD` of an ISO datetime (UTC). */
function day(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

/** `2024-04-01`, or `2024-03-01 to 2024-04-01` when the dates differ by day. */
export function dayRange(from: string, to: string): string {
  return day(from) === day(to) ? day(from) : `${day(from)} to ${day(to)}`;
}

/** A mosaic with its validity mask, the outlines of the members and the dates it shows. */
export interface Mosaic extends EvidencePhoto {
  /** Datetimes of the renderings it shows, sorted. */
  dates: string[];
  /** The grid cells it shows. */
  box: CellBox;
}

/** One cell offered to cellMosaic. */
export interface MosaicCell {
  /** Grid column. */
  col: number;
  /** Grid row (grows northwards). */
  row: number;
  /** Its rendering, if any. */
  image: CellImage | undefined;
  /** Whether it belongs to the alert (outlined; the mosaic is their bounding box plus one cell). */
  member: boolean;
}

/**
 * Mosaics the chip renderings of the cells around the members at cellPx = chipPx, or less so that the
 * mosaic fits EVIDENCE_MAX_SIDE. Pixels that are pure black (masked in the chip rendering) and cells
 * without a rendering (drawn grey) are invalid: they do not count towards the stretch.
 */
export async function cellMosaic(
  evidence: EvidenceReader,
  cells: readonly MosaicCell[],
  chipPx: number,
): Promise<Mosaic> {
  const members = cells.filter((c) => c.member);
  const box = mosaicBox(cells, members);
  const { left, top, cols: nCols, rows: nRows } = box;
  const shown = cells.filter(
    (c) => c.col >= left && c.col < left + nCols && c.row <= top && c.row > top - nRows,
  );
  const cellPx = Math.max(1, Math.min(chipPx, Math.floor(EVIDENCE_MAX_SIDE / Math.max(nCols, nRows))));
  const width = nCols * cellPx;
  const height = nRows * cellPx;
  const data = new Uint8Array(width * height * 3);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) data.set(BLANK, i * 3); // cells outside the area stay blank
  const place = (c: { col: number; row: number }) => ({
    x: (c.col - left) * cellPx,
    y: (top - c.row) * cellPx,
  }); // rows grow northwards
  const dates: string[] = [];
  await Promise.all(
    shown.map(async (c) => {
      const sha = c.image?.sha;
      if (!sha) return;
      const stored = await evidence.get(sha);
      if (!stored) {
        throw new EvidenceError(
          `chip rendering ${sha} (cell ${c.col},${c.row}) is missing from ${evidence.description}`,
        );
      }
      const px = await sharp(stored.content)
        .resize(cellPx, cellPx)
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer();
      dates.push(c.image!.datetime);
      const { x, y } = place(c);
      for (let j = 0; j < cellPx; j++) {
        for (let i = 0; i < cellPx; i++) {
          const s = (j * cellPx + i) * 3;
          const d = (y + j) * width + x + i;
          data.set(px.subarray(s, s + 3), d * 3);
          mask[d] = px[s]! | px[s + 1]! | px[s + 2]! ? 1 : 0;
        }
      }
    }),
  );
  const outline: PixelRect[] = members.map((m) => ({ ...place(m), width: cellPx, height: cellPx }));
  return { image: { width, height, data }, mask, outline, dates: dates.sort(), box };
}

/** The label and dates of a tile showing imagery of `dates`. */
function dated(kind: 'before' | 'after', dates: readonly string[]) {
  if (dates.length === 0) return { label: `${kind} (no imagery)`, from: null, to: null };
  const from = dates[0]!;
  const to = dates[dates.length - 1]!;
  return { label: `${kind} ${dayRange(from, to)}`, from, to };
}

/** Renders the alert's tiles, stores them by hash and links them to the alert with their dates. */
export async function writeAlertEvidence(
  db: Queryable,
  evidence: EvidenceStore,
  input: AlertEvidenceInput,
): Promise<void> {
  const { cells, members, grid } = input;
  const before = await cellMosaic(
    evidence,
    cells.map((c) => ({ col: c.col, row: c.row, image: c.before, member: members.has(c.key) })),
    input.chipPx,
  );
  const after = await cellMosaic(
    evidence,
    cells.map((c) => ({ col: c.col, row: c.row, image: c.after, member: members.has(c.key) })),
    input.chipPx,
  );
  const beforeDates = dated('before', before.dates);
  const afterDates = dated('after', after.dates);
  const n = grid.cols * grid.rows;
  const values = new Array<number>(n).fill(Number.NaN);
  const highlight = new Array<boolean>(n).fill(false);
  for (const c of cells) {
    const i = (grid.maxRow - c.row) * grid.cols + (c.col - grid.minCol);
    values[i] = c.score;
    highlight[i] = members.has(c.key);
  }
  const tiles = await renderEvidence({
    before: { ...before, label: beforeDates.label },
    after: { ...after, label: afterDates.label },
    heat: {
      cols: grid.cols,
      rows: grid.rows,
      values,
      highlight,
      title: `change score ${day(input.acquisitionDatetime)}`,
    },
  });
  const written = [
    { kind: 'before', tile: tiles.before, from: beforeDates.from, to: beforeDates.to, box: before.box },
    { kind: 'after', tile: tiles.after, from: afterDates.from, to: afterDates.to, box: after.box },
    {
      kind: 'heatmap',
      tile: tiles.heatmap,
      from: input.acquisitionDatetime,
      to: input.acquisitionDatetime,
      box: undefined,
    },
  ] as const;
  const rows: AlertEvidenceRow[] = [];
  for (const { kind, tile, from, to, box } of written) {
    const file = await evidence.put(tile.bytes, tile.mediaType);
    rows.push({
      alertId: input.alertId,
      acquisitionId: input.acquisitionId,
      kind,
      sha256: file.sha256,
      imagedFrom: from,
      imagedTo: to,
      cellBox: box ? [box.left, box.top, box.cols, box.rows] : null,
    });
  }
  await insertAlertEvidence(db, rows);
}
