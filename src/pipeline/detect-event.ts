/**
 * Post-event detection: one pre-event look against each post-event look, by the pair detector — the
 * most common real case (one image before a flood or a fire, one after) needs no history at all.
 *
 * - Sensor: an acquisition that declares backscatter units is a radar look (look-sensor.ts); its chips
 *   become dB backscatter and are scored by the radar pair detector (radar-pair.ts: new open water from a
 *   backscatter drop and low backscatter, per-scene cuts, permanent water left out), in the same per-chip
 *   shape and mask codes as the optical pair detector's. Optical chips holding radar are refused.
 * - Reference: among the processed acquisitions of the pre-event window of the look's sensor, the one
 *   with the most usable chips (the latest on ties), so one date's radiometry is fitted against another's.
 *   A radar look's reference chips are the temporal composite (radar-reference.ts) of the last
 *   RADAR_BASELINE_LOOKS pre-event radar looks, as monitoring's radar baseline, which divides their speckle
 *   and suppresses a transient of one look; with one pre-event radar look, that look. A post-event look
 *   without a reference of its sensor is listed, not scored.
 * - Fusion: once every look is scored, the alerting chips of optical and radar looks within the fusion
 *   window of each other (the input's fusionDays, else the area's) are compared (sensor-fusion.ts): agreement makes a chip's confidence `highest`; a radar
 *   flood no optical look could see (cloud) still alerts, its fusion evidence saying `radarOnly`.
 * - Each processed post-event acquisition: its chips and the reference's are read again from the source
 *   on the area's grid (this runs on the I/O queue, which can reach the source; the database holds no
 *   pixels), scored as one scene (pair-detector.ts) with the stored embeddings' drift and prompt deltas
 *   as corroboration, stored in event_detections, and clustered into alerts with evidence tiles, like
 *   monitoring's. Each chip's per-pixel mask (mask-codes.ts) is stored run-length encoded (mask-rle.ts).
 *   An alert's area and outline are its changed pixels over the member chips (alert-extent.ts); a cluster
 *   none of whose pixel groups reaches the area's minimum mapping unit raises no alert.
 * Idempotent: event detections upsert by (chip, pre, post), alerts by cluster key, evidence by hash.
 */
import { cosineDistance } from '../detect/baseline.ts';
import { clusterAlerts, type ChipDetection, type GridDetection } from '../detect/index.ts';
import {
  detectPairScene,
  sceneDriftZ,
  type PairChipDetection,
  type PairEvidence,
} from '../detect/pair-detector.ts';
import { encodeMask } from '../detect/mask-rle.ts';
import { detectRadarPairScene } from '../detect/radar-pair.ts';
import { checkFusionDays, fuseLooks } from '../detect/sensor-fusion.ts';
import type { Chip } from '../imagery/chip.ts';
import { readChips as defaultReadChips } from '../imagery/index.ts';
import type { EventKind } from '../domain.ts';
import type { Db } from '../store/db.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { chipIdsByKey } from '../store/chips.ts';
import { upsertEventDetections } from '../store/detections.ts';
import { observationRgbShas, usableChipCounts } from '../store/observations.ts';
import { areaPromptScores } from '../store/prompt-scores.ts';
import { areaEmbeddings } from '../store/vectors.ts';
import { getAcquisition, listProcessed, type AcquisitionRef } from './acquisitions.ts';
import { gridBox, writeAlertEvidence } from './alert-evidence.ts';
import { sceneClearImages } from '../detect/scene-clear-mask.ts';
import { neighbourCells, pixelExtent } from './alert-extent.ts';
import { areaCells, getArea } from './areas.ts';
import { upsertAlert, type AlertRef } from './detect-alerts.ts';
import type { EmbedDeps } from './embed-chips.ts';
import { lookSensor, sensorChips, type LookSensor } from './look-sensor.ts';
import { RADAR_BASELINE_LOOKS, radarReferenceChips, type ReferenceChip } from './radar-reference.ts';

