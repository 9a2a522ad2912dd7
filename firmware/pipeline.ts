/**
 * The sensor's data path, without any network: bytes ─► driver parser ─► minimiser ─► window results.
 *
 * The live firmware (firmware/sensor.ts) and `drukte replay` both run exactly this code; only the clock and the
 * sink differ (the firmware calls push() per chunk, replay writes to `input`, which calls the same push()). So "what would this sensor have published for this recording?" has one answer.
 */
import { Writable } from 'node:stream';
import type { Clock } from '../shared/clock.ts';
import type { DriverName } from '../shared/manifest.ts';
import { createReportDecoder, type DriverEvent } from '../hardware/drivers.ts';
import { createMinimiser, type MinimiserSettings, type WindowResult } from './minimiser/minimiser.ts';

export interface PipelineHooks {
  /** Called before each report frame is stamped with the clock (replay advances its clock here). */
  beforeFrame?: () => void;
  /** Called for each accepted report frame with its index and number of targets — counts only, never positions. */
  onFrame?: (index: number, targets: number) => void;
  /** A window result due for publishing. */
  onResult: (result: WindowResult) => void;
  /** Line noise that suggests a wiring or baud-rate fault (reason is fixed text, never data). */
  onNoise?: (reason: string) => void;
  /** Command acknowledgements from the device (for the driver's configuration logic). */
  onAck?: (ack: Extract<DriverEvent, { type: 'ack' }>) => void;
}

export interface Pipeline {
  /**
   * Raw device bytes (occupancy frames for 'beam'), decoded and counted before it returns: the firmware's data path.
   * No stream, no buffering, no deferred callback per chunk (the sensor's idle CPU is per chunk, docs/BENCHMARKS.md,
   * "The sensor's footprint"). Throws a TypeError (type only) when a byte driver is given something else.
   */
  push(chunk: unknown): void;
  /** The same as a Writable (replay, tests): each write is push(), end() flushes a held partial frame. */
  readonly input: Writable;
  /** Close the open window if it has ended now (call regularly, e.g. every second). */
  tick(): void;
  /** Drop the open window (after a gap in the data). */
  reset(): void;
  readonly frames: number;
}

export function createPipeline(driver: DriverName, settings: MinimiserSettings, clock: Clock, hooks: PipelineHooks): Pipeline {
  const minimiser = createMinimiser(settings);
  let frames = 0;
  const onEvent = (event: DriverEvent) => {
    switch (event.type) {
      case 'report': {
        hooks.beforeFrame?.();
        hooks.onFrame?.(frames, event.frame.size);
        frames++;
        const result = minimiser.observe(event.frame, clock.now());
        if (result) hooks.onResult(result);
        break;
      }
      case 'ack':
        hooks.onAck?.(event);
        break;
      case 'noise':
        hooks.onNoise?.(event.reason);
        break;
    }
  };

  // The device bytes go to the current decoder. reset() replaces the decoder, so a partial frame held before a gap
  // can never be completed with bytes from after it; events of a chunk after a reset (e.g. a noise event makes the
  // sensor reset) are dropped with the decoder that produced them.
  let decoder = createReportDecoder(driver);
  const deliver = (from: typeof decoder, events: readonly DriverEvent[]): void => {
    for (let i = 0; i < events.length && decoder === from; i++) onEvent(events[i]!);
  };
  // Decoded synchronously, so a frame pushed before tick() is always counted in the window it arrived in.
  const push = (chunk: unknown): void => {
    const from = decoder;
    deliver(from, from.push(chunk));
  };
  const input = new Writable({
    objectMode: true, // byte drivers get Buffers; the beam driver gets occupancy frames
    write(chunk, _encoding, callback) {
      push(chunk);
      callback();
    },
    final(callback) {
      const from = decoder;
      deliver(from, from.end());
      callback();
    },
  });

  return {
    push,
    input,
    tick() {
      const result = minimiser.close(clock.now());
      if (result) hooks.onResult(result);
    },
    reset() {
      minimiser.reset();
      decoder = createReportDecoder(driver);
    },
    get frames() {
      return frames;
    },
  };
}
