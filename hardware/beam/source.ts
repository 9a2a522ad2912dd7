/**
 * The two-beam counter on GPIO: opens beams A and B through a GpioBinding, feeds their edges into a BeamCounter
 * (counter.ts) and emits the occupancy as RawFrame.fromOccupancy every `periodMs` (default 1 s, drivers.ts
 * NOMINAL_FPS.beam) into the pipeline.
 *
 * Pins are BCM numbers, resolved to kernel GPIO numbers against the header gpiochip's base read from sysfs
 * (hardware/bindings/gpio-chip.ts), or against an explicit `chipBase`. Break = LOW with a pull-up by default
 * (docs/RADAR-PROTOCOLS.md §4); `brokenLevel: 1` for active-high receivers.
 *
 * The counter lives as long as this object: closing and reopening the lines (after a GPIO fault) keeps the count.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import { RawFrame } from '../frame.ts';
import { resolveGpioLines } from '../bindings/gpio-chip.ts';
import type { GpioBinding, GpioLine, Level, Pull } from '../bindings/gpio.ts';
import type { TimerHandle, Timers } from '../../shared/timers.ts';
import { BeamCounter, type Beam, type BeamCounterOptions, type BeamCounterStats } from './counter.ts';

export interface BeamConfig extends BeamCounterOptions {
  /** BCM GPIO number of beam A (the outer beam with the default inDirection). */
  pinA: number;
  /** BCM GPIO number of beam B (the inner beam). */
  pinB: number;
  /** Level a line reads while its beam is broken. Default 0 (open-collector receiver + pull-up). */
  brokenLevel?: Level;
  /** Pull resistor to request. Default 'up'. */
  pull?: Pull;
  /** How often the occupancy is emitted, ms. Default 1000. */
  periodMs?: number;
  /**
   * A beam broken for longer than this is a fault, not a person (a box in the doorway, a misaligned reflector): the
   * counter would silently stop counting. Seconds; default 120. The count is kept; the device reopens with back-off.
   */
  stuckAfterSeconds?: number;
  /** Kernel GPIO number of BCM 0; skips reading sysfs (boards without sysfs chip info, simulations). */
  chipBase?: number;
  /** Label of the gpiochip with the header pins (default: pinctrl-rp1, pinctrl-bcm2711, pinctrl-bcm2835). */
  chipLabel?: string;
  /** sysfs GPIO root. Default /sys/class/gpio. */
  sysfsRoot?: string;
}

export interface BeamDeps {
  binding: GpioBinding;
  clock: Clock;
  timers: Timers;
  logger?: Logger;
}

export interface BeamInfo {
  pins: { a: { bcm: number; line: number }; b: { bcm: number; line: number } };
  chip: string;
  pullApplied: boolean;
}

export class BeamCounterSource {
  readonly counter: BeamCounter;
  readonly #config: BeamConfig;
  readonly #deps: BeamDeps;
  #lines: GpioLine[] = [];
  #timer: TimerHandle | null = null;
  /** Monotonic ms since which each beam has been broken without a break, or null. */
  #brokenSince: { a: number | null; b: number | null } = { a: null, b: null };
  #onFrame: ((frame: RawFrame) => void) | null = null;
  #onLost: ((reason: string, cause?: 'scene') => void) | null = null;

  constructor(config: BeamConfig, deps: BeamDeps) {
    const problems: string[] = [];
    for (const key of ['pinA', 'pinB'] as const) if (!(Number.isInteger(config[key]) && config[key] >= 0 && config[key] < 64)) problems.push(`${key} must be a BCM GPIO number 0–63`);
    if (config.pinA === config.pinB) problems.push('pinA and pinB must differ');
    if (config.periodMs !== undefined && !(config.periodMs >= 100 && config.periodMs <= 60_000)) problems.push('periodMs must be 100–60000');
    if (config.brokenLevel !== undefined && config.brokenLevel !== 0 && config.brokenLevel !== 1) problems.push('brokenLevel must be 0 or 1');
    if (problems.length) throw new RangeError(`beam counter: ${problems.join('; ')}`);
    this.#config = config;
    this.#deps = deps;
    this.counter = new BeamCounter(config, deps.clock.monotonic());
  }

