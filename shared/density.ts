/**
 * Density levels.
 *
 * Default scheme: Fruin's walkway level of service (Fruin, "Pedestrian Planning and Design", 1971), expressed as
 * persons per square metre. Level 0 = A … level 5 = F.
 *
 *   A ≤ 0.31   B ≤ 0.43   C ≤ 0.72   D ≤ 1.08   E ≤ 2.17   F > 2.17   (persons/m²)
 *
 * A scheme is a list of 5 ascending upper bounds; anything above the last bound is level 5.
 */

export type Level = 0 | 1 | 2 | 3 | 4 | 5;

export const LEVEL_LETTERS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;

export interface LevelScheme {
  name: string;
  /** Upper bounds (inclusive) of levels 0..4 in persons/m², strictly ascending. */
  upperBounds: readonly [number, number, number, number, number];
}

export const FRUIN_WALKWAY: LevelScheme = {
  name: 'fruin-walkway',
  upperBounds: [0.31, 0.43, 0.72, 1.08, 2.17],
};

export const LEVEL_SCHEMES: Readonly<Record<string, LevelScheme>> = {
  [FRUIN_WALKWAY.name]: FRUIN_WALKWAY,
};

/** Plain-language labels, shown on the public display. */
export const LEVEL_LABELS: Readonly<Record<'nl' | 'en', readonly string[]>> = {
  nl: ['rustig', 'vrij rustig', 'normaal', 'druk', 'erg druk', 'overvol'],
  en: ['quiet', 'fairly quiet', 'moderate', 'busy', 'very busy', 'overcrowded'],
};

/** Density level for a number of persons on an area of `areaM2` square metres. */
export function levelFor(persons: number, areaM2: number, scheme: LevelScheme = FRUIN_WALKWAY): Level {
  if (!(areaM2 > 0)) throw new RangeError(`area must be > 0 m², got ${areaM2}`);
  if (!(persons >= 0)) throw new RangeError(`persons must be ≥ 0, got ${persons}`);
  const density = persons / areaM2;
  for (let level = 0; level < 5; level++) {
    if (density <= scheme.upperBounds[level]!) return level as Level;
  }
  return 5;
}

export function isLevel(x: unknown): x is Level {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 5;
}
