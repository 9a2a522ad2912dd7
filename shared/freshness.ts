/**
 * How long a sensor's latest aggregate stays current. A sensor publishes when its result changes and, while it
 * does not change, at least once per heartbeat (firmware/minimiser: "publish if the result changed or the
 * heartbeat is due"). Silence shorter than a heartbeat therefore means "unchanged", not "gone".
 *
 *   fresh   now − latest.to ≤ heartbeat + one window
 *
 * The extra window covers the heartbeat publish itself: it ends a window, so it arrives up to one window after
 * the heartbeat is due. With the production defaults (window 60 s, heartbeat 300 s) a steady sensor is fresh for
 * 360 s after its last window, and the next heartbeat arrives after at most 300 s.
 */
import { DEFAULT_HEARTBEAT_SECONDS } from './schema/rules.ts';

/** The two registered settings freshness depends on (a subset of the register's SensorInfo). */
export interface Cadence {
  heartbeatSeconds?: number;
  windowSeconds?: number;
}

/** Window used when the register holds none (the contract default). */
export const DEFAULT_WINDOW_SECONDS = 60;

/** The sensor's heartbeat as the firmware applies it: the registered value (or the default), never below the window. */
export function heartbeatOf(info: Cadence): number {
  const window = info.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  return Math.max(info.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS, window);
}

/** Seconds after the end of its last window that a sensor's latest aggregate is still current. */
export function freshForSeconds(info: Cadence): number {
  return heartbeatOf(info) + (info.windowSeconds ?? DEFAULT_WINDOW_SECONDS);
}

/** Is an aggregate that ended at `toS` current at `nowS`, for this sensor? */
export function isFresh(info: Cadence, toS: number, nowS: number): boolean {
  return nowS - toS <= freshForSeconds(info);
}

/**
 * Silence after which a display calls a sensor offline although it never said so: two more heartbeats after it
 * went stale (at least 10 windows), so one lost heartbeat never reads as "offline".
 */
export function offlineAfterSeconds(info: Cadence): number {
  return Math.max(freshForSeconds(info) + 2 * heartbeatOf(info), 10 * (info.windowSeconds ?? DEFAULT_WINDOW_SECONDS));
}
