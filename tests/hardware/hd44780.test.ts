/**
 * The HD44780 driver on a fake GPIO chip, read back by a model of the controller (hardware/hd44780/fake.ts) that
 * decodes the pin writes into the characters on the glass and rejects timing and nibble-order mistakes. BCM pins
 * are resolved against a fake Bookworm sysfs tree (Pi 4: gpiochip512).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { FakeGpioChip, fakeGpioOutputBinding } from '../../hardware/bindings/gpio-fake.ts';
import type { GpioOutputLine } from '../../hardware/bindings/gpio-output.ts';
import type { Level } from '../../hardware/bindings/gpio.ts';
import { ManualTimers } from '../../shared/timers.ts';
import { encodeText } from '../../hardware/hd44780/charset.ts';
import { DEFAULT_PINS, Hd44780, parsePins, PIN_NAMES, type Geometry } from '../../hardware/hd44780/driver.ts';
import { Hd44780Model } from '../../hardware/hd44780/fake.ts';
import { tempDir } from '../serial/helpers.ts';

const BASE = 512;
const trees: { remove(): void }[] = [];
afterEach(() => trees.splice(0).forEach((t) => t.remove()));

export function pi4Sysfs(): string {
  const t = tempDir('drukte-sysfs-');
  trees.push(t);
  const chip = join(t.dir, 'gpio', 'gpiochip512');
  mkdirSync(chip, { recursive: true });
  writeFileSync(join(chip, 'base'), `${BASE}\n`);
  writeFileSync(join(chip, 'label'), 'pinctrl-bcm2711\n');
  writeFileSync(join(chip, 'ngpio'), '58\n');
  return join(t.dir, 'gpio');
}

const wiring = () => Object.fromEntries(PIN_NAMES.map((n) => [n, BASE + DEFAULT_PINS[n]])) as Record<(typeof PIN_NAMES)[number], number>;

/** A fake chip, a model on its pins, and timers whose clock the model reads (plus `writeCostUs` per GPIO write). */
export function rig(geometry: Geometry, writeCostUs = 1) {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  const chip = new FakeGpioChip();
  const model = new Hd44780Model(chip, wiring(), geometry, () => clock.monotonic() * 1000, writeCostUs);
  return { clock, timers, chip, model, binding: fakeGpioOutputBinding(chip) };
}

/** Run `p` to completion, moving the injected timers along. */
async function drive<T>(timers: ManualTimers, p: Promise<T>): Promise<T> {
  let done = false;
  let failed = false;
  p.then(() => (done = true), () => (failed = true));
  for (let i = 0; i < 200 && !done && !failed; i++) await timers.advanceAsync(50);
  return p;
}

describe('HD44780 driver through the controller model', () => {
  it('initialises per the datasheet on Bookworm pin numbers and shows 20×4 text, transliterated', async () => {
    const r = rig({ cols: 20, rows: 4 });
    const lcd = await drive(r.timers, Hd44780.open(r.binding, { cols: 20, rows: 4, sysfsRoot: pi4Sysfs() }, r.timers));
    expect(r.model.violations).toEqual([]);
    expect(r.model.displayOn).toBe(true);
    expect(r.model.twoLines).toBe(true);
    expect(r.chip.isExported(BASE + DEFAULT_PINS.e)).toBe(true);
    expect(r.model.glass()).toEqual([' '.repeat(20), ' '.repeat(20), ' '.repeat(20), ' '.repeat(20)]);

    await drive(r.timers, lcd.show(['Geëvalueerd: café', 'Prijs € 3 · 40 m²', 'A▏▎▌▊█F', 'rij 4 ~ \\ einde']));
    expect(r.model.glass()).toEqual(['Geevalueerd: cafe   ', 'Prijs EUR 3 · 40 m2 ', 'A▏▎▌▊█F             ', 'rij 4 - / einde     ']);
    expect(r.model.violations).toEqual([]);
  });

  it('rewrites only the cells that changed', async () => {
    const r = rig({ cols: 16, rows: 2 });
    const lcd = await drive(r.timers, Hd44780.open(r.binding, { cols: 16, rows: 2, chipBase: BASE }, r.timers));
    await drive(r.timers, lcd.show(['12 mensen      D', 'druk / busy']));
    const writes = r.model.log.length;
    await drive(r.timers, lcd.show(['12 mensen      D', 'druk / busy']));
    expect(r.model.log.length).toBe(writes);
    await drive(r.timers, lcd.show(['13 mensen      D', 'druk / busy']));
    expect(r.model.log.slice(writes)).toEqual([[0, 0x80 | 1], [1, '3'.charCodeAt(0)]]);
    expect(r.model.glass()).toEqual(['13 mensen      D', 'druk / busy     ']);
  });

  it('parses --pins and says what is wrong', () => {
    expect(parsePins('rs=7,e=8,d4=9,d5=10,d6=11,d7=12')).toEqual({ rs: 7, e: 8, d4: 9, d5: 10, d6: 11, d7: 12 });
    expect(() => parsePins('rs=7,e=8')).toThrow(/missing d4, d5, d6, d7/);
    expect(() => parsePins('rs=7,e=7,d4=9,d5=10,d6=11,d7=12')).toThrow(/once/);
    expect(() => parsePins('rw=3')).toThrow(/'rw=3' is not NAME=BCM/);
  });
});

