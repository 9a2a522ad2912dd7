/**
 * What a density level can say about a count, for a registered area: which levels a sensor can ever publish, and
 * how many whole people each level band holds. Used by the gateway (gateway/ingest/rules.ts: is this level possible for
 * this sensor?) and by provisioning (cli/provision-rules.ts: is a level band narrower than the granularity?).
 *
 * Not a minimiser source: the minimiser itself only needs `levelFor` (shared/density.ts). Everything here is
 * derived from `levelFor`, so the two can never disagree about where a band starts.
 */
import { FRUIN_WALKWAY, levelFor, type Level, type LevelScheme } from './density.ts';

export interface LevelRules {
  areaM2: number;
  kFloor: number;
  granularity: number;
  scheme?: LevelScheme;
}

/** The smallest publishable count (a multiple of the granularity, ≥ k) whose level is at least `level`. */
function firstCountAtOrAbove(level: Level, r: LevelRules): number {
  const scheme = r.scheme ?? FRUIN_WALKWAY;
  const lowest = Math.ceil(r.kFloor / r.granularity) * r.granularity;
  if (level === 0) return lowest;
  // Start one step below the band's lower edge (so float rounding cannot skip a count), then step up: levelFor
  // decides, so this agrees with the minimiser and the gateway by construction.
  let c = Math.max(lowest, (Math.floor((scheme.upperBounds[level - 1]! * r.areaM2) / r.granularity) - 1) * r.granularity);
  while (levelFor(c, r.areaM2, scheme) < level) c += r.granularity;
  return c;
}

/**
 * The levels a sensor can publish: level 0 always (it also means "fewer than k"), and every level that some
 * publishable count (a multiple of the granularity, at least k) falls in. A level outside this set cannot come from
 * the registered minimiser.
 */
export function reachableLevels(r: LevelRules): Set<Level> {
  const scheme = r.scheme ?? FRUIN_WALKWAY;
  const out = new Set<Level>([0]);
  for (let level = 1 as Level; level <= 5; level = (level + 1) as Level) {
    if (levelFor(firstCountAtOrAbove(level, r), r.areaM2, scheme) === level) out.add(level);
  }
  return out;
}

/**
 * How many whole numbers of people (at least k) each level stands for on this area; Infinity for the top level.
 * On 10 m² (Fruin), level B (0.31–0.43 p/m²) holds only 4 people: a level-only sensor showing B says "exactly 4".
 */
export function levelBandWidths(r: Pick<LevelRules, 'areaM2' | 'kFloor' | 'scheme'>): number[] {
  const scheme = r.scheme ?? FRUIN_WALKWAY;
  const widths: number[] = [];
  let lo = r.kFloor; // people below k are never shown by any level but 0
  for (let level = 0; level < 5; level++) {
    // Largest whole number of people still in this level: floor of the bound (float-safe via levelFor).
    let hi = Math.floor(scheme.upperBounds[level]! * r.areaM2) + 1;
    while (hi >= 0 && levelFor(hi, r.areaM2, scheme) > level) hi--;
    widths.push(Math.max(0, hi - lo + 1));
    lo = Math.max(lo, hi + 1);
  }
  widths.push(Infinity);
  return widths;
}
