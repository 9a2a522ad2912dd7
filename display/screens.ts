/**
 * The display's content laid out for a character grid: LCD screens (16×2, 20×4) in rotation, and a full terminal
 * screen (display/tty.ts adds colour). Pure; plain Unicode text (display/lcd.ts transliterates it for the LCD's ROM).
 *
 * LCD rotation (4 rows; a 2-row LCD shows each page as two screens):
 *   1. count and level, with a level bar A…F and the time of the last update (or the state in large words);
 *   2. why the sensor is there (the purpose);
 *   3. "meet tot en met / measures until" the expiry date;
 *   4. the register URL.
 */
import { BAR_GLYPHS } from '../hardware/hd44780/charset.ts';
import { LEVEL_LABELS } from '../shared/density.ts';
import { chunk, describeReading, displayMode, MODE_TEXT, timeWithZone, untilDate, wrap, type DisplayInput } from '../shared/display-content.ts';

export interface Grid {
  cols: number;
  rows: number;
}

const pad = (s: string, n: number) => {
  const chars = [...s].slice(0, n);
  return chars.join('') + ' '.repeat(n - chars.length);
};
/** `left` and `right` on one line of `n` characters, `right` flush right (left is cut first). */
const spread = (left: string, right: string, n: number) => pad(pad(left, Math.max(0, n - right.length - 1)) + ' ' + right, n);

/** A bar of `cells` characters, 5 pixel columns each, filled to (level + 1) / 6. */
export function levelBar(level: number, cells: number): string {
  const px = Math.round(((level + 1) / 6) * cells * 5);
  let out = '';
  for (let c = 0; c < cells; c++) {
    const lit = Math.max(0, Math.min(5, px - c * 5));
    out += lit === 0 ? ' ' : BAR_GLYPHS[lit - 1];
  }
  return out;
}

/** Page 1: the reading, or the state in large words when there is no current reading. */
function readingPage(i: DisplayInput, cols: number): string[] {
  const mode = displayMode(i);
  const last = i.latest ? timeWithZone(i.latest.to) : '';
  switch (mode) {
    case 'waiting': return ['Nog geen meting', 'No measurement yet', '', ''];
    case 'offline': return ['SENSOR OFFLINE', 'telt nu niet', 'not counting now', last ? `laatst ${last}` : ''];
    case 'expired': return [cols >= 18 ? 'VERLOPEN / EXPIRED' : 'VERLOPEN', 'meet niet meer', 'no longer measures', `sinds ${i.sensor.expiresAt}`];
    case 'suspended': return ['GESCHORST', 'SUSPENDED', 'gegevens niet', 'gebruikt/not used'];
    case 'retired': return ['BUITEN GEBRUIK', 'RETIRED', '', ''];
    default: break;
  }
  const r = describeReading(i.latest!, i.sensor);
  const nl = LEVEL_LABELS.nl[r.level]!;
  const en = LEVEL_LABELS.en[r.level]!;
  const words = `${nl} / ${en}`.length <= cols ? `${nl} / ${en}` : nl;
  // "12 mensen", "minder dan 3 mensen"; shortened when the row is too narrow ("minder dan 3").
  const short = r.countNl.startsWith('minder dan') ? `minder dan ${i.sensor.kFloor}` : r.big;
  const first = r.countNl ? (r.countNl.length <= cols - 2 ? r.countNl : short) : 'Drukte / busyness';
  return [
    spread(first, r.letter, cols),
    words,
    `A${levelBar(r.level, cols - 2)}F`,
    mode === 'stale' ? spread(last, MODE_TEXT.stale.short, cols) : spread(last, cols >= 20 ? 'actueel' : '', cols),
  ];
}

/** `header` then `lines`, as pages of `perPage` lines under the header. */
function paged(header: string, lines: string[], perPage: number): string[][] {
  const pages: string[][] = [];
  for (let k = 0; k < lines.length; k += perPage) pages.push([header, ...lines.slice(k, k + perPage)]);
  return pages.length ? pages : [[header]];
}

/** The rotation's screens, each exactly `rows` lines of `cols` characters. */
export function lcdScreens(i: DisplayInput, grid: Grid): string[][] {
  const { cols, rows } = grid;
  const until = untilDate(i.sensor.expiresAt);
  const pages: string[][] = [
    readingPage(i, cols),
    ...paged('Waarom / Why:', wrap(i.sensor.purpose, cols), 3),
    ['Meet tot en met', until.nl, 'Measures until', until.en],
    ...paged('Register:', chunk(i.sensor.registerUrl, cols), 3),
  ];
  const screens: string[][] = [];
  for (const page of pages) {
    for (let k = 0; k < page.length; k += rows) {
      const part = page.slice(k, k + rows);
      if (k > 0 && part.every((l) => l.trim() === '')) continue;
      screens.push(Array.from({ length: rows }, (_, r) => pad(part[r] ?? '', cols)));
    }
  }
  return screens;
}
