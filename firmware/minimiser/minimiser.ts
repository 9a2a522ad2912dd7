/**
 * THE MINIMISER — the code auditors read.
 *
 * It is the only place where raw sensor data (positions, per-frame detections) is turned into something that may
 * leave the device. It is pure: no imports of IO, no clock reads (time is passed in), no logging, no randomness.
 * Its sources are hashed (see firmware/minimiser-hash.ts) and that hash is published in every Status.
 *
 * Pipeline, one window at a time (windows are aligned to multiples of `windowSeconds` in Unix time):
 *
 *   RawFrame ──observe()──► count targets inside the zone (zone.ts) ──► one integer per frame
 *            (positions are dropped here: only the per-frame count is kept, never a coordinate)
 *   window end ──close()──► lower median of the counts (reduce.ts: estimateOccupancy)
 *                        ──► k floor, density level, rounding (reduce.ts: publishable)
 *                        ──► publish if the result changed or the heartbeat is due, else stay silent
 *                        ──► WindowResult { from, to, level, count }   (the egress adds v, sensor, seq)
 *
 * Hard bounds that no manifest, flag or config can lower: window ≥ 10 s, k floor ≥ 3, granularity ≥ 1.
 * At most one result per window, so results are never closer together than the window.
 */
import type { LevelScheme, Level } from '../../shared/density.ts';
import { MIN_GRANULARITY, MIN_K_FLOOR, MIN_WINDOW_SECONDS, type PointMm } from '../../shared/minimisation.ts';
import type { RawFrame } from '../../hardware/frame.ts';
import { estimateOccupancy, publishable } from './reduce.ts';
import { insideZone } from './zone.ts';

export interface MinimiserSettings {
  /** Monitored area, m². */
  areaM2: number;
  /** Zone polygon in the sensor's coordinates (mm); null for devices without positions. */
  zone: readonly PointMm[] | null;
  scheme: LevelScheme;
  windowSeconds: number;
  kFloor: number;
  granularity: number;
  output: 'level' | 'level+count';
  /** Publish an unchanged result again after this many seconds (≥ windowSeconds). */
  heartbeatSeconds: number;
}

/** What one closed window yields. The egress turns it into an Aggregate (adds v, sensor and seq). */
export interface WindowResult {
  /** Unix seconds, inclusive. */
  from: number;
  /** Unix seconds, exclusive. */
  to: number;
  level: Level;
  count: number | null;
}

export class MinimiserSettingsError extends Error {
  override name = 'MinimiserSettingsError';
}

/** Refuse settings below the hard bounds (throws; never silently raises them). */
export function checkSettings(s: MinimiserSettings): MinimiserSettings {
  const problems: string[] = [];
  if (!(Number.isInteger(s.windowSeconds) && s.windowSeconds >= MIN_WINDOW_SECONDS)) problems.push(`window must be an integer ≥ ${MIN_WINDOW_SECONDS} s`);
  if (!(Number.isInteger(s.kFloor) && s.kFloor >= MIN_K_FLOOR)) problems.push(`k floor must be an integer ≥ ${MIN_K_FLOOR}`);
  if (!(Number.isInteger(s.granularity) && s.granularity >= MIN_GRANULARITY)) problems.push(`granularity must be an integer ≥ ${MIN_GRANULARITY}`);
  if (!(s.areaM2 > 0)) problems.push('area must be > 0 m²');
  if (!(s.heartbeatSeconds >= s.windowSeconds)) problems.push('heartbeat must be ≥ the window');
  if (s.zone !== null && s.zone.length < 3) problems.push('zone must have at least 3 points');
  if (problems.length) throw new MinimiserSettingsError(`minimiser settings refused: ${problems.join('; ')}`);
  return s;
}

export interface Minimiser {
  /**
   * Take one frame observed at `atMs` (Unix ms). If the frame belongs to a later window, the open window is
   * closed first and its result (if any) returned. Frames older than the open window are ignored.
   */
  observe(frame: RawFrame, atMs: number): WindowResult | null;
  /** Close the open window if it has ended at `nowMs`; returns its result when one is due for publishing. */
  close(nowMs: number): WindowResult | null;
  /** Forget the open window (e.g. after a gap in the data): nothing from before is mixed into the next window. */
  reset(): void;
}

/** Count the people a frame shows inside the zone. Only this integer survives; the frame is not kept. */
function countInZone(frame: RawFrame, zone: readonly PointMm[] | null): number {
  const targets = frame.targets;
  if (targets === null) return frame.occupancy ?? 0;
  if (zone === null) return targets.length;
  let n = 0;
  for (const t of targets) if (insideZone(t.xMm, t.yMm, zone)) n++;
  return n;
}

export function createMinimiser(settings: MinimiserSettings): Minimiser {
  const s = checkSettings({ ...settings });
  const W = s.windowSeconds;
  let windowStart: number | null = null; // Unix s
  let counts: number[] = []; // one integer per frame of the open window — nothing else is kept
  let closedUntil = -Infinity; // end of the last closed window: no window may reopen before it
  let last: { level: Level; count: number | null; at: number } | null = null;

  function finish(): WindowResult | null {
    if (windowStart === null) return null;
    const from = windowStart;
    const occupancy = estimateOccupancy(counts);
    windowStart = null;
    counts = [];
    closedUntil = from + W;
    if (occupancy === null) return null; // no frames: no measurement
    const { level, count } = publishable(occupancy, s);
    const to = from + W;
    const changed = last === null || last.level !== level || last.count !== count;
    const heartbeatDue = last !== null && to - last.at >= s.heartbeatSeconds;
    if (!changed && !heartbeatDue) return null;
    last = { level, count, at: to };
    return { from, to, level, count };
  }

  return {
    observe(frame, atMs) {
      const start = Math.floor(atMs / 1000 / W) * W;
      let result: WindowResult | null = null;
      if (windowStart !== null && start > windowStart) result = finish();
      // Clock went back: ignore the frame, never reopen or overlap a window already closed.
      if (start < closedUntil || (windowStart !== null && start < windowStart)) return result;
      windowStart ??= start;
      counts.push(countInZone(frame, s.zone));
      return result;
    },
    close(nowMs) {
      if (windowStart === null || nowMs / 1000 < windowStart + W) return null;
      return finish();
    },
    reset() {
      windowStart = null;
      counts = [];
    },
  };
}