/** What post-event detection needs besides the database. */
export interface EventDeps {
  /** The database. */
  db: Db;
  /** Where evidence tiles are stored and chip renderings read, by hash. */
  evidence: EvidenceStore;
  /** Chip reader (injectable for tests). */
  readChips?: EmbedDeps['readChips'];
  /** Minimum valid fraction for a chip to be usable (default 0.5). */
  minValidFraction?: number;
}

/** One post-event detection call, by reference. */
export interface DetectEventInput {
  /** The area. */
  areaId: string;
  /** The embedding model whose drift and prompt scores corroborate. */
  modelId: string;
  /** The pre-event window. */
  pre: { start: string; end: string };
  /** The post-event window. */
  post: { start: string; end: string };
  /** Alert threshold on the score (default: the detector's). */
  threshold?: number;
  /** Days within which an optical and a radar look of a chip are fused (default: the area's, 0…60). */
  fusionDays?: number;
  /** The event assessed: its own evidence scores the chips (pair-detector.ts; default: any change). */
  event?: EventKind;
}

/** A post-event look scored against its reference, before fusion and storing. */
interface ScoredLook {
  look: AcquisitionRef;
  sensor: LookSensor;
  ref: AcquisitionRef;
  /** The pre-event looks the reference composites (radar), or [ref]. */
  refLooks: AcquisitionRef[];
  chips: PairChipDetection[];
  /** Corroboration of each chip, in chip order. */
  co: ReturnType<Awaited<ReturnType<typeof corroboration>>>[];
}

/** What one post-event look gave. */
export interface EventLook {
  /** The post-event acquisition. */
  acquisition: AcquisitionRef;
  /** Its sensor: radar looks are compared with a radar reference, optical with an optical one. */
  sensor: LookSensor;
  /**
   * The pre-event reference of its sensor, or null when the pre-event window has none (nothing scored).
   * For a radar look whose reference composites several looks, the one with the most usable chips among
   * them (its detections and evidence tiles name it).
   */
  reference: AcquisitionRef | null;
  /** The pre-event looks whose composite was the reference, oldest first ([reference] for one look). */
  referenceLooks: AcquisitionRef[];
  /** Chips scored against the reference. */
  scored: number;
  /** Chips not scored: under the valid minimum in either look (cloud, no data, outside the scene). */
  unscored: number;
  /** Chips at or above the threshold. */
  changed: number;
  /** Alerts raised or updated. */
  alerts: AlertRef[];
}

/** What post-event detection did. */
export interface DetectEventResult {
  /**
   * The pre-event reference (the optical one where the window has optical and radar looks; each look's
   * own is in looks), or null when the pre-event window has no processed acquisition.
   */
  reference: AcquisitionRef | null;
  /** One entry per processed post-event acquisition. */
  looks: EventLook[];
  /** Why nothing could be compared, when nothing was. */
  reason?: string;
}

/** The pre-event acquisition with the most usable chips, the latest on ties. */
async function chooseReference(
  db: Db,
  areaId: string,
  candidates: readonly AcquisitionRef[],
): Promise<AcquisitionRef | null> {
  if (candidates.length === 0) return null;
  const usable = await usableChipCounts(
    db,
    areaId,
    candidates.map((c) => c.id),
  );
  let best = candidates[0]!;
  for (const c of candidates) if ((usable.get(c.id) ?? 0) >= (usable.get(best.id) ?? 0)) best = c;
  return best;
}

/** A sensor's pre-event reference: the look named as reference, and the looks its chips are made from. */
interface SensorReference {
  /** The look with the most usable chips (the latest on ties) among `looks`. */
  ref: AcquisitionRef;
  /** Optical: [ref]. Radar: the last RADAR_BASELINE_LOOKS pre-event radar looks, oldest first. */
  looks: AcquisitionRef[];
}

/**
 * The reference of each sensor among the pre-event acquisitions: optical, the look chooseReference picks;
 * radar, the composite of the last RADAR_BASELINE_LOOKS radar looks (radar-reference.ts), as monitoring's
 * radar baseline, named by the one chooseReference picks among them.
 */
