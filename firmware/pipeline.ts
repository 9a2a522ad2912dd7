/**
 * The sensor's data path, without any network: bytes ─► driver parser ─► minimiser ─► window results.
 *
 * The live firmware (firmware/sensor.ts) and `drukte replay` both run exactly this code; only the clock and the
 * sink differ. So "what would this sensor have published for this recording?" has one answer.
 */
import { Writable, type Transform } from 'node:stream';
import type { Clock } from '../shared/clock.ts';
import type { DriverName } from '../shared/manifest.ts';
import { createReportParser, type DriverEvent } from '../hardware/drivers.ts';
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
  /** Write raw device bytes here. */
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

  // The device bytes go through `input` to the current parser. reset() replaces the parser, so a partial frame
  // buffered before a gap can never be completed with bytes from after it.
  let parser: Transform = createReportParser(driver).on('data', onEvent);
  const input = new Writable({
    objectMode: true, // byte drivers get Buffers; the beam driver gets occupancy frames
    write(chunk, _encoding, callback) {
      // Hand the chunk on synchronously (the parsers decode synchronously), so a frame written before tick() is
      // always counted in the window it arrived in.
      parser.write(chunk);
      callback();
    },
    final(callback) {
      parser.end(() => callback());
    },
  });

  return {
    input,
    tick() {
      const result = minimiser.close(clock.now());
      if (result) hooks.onResult(result);
    },
    reset() {
      minimiser.reset();
      parser.removeListener('data', onEvent);
      parser.destroy();
      parser = createReportParser(driver).on('data', onEvent);
    },
    get frames() {
      return frames;
    },
  };
}
