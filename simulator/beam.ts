/**
 * A simulated two-beam entrance counter: an EntranceScenario (beam-scenario.ts) played in real time onto a fake
 * GPIO chip, as the receivers' real signal (open collector: a broken beam pulls its line LOW, an intact one lets
 * the pull-up hold it HIGH, docs/RADAR-PROTOCOLS.md §4). The firmware's beam device reads it through the fake GPIO binding,
 * exactly as it reads onoff on a Pi.
 *
 *   const sim = startSimulatedBeamCounter({ scenario: new EntranceScenario({ seed: 7 }), clock, timers });
 *   await startSensor({ …, driver: 'beam' }, { device: { kind: 'beam', beam: sim.beam, binding: sim.binding }, clock, logger });
 *   …
 *   sim.stop();
 *
 * Scenario time 0 is `originMs` (default: the clock's wall time at start), so the hall starts empty.
 */
import type { Clock } from '../shared/clock.ts';
import type { BeamConfig } from '../hardware/beam/source.ts';
import { FakeGpioChip, fakeGpioBinding } from '../hardware/bindings/gpio-fake.ts';
import type { GpioBinding } from '../hardware/bindings/gpio.ts';
import type { TimerHandle, Timers } from '../shared/timers.ts';
import type { BeamEvent, EntranceScenario } from './beam-scenario.ts';

export interface SimulatedBeamOptions {
  scenario: EntranceScenario;
  clock: Clock;
  timers: Timers;
  /** BCM pins of beams A (outside) and B (inside). Default 17 and 27. */
  pinA?: number;
  pinB?: number;
  /** Kernel GPIO number of BCM 0 on the simulated chip. Default 512 (a Pi 4 on Bookworm). */
  chipBase?: number;
  /** Wall time (Unix ms) of scenario time 0. Default: clock.now() at start. */
  originMs?: number;
}

export interface SimulatedBeamCounter {
  /** The fake GPIO binding to hand to the beam device. */
  readonly binding: GpioBinding;
  readonly chip: FakeGpioChip;
  /** Pins and chip base for the beam device (no sysfs needed). Add counter options (debounce, drift) as you like. */
  readonly beam: BeamConfig;
  readonly scenario: EntranceScenario;
  /** People inside now, according to the scenario. */
  groundTruth(): number;
  /** Beam changes played so far. */
  readonly played: number;
  stop(): void;
}

const LOOKAHEAD_MS = 5000;

export function startSimulatedBeamCounter(options: SimulatedBeamOptions): SimulatedBeamCounter {
  const { scenario, clock, timers } = options;
  const pinA = options.pinA ?? 17;
  const pinB = options.pinB ?? 27;
  const chipBase = options.chipBase ?? 512;
  const origin = options.originMs ?? clock.now();
  const chip = new FakeGpioChip();
  const lines = { a: chipBase + pinA, b: chipBase + pinB };
  let queue: BeamEvent[] = [];
  let horizon = clock.now() - origin; // scenario time up to which events were fetched
  let timer: TimerHandle | null = null;
  let stopped = false;
  let played = 0;

  const apply = (e: BeamEvent): void => {
    if (e.broken) chip.drive(lines[e.beam], 0);
    else chip.release(lines[e.beam]);
    played++;
  };

  const schedule = (): void => {
    if (stopped) return;
    if (queue.length === 0) {
      queue = scenario.beamEvents(horizon, horizon + LOOKAHEAD_MS);
      horizon += LOOKAHEAD_MS;
      if (queue.length === 0) {
        timer = timers.setTimeout(schedule, Math.max(0, origin + horizon - clock.now()));
        return;
      }
    }
    const next = queue[0]!;
    timer = timers.setTimeout(() => {
      // Play this event and everything else due by now (real timers fire late; keep the order).
      apply(queue.shift()!);
      const now = clock.now() - origin;
      while (queue.length && queue[0]!.atMs <= now) apply(queue.shift()!);
      schedule();
    }, Math.max(0, origin + next.atMs - clock.now()));
  };
  schedule();

  const binding = fakeGpioBinding(chip);
  return {
    binding,
    chip,
    beam: { pinA, pinB, chipBase },
    scenario,
    groundTruth: () => scenario.insideAt(clock.now() - origin),
    get played() {
      return played;
    },
    stop() {
      stopped = true;
      timers.clearTimeout(timer);
    },
  };
}