async function sensorReferences(
  db: Db,
  areaId: string,
  preLooks: readonly AcquisitionRef[],
): Promise<Map<LookSensor, SensorReference>> {
  const bySensor = new Map<LookSensor, AcquisitionRef[]>();
  for (const l of preLooks) {
    const sensor = lookSensor(await getAcquisition(db, l.id));
    bySensor.set(sensor, [...(bySensor.get(sensor) ?? []), l]);
  }
  const out = new Map<LookSensor, SensorReference>();
  for (const [sensor, list] of bySensor) {
    if (sensor === 'radar') {
      const looks = list.slice(-RADAR_BASELINE_LOOKS);
      out.set(sensor, { ref: (await chooseReference(db, areaId, looks))!, looks });
    } else {
      const ref = (await chooseReference(db, areaId, list))!;
      out.set(sensor, { ref, looks: [ref] });
    }
  }
  return out;
}

/** Stored embeddings and prompt scores of the area's chips in two acquisitions. */
async function corroboration(db: Db, areaId: string, modelId: string, pre: number, post: number) {
  const rows = await areaEmbeddings(db, areaId, modelId, [pre, post]);
  const scores = await areaPromptScores(db, areaId, modelId, [pre, post]);
  const vec = new Map<string, { pre?: number[]; post?: number[] }>();
  for (const r of rows) {
    const e = vec.get(r.key) ?? {};
    e[r.acquisitionId === pre ? 'pre' : 'post'] = r.embedding;
    vec.set(r.key, e);
  }
  const keys = [...vec].filter(([, e]) => e.pre && e.post).map(([key]) => key);
  const drifts = keys.map((key) => cosineDistance(vec.get(key)!.pre!, vec.get(key)!.post!));
  const z = sceneDriftZ(drifts);
  const drift = new Map(keys.map((key, i) => [key, { drift: drifts[i]!, z: z[i]! }]));
  const prompts = new Map<string, { pre: Record<string, number>; post: Record<string, number> }>();
  for (const s of scores) {
    const p = prompts.get(s.key) ?? { pre: {}, post: {} };
    p[s.acquisitionId === pre ? 'pre' : 'post'][s.prompt] = s.score;
    prompts.set(s.key, p);
  }
  return (key: string) => {
    const d = drift.get(key);
    const p = prompts.get(key);
    const deltas: Record<string, number> = {};
    if (p)
      for (const [prompt, after] of Object.entries(p.post))
        if (prompt in p.pre) deltas[prompt] = after - p.pre[prompt]!;
    return {
      drift: d && Number.isFinite(d.drift) ? d.drift : null,
      driftZ: d?.z ?? null,
      promptDeltas: deltas,
    };
  };
}

/** The pair detection in the shape alert clustering takes. */
function asChipDetection(
  d: PairChipDetection,
  co: { drift: number | null; driftZ: number | null; promptDeltas: Record<string, number> },
): ChipDetection {
  return {
    score: d.score,
    drift: co.drift,
    driftZ: co.driftZ,
    promptDeltas: co.promptDeltas,
    evidence: d.evidence,
    signals: d.signals,
    kind: d.kind,
    confidence: d.confidence,
    baselineCount: d.usable ? 1 : 0,
  };
}

/** Share of a chip's valid pixels that the alert's kind counts as affected. */
export function affectedShare(kind: string, evidence: PairEvidence | Record<string, never>): number {
  const e = evidence as Partial<PairEvidence>;
  if (kind === 'flood') return e.waterFraction ?? e.changedFraction ?? 0;
  if (kind === 'burn') return e.burnFraction ?? e.changedFraction ?? 0;
  return e.changedFraction ?? 0;
}

