/**
 * Monitoring of a radar look: radar looks are not embedded (embed-chips.ts), so the chip history's
 * embedding baseline cannot score them; each is scored instead against the chips' radar baseline.
 * - Baseline: the temporal composite (radar-composite.ts: per-pixel mean power, multi-temporal
 *   multilooking) of the last RADAR_BASELINE_LOOKS processed radar looks of the area before this one —
 *   earlier radar looks only, never optical ones (in disaster mode, those inside the pre-event window).
 *   Averaging n looks divides the speckle variance by about n; K is the optical baseline's size
 *   (DEFAULT_BASELINE_SIZE), so both read as many looks. A look without an earlier radar look is stored,
 *   not scored.
 * - Scoring: the look and the baseline are read again from the source on the area's grid (detection
 *   runs on the I/O queue; the database holds no pixels) and scored as one scene by the radar pair
 *   detector (radar-pair.ts): new open water (flood) and forest backscatter loss (vegetation loss), every
 *   cut per scene, in the optical detector's mask codes.
 * - Fusion with the optical looks within the window (monitoring-fusion.ts), as in assessment.
 * - Alerts: the alerting chips are clustered; an alert's area and outline are its changed pixels
 *   (alert-extent.ts), and a cluster none of whose pixel groups reaches the area's minimum mapping unit
 *   raises no alert. Evidence tiles: the latest baseline look's and this look's renderings.
 * - Confirmation: the look is a later look of the area's provisional alerts (of either sensor), judged
 *   against the radar baseline from before each alert's first look (confirmRadar).
 */
import { emptyDetection } from '../detect/detect-chip.ts';
import {
  clusterAlerts,
  type AlertCandidate,
  type ChipDetection,
  type GridDetection,
} from '../detect/index.ts';
import { radarComposite } from '../detect/radar-composite.ts';
import { detectRadarPairScene, type RadarPairChipInput } from '../detect/radar-pair.ts';
import type { PairChipDetection } from '../detect/pair-detector.ts';
import { band, type ImageValue } from '../imagery/image.ts';
import { readChips as defaultReadChips, type Acquisition, type GridCell } from '../imagery/index.ts';
import type { Db } from '../store/db.ts';
import { upsertChipSignals } from '../store/detections.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { observationRgbShas, observedChips, type ObservedChip } from '../store/observations.ts';
import { getAcquisition } from './acquisitions.ts';
import { gridBox, writeLookAlertsEvidence } from './alert-evidence.ts';
import { extentWithNeighbours } from './alert-extent.ts';
import { areaCells, type AreaRecord } from './areas.ts';
import { sensorChips } from './look-sensor.ts';
import { RADAR_BASELINE_LOOKS, withBands } from './radar-reference.ts';
import type { PairCheckDeps } from './monitoring-pair-check.ts';
import { fuseMonitoringLook, type SensorLook } from './monitoring-fusion.ts';
import { upsertAlert, type AlertRef } from './upsert-alert.ts';
import { advanceConfirmationsWith } from './confirm-alerts.ts';
import { provisionalAlerts } from '../store/alerts.ts';

/** Cells read per call of the chip reader (as the monitoring pair check reads). */
const READ_BATCH = 64;

/** One radar look's detection call. */
export interface RadarLookInput {
  /** The area. */
  area: AreaRecord;
  /** The look's acquisition id. */
  acquisitionId: number;
  /** The look. */
  acquisition: Acquisition;
  /** The area's processed looks with their sensors, oldest first. */
  looks: readonly SensorLook[];
  /** The embedding model whose signals rows are written (and read for fusion). */
  modelId: string;
  /** Disaster mode: the baseline is the radar looks inside this window. */
  preEvent?: { start: string; end: string };
  /** Alert threshold on the score. */
  threshold: number;
  /** Days within which optical looks are fused with the look. */
  fusionDays: number;
}

/** The look's chips as dB backscatter images with their usable flag, by key. */
async function readLook(
  read: NonNullable<PairCheckDeps['readChips']>,
  acq: Acquisition,
  cells: readonly GridCell[],
  area: AreaRecord,
  minValidFraction: number,
): Promise<Map<string, { image: ImageValue; usable: boolean }>> {
  const out = new Map<string, { image: ImageValue; usable: boolean }>();
  for (let i = 0; i < cells.length; i += READ_BATCH) {
    const chips = sensorChips(
      acq,
      await read(acq, cells.slice(i, i + READ_BATCH), area.grid, { minValidFraction }),
    );
    for (const c of chips) out.set(c.key, { image: c.image, usable: c.usable });
  }
  return out;
}

