/**
 * The registered rules, checked by the gateway on every aggregate (issue 9). The gateway does not take the sensor's
 * word for minimisation: whatever it can check from the register, it checks, so that a buggy or tampered sensor can
 * at worst publish wrong numbers, never finer ones.
 *
 *   rule                                   reason when broken          (registered: kFloor k, granularity g,
 *   to − from = window                     window-length                window W, output, area)
 *   from on the window grid (from % W = 0) window-unaligned
 *   level-only: count is null              count-from-level-only
 *   level-only: level reachable from some  level-unreachable
 *     multiple of g ≥ k on this area
 *   count null (below k) → level 0         level-without-count
 *   count ≥ k                              count-below-k
 *   count a multiple of g                  count-off-granularity
 *   level = levelFor(count, area)          level-mismatch              (shared/density.ts, the minimiser's own)
 *
 * Window order (no repeat, overlap or going back) and seq plausibility need the sensor's history and are checked
 * in gateway/ingest/ingest.ts. A broken rule is a violation: the aggregate reaches nothing and the sensor is suspended.
 */
import { levelFor } from '../../shared/density.ts';
import { reachableLevels } from '../../shared/level-bands.ts';
import { DEFAULT_MINIMISATION } from '../../shared/minimisation.ts';
import type { Aggregate } from '../../shared/payloads.ts';
import type { RuleViolation } from '../reasons.ts';
import type { SensorInfo } from '../register.ts';

/** The sensor's registered minimisation, with the contract defaults where the register holds none. */
export function registeredRules(info: SensorInfo) {
  return {
    windowSeconds: info.windowSeconds ?? DEFAULT_MINIMISATION.windowSeconds,
    kFloor: info.kFloor,
    granularity: info.granularity ?? DEFAULT_MINIMISATION.granularity,
    output: info.output ?? DEFAULT_MINIMISATION.output,
    areaM2: info.area.m2,
  };
}

/** The first registered rule an aggregate breaks, or null. Pure. */
export function checkRules(info: SensorInfo, a: Pick<Aggregate, 'from' | 'to' | 'level' | 'count'>): RuleViolation | null {
  const r = registeredRules(info);
  if (a.to - a.from !== r.windowSeconds) return 'window-length';
  if (a.from % r.windowSeconds !== 0) return 'window-unaligned';
  if (r.output === 'level') {
    if (a.count !== null) return 'count-from-level-only';
    return reachableLevels(r).has(a.level) ? null : 'level-unreachable';
  }
  if (a.count === null) return a.level === 0 ? null : 'level-without-count';
  if (a.count < r.kFloor) return 'count-below-k';
  if (a.count % r.granularity !== 0) return 'count-off-granularity';
  if (levelFor(a.count, r.areaM2) !== a.level) return 'level-mismatch';
  return null;
}
