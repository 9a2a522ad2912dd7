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
import { DISPLAY_TIME_ZONE, describeWith, modeOf, type DisplayMode, type LevelWords } from './display-words.js';
import { freshForSeconds, offlineAfterSeconds } from './freshness.ts';
import type { Aggregate } from './payloads.ts';

// The mode rule and the words, shared with the kiosk's live script (written once, in plain checked JavaScript).
export { DISPLAY_TIME_ZONE, MODE_TEXT, type DisplayMode } from './display-words.js';

/** The state words the gateway reports (`/api/sensors`), plus what pages add. */
export type ReportedState = 'starting' | 'registering' | 'expiring' | 'expired' | 'fault' | 'offline' | 'suspended' | 'unknown' | 'retired';

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
  return modeOf(i.state, i.latest ? i.ageSeconds : null, staleAfter(i.sensor), offlineAfter(i.sensor));
}

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

/** The level words of shared/density.ts, as the display words take them (and the kiosk page serialises them). */
export const LEVEL_WORDS: LevelWords = { letters: LEVEL_LETTERS, labels: LEVEL_LABELS };

/** "12 mensen · druk / 12 people · busy"; below the k floor "minder dan 5 mensen"; level-only sensors the level. */
export function describeReading(a: Pick<Aggregate, 'level' | 'count'>, sensor: Pick<DisplaySensor, 'kFloor' | 'output'>): Reading {
  return describeWith(a, sensor, LEVEL_WORDS);
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
