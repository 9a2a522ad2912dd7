/**
 * Minimisation bounds and settings shape. Part of the audited minimiser sources: the hard lower bounds live here,
 * and neither a manifest nor a flag can go below them.
 */

/** Windows shorter than this would let per-person movement show through. */
export const MIN_WINDOW_SECONDS = 10;
/** Fewer people than this are never published as anything but "level 0, count null". */
export const MIN_K_FLOOR = 3;
export const MIN_GRANULARITY = 1;

export type OutputMode = 'level' | 'level+count';

export interface Minimisation {
  windowSeconds: number;
  kFloor: number;
  granularity: number;
  output: OutputMode;
}

/** Contract defaults: 60 s window, k floor 5, granularity 5, level and count. */
export const DEFAULT_MINIMISATION: Minimisation = { windowSeconds: 60, kFloor: 5, granularity: 5, output: 'level+count' };

/** A point in the sensor's own coordinates, millimetres: [x, y]. */
export type PointMm = readonly [number, number];
