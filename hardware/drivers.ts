/**
 * Driver registry: one report parser per device, all emitting the same events (objectMode):
 *   { type: 'report', frame: RawFrame }            a decoded report (raw; stays in memory)
 *   { type: 'ack', command, status, data }          a command acknowledgement
 *   { type: 'noise', reason }                       line noise suggesting a wiring/baud fault (fixed text)
 */
import type { Transform } from 'node:stream';
import type { DriverName } from '../shared/manifest.ts';
import { BeamFrameParser } from './beam/parser.ts';
import type { RawFrame } from './frame.ts';
import { Ld2410Parser } from './ld2410/parser.ts';
import { Ld2450Parser } from './ld2450/parser.ts';
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
      throw new UnsupportedDriver(`driver '${driver}' is not available in this build yet; supported: ld2450, ti-people, ld2410`);
  }
}
