/**
 * Driver registry: one report decoder per device, synchronous (createReportDecoder: what the firmware's pipeline
 * calls for each chunk the device delivers), and the same decoder as a Transform stream in the node-serialport parser
 * style (createReportParser: tests, benchmarks, anyone who wants to pipe). Both give the same events:
 *   { type: 'report', frame: RawFrame }            a decoded report (raw; stays in memory)
 *   { type: 'ack', command, status, data }          a command acknowledgement
 *   { type: 'noise', reason }                       line noise suggesting a wiring/baud fault (fixed text)
 */
import type { Transform } from 'node:stream';
import type { DriverName } from '../shared/manifest.ts';
import { BeamDecoder, BeamFrameParser } from './beam/parser.ts';
import type { RawFrame } from './frame.ts';
import { Ld2410Decoder } from './ld2410/decoder.ts';
import { Ld2410Parser } from './ld2410/parser.ts';
import { Ld2450Decoder } from './ld2450/decoder.ts';
import { Ld2450Parser } from './ld2450/parser.ts';
import { TiPeopleDecoder } from './ti-people/decoder.ts';
import { TiPeopleParser } from './ti-people/parser.ts';

export type DriverEvent =
  | { type: 'report'; frame: RawFrame }
  | { type: 'ack'; command: number; status: number; data: Buffer }
  | { type: 'noise'; reason: string };

/**
 * Nominal report rate per driver (frames/s), used by replay to stamp frames of a capture without timestamps.
 * ti-people: 10 — the legacy people-counting recording runs at ~10 frames/s (frames 170–172 are 93–103 ms apart,
 * tests/fixtures/radar/ti_pc3_legacy_decoded_recording_excerpt.csv); the real rate is the cfg's frameCfg period.
 * ld2410: 10 — not stated in docs/RADAR-PROTOCOLS.md §2; same report cadence as the LD2450 (§1), simulator default.
 */
export const NOMINAL_FPS: Readonly<Record<DriverName, number>> = { ld2450: 10, 'ti-people': 10, ld2410: 10, beam: 1 };

export class UnsupportedDriver extends Error {
  override name = 'UnsupportedDriver';
}

/**
 * A driver's decoder without a stream: push() takes what the device delivered (bytes; occupancy frames for 'beam')
 * and returns the events it completes, in order; end() flushes at the end of input (a held candidate is a truncated
 * frame). Frames may be split across chunks anywhere; the decoder keeps copies of what it holds, never a view of the
 * caller's chunk, so a caller may reuse its buffer. Never throws on bad bytes (they become stats or a 'noise' event);
 * a byte driver given something that is not bytes throws a TypeError whose message names the type only, never the
 * value, as the Transform did.
 */
export interface ReportDecoder {
  push(chunk: unknown): readonly DriverEvent[];
  end(): readonly DriverEvent[];
}

/** The sync core of a byte driver, taking what a Transform's writable side (decodeStrings) would take. */
function bytes(decoder: { push(chunk: Uint8Array): DriverEvent[]; end(): DriverEvent[] }, driver: DriverName): ReportDecoder {
  return {
    push(chunk) {
      if (chunk instanceof Uint8Array) return decoder.push(chunk);
      if (typeof chunk === 'string') return decoder.push(Buffer.from(chunk));
      throw new TypeError(`the ${driver} driver decodes bytes (Buffer or Uint8Array), not ${chunk === null ? 'null' : typeof chunk}`);
    },
    end: () => decoder.end(),
  };
}

const unsupported = (driver: string): UnsupportedDriver => new UnsupportedDriver(`driver '${driver}' is not available in this build yet; supported: ld2450, ti-people, ld2410`);

export function createReportDecoder(driver: DriverName): ReportDecoder {
  switch (driver) {
    case 'ld2450':
      return bytes(new Ld2450Decoder(), driver);
    case 'ti-people':
      return bytes(new TiPeopleDecoder(), driver);
    case 'ld2410':
      return bytes(new Ld2410Decoder(), driver);
    case 'beam':
      return new BeamDecoder();
    default:
      throw unsupported(driver);
  }
}

export function createReportParser(driver: DriverName): Transform {
  switch (driver) {
    case 'ld2450':
      return new Ld2450Parser();
    case 'ti-people':
      return new TiPeopleParser();
    case 'ld2410':
      return new Ld2410Parser();
    case 'beam':
      return new BeamFrameParser(); // object mode: occupancy frames from hardware/beam/source.ts, no bytes
    default:
      throw unsupported(driver);
  }
}