/** The radar pair detection in monitoring's per-chip shape. */
function asChipDetection(d: PairChipDetection, baselineCount: number): ChipDetection {
  return {
    score: d.score,
    drift: null,
    driftZ: null,
    promptDeltas: {},
    evidence: d.evidence,
    signals: d.signals,
    kind: d.kind,
    confidence: d.confidence,
    baselineCount: d.usable ? baselineCount : 0,
  };
}

/** Scores one radar monitoring look (see the module comment); returns the chips scored and the alerts. */
export async function detectRadarLook(
  db: Db,
  store: EvidenceStore,
  reader: PairCheckDeps,
  input: RadarLookInput,
): Promise<{ scored: number; alerts: AlertRef[] }> {
  const { area, acquisition } = input;
  const t = acquisition.datetime;
  const look = { id: input.acquisitionId, datetime: t };
  /** The last RADAR_BASELINE_LOOKS processed radar looks before `until` (inside the pre-event window). */
  const radarBefore = (until: string) =>
    input.looks
      .filter(
        (l) =>
          l.sensor === 'radar' &&
          l.ref.id !== input.acquisitionId &&
          l.ref.datetime < until &&
          (!input.preEvent ||
            (l.ref.datetime >= input.preEvent.start && l.ref.datetime <= input.preEvent.end)),
      )
      .slice(-RADAR_BASELINE_LOOKS);
  const baseline = radarBefore(t);
  // The chips the look observed; their histories are not needed (the baseline is read from the source).
  const seen = await observedChips(db, area.id, input.acquisitionId);
  const read = reader.readChips ?? defaultReadChips;
  const minValid = reader.minValidFraction ?? 0.5;
  const cells = areaCells(area);
  const reads = new Map<number, Map<string, { image: ImageValue; usable: boolean }>>();
  const readOnce = async (id: number, acq?: Acquisition) => {
    let r = reads.get(id);
    if (!r) {
      r = await readLook(read, acq ?? (await getAcquisition(db, id)), cells, area, minValid);
      reads.set(id, r);
    }
    return r;
  };
  /** The look scored as one scene against the composite of `looks`, by chip key. */
  const scoreAgainst = async (looks: readonly SensorLook[]): Promise<Map<string, PairChipDetection>> => {
    const current = await readOnce(input.acquisitionId, acquisition);
    const before = [];
    for (const l of looks) before.push(await readOnce(l.ref.id));
    const images = [...current.values(), ...before.flatMap((b) => [...b.values()])].map((v) => v.image);
    const bands = ['vv', 'vh'].filter((p) => images.every((img) => band(img, p)));
    const inputs: RadarPairChipInput[] = [];
    for (const s of seen) {
      const after = current.get(s.key);
      const composite = before.flatMap((b) => {
        const v = b.get(s.key);
        return v ? [withBands(v.image, bands)] : [];
      });
      if (!after || composite.length === 0) continue;
      inputs.push({
        key: s.key,
        col: s.col,
        row: s.row,
        before: radarComposite(composite),
        after: withBands(after.image, bands),
        beforeLooks: composite.length,
      });
    }
    const scene = detectRadarPairScene(inputs, { threshold: input.threshold, minValid, keepMasks: true });
    return new Map(scene.chips.map((d) => [d.key, d]));
  };
  const detections = new Map<string, { detection: ChipDetection; mask?: Uint8Array; usable: boolean }>();
  if (baseline.length > 0)
    for (const [key, d] of await scoreAgainst(baseline))
      detections.set(key, {
        detection: asChipDetection(d, baseline.length),
        usable: d.usable,
        ...(d.mask ? { mask: d.mask } : {}),
      });
  const keyed = seen.map((s) => ({
    key: s.key,
    usable: detections.get(s.key)?.usable ?? false,
    detection: detections.get(s.key)?.detection ?? emptyDetection(0),
  }));
  await fuseMonitoringLook(
    db,
    { id: area.id, modelId: input.modelId },
    { id: input.acquisitionId, datetime: t, sensor: 'radar' },
    input.looks,
    keyed,
    input.fusionDays,
  );
  const grid: GridDetection[] = seen.map((s, i) => ({
    key: s.key,
    col: s.col,
    row: s.row,
    detection: keyed[i]!.detection,
  }));
  await db.transaction((tx) =>
    upsertChipSignals(
      tx,
      seen.map((s, i) => ({
        chipId: s.chipId,
        acquisitionId: input.acquisitionId,
        modelId: input.modelId,
        drift: null,
        driftZ: null,
        score: keyed[i]!.detection.score,
        signals: { ...keyed[i]!.detection, sensor: 'radar' },
      })),
    ),
  );
  const raised: { candidate: AlertCandidate; ref: AlertRef }[] = [];
  const maskAt = new Map(
    grid.flatMap((g) => {
      const mask = detections.get(g.key)?.mask;
      return mask ? [[`${g.col}/${g.row}`, mask] as const] : [];
    }),
  );
  for (const candidate of clusterAlerts(grid, { threshold: input.threshold })) {
    const members = new Set(candidate.chipKeys);
    const masks = grid
      .filter((g) => members.has(g.key))
      .map((g) => ({ col: g.col, row: g.row, values: maskAt.get(`${g.col}/${g.row}`)! }));
    const extent = extentWithNeighbours(
      candidate.kind,
      masks,
      (col, row) => maskAt.get(`${col}/${row}`),
      area.grid,
      area.mmuHa,
    );
    if (!extent) continue; // no group of its pixels reaches the minimum mapping unit
    raised.push({
      candidate,
      ref: await upsertAlert(db, area.id, input.acquisitionId, t, candidate, area.grid, extent),
    });
  }
  if (raised.length > 0) {
    const last = baseline.at(-1)!.ref; // a chip alerts only against a baseline
    const shas = await observationRgbShas(db, area.id, [last.id, input.acquisitionId]);
    const shaAt = (s: ObservedChip, id: number) => shas.get(`${s.key}@${id}`);
    await writeLookAlertsEvidence(
      db,
      store,
      {
        acquisitionId: input.acquisitionId,
        acquisitionDatetime: t,
        chipPx: area.grid.chipPx,
        cells: seen.map((s, i) => ({
          key: s.key,
          col: s.col,
          row: s.row,
          score: grid[i]!.detection.score,
          before: { sha: shaAt(s, last.id), datetime: last.datetime },
          after: { sha: shaAt(s, input.acquisitionId), datetime: t },
        })),
        grid: gridBox(areaCells(area)),
      },
      raised,
    );
  }
  await confirmRadar(db, area.id, look, radarBefore, scoreAgainst);
  return { scored: seen.length, alerts: raised.map((r) => r.ref) };
}

