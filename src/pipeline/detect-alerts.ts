import {
  clusterAlerts,
  detectChip,
  matchAlert,
  type AlertCandidate,
  type ChipDetection,
  type ChipState,
  type GridDetection,
} from '../detect/index.ts';
import type { Db, Queryable } from '../store/db.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { parseVector } from '../store/vectors.ts';
import { DEFAULT_ALERT_THRESHOLD } from '../detect/detect-chip.ts';
import { getAcquisition } from './acquisitions.ts';
import { gridBox, writeAlertEvidence, type CellImage } from './alert-evidence.ts';
import { chipExtent, type AlertExtent } from './alert-extent.ts';
import { advanceConfirmations } from './confirm-alerts.ts';
import { recordAlertChange } from '../notify/alert-changes.ts';
import {
  lookCovers,
  pairCheckLook,
  type PairCheckDeps,
  type PairCheckSummary,
} from './monitoring-pair-check.ts';
import type { GridSpec } from '../imagery/index.ts';
import { areaCells, getArea } from './areas.ts';

/** One detection call, by reference. */
export interface DetectInput {
  areaId: string;
  acquisitionId: number;
  modelId: string;
  /** Disaster mode: the baseline is the usable states inside this window. */
  preEvent?: { start: string; end: string };
  /** Alert threshold on the combined score (default: the detector's). */
  threshold?: number;
}

/** An alert raised or updated by one acquisition. */
export interface AlertRef {
  id: number;
  kind: string;
  confidence: string;
  chipKeys: string[];
  /** true when this acquisition raised it, false when it updated an open alert. */
  created: boolean;
}

export interface DetectResult {
  /** Chips scored. */
  scored: number;
  /** Alerts raised or updated. */
  alerts: AlertRef[];
  /** Monitoring only: how the pair detector checked the look's alerting detections. */
  pairCheck?: PairCheckSummary;
}

interface StateRow {
  chip_id: number;
  key: string;
  col: number;
  row: number;
  acquisition_id: number;
  datetime: Date;
  usable: boolean;
  valid_fraction: number;
  stats: Record<string, number>;
  rgb_sha256: string | null;
  embedding: string | null;
  prompts: Record<string, number> | null;
}

interface ChipSeries {
  chipId: number;
  key: string;
  col: number;
  row: number;
  states: Array<ChipState & { rgbSha256: string | null }>;
}

/** Every chip's states up to and including the acquisition (processed acquisitions and this one). */
async function loadSeries(
  db: Queryable,
  areaId: string,
  acquisitionId: number,
  modelId: string,
  until: string,
) {
  const { rows } = await db.query<StateRow>(
    `SELECT c.id AS chip_id, c.key, c.col, c."row", o.acquisition_id, a.datetime, o.usable, o.valid_fraction, o.stats,
            o.rgb_sha256, e.embedding::text AS embedding,
            (SELECT jsonb_object_agg(p.prompt, p.score) FROM prompt_scores p
              WHERE p.chip_id = o.chip_id AND p.acquisition_id = o.acquisition_id AND p.model_id = $3) AS prompts
       FROM observations o
       JOIN chips c ON c.id = o.chip_id
       JOIN acquisitions a ON a.id = o.acquisition_id
       JOIN area_acquisitions aa ON aa.area_id = c.area_id AND aa.acquisition_id = o.acquisition_id
       LEFT JOIN embeddings e ON e.chip_id = o.chip_id AND e.acquisition_id = o.acquisition_id AND e.model_id = $3
      WHERE c.area_id = $1 AND a.datetime <= $4 AND (aa.status = 'processed' OR o.acquisition_id = $2)
      ORDER BY c.id, a.datetime`,
    [areaId, acquisitionId, modelId, until],
  );
  const byChip = new Map<number, ChipSeries>();
  for (const r of rows) {
    let series = byChip.get(r.chip_id);
    if (!series) {
      series = { chipId: r.chip_id, key: r.key, col: r.col, row: r.row, states: [] };
      byChip.set(r.chip_id, series);
    }
    series.states.push({
      acquisitionId: r.acquisition_id,
      datetime: new Date(r.datetime).toISOString(),
      usable: r.usable,
      validFraction: r.valid_fraction,
      embedding: r.embedding ? parseVector(r.embedding) : null,
      prompts: r.prompts ?? {},
      stats: r.stats,
      rgbSha256: r.rgb_sha256,
    });
  }
  return [...byChip.values()];
}

/** Among the last few usable states, the clearest (fewest masked pixels), newest first on ties: the "before" tile. */
function beforeState<T extends { usable: boolean; validFraction: number }>(
  history: readonly T[],
): T | undefined {
  const recent = history.filter((h) => h.usable).slice(-4);
  let best: T | undefined;
  for (const h of recent) if (!best || h.validFraction >= best.validFraction) best = h;
  return best;
}

