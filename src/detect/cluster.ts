/**
 * Alerts from one acquisition's chip detections: chips with score ≥ threshold are grouped into
 * 8-connected clusters on the grid (col, row). A cluster's kind is the kind of its highest-scoring chip,
 * its confidence the highest among its chips, its score the maximum, and its prompts the largest delta
 * of each prompt over its chips. clusterKey = `<kind>:<smallest chip key>` (string order).
 */
import { CONFIDENCE_RANK } from '../domain.ts';
import { DEFAULT_ALERT_THRESHOLD } from './detect-chip.ts';
import type { ChangeKind, ChipDetection, Confidence } from './detect-types.ts';

/** One chip's detection with its place on the grid. */
export interface GridDetection {
  /** Stable chip key `EPSG:<code>/<cell metres>/<col>/<row>`. */
  key: string;
  /** Grid column. */
  col: number;
  /** Grid row. */
  row: number;
  /** Its detection. */
  detection: ChipDetection;
}

/** A cluster of changed chips, to become or update an alert. */
export interface AlertCandidate {
  /** Deterministic: kind + smallest chip key. */
  clusterKey: string;
  /** Kind of change. */
  kind: ChangeKind;
  /** Highest confidence among the chips. */
  confidence: Confidence;
  /** Max score. */
  score: number;
  /** Chip keys, sorted. */
  chipKeys: string[];
  /** Prompt → largest delta over the chips. */
  prompts: Record<string, number>;
}

/** Groups above-threshold chips into 8-connected clusters, sorted by clusterKey. */
export function clusterAlerts(
  cells: readonly GridDetection[],
  options: { threshold?: number } = {},
): AlertCandidate[] {
  const threshold = options.threshold ?? DEFAULT_ALERT_THRESHOLD;
  const hot = cells.filter((c) => c.detection.score >= threshold);
  const at = new Map<string, number>();
  hot.forEach((c, i) => at.set(`${c.col},${c.row}`, i));
  const seen = new Uint8Array(hot.length);
  const out: AlertCandidate[] = [];
  for (let i = 0; i < hot.length; i++) {
    if (seen[i]) continue;
    seen[i] = 1;
    const members: GridDetection[] = [];
    const stack = [i];
    while (stack.length > 0) {
      const c = hot[stack.pop()!]!;
      members.push(c);
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const j = at.get(`${c.col + dc},${c.row + dr}`);
          if (j !== undefined && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    out.push(candidate(members));
  }
  return out.sort((a, b) => (a.clusterKey < b.clusterKey ? -1 : a.clusterKey > b.clusterKey ? 1 : 0));
}

function candidate(members: readonly GridDetection[]): AlertCandidate {
  let top = members[0]!;
  let confidence: Confidence = 'low';
  const prompts: Record<string, number> = {};
  for (const m of members) {
    const d = m.detection;
    if (d.score > top.detection.score || (d.score === top.detection.score && m.key < top.key)) top = m;
    if (d.confidence && CONFIDENCE_RANK[d.confidence] > CONFIDENCE_RANK[confidence])
      confidence = d.confidence;
    for (const [p, v] of Object.entries(d.promptDeltas)) prompts[p] = Math.max(prompts[p] ?? -Infinity, v);
  }
  const chipKeys = members.map((m) => m.key).sort();
  const kind = top.detection.kind;
  return {
    clusterKey: `${kind}:${chipKeys[0]}`,
    kind,
    confidence,
    score: top.detection.score,
    chipKeys,
    prompts,
  };
}

/** Grid prefix, col and row of a key `…/<col>/<row>`, or undefined. */
function parseKey(key: string): { grid: string; col: number; row: number } | undefined {
  const m = /^(.*)\/(-?\d+)\/(-?\d+)$/.exec(key);
  if (!m) return undefined;
  return { grid: m[1]!, col: Number(m[2]), row: Number(m[3]) };
}

function touches(a: string, b: string): boolean {
  if (a === b) return true;
  const pa = parseKey(a);
  const pb = parseKey(b);
  return (
    !!pa && !!pb && pa.grid === pb.grid && Math.abs(pa.col - pb.col) <= 1 && Math.abs(pa.row - pb.row) <= 1
  );
}

/**
 * The existing open alert (same kind, sharing or touching chips) this candidate continues, if any.
 * When several qualify, the one with most shared-or-touching chip pairs wins; ties go to the smaller id.
 */
export function matchAlert(
  candidate: AlertCandidate,
  open: readonly { id: number; kind: string; chipKeys: string[] }[],
): number | undefined {
  let best: number | undefined;
  let bestLinks = 0;
  for (const alert of open) {
    if (alert.kind !== candidate.kind) continue;
    let links = 0;
    for (const a of candidate.chipKeys) for (const b of alert.chipKeys) if (touches(a, b)) links++;
    if (links > bestLinks || (links === bestLinks && links > 0 && best !== undefined && alert.id < best)) {
      best = alert.id;
      bestLinks = links;
    }
  }
  return best;
}
