/**
 * What a public display says about one sensor, independent of where it is drawn: the web kiosk page
 * (gateway/pages/display.ts), a terminal (display/tty.ts) or a character LCD (display/lcd.ts). Pure: no IO, no clock
 * reads (times are passed in).
 *
 * One word for what the display is in: `live` (a current aggregate), `waiting` (none yet), `stale` (none for longer
 * than the sensor's heartbeat plus one window: shared/freshness.ts), `offline` (the sensor said so, reported a
 * fault, or stayed silent two more heartbeats),
 * `expired`, `suspended` (the gateway stopped using its data) or `retired`. Each looks different on every display.
 */
import { FRUIN_WALKWAY, LEVEL_LABELS, LEVEL_LETTERS, type Level, type LevelScheme } from './density.ts';
import { freshForSeconds, offlineAfterSeconds } from './freshness.ts';
import type { Aggregate } from './payloads.ts';

/** The state words the gateway reports (`/api/sensors`), plus what pages add. */
export type ReportedState = 'starting' | 'registering' | 'expiring' | 'expired' | 'fault' | 'offline' | 'suspended' | 'unknown' | 'retired';

export type DisplayMode = 'live' | 'waiting' | 'stale' | 'offline' | 'expired' | 'suspended' | 'retired';
export const DISPLAY_MODES: readonly DisplayMode[] = ['live', 'waiting', 'stale', 'offline', 'expired', 'suspended', 'retired'];

/** Seconds of silence after which a display shows `stale`, and `offline`: the gateway's freshness rule. */
export function staleAfter(sensor: Pick<DisplaySensor, 'windowSeconds' | 'heartbeatSeconds'>): number {
  return freshForSeconds(sensor);
}
export function offlineAfter(sensor: Pick<DisplaySensor, 'windowSeconds' | 'heartbeatSeconds'>): number {
  return offlineAfterSeconds(sensor);
}

/** The public parts of a register entry a display needs (a subset of the gateway's SensorInfo). */
export interface DisplaySensor {
  id: string;
  purpose: string;
  expiresAt: string;
  registerUrl: string;
  owner: { name: string; organisation: string; email: string; phone?: string };
  location: { description: string };
  area: { m2: number };
  kFloor: number;
  windowSeconds?: number;
  heartbeatSeconds?: number;
  output?: 'level' | 'level+count';
}

export interface DisplayInput {
  sensor: DisplaySensor;
  latest: Pick<Aggregate, 'level' | 'count' | 'to'> | null;
  state: ReportedState;
  /** Seconds since the gateway accepted `latest` (null without one). */
  ageSeconds: number | null;
  suspension?: { reason: string; at: string | number } | null;
}

export function displayMode(i: Pick<DisplayInput, 'sensor' | 'latest' | 'state' | 'ageSeconds'>): DisplayMode {
  if (i.state === 'suspended') return 'suspended';
  if (i.state === 'expired') return 'expired';
  if (i.state === 'retired') return 'retired';
  if (i.state === 'offline' || i.state === 'fault') return 'offline';
  if (!i.latest || i.ageSeconds === null) return 'waiting';
  if (i.ageSeconds > offlineAfter(i.sensor)) return 'offline';
  if (i.ageSeconds > staleAfter(i.sensor)) return 'stale';
  return 'live';
}

/** Words per mode (Dutch first): a sentence, and the banner's large word (`word`/`wordEn`, LCD: `short`). */
export const MODE_TEXT: Readonly<Record<DisplayMode, { nl: string; en: string; word: string; wordEn: string; short: string }>> = {
  live: { nl: 'actueel', en: 'live', word: '', wordEn: '', short: 'actueel' },
  waiting: { nl: 'de sensor heeft nog niets gemeld', en: 'the sensor has not reported yet', word: 'NOG GEEN METING', wordEn: 'NO MEASUREMENT YET', short: 'WACHT' },
  stale: { nl: 'verouderd — geen nieuwe meting', en: 'out of date — no new measurement', word: 'VEROUDERD', wordEn: 'OUT OF DATE', short: 'VEROUDERD' },
  offline: { nl: 'sensor offline — telt nu niet', en: 'sensor offline — not counting now', word: 'OFFLINE', wordEn: 'NOT COUNTING', short: 'OFFLINE' },
  expired: { nl: 'verlopen — meet niet meer, wordt verwijderd', en: 'expired — no longer measures, to be removed', word: 'VERLOPEN', wordEn: 'EXPIRED', short: 'VERLOPEN' },
  suspended: { nl: 'geschorst — gegevens niet gebruikt', en: 'suspended — data not used', word: 'GESCHORST', wordEn: 'SUSPENDED', short: 'GESCHORST' },
  retired: { nl: 'buiten gebruik', en: 'retired', word: 'BUITEN GEBRUIK', wordEn: 'RETIRED', short: 'BUITEN GEBRUIK' },
};

