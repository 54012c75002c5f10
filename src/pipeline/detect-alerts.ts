/**
 * Detection of one acquisition, in five steps: score each chip against its own baseline, reading the chip
 * series a batch of chips at a time (and, when monitoring, check alerting chips with the pair detector),
 * persist the per-chip signals, cluster the changed chips into alerts (raising or continuing them), and
 * render and store each alert's evidence; later looks then confirm or dismiss provisional alerts.
 *
 * Memory: an optical look holds one batch of chip series (at most SERIES_BATCH_STATES states, each with
 * its embedding) and, for every chip, only its detection and the hashes of its two tiles;
 * the histories that the confirmation of open provisional alerts needs are read again for those alerts'
 * chips alone. What a look holds therefore does not grow with the length of the area's history, and
 * grows with its chips by one small detection each.
 *
 * Sensors: a radar look (look-sensor.ts) is scored against the chips' radar baseline instead
 * (monitoring-radar-look.ts). An optical look's chip history, reference look and "before" tile leave the
 * radar looks out. When the area has looks of both sensors, each look's alerting chips are fused with the
 * other sensor's looks within the fusion window (monitoring-fusion.ts): the input's `fusionDays` (a
 * monitoring run's or schedule's), else the area's (`area add --fusion-days`).
 */
import {
  clusterAlerts,
  detectChip,
  type AlertCandidate,
  type ChipDetection,
  type GridDetection,
} from '../detect/index.ts';
import { DEFAULT_ALERT_THRESHOLD } from '../detect/detect-chip.ts';
import type { Db } from '../store/db.ts';
import { upsertChipSignals } from '../store/detections.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { seriesBatches, type ChipSeries } from '../store/observations.ts';
import type { Acquisition } from '../imagery/index.ts';
import { checkFusionDays } from '../detect/sensor-fusion.ts';
import { getAcquisition } from './acquisitions.ts';
import { lookSensor, processedLookSensors } from './look-sensor.ts';
import { fuseMonitoringLook, type SensorLook } from './monitoring-fusion.ts';
import { detectRadarLook } from './monitoring-radar-look.ts';
import { gridBox, writeLookAlertsEvidence, type CellImage } from './alert-evidence.ts';
import { areaCells, getArea, type AreaRecord } from './areas.ts';
import { advanceConfirmations } from './confirm-alerts.ts';
import { provisionalAlerts } from '../store/alerts.ts';
import type { ChipLook } from '../detect/confirmation-look.ts';
import type { LookCover, PairCheckSummary } from '../detect/pair-gate.ts';
import {
  LookCoverTally,
  pairCheckLook,
  type PairCheckDeps,
  type PairCheckOutcome,
} from './monitoring-pair-check.ts';
import { extentWithNeighbours, type AlertExtent } from './alert-extent.ts';
import { upsertAlert, type AlertRef } from './upsert-alert.ts';

export { upsertAlert, type AlertRef } from './upsert-alert.ts';

/** What detection reads with: the pair check's reader, and the size of a batch of chip series. */
export interface DetectDeps extends PairCheckDeps {
  /** Chips whose series one batch holds (default: seriesQueryChips of the area's looks). */
  seriesBatchChips?: number;
}

/** One detection call, by reference. */
export interface DetectInput {
  areaId: string;
  acquisitionId: number;
  modelId: string;
  /** Disaster mode: the baseline is the usable states inside this window. */
  preEvent?: { start: string; end: string };
  /** Alert threshold on the combined score (default: the detector's). */
  threshold?: number;
  /** Days within which an optical and a radar look of a chip are fused (default: the area's, 0…60). */
  fusionDays?: number;
}

export interface DetectResult {
  /** Chips scored. */
  scored: number;
  /** Alerts raised or updated. */
  alerts: AlertRef[];
  /** Monitoring only: how the pair detector checked the look's alerting detections. */
  pairCheck?: PairCheckSummary;
}

/** What the load step reads (the chip series come later, in batches). */
interface Loaded {
  area: AreaRecord;
  acquisition: Acquisition;
  /** The area's processed looks with their sensors (through the fusion window after the acquisition). */
  looks: SensorLook[];
  /** The fusion window in days: the input's, else the area's. */
  fusionDays: number;
}

/** One scored chip of the acquisition, with what its signals and evidence need (not its history). */
type ScoredChip = GridDetection & {
  chipId: number;
  usable: boolean;
  baseline: CellImage | undefined;
  current: CellImage;
};

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
 * Load: the area, the acquisition and the area's looks with their sensors. A fusion window outside 0…60
 * whole days is an InputError naming it, before anything is read.
 */
