/**
 * The two-beam counter on (fake) GPIO: BCM pins resolved against a fake sysfs tree, edges from the fake chip, one
 * occupancy frame per second on injected timers; and the entrance simulator played through it for a whole event.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { BeamCounterSource } from '../../hardware/beam/source.ts';
import { BeamFrameParser, BEAM_BAD_INPUT_REASON } from '../../hardware/beam/parser.ts';
import { RawFrame } from '../../hardware/frame.ts';
import { FakeGpioChip, fakeGpioBinding } from '../../hardware/bindings/gpio-fake.ts';
import { GpioUnavailable } from '../../hardware/bindings/gpio-chip.ts';
import { ManualTimers } from '../../shared/timers.ts';
import { EntranceScenario } from '../../simulator/beam-scenario.ts';
import { startSimulatedBeamCounter } from '../../simulator/beam.ts';
import { tempDir } from '../serial/helpers.ts';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const trees: { remove(): void }[] = [];
afterEach(() => trees.splice(0).forEach((t) => t.remove()));

function pi4Sysfs(): string {
  const t = tempDir('drukte-sysfs-');
  trees.push(t);
  const chip = join(t.dir, 'gpio', 'gpiochip512');
  mkdirSync(chip, { recursive: true });
  writeFileSync(join(chip, 'base'), '512\n');
  writeFileSync(join(chip, 'label'), 'pinctrl-bcm2711\n');
  writeFileSync(join(chip, 'ngpio'), '58\n');
  return join(t.dir, 'gpio');
}

describe('beam counter source on GPIO', () => {
  it('resolves BCM 17/27 against sysfs, counts break-beam pulses and emits the occupancy every second', async () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const chip = new FakeGpioChip();
    const source = new BeamCounterSource({ pinA: 17, pinB: 27, sysfsRoot: pi4Sysfs() }, { binding: fakeGpioBinding(chip), clock, timers });
    const frames: number[] = [];
    source.onFrame((f) => frames.push(f.occupancy!));
    const info = await source.open();
    expect(info).toMatchObject({ pins: { a: { bcm: 17, line: 529 }, b: { bcm: 27, line: 539 } }, chip: 'pinctrl-bcm2711', pullApplied: true });
    expect(chip.isExported(529) && chip.isExported(539)).toBe(true);

    // Somebody walks in: A breaks (LOW), B breaks, A clears, B clears — the receivers' real signal.
    const walk = (first: number, second: number): void => {
      chip.drive(first, 0);
      timers.advance(40);
      chip.drive(second, 0);
      timers.advance(190);
      chip.release(first);
      timers.advance(40);
      chip.release(second);
    };
    walk(529, 539);
    timers.advance(1000 - 270);
    walk(529, 539);
    timers.advance(1000 - 270);
    walk(539, 529);
    timers.advance(1000 - 270);
    expect(frames).toEqual([1, 2, 1]);

    await source.close();
    expect(chip.isExported(529)).toBe(false);
    timers.advance(5000);
    expect(frames).toHaveLength(3);
  });

  it('says clearly when the kernel has no sysfs GPIO', async () => {
    const clock = new ManualClock(T0);
    const missing = join(tempDir('drukte-nosysfs-').dir, 'gpio');
    const source = new BeamCounterSource({ pinA: 17, pinB: 27, sysfsRoot: missing }, { binding: fakeGpioBinding(), clock, timers: new ManualTimers(clock) });
    const err = await source.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpioUnavailable);
    expect((err as Error).message).toMatch(/^no sysfs GPIO at .*: this kernel\/container has no GPIO access; on a Pi run as a user in the gpio group$/);
  });

  it('refuses bad pin settings at construction', () => {
    const clock = new ManualClock(T0);
    const deps = { binding: fakeGpioBinding(), clock, timers: new ManualTimers(clock) };
    expect(() => new BeamCounterSource({ pinA: 17, pinB: 17 }, deps)).toThrow(/pinA and pinB must differ/);
    expect(() => new BeamCounterSource({ pinA: -1, pinB: 99, periodMs: 5 }, deps)).toThrow(/pinA must be .*; pinB must be .*; periodMs must be 100–60000/);
  });

  it('the beam parser passes occupancy frames and flags anything else as noise', () => {
    const parser = new BeamFrameParser();
    const out: unknown[] = [];
    parser.on('data', (e) => out.push(e));
    parser.write(RawFrame.fromOccupancy(250));
    parser.write(Buffer.from([1, 2, 3]));
    expect(out).toHaveLength(2);
    expect((out[0] as { type: string; frame: RawFrame }).frame.occupancy).toBe(250);
    expect(out[1]).toEqual({ type: 'noise', reason: BEAM_BAD_INPUT_REASON });
  });
});

describe('simulated event entrance through the fake GPIO', () => {
  it('a whole event with hundreds inside: the counter follows the ground truth exactly', async () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const scenario = new EntranceScenario({ seed: 7, peakInside: 400, cycleSeconds: 900 });
    expect(scenario.peak).toBeGreaterThanOrEqual(380);
    const sim = startSimulatedBeamCounter({ scenario, clock, timers });
    const source = new BeamCounterSource({ ...sim.beam, debounceMs: 20 }, { binding: sim.binding, clock, timers });
    const seen: { t: number; occupancy: number }[] = [];
    source.onFrame((f) => seen.push({ t: clock.now() - T0, occupancy: f.occupancy! }));
    await source.open();

    timers.advance(900_000);
    expect(seen).toHaveLength(900);
    // Compare where nobody finished a passage in the last 100 ms (the counter counts after the 20 ms debounce).
    const stable = seen.filter((s) => scenario.insideAt(s.t) === scenario.insideAt(s.t - 100));
    expect(stable.length).toBeGreaterThan(800);
    for (const s of stable) expect(s.occupancy, `at ${s.t} ms`).toBe(scenario.insideAt(s.t));
    expect(Math.max(...seen.map((s) => s.occupancy))).toBe(scenario.peak);
    expect(seen.at(-1)?.occupancy).toBe(0); // everybody left
    const turnBacks = scenario.passages.filter((p) => p.kind.startsWith('turn-back')).length;
    expect(source.stats.turnedBack).toBe(turnBacks);
    expect(source.stats.flickers).toBeGreaterThan(0);
    sim.stop();
    await source.close();
  });
});

describe('a blocked beam', () => {
  it('is reported as a fault after stuckAfterSeconds, not counted; a person lingering for less is fine', async () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const chip = new FakeGpioChip();
    const source = new BeamCounterSource({ pinA: 17, pinB: 27, chipBase: 512, stuckAfterSeconds: 60 }, { binding: fakeGpioBinding(chip), clock, timers });
    const lost: string[] = [];
    source.onLost((reason) => lost.push(reason));
    await source.open();
    chip.drive(529, 0); // someone stands in beam A for 50 s, then walks away
    timers.advance(50_000);
    chip.release(529);
    timers.advance(20_000);
    expect(lost).toEqual([]);
    chip.drive(539, 0); // a box left in the doorway across beam B
    timers.advance(61_000);
    expect(lost).toEqual(['beam B (BCM 27) blocked for more than 60 s: remove the obstruction or realign the beam']);
    expect(source.counter.occupancy).toBe(0);
    await source.close();
  });
});
