/**
 * A model of an HD44780 wired to a FakeGpioChip: it watches the writes to RS, E and D4–D7 (R/W tied low), decodes
 * them as the controller would and keeps DDRAM/CGRAM, so a test reads back the characters on the glass. It rejects
 * what a real module would silently garble (Hitachi HD44780U datasheet, ADE-207-272):
 *
 *   - initialisation (figure 24): the first instruction earlier than 40 ms after power-on; not three 8-bit function
 *     sets (0x3) followed by 0x2; less than 4.1 ms after the first or 100 µs after the second;
 *   - timing (table "bus timing", VCC 2.7–4.5 V): enable pulse shorter than 450 ns, enable cycle shorter than
 *     1000 ns, RS or data changing while E is high, a new instruction before the previous one finished (37 µs;
 *     1.52 ms for clear and home) — the controller is busy and would drop it;
 *   - 4-bit protocol: RS changing between the two nibbles of a byte, anything but a function set as the first byte
 *     in 4-bit mode, a DDRAM address that does not exist for the line mode, a character code with no glyph in ROM
 *     A00 (0x10–0x1F: what swapped nibbles make of letters such as 'A' 0x41 → 0x14).
 *
 * Each violation throws Hd44780Violation from the write that caused it (so the driver's promise rejects) and is kept
 * in `violations`. Time comes from an injected `nowUs()`: tests use the ManualTimers clock plus a fixed cost per GPIO
 * write (`writeCostUs`, default 1 µs; a sysfs write on a Pi takes several), so the sub-microsecond pin timing is
 * checked too.
 */
import type { FakeGpioChip } from '../bindings/gpio-fake.ts';
import type { Level } from '../bindings/gpio.ts';
import { BAR_GLYPHS, decodeRom, isUndefinedCode } from './charset.ts';
import type { Geometry, Hd44780Pins } from './driver.ts';

export class Hd44780Violation extends Error {
  override name = 'Hd44780Violation';
}

/** Kernel GPIO numbers the module is wired to (the driver's pin names). */
export type ModelWiring = Hd44780Pins;

const T = { powerOnUs: 40_000, afterFirstUs: 4_100, afterSecondUs: 100, execUs: 37, clearUs: 1_520, pulseUs: 0.45, cycleUs: 1 } as const;

type Phase = 'power-on' | 'init1' | 'init2' | 'init3' | 'need-function-set' | 'ready';

export class Hd44780Model {
  readonly violations: string[] = [];
  readonly ddram = new Uint8Array(0x80).fill(0x20);
  readonly cgram = new Uint8Array(64);
  /** Completed instructions and data writes, for tests: [rs, byte]. */
  readonly log: Array<[Level, number]> = [];
  displayOn = false;
  twoLines = false;
  #phase: Phase = 'power-on';
  readonly #poweredAt: number;
  #level: Record<keyof ModelWiring, Level> = { rs: 0, e: 0, d4: 0, d5: 0, d6: 0, d7: 0 };
  readonly #byLine = new Map<number, keyof ModelWiring>();
  #eRoseAt = -Infinity;
  #lastRise = -Infinity;
  /** When the controller is free again (end of the last instruction's execution time). */
  #busyUntil = -Infinity;
  #highNibble: { rs: Level; value: number } | null = null;
  #ac = 0;
  #target: 'ddram' | 'cgram' = 'ddram';
  #writes = 0;
  readonly #unsubscribe: () => void;

  constructor(chip: FakeGpioChip, wiring: ModelWiring, readonly geometry: Geometry, private readonly clockUs: () => number, private readonly writeCostUs = 1) {
    for (const [name, line] of Object.entries(wiring)) this.#byLine.set(line, name as keyof ModelWiring);
    this.#poweredAt = this.#now();
    this.#unsubscribe = chip.onOutput((line, level) => this.#write(line, level));
  }

  detach(): void {
    this.#unsubscribe();
  }

  /** The text on the glass, one string per row; CGRAM characters shown by their bitmap (level-bar glyphs). */
  glass(): string[] {
    const { cols, rows } = this.geometry;
    return Array.from({ length: rows }, (_, r) => {
      if (!this.displayOn) return ' '.repeat(cols);
      const start = (r % 2 === 0 ? 0x00 : 0x40) + (r >= 2 ? cols : 0);
      return Array.from(this.ddram.subarray(start, start + cols), (code) => (code < 0x10 ? this.#glyph(code & 7) : decodeRom(code))).join('');
    });
  }

  #now(): number {
    return this.clockUs() + this.#writes * this.writeCostUs;
  }

  #glyph(code: number): string {
    const rows = Array.from(this.cgram.subarray(code * 8, code * 8 + 8));
    if (rows[7] === 0 && rows.slice(0, 7).every((r) => r === rows[0])) {
      const lit = [0x10, 0x18, 0x1c, 0x1e, 0x1f].indexOf(rows[0]!);
      if (lit >= 0) return BAR_GLYPHS[lit]!;
      if (rows[0] === 0) return ' ';
    }
    return '▒'; // some other user-defined glyph
  }

