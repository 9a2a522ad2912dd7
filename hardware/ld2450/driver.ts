/**
 * HLK-LD2450 configuration at start-up, over any SerialPortLike (docs/RADAR-PROTOCOLS.md §1.2; frames in command.ts).
 *
 *   enable configuration (0x00FF) ─► read firmware (0x00A0) ─► multi-target tracking (0x0090)
 *   ─► read MAC (0x00A5): `08 05 04 03 02 01` means Bluetooth is already off (ESPHome's rule, §1.2)
 *   ─► if not: Bluetooth off (0x00A4, value 00 00)
 *   ─► zone filter (0x00C2, type 1 "detect only inside", the manifest zone's bounding rectangle; type 0 = off)
 *   ─► end configuration (0x00FE), or, when Bluetooth was just switched off, restart (0x00A3) instead: the
 *      Bluetooth setting persists but only takes effect after a restart (§1.2); the reboot also ends config mode.
 *
 * Why Bluetooth off: with Bluetooth on, the module shows live target positions to any phone with the vendor app,
 * without a PIN — tracking data leaving the device outside drukte's minimiser.
 * Why the zone filter: the module tracks at most 3 targets; filtering to the zone's bounding rectangle keeps those
 * slots for people in (or near) the zone instead of passers-by. The rectangle contains the polygon, so the
 * module never drops someone the minimiser's exact polygon test would count.
 *
 * Every command: write, wait for its ACK (command | 0x0100, status 0) for `timeoutMs`, up to `tries` times
 * (the session machinery shared with the LD2410 driver: hardware/radar-config.ts; the sequence above, with this
 * model's tracking and zone steps, is hardware/hilink/configure.ts).
 * Bytes are parsed with the same decoder as the data path (decoder.ts), so an ACK that follows the tail of an
 * in-flight report is found (§1.2 "resync on headers"); report frames are ignored (the module sends none in config
 * mode, but the ones in flight before Enable arrive). If a step fails after Enable was acknowledged, End
 * configuration is still sent once, so the module does not stay silent in config mode.
 */
import type { PointMm } from '../../shared/minimisation.ts';
import type { SerialPortLike } from '../bindings/serial.ts';
import { openRadarSession, RadarConfigError, type RadarSessionOptions } from '../radar-config.ts';
import { configureHiLink } from '../hilink/configure.ts';
import { Ld2450Command, decodeFirmwareVersion, encodeCommand } from './command.ts';
import { Ld2450Decoder } from './decoder.ts';

export const LD2450_BAUD = 256000;

export type ZoneRect = readonly [x1: number, y1: number, x2: number, y2: number];

export interface Ld2450Info {
  model: 'HLK-LD2450';
  /** e.g. "V2.04.23101915". */
  firmware: string;
  tracking: 'multi';
  /** 'off': was already off; 'switched-off': was on, switched off and the module restarted to apply it. */
  bluetooth: 'off' | 'switched-off';
  restarted: boolean;
  zoneFilter: { type: 'inside'; rectMm: ZoneRect } | { type: 'off' };
}

/** timers, timeoutMs (default 1000; a real V2.04 unit answers in ~7 ms), tries (default 3), logger. */
export type Ld2450ConfigureOptions = RadarSessionOptions;

export class Ld2450ConfigError extends RadarConfigError {
  override name = 'Ld2450ConfigError';
}

/** The zone's bounding rectangle in whole mm (outwards), clamped to int16: the module's zone coordinates. */
export function zoneFilterRect(zone: readonly PointMm[]): ZoneRect {
  if (zone.length === 0) throw new RangeError('zone has no points');
  const clamp = (v: number): number => Math.max(-32768, Math.min(32767, v));
  const xs = zone.map((p) => p[0]);
  const ys = zone.map((p) => p[1]);
  return [clamp(Math.floor(Math.min(...xs))), clamp(Math.floor(Math.min(...ys))), clamp(Math.ceil(Math.max(...xs))), clamp(Math.ceil(Math.max(...ys)))];
}

/**
 * The 26-byte value of Set zones (0x00C2): u16 type, then 3 × (x1, y1, x2, y2) as PLAIN two's-complement int16 LE
 * in mm (not the report frame's sign-magnitude, §1.2); zones 2 and 3 unused (all zero).
 */
export function encodeZoneFilter(rect: ZoneRect | null): Buffer {
  const value = Buffer.alloc(26);
  if (rect === null) return value; // type 0: filter off
  value.writeUInt16LE(1, 0);
  rect.forEach((v, i) => value.writeInt16LE(v, 2 + 2 * i));
  return value;
}

/** Configure an LD2450 on `port` (see the file comment). Resolves with what was found and set. */
export async function configureLd2450(port: SerialPortLike, zone: readonly PointMm[] | null, options: Ld2450ConfigureOptions = {}): Promise<Ld2450Info> {
  const session = openRadarSession(port, { model: 'LD2450', baud: LD2450_BAUD, decoder: new Ld2450Decoder(), makeError: (m) => new Ld2450ConfigError(m) }, options);
  const rect = zone && zone.length > 0 ? zoneFilterRect(zone) : null;
  const done = await configureHiLink(session, {
    model: 'LD2450',
    logger: options.logger,
    afterFirmware: async (data) => {
      options.logger?.info({ firmware: decodeFirmwareVersion(data) ?? 'unknown' }, 'LD2450 firmware');
      await session.request('multi-target tracking', encodeCommand(Ld2450Command.multiTarget), Ld2450Command.multiTarget);
    },
    beforeEnd: async () => void (await session.request('set zone filter', encodeCommand(Ld2450Command.setZones, encodeZoneFilter(rect)), Ld2450Command.setZones)),
  });
  const firmware = decodeFirmwareVersion(done.firmwareData) ?? 'unknown';
  return {
    model: 'HLK-LD2450',
    firmware,
    tracking: 'multi',
    bluetooth: done.bluetoothWasOff ? 'off' : 'switched-off',
    restarted: !done.bluetoothWasOff,
    zoneFilter: rect ? { type: 'inside', rectMm: rect } : { type: 'off' },
  };
}
