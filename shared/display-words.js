// @ts-check
/**
 * What a public display says, written once for the server and the browser: the mode rule, the words per mode and a
 * reading in words. shared/display-content.ts uses it for the kiosk page, the terminal and the LCD; the kiosk's live
 * script (/static/display.js, gateway/pages/display-static.ts) carries this very file, so the page says the same
 * thing before and after an update. Plain JavaScript with JSDoc types (checked by tsc: `// @ts-check`), no imports
 * and no Node or browser API, so it runs unchanged in both. The level words come in as a parameter (they live in
 * shared/density.ts, part of the hashed minimiser sources).
 */

/** @typedef {'live' | 'waiting' | 'stale' | 'offline' | 'expired' | 'suspended' | 'retired'} DisplayMode */
/** @typedef {{ nl: string, en: string, word: string, wordEn: string, short: string }} ModeText */
/** @typedef {{ letters: readonly string[], labels: { readonly nl: readonly string[], readonly en: readonly string[] } }} LevelWords */

/** Times in the sensors' time zone (a kiosk's own zone is often left at UTC), with the zone's name. */
export const DISPLAY_TIME_ZONE = 'Europe/Amsterdam';

/**
 * Words per mode (Dutch first): a sentence, and the banner's large word (`word`/`wordEn`, LCD: `short`).
 * @type {Readonly<Record<DisplayMode, ModeText>>}
 */
export const MODE_TEXT = {
  live: { nl: 'actueel', en: 'live', word: '', wordEn: '', short: 'actueel' },
  waiting: { nl: 'de sensor heeft nog niets gemeld', en: 'the sensor has not reported yet', word: 'NOG GEEN METING', wordEn: 'NO MEASUREMENT YET', short: 'WACHT' },
  stale: { nl: 'verouderd — geen nieuwe meting', en: 'out of date — no new measurement', word: 'VEROUDERD', wordEn: 'OUT OF DATE', short: 'VEROUDERD' },
  offline: { nl: 'sensor offline — telt nu niet', en: 'sensor offline — not counting now', word: 'OFFLINE', wordEn: 'NOT COUNTING', short: 'OFFLINE' },
  expired: { nl: 'verlopen — meet niet meer, wordt verwijderd', en: 'expired — no longer measures, to be removed', word: 'VERLOPEN', wordEn: 'EXPIRED', short: 'VERLOPEN' },
  suspended: { nl: 'geschorst — gegevens niet gebruikt', en: 'suspended — data not used', word: 'GESCHORST', wordEn: 'SUSPENDED', short: 'GESCHORST' },
  retired: { nl: 'buiten gebruik', en: 'retired', word: 'BUITEN GEBRUIK', wordEn: 'RETIRED', short: 'BUITEN GEBRUIK' },
};

/**
 * The mode from what the register and the sensor say (`state`) and the seconds since the last accepted aggregate
 * (null: none yet). The register's verdicts come first; silence past `staleAfter` / `offlineAfter` seconds (the
 * gateway's freshness rule, shared/freshness.ts) makes a display stale, then offline.
 * @param {string} state
 * @param {number | null} ageSeconds
 * @param {number} staleAfter
 * @param {number} offlineAfter
 * @returns {DisplayMode}
 */
export function modeOf(state, ageSeconds, staleAfter, offlineAfter) {
  if (state === 'suspended' || state === 'expired' || state === 'retired') return state;
  if (state === 'offline' || state === 'fault') return 'offline';
  if (ageSeconds === null) return 'waiting';
  if (ageSeconds > offlineAfter) return 'offline';
  if (ageSeconds > staleAfter) return 'stale';
  return 'live';
}

/**
 * "12 mensen · druk / 12 people · busy"; below the k floor "minder dan 5 mensen"; level-only sensors the level.
 * @template {number} L
 * @param {{ level: L, count: number | null }} a
 * @param {{ kFloor: number, output?: string | undefined }} sensor
 * @param {LevelWords} words
 */
export function describeWith(a, sensor, words) {
  const letter = words.letters[a.level] ?? '?';
  const nlLabel = words.labels.nl[a.level] ?? '';
  const enLabel = words.labels.en[a.level] ?? '';
  let countNl = '';
  let countEn = '';
  let big = letter;
  if (a.count !== null) {
    const one = a.count === 1;
    countNl = `${a.count} ${one ? 'persoon' : 'mensen'}`;
    countEn = `${a.count} ${one ? 'person' : 'people'}`;
    big = String(a.count);
  } else if (a.level === 0 && sensor.output !== 'level' && sensor.kFloor > 0) {
    countNl = `minder dan ${sensor.kFloor} mensen`;
    countEn = `fewer than ${sensor.kFloor} people`;
    big = `<${sensor.kFloor}`;
  }
  /** @param {string} c @param {string} l */
  const join = (c, l) => (c ? `${c} · ${l}` : l);
  return { level: a.level, letter, big, nl: join(countNl, nlLabel), en: join(countEn, enLabel), countNl, countEn };
}
