/**
 * HD44780 character LCD (16×2 or 20×4) in 4-bit mode over six GPIO outputs: RS, E, D4–D7 (R/W tied to ground, so
 * the busy flag is never read and the driver waits the datasheet's execution times instead).
 *
 * Datasheet (Hitachi HD44780U, ADE-207-272): initialisation by instruction, figure 24 (4-bit):
 *   wait > 40 ms after VCC reaches 2.7 V → 0x3 → wait > 4.1 ms → 0x3 → wait > 100 µs → 0x3 → 0x2 (4-bit)
 *   → function set 0x28 (2 lines: N = 1; "4 lines" modules are 2 logical lines of 40 cells) → display off 0x08
 *   → clear 0x01 → entry mode 0x06 (increment, no shift) → display on 0x0C.
 * Each byte goes as two nibbles, high nibble first, each latched on E's falling edge (enable pulse ≥ 450 ns, cycle ≥
 * 1000 ns: a sysfs write is slower than that on its own). Execution: 37 µs per instruction or data write, 1.52 ms
 * for clear and home. Millisecond waits go through injected timers; the driver waits 1 ms after each byte (> 37 µs)
 * and 2 ms after clear/home.
 *
 * DDRAM row starts (table 4 / module data sheets): row 0 at 0x00, row 1 at 0x40, row 2 at 0x00 + cols, row 3 at
 * 0x40 + cols. The driver keeps a copy of the glass and rewrites only the cells that changed (no flicker).
 */
import { resolveGpioLines } from '../bindings/gpio-chip.ts';
import type { GpioOutputBinding, GpioOutputLine } from '../bindings/gpio-output.ts';
import type { Level } from '../bindings/gpio.ts';
import type { Timers } from '../../shared/timers.ts';
import { barBitmap, BAR_GLYPHS, encodeLine } from './charset.ts';

export interface Hd44780Pins {
  rs: number;
  e: number;
  d4: number;
  d5: number;
  d6: number;
  d7: number;
}

/** BCM pins of the usual Pi wiring (clear of the beam counter's BCM 17/27). */
export const DEFAULT_PINS: Hd44780Pins = { rs: 25, e: 24, d4: 23, d5: 22, d6: 5, d7: 6 };
export const PIN_NAMES = ['rs', 'e', 'd4', 'd5', 'd6', 'd7'] as const;

export interface Geometry {
  cols: 16 | 20;
  rows: 2 | 4;
}

export const CMD = {
  clear: 0x01,
  home: 0x02,
  entryIncrement: 0x06,
  displayOff: 0x08,
  displayOn: 0x0c,
  functionSet4Bit2Lines: 0x28,
  setCgram: 0x40,
  setDdram: 0x80,
} as const;

/** Datasheet waits, ms (rounded up to what a millisecond timer can do). */
export const WAIT_MS = { powerOn: 50, afterFirst: 5, afterSecond: 1, instruction: 1, clear: 2 } as const;

export class Hd44780Error extends Error {
  override name = 'Hd44780Error';
}

/** "rs=25,e=24,d4=23,d5=22,d6=5,d7=6" (any order, all six) → pins; a clear error otherwise. */
export function parsePins(spec: string): Hd44780Pins {
  const pins: Partial<Hd44780Pins> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(rs|e|d4|d5|d6|d7)=(\d{1,2})$/.exec(part);
    if (!m) throw new Hd44780Error(`--pins: '${part}' is not NAME=BCM (names: ${PIN_NAMES.join(', ')}; e.g. ${pinsText(DEFAULT_PINS)})`);
    pins[m[1] as keyof Hd44780Pins] = Number(m[2]);
  }
  const missing = PIN_NAMES.filter((n) => pins[n] === undefined);
  if (missing.length) throw new Hd44780Error(`--pins: missing ${missing.join(', ')} (all six are needed, e.g. ${pinsText(DEFAULT_PINS)})`);
  const used = PIN_NAMES.map((n) => pins[n]!);
  if (new Set(used).size !== used.length) throw new Hd44780Error('--pins: each pin may be used once');
  return pins as Hd44780Pins;
}

export const pinsText = (p: Hd44780Pins): string => PIN_NAMES.map((n) => `${n}=${p[n]}`).join(',');

type Lines = Record<keyof Hd44780Pins, GpioOutputLine>;

export interface Hd44780Options extends Geometry {
  /** BCM pins (default DEFAULT_PINS), resolved against the header gpiochip's base (Bookworm: 512 / 571). */
  pins?: Hd44780Pins;
  /** Kernel GPIO number of BCM 0; skips reading sysfs. */
  chipBase?: number;
  chipLabel?: string;
  sysfsRoot?: string;
}

export class Hd44780 {
  readonly #lines: Lines;
  readonly #timers: Timers;
  readonly geometry: Geometry;
  /** What the driver last put on the glass (A00 codes per row), null before the first draw. */
  #shown: number[][] | null = null;
  #closed = false;

