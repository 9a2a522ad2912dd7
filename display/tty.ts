/**
 * The display on a text terminal (an HDMI console, an SSH session): the whole story on one screen, redrawn in place.
 *
 *   - alternate screen, cursor hidden; each draw homes the cursor and overwrites every line (ESC[H … ESC[K), never
 *     printing past the last column or row, so nothing scrolls; ESC[J clears what a smaller layout left behind;
 *   - the layout fits the terminal's size and is redrawn on resize (SIGWINCH → 'resize'); when rows are short the
 *     least important lines go first (legend, trend, owner);
 *   - colours (ECMA-48 SGR) only when the output is a terminal and NO_COLOR is not set (https://no-color.org/); the
 *     state is in words too, so nothing depends on colour.
 */
import { LEVEL_LABELS } from '../shared/density.ts';
import { describeReading, displayMode, legend, MODE_TEXT, timeWithZone, untilDate, wrap, decimalNl, type DisplayMode } from '../shared/display-content.ts';
import type { FeedSnapshot } from './feed.ts';
import { levelBar } from './screens.ts';

const SGR = {
  reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', inverse: '\x1b[7m',
  level: ['\x1b[97;42m', '\x1b[30;102m', '\x1b[30;103m', '\x1b[30;43m', '\x1b[97;41m', '\x1b[97;45m'],
  mode: { live: '', waiting: '\x1b[30;47m', stale: '\x1b[30;103m', offline: '\x1b[97;41m', expired: '\x1b[97;100m', suspended: '\x1b[97;45m', retired: '\x1b[97;100m' } as Record<DisplayMode, string>,
};

const SPARK = '▁▂▃▄▅▆';

export interface TtyOptions {
  cols: number;
  rows: number;
  color: boolean;
}

interface Line {
  text: string;
  /** SGR prefix for the whole line ('' = plain). */
  style?: string;
  /** 1 = always, larger = dropped first when the terminal is short. */
  keep: number;
}

/** Cut to `cols` characters (code points: every character used here is one column wide). */
const fit = (s: string, cols: number) => [...s].slice(0, cols).join('');

/** The screen as lines (at most `rows`, each at most `cols` characters plus SGR codes when `color`). */
export function ttyScreen(s: FeedSnapshot, o: TtyOptions): string[] {
  const mode = displayMode(s);
  const info = s.sensor;
  const lines: Line[] = [];
  const add = (text: string, keep: number, style = '') => lines.push({ text, keep, style });
  add(`Drukte hier · Crowding here — ${info.location.description}`, 2, SGR.bold);
  add('', 6);
  const reading = s.latest ? describeReading(s.latest, info) : null;
  if (mode === 'live' || mode === 'stale') {
    const r = reading!;
    add(`  ${r.letter}  ${r.countNl ? `${r.countNl} · ` : ''}${LEVEL_LABELS.nl[r.level]}`.toUpperCase(), 1, SGR.bold + SGR.level[r.level]);
    add(`     ${r.en}`, 1);
    add(`  A ${levelBar(r.level, Math.max(6, Math.min(30, o.cols - 8)))} F`, 3);
  } else {
    const t = MODE_TEXT[mode];
    add(`  ${t.nl.toUpperCase()}`, 1, SGR.bold + SGR.mode[mode]);
    add(`  ${t.en}`, 1);
    if (reading && s.latest) add(`  laatste meting / last: ${reading.nl} / ${reading.en} (${timeWithZone(s.latest.to)})`, 3, SGR.dim);
  }
  if (s.trend.length > 1) add(`  laatste uur / last hour: ${s.trend.slice(-Math.max(1, o.cols - 30)).map((p) => SPARK[p.level]).join('')}`, 4);
  const when = s.latest ? timeWithZone(s.latest.to) : '–';
  const status = mode === 'live' ? `${MODE_TEXT.live.nl} / ${MODE_TEXT.live.en}` : `${MODE_TEXT[mode].nl} / ${MODE_TEXT[mode].en}`;
  add(`  Bijgewerkt / updated: ${when} · ${status}${s.connected ? '' : ' · verbinding verbroken / connection lost'}`, 1, mode === 'stale' ? SGR.mode.stale : '');
  add('', 6);
  const why = wrap(`Waarom / Why: ${info.purpose}`, o.cols);
  why.forEach((l, k) => add(l, k === 0 ? 2 : 4));
  const until = untilDate(info.expiresAt);
  add(`Meet tot en met ${until.nl} · measures until ${until.en}`, 2);
  add(`Eigenaar / owner: ${info.owner.organisation} · ${info.owner.email}${info.owner.phone ? ` · ${info.owner.phone}` : ''}`, 3);
  add(`Register: ${info.registerUrl}`, 1, SGR.bold);
  add('', 6);
  add(`Niveaus / levels in deze zone van ${decimalNl(info.area.m2)} m² / in this zone:`, 5);
  for (const row of legend(info.area.m2)) {
    const bound = row.maxPerM2 === null ? `> ${decimalNl(legend(info.area.m2)[4]!.maxPerM2!)}` : `≤ ${decimalNl(row.maxPerM2)}`;
    add(`  ${row.letter} ${`${row.nl} / ${row.en}`.padEnd(26)} ${bound.padEnd(6)} p/m²  ${row.people} mensen/people`, 5, reading?.level === row.level ? SGR.inverse : '');
  }
  // Drop the least important groups of lines (blank lines, the legend, the trend, …) until the screen fits.
  for (let keep = 6; lines.length > o.rows && keep > 1; keep--) {
    for (let k = lines.length - 1; k >= 0; k--) if (lines[k]!.keep === keep) lines.splice(k, 1);
  }
  return lines.slice(0, o.rows).map((l) => {
    const text = fit(l.text, o.cols);
    return o.color && l.style ? `${l.style}${text}${SGR.reset}` : text;
  });
}

export interface TtyOutput {
  write(s: string): unknown;
  columns?: number;
  rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

/** Draws snapshots on a terminal, in place; redraws on resize. */
export class TtyRenderer {
  #last: FeedSnapshot | null = null;
  #started = false;
  readonly #onResize = () => this.#last && this.draw(this.#last);

  constructor(private readonly out: TtyOutput, private readonly color: boolean) {}

  start(): void {
    this.#started = true;
    this.out.write('\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J');
    this.out.on?.('resize', this.#onResize);
  }

  draw(s: FeedSnapshot): void {
    this.#last = s;
    const cols = this.out.columns ?? 80;
    const rows = this.out.rows ?? 24;
    const lines = ttyScreen(s, { cols, rows, color: this.color });
    // Home, each line then erase-to-end-of-line; no newline after the last row (that would scroll).
    this.out.write(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\r\n')}\x1b[J`);
  }

  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.out.off?.('resize', this.#onResize);
    this.out.write('\x1b[0m\x1b[?25h\x1b[?1049l');
  }
}