/**
 * The look as a later look of the area's provisional alerts (confirmation.ts): it is clear for an alert
 * when at least half of the alert's chips are scored, and agrees when one of them shows the alert's kind
 * against the radar baseline from before the alert's first look, so a change that persists confirms
 * itself even where the latest looks' baseline has taken it in.
 */
async function confirmRadar(
  db: Db,
  areaId: string,
  look: { id: number; datetime: string },
  radarBefore: (until: string) => SensorLook[],
  scoreAgainst: (looks: readonly SensorLook[]) => Promise<Map<string, PairChipDetection>>,
): Promise<void> {
  const pending = await provisionalAlerts(db, areaId, look);
  const byFirst = new Map<string, Map<string, PairChipDetection>>();
  for (const a of pending) {
    if (byFirst.has(a.firstSeen)) continue;
    const base = radarBefore(a.firstSeen);
    byFirst.set(a.firstSeen, base.length > 0 ? await scoreAgainst(base) : new Map());
  }
  await advanceConfirmationsWith(db, areaId, look, (a) => {
    const chips = byFirst.get(a.firstSeen) ?? new Map<string, PairChipDetection>();
    let scored = 0;
    let agrees = false;
    for (const key of a.chipKeys) {
      const d = chips.get(key);
      if (!d?.usable) continue;
      scored++;
      if (d.confidence !== null && d.kind === a.kind) agrees = true;
    }
    return { clear: scored > 0 && scored >= a.chipKeys.length / 2, agrees };
  });
}