  #fail(message: string): never {
    this.violations.push(message);
    throw new Hd44780Violation(message);
  }

  #write(line: number, level: Level): void {
    const pin = this.#byLine.get(line);
    if (!pin) return;
    this.#writes++;
    const now = this.#now();
    const before = this.#level[pin];
    this.#level[pin] = level;
    if (pin !== 'e') {
      if (this.#level.e === 1 && before !== level) this.#fail(`${pin.toUpperCase()} changed while E was high (set RS and D4–D7 before raising E)`);
      return;
    }
    if (before === level) return;
    if (level === 1) {
      if (now - this.#lastRise < T.cycleUs) this.#fail(`enable cycle ${(now - this.#lastRise).toFixed(2)} µs < ${T.cycleUs} µs`);
      if (now < this.#busyUntil) this.#fail(`instruction sent ${(this.#busyUntil - now).toFixed(1)} µs too early: the controller is still busy with the previous one`);
      this.#eRoseAt = now;
      this.#lastRise = now;
      return;
    }
    if (now - this.#eRoseAt < T.pulseUs) this.#fail(`enable pulse ${(now - this.#eRoseAt).toFixed(2)} µs < ${T.pulseUs} µs`);
    this.#latch(now);
  }

  /** E fell: latch D4–D7 (and RS). */
  #latch(now: number): void {
    const l = this.#level;
    const nibble = l.d4 | (l.d5 << 1) | (l.d6 << 2) | (l.d7 << 3);
    if (this.#phase !== 'ready' && this.#phase !== 'need-function-set') return this.#initStep(nibble, now);
    if (!this.#highNibble) {
      this.#highNibble = { rs: l.rs, value: nibble };
      return;
    }
    if (this.#highNibble.rs !== l.rs) this.#fail('RS changed between the high and the low nibble of one byte (nibbles out of step)');
    const byte = (this.#highNibble.value << 4) | nibble;
    this.#highNibble = null;
    this.log.push([l.rs, byte]);
    if (l.rs === 1) this.#dataWrite(byte, now);
    else this.#instruction(byte, now);
  }

  /** Figure 24: in 8-bit mode each E pulse is a whole instruction with DB3–DB0 low: 0x3, 0x3, 0x3, then 0x2. */
  #initStep(nibble: number, now: number): void {
    const step = { 'power-on': 1, init1: 2, init2: 3, init3: 4 }[this.#phase as 'power-on' | 'init1' | 'init2' | 'init3'];
    if (this.#level.rs !== 0) this.#fail(`initialisation step ${step}: RS must be low`);
    const expected = step === 4 ? 0x2 : 0x3;
    if (nibble !== expected) this.#fail(`initialisation step ${step}: expected 0x${expected}, got 0x${nibble.toString(16)}`);
    if (step === 1 && now - this.#poweredAt < T.powerOnUs) this.#fail(`first instruction ${((now - this.#poweredAt) / 1000).toFixed(1)} ms after power-on: wait more than 40 ms`);
    this.#busyUntil = now + (step === 1 ? T.afterFirstUs : step === 2 ? T.afterSecondUs : T.execUs);
    this.#phase = step === 1 ? 'init1' : step === 2 ? 'init2' : step === 3 ? 'init3' : 'need-function-set';
  }

  #instruction(byte: number, now: number): void {
    let exec: number = T.execUs;
    if (this.#phase === 'need-function-set') {
      if ((byte & 0xe0) !== 0x20) this.#fail(`first byte in 4-bit mode must be a function set (0x2X), got 0x${byte.toString(16).padStart(2, '0')} (nibbles swapped?)`);
      this.#phase = 'ready';
    }
    if (byte & 0x80) {
      const addr = byte & 0x7f;
      const valid = this.twoLines ? addr <= 0x27 || (addr >= 0x40 && addr <= 0x67) : addr <= 0x4f;
      if (!valid) this.#fail(`DDRAM address 0x${addr.toString(16)} does not exist in ${this.twoLines ? '2' : '1'}-line mode`);
      this.#ac = addr;
      this.#target = 'ddram';
    } else if (byte & 0x40) {
      this.#ac = byte & 0x3f;
      this.#target = 'cgram';
    } else if (byte & 0x20) {
      if (byte & 0x10) this.#fail('function set with DL = 1 (8-bit) on a 4-bit bus');
      this.twoLines = (byte & 0x08) !== 0;
    } else if (byte & 0x10) {
      // cursor/display shift: not used by the driver, harmless
    } else if (byte & 0x08) {
      this.displayOn = (byte & 0x04) !== 0;
    } else if (byte & 0x04) {
      if ((byte & 0x02) === 0 || (byte & 0x01) !== 0) this.#fail(`entry mode 0x${byte.toString(16)}: this model supports increment without shift (0x06) only`);
    } else if (byte & 0x02) {
      this.#ac = 0;
      this.#target = 'ddram';
      exec = T.clearUs;
    } else if (byte & 0x01) {
      this.ddram.fill(0x20);
      this.#ac = 0;
      this.#target = 'ddram';
      exec = T.clearUs;
    }
    this.#busyUntil = now + exec;
  }

  #dataWrite(byte: number, now: number): void {
    if (this.#target === 'cgram') {
      this.cgram[this.#ac] = byte & 0x1f;
      this.#ac = (this.#ac + 1) & 0x3f;
    } else {
      if (isUndefinedCode(byte)) this.#fail(`character code 0x${byte.toString(16)} has no glyph in ROM A00 (nibbles swapped?)`);
      this.ddram[this.#ac] = byte;
      // 2-line mode: 0x27 → 0x40, 0x67 → 0x00 (datasheet: address counter wraps between the lines).
      this.#ac = this.twoLines ? (this.#ac === 0x27 ? 0x40 : this.#ac === 0x67 ? 0x00 : this.#ac + 1) : (this.#ac + 1) % 0x50;
    }
    this.#busyUntil = now + T.execUs + 4;
  }
}