export interface Reading {
  level: Level;
  letter: string;
  /** The large figure: the count, "<k" below the k floor, or the letter for level-only sensors. */
  big: string;
  nl: string;
  en: string;
  /** "12 mensen" / "minder dan 3 mensen" / "" (level-only). */
  countNl: string;
  countEn: string;
}

/** "12 mensen · druk / 12 people · busy"; below the k floor "minder dan 5 mensen"; level-only sensors the level. */
export function describeReading(a: Pick<Aggregate, 'level' | 'count'>, sensor: Pick<DisplaySensor, 'kFloor' | 'output'>): Reading {
  const letter = LEVEL_LETTERS[a.level];
  const nlLabel = LEVEL_LABELS.nl[a.level] ?? '';
  const enLabel = LEVEL_LABELS.en[a.level] ?? '';
  let countNl = '';
  let countEn = '';
  let big: string = letter;
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
  const join = (c: string, l: string) => (c ? `${c} · ${l}` : l);
  return { level: a.level, letter, big, nl: join(countNl, nlLabel), en: join(countEn, enLabel), countNl, countEn };
}

export interface LegendRow {
  level: Level;
  letter: string;
  nl: string;
  en: string;
  /** Upper bound in people per m² (null for F: above the last bound). */
  maxPerM2: number | null;
  /** Whole numbers of people in this zone that give this level: "0", "3–5", "6+", or "—" when none can. */
  people: string;
}

/** The six levels with what they mean in this zone: people per m² and whole people on `m2` square metres. */
export function legend(m2: number, scheme: LevelScheme = FRUIN_WALKWAY): LegendRow[] {
  let min = 0;
  return LEVEL_LETTERS.map((letter, i) => {
    const level = i as Level;
    const bound = i < 5 ? scheme.upperBounds[i]! : null;
    let people: string;
    if (bound === null) people = `${min}+`;
    else {
      const max = Math.floor(bound * m2 + 1e-9);
      people = max < min ? '—' : max === min ? String(min) : `${min}–${max}`;
      min = Math.max(min, max + 1);
    }
    return { level, letter, nl: LEVEL_LABELS.nl[i]!, en: LEVEL_LABELS.en[i]!, maxPerM2: bound, people };
  });
}

/** 0.31 → "0,31" (Dutch decimal comma). */
export const decimalNl = (x: number): string => String(x).replace('.', ',');

/** Times in the sensors' time zone (a kiosk's own zone is often left at UTC), with the zone's name. */
export const DISPLAY_TIME_ZONE = 'Europe/Amsterdam';
const TIME_TZ = new Intl.DateTimeFormat('nl-NL', { timeZone: DISPLAY_TIME_ZONE, hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
const DATE_NL = new Intl.DateTimeFormat('nl-NL', { timeZone: 'UTC', dateStyle: 'long' });
const DATE_EN = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'long' });

/** "14:05 CEST" for Unix seconds. */
export function timeWithZone(unixSeconds: number): string {
  return TIME_TZ.format(new Date(unixSeconds * 1000));
}

/** "31 mei 2026" / "31 May 2026" for a YYYY-MM-DD date (a calendar day, no zone shift). */
export function untilDate(isoDate: string): { nl: string; en: string } {
  const d = new Date(`${isoDate}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return { nl: isoDate, en: isoDate };
  return { nl: DATE_NL.format(d), en: DATE_EN.format(d) };
}

/** Word-wrap `text` into lines of at most `width` characters (long words are cut). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > width) {
      if (line) lines.push(line);
      line = '';
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Cut text into lines of exactly `width` characters (URLs: no word boundaries to respect). */
export function chunk(text: string, width: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += width) out.push(text.slice(i, i + width));
  return out.length ? out : [''];
}
