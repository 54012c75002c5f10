import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleHandle,
} from '@temporalio/client';
import { monitorArea } from '../../workflows/monitor-area.ts';
import { InputError } from '../errors.ts';
import { checkCron, checkDuration } from './schedule-spec.ts';
import { checkFusionDays } from '../detect/sensor-fusion.ts';
import { IO_TASK_QUEUE } from '../domain.ts';

/** The schedule id of an area's monitor. */
export const scheduleId = (areaId: string) => `monitor/${areaId}`;

/** How often an area is monitored. */
export interface MonitorSpec {
  /** Interval such as `1d`, `12h`, `5 days` (one of every / cron). */
  every?: string;
  /** Cron expression such as `0 6 * * *` (UTC). */
  cron?: string;
  /** Missed runs within this window are caught up after downtime (default `1 day`). */
  catchupWindow?: string;
  /** Create the schedule paused. */
  paused?: boolean;
  /** Fusion window in days its runs use (monitor-area.ts); absent: the area's at each run. */
  fusionDays?: number;
}

/** Creates (or replaces the spec of) the area's schedule: overlap policy skip, catch-up window. */
export async function startMonitor(
  client: Client,
  areaId: string,
  spec: MonitorSpec,
): Promise<ScheduleHandle> {
  if (!spec.every === !spec.cron) throw new InputError('give exactly one of --every or --cron');
  const scheduleSpec = spec.every
    ? { intervals: [{ every: checkDuration('--every', spec.every) }] }
    : { cronExpressions: [checkCron(spec.cron!)] };
  const catchupWindow = checkDuration('--catchup-window', spec.catchupWindow ?? '1 day');
  if (spec.fusionDays !== undefined) checkFusionDays(spec.fusionDays, '--fusion-days');
  const action: ScheduleOptionsStartWorkflowAction<typeof monitorArea> = {
    type: 'startWorkflow',
    workflowType: monitorArea,
    args: [{ areaId, ...(spec.fusionDays !== undefined ? { fusionDays: spec.fusionDays } : {}) }],
    taskQueue: IO_TASK_QUEUE,
    workflowId: `monitor/${areaId}`,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow };
  const existing = client.schedule.getHandle(scheduleId(areaId));
  try {
    await existing.describe();
    // One update carries spec, policies and state, so no later pause or unpause can be
    // applied before it. Starting a monitor again resumes it unless asked to keep it paused.
    const paused = spec.paused ?? false;
    await existing.update((prev) => ({
      ...prev,
      spec: scheduleSpec,
      action,
      policies,
      state: { ...prev.state, paused, note: paused ? 'paused from the CLI' : 'started from the CLI' },
    }));
    await waitForPaused(existing, paused);
    return existing;
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  return client.schedule.create({
    scheduleId: scheduleId(areaId),
    spec: scheduleSpec,
    action,
    policies,
    state: { paused: spec.paused ?? false, note: spec.paused ? 'created paused' : undefined },
  });
}

/** Pause or resume an area's schedule; returns once the server shows the new state. */
export async function setMonitorPaused(
  client: Client,
  areaId: string,
  paused: boolean,
  note?: string,
): Promise<ScheduleHandle> {
  const handle = await monitorHandle(client, areaId);
  if (paused) await handle.pause(note ?? 'paused from the CLI');
  else await handle.unpause(note ?? 'resumed from the CLI');
  await waitForPaused(handle, paused);
  return handle;
}

/**
 * The server applies a schedule update asynchronously, so a describe right after it can
 * still show the old state. Wait (briefly) until it shows the state asked for, so that
 * `monitor start` followed by `monitor list` never reports the previous one.
 */
async function waitForPaused(handle: ScheduleHandle, paused: boolean): Promise<void> {
  const deadline = Date.now() + SCHEDULE_SETTLE_MS;
  for (;;) {
    const d = await handle.describe();
    if (d.state.paused === paused) return;
    if (Date.now() > deadline) {
      throw new Error(
        `schedule ${handle.scheduleId} still shows paused=${String(d.state.paused)} ` +
          `${SCHEDULE_SETTLE_MS} ms after it was set to paused=${String(paused)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How long an updated schedule may take to show its new state. */
const SCHEDULE_SETTLE_MS = 10_000;

/** A schedule's spec in words: `every 1d`, `every 6h`, or its cron/calendar entries. */
export function describeSpec(spec: {
  intervals?: { every: number | string }[];
  calendars?: unknown[];
}): string {
  const parts = (spec.intervals ?? []).map((i) => {
    const ms = typeof i.every === 'number' ? i.every : Number(i.every);
    if (!Number.isFinite(ms)) return `every ${i.every}`;
    const units: [number, string][] = [
      [86_400_000, 'd'],
      [3_600_000, 'h'],
      [60_000, 'm'],
      [1000, 's'],
    ];
    const [size, unit] = units.find(([u]) => ms % u === 0) ?? [1, 'ms'];
    return `every ${ms / size}${unit}`;
  });
  if (spec.calendars?.length) parts.push(`${spec.calendars.length} calendar spec(s)`);
  return parts.join(', ') || 'no spec';
}

/** One area's monitor schedule, as `monitor list` shows it. */
export interface MonitorRow {
  /** The schedule id (`monitor/<area>`). */
  scheduleId: string;
  /** Whether it is paused. */
  paused: boolean;
  /** Its spec in words (describeSpec). */
  spec: string;
  /** Its next run (ISO 8601), when one is planned. */
  nextRun?: string;
  /** Runs started so far. */
  runs: number;
  /** The fusion window its runs use, in days; null: the area's at each run. */
  fusionDays: number | null;
}

/** Every monitor schedule, in the order the server lists them. */
export async function listMonitors(client: Client): Promise<MonitorRow[]> {
  const rows: MonitorRow[] = [];
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith('monitor/')) continue;
    const d = await client.schedule.getHandle(s.scheduleId).describe();
    const args = (d.action as { args?: { fusionDays?: unknown }[] }).args;
    const fusionDays = args?.[0]?.fusionDays;
    rows.push({
      scheduleId: s.scheduleId,
      paused: d.state.paused,
      spec: describeSpec(d.spec as Parameters<typeof describeSpec>[0]),
      ...(d.info.nextActionTimes[0] ? { nextRun: d.info.nextActionTimes[0].toISOString() } : {}),
      runs: d.info.numActionsTaken,
      fusionDays: typeof fusionDays === 'number' ? fusionDays : null,
    });
  }
  return rows;
}

/** The area's schedule, or an InputError naming the area when it has none. */
export async function monitorHandle(client: Client, areaId: string): Promise<ScheduleHandle> {
  const handle = client.schedule.getHandle(scheduleId(areaId));
  try {
    await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new InputError(
        `area "${areaId}" has no monitor schedule; run \`driftwatch monitor start ${areaId}\``,
      );
    throw err;
  }
  return handle;
}

/**
 * Replays the schedule over a past period (every run processes what was acquired up to its scheduled
 * time) and, when `wait` is set, resolves once every backfilled run has finished.
 */
export async function backfillMonitor(
  client: Client,
  areaId: string,
  period: { start: Date; end: Date },
  options: { wait?: boolean; onProgress?: (done: number) => void; timeoutMs?: number } = {},
): Promise<number> {
  if (!(period.start < period.end))
    throw new InputError(
      `backfill period ${period.start.toISOString()} … ${period.end.toISOString()} is empty`,
    );
  const handle = await monitorHandle(client, areaId);
  const before = (await handle.describe()).info.numActionsTaken;
  await handle.backfill({ start: period.start, end: period.end, overlap: ScheduleOverlapPolicy.BUFFER_ALL });
  if (!options.wait) return 0;
  const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
  let stableSince = 0;
  let last = -1;
  for (;;) {
    const d = await handle.describe();
    const taken = d.info.numActionsTaken - before;
    const raw = (d.raw.info as { bufferSize?: number | Long | null } | null | undefined)?.bufferSize ?? 0;
    const buffered = typeof raw === 'object' && raw !== null ? raw.toNumber() : Number(raw);
    if (taken !== last) {
      options.onProgress?.(taken);
      last = taken;
      stableSince = Date.now();
    }
    if (d.info.runningActions.length === 0 && buffered === 0 && Date.now() - stableSince > 3000) return taken;
    if (Date.now() > deadline) throw new Error(`backfill of ${scheduleId(areaId)} did not finish in time`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

type Long = { toNumber(): number };