/**
 * Scores every chip of the acquisition against its own baseline, stores the per-chip signals, groups
 * changed chips into alerts (updating an open alert the cluster continues), and writes evidence tiles.
 * Idempotent: signals upsert by (chip, acquisition, model), alerts by (area, cluster key), evidence by hash.
 */
export async function detectAcquisition(
  db: Db,
  evidence: EvidenceStore,
  input: DetectInput,
  reader: PairCheckDeps = {},
): Promise<DetectResult> {
  const area = await getArea(db, input.areaId);
  const acquisition = await getAcquisition(db, input.acquisitionId);
  const series = await loadSeries(db, area.id, input.acquisitionId, input.modelId, acquisition.datetime);
  const detections: (GridDetection & {
    series: ChipSeries;
    baseline: CellImage | undefined;
    current: CellImage;
    state: ChipState;
  })[] = [];
  for (const s of series) {
    const current = s.states.find((st) => st.acquisitionId === input.acquisitionId);
    if (!current) continue;
    const history = s.states.filter((st) => st.acquisitionId !== input.acquisitionId);
    const detection: ChipDetection = detectChip(current, history, {
      preEvent: input.preEvent,
      threshold: input.threshold,
    });
    const before = beforeState(history.filter((h) => !input.preEvent || h.datetime <= input.preEvent.end));
    detections.push({
      key: s.key,
      col: s.col,
      row: s.row,
      detection,
      series: s,
      baseline: before && { sha: before.rgbSha256, datetime: before.datetime },
      current: { sha: current.rgbSha256, datetime: current.datetime },
      state: current,
    });
  }
  const threshold = input.threshold ?? DEFAULT_ALERT_THRESHOLD;
  const pairCheck = input.preEvent
    ? undefined
    : await pairCheckLook(
        db,
        reader,
        area,
        { id: input.acquisitionId, datetime: acquisition.datetime },
        lookCovers(
          series.flatMap((s) => s.states),
          series.length,
          input.acquisitionId,
        ),
        detections,
        threshold,
      );
  await db.transaction(async (tx) => {
    for (const d of detections) {
      await tx.query(
        `INSERT INTO chip_signals (chip_id, acquisition_id, model_id, drift, drift_z, score, signals)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (chip_id, acquisition_id, model_id) DO UPDATE
           SET drift = EXCLUDED.drift, drift_z = EXCLUDED.drift_z, score = EXCLUDED.score, signals = EXCLUDED.signals`,
        [
          d.series.chipId,
          input.acquisitionId,
          input.modelId,
          d.detection.drift,
          d.detection.driftZ,
          d.detection.score,
          JSON.stringify(d.detection),
        ],
      );
    }
  });
  const candidates = clusterAlerts(detections, { threshold: input.threshold });
  const alerts: AlertRef[] = [];
  const cells = areaCells(area);
  const grid = gridBox(cells);
  for (const candidate of candidates) {
    const ref = await upsertAlert(
      db,
      area.id,
      input.acquisitionId,
      acquisition.datetime,
      candidate,
      area.grid,
    );
    alerts.push(ref);
    await writeAlertEvidence(db, evidence, {
      alertId: ref.id,
      acquisitionId: input.acquisitionId,
      acquisitionDatetime: acquisition.datetime,
      chipPx: area.grid.chipPx,
      cells: detections.map((d) => ({
        key: d.key,
        col: d.col,
        row: d.row,
        score: d.detection.score,
        before: d.baseline,
        after: d.current,
      })),
      members: new Set(candidate.chipKeys),
      grid,
    });
  }
  // Later looks confirm or dismiss the provisional alerts this acquisition did not raise.
  await advanceConfirmations(
    db,
    area.id,
    { id: input.acquisitionId, datetime: acquisition.datetime },
    new Map(
      detections.map((d) => [
        d.key,
        { state: d.state, history: d.series.states.filter((s) => s.acquisitionId !== input.acquisitionId) },
      ]),
    ),
    threshold,
  );
  return { scored: detections.length, alerts, ...(pairCheck ? { pairCheck } : {}) };
}

const RANK = { low: 0, high: 1, highest: 2 } as const;

/**
 * Raises the candidate as a new alert, or updates the open alert it continues (same kind, overlapping or
 * adjacent chips). With a pixel extent (a post-event pair detection: changed pixels over the minimum mapping
 * unit) its area and outline are the extent's, and an update keeps whichever of the stored and the new
 * extent is larger; without one, its area is its chips times the cell area and its outline the union of its
 * chips' squares (alert-extent.ts) — unless its outline is from pixels already: a chip-level look adds its
 * chips to the alert but keeps the pixels' area and outline, which it cannot measure.
 */