  private constructor(lines: Lines, geometry: Geometry, timers: Timers) {
    this.#lines = lines;
    this.geometry = geometry;
    this.#timers = timers;
  }

  /** Open the six lines (all low), run the datasheet's initialisation and define the level-bar glyphs. */
  static async open(binding: GpioOutputBinding, options: Hd44780Options, timers: Timers): Promise<Hd44780> {
    const pins = options.pins ?? DEFAULT_PINS;
    const kernel = options.chipBase !== undefined
      ? PIN_NAMES.map((n) => options.chipBase! + pins[n])
      : resolveGpioLines(PIN_NAMES.map((n) => pins[n]), { ...(options.sysfsRoot ? { sysfsRoot: options.sysfsRoot } : {}), ...(options.chipLabel ? { chipLabel: options.chipLabel } : {}) }).map((r) => r.line);
    const opened: GpioOutputLine[] = [];
    try {
      for (const line of kernel) opened.push(await binding.openOutput(line, 0));
    } catch (err) {
      for (const l of opened) l.release();
      throw err;
    }
    const lines = Object.fromEntries(PIN_NAMES.map((n, i) => [n, opened[i]!])) as Lines;
    const lcd = new Hd44780(lines, { cols: options.cols, rows: options.rows }, timers);
    try {
      await lcd.#init();
    } catch (err) {
      lcd.close();
      throw err;
    }
    return lcd;
  }

  /** Show `rows` (Unicode text, transliterated to ROM A00; BAR_GLYPHS from CGRAM), rewriting only changed cells. */
  async show(rows: readonly string[]): Promise<void> {
    const { cols, rows: n } = this.geometry;
    const next = Array.from({ length: n }, (_, r) => encodeLine(rows[r] ?? '', cols));
    for (let r = 0; r < n; r++) {
      const before = this.#shown?.[r];
      let c = 0;
      while (c < cols) {
        if (before && before[c] === next[r]![c]) {
          c++;
          continue;
        }
        // A run of changed cells: one address, then the bytes (the address counter increments, entry mode 0x06).
        let end = c;
        while (end < cols && !(before && before[end] === next[r]![end])) end++;
        await this.#command(CMD.setDdram | this.#rowAddress(r, c));
        for (let i = c; i < end; i++) await this.#data(next[r]![i]!);
        c = end;
      }
    }
    this.#shown = next;
  }

  /** Release the lines (the glass keeps its last text until power is removed). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const n of PIN_NAMES) this.#lines[n].release();
  }

  #rowAddress(row: number, col: number): number {
    return (row % 2 === 0 ? 0x00 : 0x40) + (row >= 2 ? this.geometry.cols : 0) + col;
  }

  async #init(): Promise<void> {
    await this.#wait(WAIT_MS.powerOn);
    this.#nibble(0, 0x3);
    await this.#wait(WAIT_MS.afterFirst);
    this.#nibble(0, 0x3);
    await this.#wait(WAIT_MS.afterSecond);
    this.#nibble(0, 0x3);
    await this.#wait(WAIT_MS.instruction);
    this.#nibble(0, 0x2);
    await this.#wait(WAIT_MS.instruction);
    await this.#command(CMD.functionSet4Bit2Lines);
    await this.#command(CMD.displayOff);
    await this.#command(CMD.clear);
    await this.#command(CMD.entryIncrement);
    for (let g = 0; g < BAR_GLYPHS.length; g++) {
      await this.#command(CMD.setCgram | (g << 3));
      for (const row of barBitmap(g + 1)) await this.#data(row);
    }
    await this.#command(CMD.displayOn);
  }

  async #command(byte: number): Promise<void> {
    this.#byte(0, byte);
    await this.#wait(byte === CMD.clear || byte === CMD.home ? WAIT_MS.clear : WAIT_MS.instruction);
  }

  async #data(byte: number): Promise<void> {
    this.#byte(1, byte);
    await this.#wait(WAIT_MS.instruction);
  }

  /** High nibble first, then low (4-bit interface, datasheet figure 17). */
  #byte(rs: Level, byte: number): void {
    this.#nibble(rs, byte >> 4);
    this.#nibble(rs, byte & 0x0f);
  }

  /** Put RS and D4–D7, then pulse E: the LCD latches on the falling edge. */
  #nibble(rs: Level, nibble: number): void {
    if (this.#closed) throw new Hd44780Error('the LCD was closed');
    const l = this.#lines;
    l.rs.write(rs);
    l.d4.write((nibble & 1) as Level);
    l.d5.write(((nibble >> 1) & 1) as Level);
    l.d6.write(((nibble >> 2) & 1) as Level);
    l.d7.write(((nibble >> 3) & 1) as Level);
    l.e.write(1);
    l.e.write(0);
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.#timers.setTimeout(resolve, ms));
  }
}