/** Compares each post-event look with the pre-event reference (see the module comment). */
export async function detectEvent(deps: EventDeps, input: DetectEventInput): Promise<DetectEventResult> {
  const { db } = deps;
  if (input.fusionDays !== undefined) checkFusionDays(input.fusionDays, 'assessment fusion window');
  const area = await getArea(db, input.areaId);
  const preLooks = await listProcessed(db, area.id, input.pre);
  const postLooks = await listProcessed(db, area.id, input.post);
  const reference = await chooseReference(db, area.id, preLooks);
  if (!reference) {
    return {
      reference: null,
      looks: [],
      reason: `no processed acquisition in the pre-event window ${input.pre.start} … ${input.pre.end}`,
    };
  }
  if (postLooks.length === 0) {
    return {
      reference,
      looks: [],
      reason: `no processed acquisition in the post-event window ${input.post.start} … ${input.post.end}`,
    };
  }
  const read = deps.readChips ?? defaultReadChips;
  const cells = areaCells(area);
  const minValidFraction = deps.minValidFraction ?? 0.5;
  const refs = await sensorReferences(db, area.id, preLooks);
  const refChips = new Map<LookSensor, ReferenceChip[]>();
  const chipIds = await chipIdsByKey(db, area.id);
  const cellOf = new Map(cells.map((c) => [c.key, c]));
  const box = gridBox(cells);
  const looks: EventLook[] = [];
  const scoredLooks: ScoredLook[] = [];
  for (const look of postLooks) {
    const acq = await getAcquisition(db, look.id);
    const sensor = lookSensor(acq);
    const reference = refs.get(sensor);
    if (!reference) {
      looks.push({
        acquisition: look,
        sensor,
        reference: null,
        referenceLooks: [],
        scored: 0,
        unscored: cells.length,
        changed: 0,
        alerts: [],
      });
      continue;
    }
    const { ref, looks: refLooks } = reference;
    let before = refChips.get(sensor);
    if (!before) {
      const reads: Chip[][] = [];
      for (const l of refLooks) {
        const refAcq = await getAcquisition(db, l.id);
        reads.push(
          opticalClouds(
            sensor,
            sensorChips(refAcq, await read(refAcq, cells, area.grid, { minValidFraction })),
          ),
        );
      }
      before = radarReferenceChips(reads, minValidFraction);
      refChips.set(sensor, before);
    }
    const after = opticalClouds(
      sensor,
      sensorChips(acq, await read(acq, cells, area.grid, { minValidFraction })),
    );
    const byKey = new Map<string, Chip>(after.map((c) => [c.key, c]));
    const co = await corroboration(db, area.id, input.modelId, ref.id, look.id);
    const pairs = before
      .filter((b) => byKey.has(b.key) && chipIds.has(b.key))
      .map((b) => ({ b, a: byKey.get(b.key)!, co: co(b.key) }));
    const chipInputs = pairs.map((p) => ({
      key: p.b.key,
      col: p.b.col,
      row: p.b.row,
      before: p.b.image,
      after: p.a.image,
      beforeLooks: p.b.looks,
      driftZ: p.co.driftZ,
      promptDeltas: p.co.promptDeltas,
    }));
    const options = {
      threshold: input.threshold,
      minValid: minValidFraction,
      keepMasks: true,
      event: input.event,
    };
    const scene =
      sensor === 'radar' ? detectRadarPairScene(chipInputs, options) : detectPairScene(chipInputs, options);
    scoredLooks.push({ look, sensor, ref, refLooks, chips: scene.chips, co: pairs.map((p) => p.co) });
  }
  const fused = fuseLooks(
    scoredLooks.map((l) => ({ id: l.look.id, datetime: l.look.datetime, sensor: l.sensor, chips: l.chips })),
    input.fusionDays ?? area.fusionDays,
  );
  for (const [k, { look, sensor, ref, refLooks, co }] of scoredLooks.entries()) {
    const scene = { chips: fused[k]! };
    const coOf = new Map(scene.chips.map((d, i) => [d.key, co[i]!]));
    await db.transaction((tx) =>
      upsertEventDetections(
        tx,
        scene.chips.map((d) => ({
          chipId: chipIds.get(d.key)!,
          preAcquisitionId: ref.id,
          postAcquisitionId: look.id,
          usable: d.usable,
          score: d.score,
          kind: d.kind,
          confidence: d.confidence,
          changedFraction: d.usable ? (d.evidence as PairEvidence).changedFraction : null,
          evidence: {
            evidence: d.evidence,
            strengths: d.strengths,
            signals: d.signals,
            validFraction: d.validFraction,
            promptDeltas: coOf.get(d.key)?.promptDeltas ?? {},
            sensor,
            ...(d.fusion ? { fusion: d.fusion } : {}),
          },
          mask: d.mask ? encodeMask(d.mask, area.grid.chipPx, area.grid.chipPx) : null,
        })),
      ),
    );
    const grid: GridDetection[] = scene.chips.map((d, i) => ({
      key: d.key,
      col: cellOf.get(d.key)!.col,
      row: cellOf.get(d.key)!.row,
      detection: asChipDetection(d, co[i]!),
    }));
    const candidates = clusterAlerts(grid, { threshold: input.threshold });
    const alerts: AlertRef[] = [];
    if (candidates.length > 0) {
      const sha = await observationRgbShas(db, area.id, [ref.id, look.id]);
      const detectionOf = new Map(scene.chips.map((d) => [d.key, d]));
      const maskAt = new Map(
        scene.chips.flatMap((d) => {
          const cell = cellOf.get(d.key);
          return cell && d.mask ? [[`${cell.col}/${cell.row}`, d.mask] as const] : [];
        }),
      );
      for (const candidate of candidates) {
        const masks = candidate.chipKeys.flatMap((k) => {
          const mask = detectionOf.get(k)?.mask;
          const cell = cellOf.get(k)!;
          return mask ? [{ col: cell.col, row: cell.row, values: mask }] : [];
        });
        const context = neighbourCells(masks).flatMap((c) => {
          const mask = maskAt.get(`${c.col}/${c.row}`);
          return mask ? [{ col: c.col, row: c.row, values: mask }] : [];
        });
        const extent = pixelExtent(candidate.kind, masks, area.grid, area.mmuHa, context);
        if (!extent) continue; // no group of its pixels reaches the minimum mapping unit
        const alert = await upsertAlert(db, area.id, look.id, look.datetime, candidate, area.grid, extent);
        alerts.push(alert);
        await writeAlertEvidence(db, deps.evidence, {
          alertId: alert.id,
          acquisitionId: look.id,
          acquisitionDatetime: look.datetime,
          chipPx: area.grid.chipPx,
          cells: grid.map((g) => ({
            key: g.key,
            col: g.col,
            row: g.row,
            score: g.detection.score,
            before: { sha: sha.get(`${g.key}@${ref.id}`), datetime: ref.datetime },
            after: { sha: sha.get(`${g.key}@${look.id}`), datetime: look.datetime },
          })),
          members: new Set(candidate.chipKeys),
          grid: box,
        });
      }
    }
    const scored = scene.chips.filter((c) => c.usable).length;
    looks.push({
      acquisition: look,
      sensor,
      reference: ref,
      referenceLooks: refLooks,
      scored,
      unscored: cells.length - scored,
      changed: scene.chips.filter((c) => c.confidence !== null).length,
      alerts,
    });
  }
  const order = new Map(postLooks.map((l, i) => [l.id, i]));
  looks.sort((a, b) => order.get(a.acquisition.id)! - order.get(b.acquisition.id)!);
  return { reference: (refs.get('optical') ?? refs.get('radar'))?.ref ?? reference, looks };
}

/**
 * An optical look's chips with the clouds their bands show found over the area's mosaic
 * (scene-clear-mask.ts) rather than chip by chip; radar chips as they are.
 */
function opticalClouds(sensor: LookSensor, chips: Chip[]): Chip[] {
  if (sensor === 'radar') return chips;
  const images = sceneClearImages(chips);
  return chips.map((c, i) => ({ ...c, image: images[i]! }));
}