export async function upsertAlert(
  db: Db,
  areaId: string,
  acquisitionId: number,
  datetime: string,
  candidate: AlertCandidate,
  grid: GridSpec,
  extent?: AlertExtent,
): Promise<AlertRef> {
  const cellKm2 = ((grid.chipPx * grid.resolutionM) / 1000) ** 2;
  return db.transaction(async (tx) => {
    const { rows: open } = await tx.query<{
      id: number;
      kind: string;
      chip_keys: string[];
      confidence: 'low' | 'high' | 'highest';
      score: number;
      prompts: Record<string, number>;
      first_acquisition_id: number;
    }>(
      `SELECT id, kind, chip_keys, confidence, score, prompts, first_acquisition_id FROM alerts WHERE area_id = $1 AND status = 'open'`,
      [areaId],
    );
    const matchId = matchAlert(
      candidate,
      open.map((o) => ({ id: o.id, kind: o.kind, chipKeys: o.chip_keys })),
    );
    const existing = open.find((o) => o.id === matchId);
    let ref: AlertRef;
    if (existing && existing.first_acquisition_id !== acquisitionId) {
      const chipKeys = [...new Set([...existing.chip_keys, ...candidate.chipKeys])].sort();
      const confidence =
        RANK[candidate.confidence] > RANK[existing.confidence] ? candidate.confidence : existing.confidence;
      const prompts = { ...existing.prompts };
      for (const [p, s] of Object.entries(candidate.prompts)) prompts[p] = Math.max(prompts[p] ?? 0, s);
      await tx.query(
        `UPDATE alerts SET chip_keys = $2, confidence = $3, score = GREATEST(score, $4),
                area_km2 = CASE WHEN $9::boolean THEN GREATEST(area_km2, $5)
                                WHEN geometry_source = 'pixels' THEN area_km2 ELSE $5 END, prompts = $6,
                last_acquisition_id = $7, last_seen = GREATEST(last_seen, $8::timestamptz), updated_at = now()
          WHERE id = $1`,
        [
          existing.id,
          chipKeys,
          confidence,
          candidate.score,
          extent?.km2 ?? chipKeys.length * cellKm2,
          JSON.stringify(prompts),
          acquisitionId,
          datetime,
          extent !== undefined,
        ],
      );
      ref = { id: existing.id, kind: existing.kind, confidence, chipKeys, created: false };
    } else {
      // The same acquisition raising the same cluster again (a retry, or assessment after monitoring)
      // merges its chips into the alert; a repeat with the same chips changes nothing.
      const { rows } = await tx.query<{ id: number; created: boolean; chip_keys: string[] }>(
        `INSERT INTO alerts (area_id, cluster_key, kind, confidence, score, chip_keys, area_km2, prompts,
                             first_acquisition_id, last_acquisition_id, first_seen, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $10)
         ON CONFLICT (area_id, cluster_key) DO UPDATE
           SET chip_keys = ARRAY(SELECT k FROM unnest(alerts.chip_keys || EXCLUDED.chip_keys) AS k
                                 GROUP BY k ORDER BY k COLLATE "C"),
               area_km2 = CASE WHEN NOT $11::boolean AND alerts.geometry_source = 'pixels' THEN alerts.area_km2
                               ELSE GREATEST(alerts.area_km2, EXCLUDED.area_km2) END
         RETURNING id, (xmax = 0) AS created, chip_keys`,
        [
          areaId,
          candidate.clusterKey,
          candidate.kind,
          candidate.confidence,
          candidate.score,
          candidate.chipKeys,
          extent?.km2 ?? candidate.chipKeys.length * cellKm2,
          JSON.stringify(candidate.prompts),
          acquisitionId,
          datetime,
          extent !== undefined,
        ],
      );
      ref = {
        id: rows[0]!.id,
        kind: candidate.kind,
        confidence: candidate.confidence,
        chipKeys: rows[0]!.chip_keys,
        created: rows[0]!.created,
      };
    }
    await storeExtent(tx, ref, extent ?? chipExtent(ref.chipKeys, grid));
    // One recorded change (and one queued event per subscription) per alert and acquisition, retries included.
    await recordAlertChange(tx, {
      alertId: ref.id,
      acquisitionId,
      phase: 'detection',
      change: ref.created ? 'created' : 'updated',
    });
    return ref;
  });
}

/**
 * Writes the alert's outline. A pixel extent replaces the stored one when it is at least as large (the
 * alert's area is the larger of the two) or when the stored one is from chips, and sets the area to its
 * own; a chip extent is written over a chip extent only (a monitoring look never replaces the pixels of an
 * assessment).
 */
async function storeExtent(tx: Queryable, ref: AlertRef, extent: AlertExtent): Promise<void> {
  const pixels = extent.source === 'pixels';
  await tx.query(
    `UPDATE alerts SET geometry = $2, bbox = $3, geometry_source = $4, burn_severity_km2 = $5,
            area_km2 = CASE WHEN $6::boolean THEN $7 ELSE area_km2 END
      WHERE id = $1 AND (geometry_source IS NULL OR geometry_source = 'chips'
                         OR ($6::boolean AND area_km2 <= $7))`,
    [
      ref.id,
      JSON.stringify(extent.geometry),
      extent.bbox,
      extent.source,
      extent.burnSeverityKm2 ? JSON.stringify(extent.burnSeverityKm2) : null,
      pixels,
      extent.km2,
    ],
  );
}
