/**
 * From per-frame counts to what may be published. Pure functions, no state.
 *
 *   per-frame counts ──► estimateOccupancy ──► occupancy ──► publishable(): k floor, level, rounding
 */
import { levelFor, type Level, type LevelScheme } from '../../shared/density.ts';

/**
 * Occupancy estimate for one window: the LOWER MEDIAN of the per-frame counts.
 *
 * Why the median: a radar produces ~10 frames/s, so a 60 s window holds ~600 counts. Two kinds of error matter:
 *   - ghost targets (multipath reflections, a swaying plant) appear in a few frames and add people who are not there;
 *   - missed detections (someone standing still, occlusion) drop people from a few frames.
 * Both are short compared to a window. The median ignores any minority of outlying frames in either direction:
 * as long as fewer than half of the frames are wrong, the estimate is a count that was actually observed in a
 * typical frame. One ghost frame can never move it. A mean would be pulled by every ghost; a maximum would
 * publish the worst ghost.
 * Why the LOWER median (for an even number of frames): it never rounds up, so the estimate is always a count
 * that occurred, and errs towards fewer people, which is the privacy-preserving direction.
 *
 * Returns null for an empty window: no frames means no measurement, not "nobody there".
 */
export function estimateOccupancy(counts: readonly number[]): number | null {
  if (counts.length === 0) return null;
  const sorted = [...counts].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export interface PublishRules {
  /** Monitored area in m² (for the density level). */
  areaM2: number;
  scheme: LevelScheme;
  /** Below this many people nothing but "level 0, count null" is published. ≥ 3. */
  kFloor: number;
  /** Counts are rounded DOWN to a multiple of this. ≥ 1. */
  granularity: number;
  /** 'level': never publish a count. */
  output: 'level' | 'level+count';
}

export interface Publishable {
  level: Level;
  count: number | null;
}

/**
 * Apply the privacy rules to an occupancy estimate. The order matters: everything published is derived from the
 * ROUNDED count, so no part of an aggregate says more than the count does (issue 9).
 *
 * 1. rounding: the count is rounded DOWN to the granularity (7 with granularity 5 → 5). Level-only sensors round
 *    too, and then publish no count: their level is still derived from the rounded number.
 * 2. k floor, on the rounded count: if it is below k the result is ALWAYS { level: 0, count: null }, whatever the
 *    true number (0, 1, …). Publishing the level of a small zone would otherwise reveal the count (1 person on 2 m²
 *    is already level C), and 0 vs 1 reveals that somebody is there. Applying k to the rounded count means a
 *    published count is never below k even when k is not a multiple of the granularity (k 5, granularity 3:
 *    5 people round to 3, which is below k, so nothing but "level 0" is published).
 * 3. level: density = rounded count / area, mapped onto the declared scheme (Fruin walkway A–F by default) with
 *    the same function the gateway uses to check it (shared/density.ts: levelFor). A level computed from the exact
 *    occupancy could split a rounding step: on 10 m², 5 and 7 people are both "5", but 7 is level C and 4 is B.
 */
export function publishable(occupancy: number, rules: PublishRules): Publishable {
  const count = Math.floor(occupancy / rules.granularity) * rules.granularity;
  if (count < rules.kFloor) return { level: 0, count: null };
  const level = levelFor(count, rules.areaM2, rules.scheme);
  return { level, count: rules.output === 'level' ? null : count };
}