/** A hand-written (broken) driver on the same pins: each test makes one datasheet mistake. */
describe('the controller model rejects what a real HD44780 would garble', () => {
  async function raw(writeCostUs = 1) {
    const r = rig({ cols: 20, rows: 4 }, writeCostUs);
    const w = wiring();
    const lines = {} as Record<(typeof PIN_NAMES)[number], GpioOutputLine>;
    for (const n of PIN_NAMES) lines[n] = await r.binding.openOutput(w[n], 0);
    // Test oracle: the 4-bit write written out again here, on purpose, instead of the driver's #nibble, so the
    // model is fed sequences the driver never sends (too fast, out of order) and checks the datasheet, not the driver.
    const nibble = (rs: Level, n: number) => {
      lines.rs.write(rs);
      lines.d4.write((n & 1) as Level);
      lines.d5.write(((n >> 1) & 1) as Level);
      lines.d6.write(((n >> 2) & 1) as Level);
      lines.d7.write(((n >> 3) & 1) as Level);
      lines.e.write(1);
      lines.e.write(0);
    };
    const wait = (ms: number) => r.timers.advance(ms);
    const byte = (rs: Level, b: number) => {
      nibble(rs, b >> 4);
      nibble(rs, b & 15);
    };
    /** The correct sequence up to and including the 4-bit switch. */
    const init4 = () => {
      wait(50); nibble(0, 3); wait(5); nibble(0, 3); wait(1); nibble(0, 3); wait(1); nibble(0, 2); wait(1);
    };
    return { ...r, lines, nibble, byte, wait, init4 };
  }

  it('an instruction within 40 ms of power-on', async () => {
    const t = await raw();
    t.wait(10);
    expect(() => t.nibble(0, 3)).toThrow(/first instruction 10\.0 ms after power-on: wait more than 40 ms/);
  });

  it('skipping the 4.1 ms wait after the first 0x3', async () => {
    const t = await raw();
    t.wait(50);
    t.nibble(0, 3);
    expect(() => t.nibble(0, 3)).toThrow(/too early: the controller is still busy/);
  });

  it('the low nibble before the high one (function set 0x28 sent as 8, 2)', async () => {
    const t = await raw();
    t.init4();
    t.nibble(0, 0x8);
    expect(() => t.nibble(0, 0x2)).toThrow(/first byte in 4-bit mode must be a function set \(0x2X\), got 0x82 \(nibbles swapped\?\)/);
  });

  it("swapped nibbles for a letter ('A' 0x41 arrives as 0x14)", async () => {
    const t = await raw();
    t.init4();
    for (const b of [0x28, 0x0c, 0x06]) {
      t.byte(0, b);
      t.wait(1);
    }
    t.nibble(1, 0x1);
    expect(() => t.nibble(1, 0x4)).toThrow(/character code 0x14 has no glyph in ROM A00 \(nibbles swapped\?\)/);
  });

  it('a nibble lost on the way (RS flips between the two halves of a byte)', async () => {
    const t = await raw();
    t.init4();
    t.byte(0, 0x28);
    t.wait(1);
    t.nibble(0, 0x8);
    expect(() => t.nibble(1, 0x0)).toThrow(/RS changed between the high and the low nibble/);
  });

  it('data bytes without the 37 µs execution time between them', async () => {
    const t = await raw();
    t.init4();
    t.byte(0, 0x28);
    t.wait(1);
    t.byte(1, 0x41);
    expect(() => t.byte(1, 0x42)).toThrow(/too early/);
  });

  it('data changing while E is high', async () => {
    const t = await raw();
    t.init4();
    t.lines.e.write(1);
    expect(() => t.lines.d7.write(1)).toThrow(/D7 changed while E was high/);
  });

  it('an enable pulse shorter than 450 ns (GPIO writes faster than the bus allows)', async () => {
    const t = await raw(0.1);
    t.wait(50);
    expect(() => t.nibble(0, 3)).toThrow(/enable pulse 0\.10 µs < 0\.45 µs/);
  });

  it('a DDRAM address that does not exist in 2-line mode', async () => {
    const t = await raw();
    t.init4();
    t.byte(0, 0x28);
    t.wait(1);
    expect(() => t.byte(0, 0x80 | 0x30)).toThrow(/DDRAM address 0x30 does not exist in 2-line mode/);
  });

  it('the model decodes ROM codes back (round trip of the transliteration)', () => {
    expect(encodeText('ä ö ü ß ° ·')).toEqual([0xe1, 0x20, 0xef, 0x20, 0xf5, 0x20, 0xe2, 0x20, 0xdf, 0x20, 0xa5]);
  });
});