async function load(db: Db, input: DetectInput): Promise<Loaded> {
  if (input.fusionDays !== undefined) checkFusionDays(input.fusionDays, 'monitoring fusion window');
  const area = await getArea(db, input.areaId);
  const fusionDays = input.fusionDays ?? area.fusionDays;
  const acquisition = await getAcquisition(db, input.acquisitionId);
  const end = new Date(Date.parse(acquisition.datetime) + fusionDays * 86_400_000).toISOString();
  const looks = await processedLookSensors(db, area.id, end);
  return { area, acquisition, looks, fusionDays };
}

/** The chip series of the acquisition's area up to it, a batch of chips at a time (optionally only some chips). */
function batchesOf(
  db: Db,
  deps: DetectDeps,
  { area, acquisition }: Loaded,
  input: DetectInput,
  chipIds?: number[],
) {
  return seriesBatches(db, area.id, input.acquisitionId, input.modelId, acquisition.datetime, {
    ...(deps.seriesBatchChips !== undefined ? { chipsPerQuery: deps.seriesBatchChips } : {}),
    ...(chipIds ? { chipIds } : {}),
  });
}

/** The series without the states of radar looks (an optical look's history, reference and tiles). */
function opticalSeries(series: readonly ChipSeries[], looks: readonly SensorLook[]): ChipSeries[] {
  const radar = new Set(looks.filter((l) => l.sensor === 'radar').map((l) => l.ref.id));
  if (radar.size === 0) return [...series];
  return series.map((s) => ({ ...s, states: s.states.filter((st) => !radar.has(st.acquisitionId)) }));
}

/** Score: each chip seen by the acquisition against its own history (appended to `detections`). */
function score(series: readonly ChipSeries[], input: DetectInput, detections: ScoredChip[]): void {
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
      chipId: s.chipId,
      usable: current.usable,
      baseline: before && { sha: before.rgbSha256, datetime: before.datetime },
      current: { sha: current.rgbSha256, datetime: current.datetime },
    });
  }
}

/** Check (monitoring): the pair detector confirms or caps the alerting detections, in place, before they are kept. */
function check(
  db: Db,
  reader: PairCheckDeps,
  { area, acquisition }: Loaded,
  input: DetectInput,
  covers: LookCover[],
  detections: ScoredChip[],
  threshold: number,
): Promise<PairCheckOutcome> {
  const look = { id: input.acquisitionId, datetime: acquisition.datetime };
  return pairCheckLook(db, reader, area, look, covers, detections, threshold);
}

/** Persist: the per-chip signals, upserted by (chip, acquisition, model). */
async function persist(db: Db, input: DetectInput, detections: readonly ScoredChip[]): Promise<void> {
  await db.transaction((tx) =>
    upsertChipSignals(
      tx,
      detections.map((d) => ({
        chipId: d.chipId,
        acquisitionId: input.acquisitionId,
        modelId: input.modelId,
        drift: d.detection.drift,
        driftZ: d.detection.driftZ,
        score: d.detection.score,
        signals: d.detection,
      })),
    ),
  );
}

/**
 * The pixel extent of a candidate whose every chip the pair check confirmed (their masks); undefined
 * when some chip was not checked, or no group of its pixels reaches the minimum mapping unit — the
 * alert's extent is then its chips'.
 */
function checkedExtent(
  area: Loaded['area'],
  candidate: AlertCandidate,
  detections: readonly ScoredChip[],
  checked: Pick<PairCheckOutcome, 'masks' | 'sceneMasks'>,
): AlertExtent | undefined {
  const byKey = new Map(detections.map((d) => [d.key, d]));
  const members = candidate.chipKeys.map((k) => ({ d: byKey.get(k), mask: checked.masks.get(k) }));
  if (members.some((m) => !m.d || !m.mask)) return undefined;
  const chipMasks = members.map((m) => ({ col: m.d!.col, row: m.d!.row, values: m.mask! }));
  const byCell = new Map(detections.map((d) => [`${d.col}/${d.row}`, d.key]));
  const maskAt = (col: number, row: number) => {
    const key = byCell.get(`${col}/${row}`);
    return key === undefined ? undefined : checked.sceneMasks.get(key);
  };
  return extentWithNeighbours(candidate.kind, chipMasks, maskAt, area.grid, area.mmuHa) ?? undefined;
}

/** Cluster: changed chips into candidates, each raised as an alert or continuing an open one. */
async function cluster(
  db: Db,
  { area, acquisition }: Loaded,
  input: DetectInput,
  detections: readonly ScoredChip[],
  checked: Pick<PairCheckOutcome, 'masks' | 'sceneMasks'>,
): Promise<{ candidate: AlertCandidate; ref: AlertRef }[]> {
  const raised: { candidate: AlertCandidate; ref: AlertRef }[] = [];
  for (const candidate of clusterAlerts(detections, { threshold: input.threshold })) {
    const ref = await upsertAlert(
      db,
      area.id,
      input.acquisitionId,
      acquisition.datetime,
      candidate,
      area.grid,
      checkedExtent(area, candidate, detections, checked),
    );
    raised.push({ candidate, ref });
  }
  return raised;
}