  /** Occupancy frames, one per period while open. */
  onFrame(listener: (frame: RawFrame) => void): void {
    this.#onFrame = listener;
  }

  /** A line failed after opening (the device lifecycle closes and reopens). */
  /** `cause` 'scene': caused by what is in front of the beams (blocked too long), not by the hardware. */
  onLost(listener: (reason: string, cause?: 'scene') => void): void {
    this.#onLost = listener;
  }

  get stats(): BeamCounterStats {
    return this.counter.stats;
  }

  /** Resolve and open both lines, read their levels, watch them, start emitting. */
  async open(): Promise<BeamInfo> {
    const c = this.#config;
    const { binding, clock, timers, logger } = this.#deps;
    const resolved = c.chipBase !== undefined
      ? [c.pinA, c.pinB].map((bcm) => ({ bcm, line: c.chipBase! + bcm, chip: `base ${c.chipBase}` }))
      : resolveGpioLines([c.pinA, c.pinB], { sysfsRoot: c.sysfsRoot, chipLabel: c.chipLabel }).map((r) => ({ bcm: r.bcm, line: r.line, chip: r.chip.label || r.chip.name }));
    const [ra, rb] = resolved as [(typeof resolved)[0], (typeof resolved)[0]];
    const pull = c.pull ?? 'up';
    const brokenLevel = c.brokenLevel ?? 0;
    await this.close();
    try {
      this.#lines = [await binding.open(ra.line, 'both', pull)];
      this.#lines.push(await binding.open(rb.line, 'both', pull));
      const [la, lb] = this.#lines as [GpioLine, GpioLine];
      const watch = (beam: Beam, line: GpioLine): void =>
        line.watch((level) => this.counter.edge(beam, level === brokenLevel, clock.monotonic()), (err) => this.#onLost?.(`GPIO ${line.line} failed: ${err.message}`));
      watch('a', la);
      watch('b', lb);
      // Levels now (read after watching, so no edge falls in between). A beam already broken is an episode in
      // progress, which counts nothing.
      this.counter.resync({ a: (await la.read()) === brokenLevel, b: (await lb.read()) === brokenLevel });
    } catch (err) {
      await this.close();
      throw err;
    }
    const pullApplied = this.#lines.every((l) => l.pullApplied);
    if (!pullApplied && pull !== 'none') {
      logger?.warn(`this GPIO binding cannot set pull resistors: add 'gpio=${c.pinA},${c.pinB}=ip,p${pull === 'up' ? 'u' : 'd'}' to /boot/firmware/config.txt and reboot`);
    }
    this.#brokenSince = { a: null, b: null };
    const stuckMs = (c.stuckAfterSeconds ?? 120) * 1000;
    this.#timer = timers.setInterval(() => {
      const mono = clock.monotonic();
      this.counter.tick(mono, clock.now());
      for (const beam of ['a', 'b'] as const) {
        if (!this.counter.broken(beam)) this.#brokenSince[beam] = null;
        else if ((this.#brokenSince[beam] ??= mono) <= mono - stuckMs) {
          this.#brokenSince[beam] = null;
          this.#onLost?.(`beam ${beam.toUpperCase()} (BCM ${beam === 'a' ? c.pinA : c.pinB}) blocked for more than ${stuckMs / 1000} s: remove the obstruction or realign the beam`, 'scene');
          return;
        }
      }
      this.#onFrame?.(RawFrame.fromOccupancy(this.counter.occupancy));
    }, c.periodMs ?? 1000);
    return { pins: { a: { bcm: ra.bcm, line: ra.line }, b: { bcm: rb.bcm, line: rb.line } }, chip: ra.chip, pullApplied };
  }

  /** Stop emitting and release the lines (idempotent). */
  async close(): Promise<void> {
    if (this.#timer) this.#deps.timers.clearInterval(this.#timer);
    this.#timer = null;
    for (const line of this.#lines) line.unexport();
    this.#lines = [];
  }
}
