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
 * Apply the privacy rules to an occupancy estimate.
 *
 * 1. k floor: with fewer than k people the result is ALWAYS { level: 0, count: null }, whatever the true number
 *    (0, 1, …, k−1). Publishing the level of a small zone would otherwise reveal the count (1 person on 2 m² is
 *    already level C), and 0 vs 1 reveals that somebody is there.
 * 2. level: density = occupancy / area, mapped onto the declared scheme (Fruin walkway A–F by default).
 * 3. count: rounded down to the granularity (7 with granularity 5 → 5), or null for level-only sensors.
 */
export function publishable(occupancy: number, rules: PublishRules): Publishable {
  if (occupancy < rules.kFloor) return { level: 0, count: null };
  const level = levelFor(occupancy, rules.areaM2, rules.scheme);
  if (rules.output === 'level') return { level, count: null };
  return { level, count: Math.floor(occupancy / rules.granularity) * rules.granularity };
}