/** Evidence: each alert's before, after and heat-map tiles over the area's grid, put in the store. */
async function evidenceOf(
  db: Db,
  store: EvidenceStore,
  { area, acquisition }: Loaded,
  input: DetectInput,
  detections: readonly ScoredChip[],
  raised: readonly { candidate: AlertCandidate; ref: AlertRef }[],
): Promise<void> {
  if (raised.length === 0) return;
  const cells = detections.map((d) => ({
    key: d.key,
    col: d.col,
    row: d.row,
    score: d.detection.score,
    before: d.baseline,
    after: d.current,
  }));
  await writeLookAlertsEvidence(
    db,
    store,
    {
      acquisitionId: input.acquisitionId,
      acquisitionDatetime: acquisition.datetime,
      chipPx: area.grid.chipPx,
      cells,
      grid: gridBox(areaCells(area)),
    },
    raised,
  );
}

/**
 * The chips that the confirmation of the area's open provisional alerts looks at (those alerts' chips seen
 * by the acquisition), each with its state and its earlier states, read again for those chips alone.
 */
async function confirmationChips(
  db: Db,
  deps: DetectDeps,
  loaded: Loaded,
  input: DetectInput,
  detections: readonly ScoredChip[],
): Promise<Map<string, ChipLook>> {
  const look = { id: input.acquisitionId, datetime: loaded.acquisition.datetime };
  const keys = new Set((await provisionalAlerts(db, loaded.area.id, look)).flatMap((a) => a.chipKeys));
  const chipIds = detections.filter((d) => keys.has(d.key)).map((d) => d.chipId);
  const chips = new Map<string, ChipLook>();
  if (chipIds.length === 0) return chips;
  for await (const batch of batchesOf(db, deps, loaded, input, chipIds))
    for (const s of opticalSeries(batch, loaded.looks)) {
      const state = s.states.find((st) => st.acquisitionId === input.acquisitionId);
      if (!state) continue;
      chips.set(s.key, { state, history: s.states.filter((st) => st.acquisitionId !== input.acquisitionId) });
    }
  return chips;
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
  reader: DetectDeps = {},
): Promise<DetectResult> {
  const loaded = await load(db, input);
  const threshold = input.threshold ?? DEFAULT_ALERT_THRESHOLD;
  if (lookSensor(loaded.acquisition) === 'radar') {
    return detectRadarLook(db, evidence, reader, {
      ...loaded,
      acquisitionId: input.acquisitionId,
      modelId: input.modelId,
      threshold,
      ...(input.preEvent ? { preEvent: input.preEvent } : {}),
      fusionDays: loaded.fusionDays,
    });
  }
  const { area, acquisition } = loaded;
  // Score a batch of chip series at a time, keeping each chip's detection only.
  const detections: ScoredChip[] = [];
  const covers = new LookCoverTally(input.acquisitionId);
  for await (const batch of batchesOf(db, reader, loaded, input)) {
    const series = opticalSeries(batch, loaded.looks);
    covers.add(series);
    score(series, input, detections);
  }
  const look = { id: input.acquisitionId, datetime: acquisition.datetime };
  const checked = input.preEvent
    ? undefined
    : await check(db, reader, loaded, input, covers.covers(), detections, threshold);
  const pairCheck = checked?.summary;
  if (!input.preEvent) {
    const fusable = detections.map((d) => ({ key: d.key, usable: d.usable, detection: d.detection }));
    await fuseMonitoringLook(
      db,
      { id: area.id, modelId: input.modelId },
      { ...look, sensor: 'optical' },
      loaded.looks,
      fusable,
      loaded.fusionDays,
    );
    fusable.forEach((f, i) => (detections[i]!.detection = f.detection));
  }
  await persist(db, input, detections);
  const raised = await cluster(
    db,
    loaded,
    input,
    detections,
    checked ?? { masks: new Map(), sceneMasks: new Map() },
  );
  await evidenceOf(db, evidence, loaded, input, detections, raised);
  // Later looks confirm or dismiss the provisional alerts this acquisition did not raise.
  await advanceConfirmations(
    db,
    area.id,
    look,
    await confirmationChips(db, reader, loaded, input, detections),
    threshold,
  );
  return { scored: detections.length, alerts: raised.map((r) => r.ref), ...(pairCheck ? { pairCheck } : {}) };
}
