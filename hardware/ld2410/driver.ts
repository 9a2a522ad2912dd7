/**
 * HLK-LD2410 configuration at start-up, over any SerialPortLike (docs/RADAR-PROTOCOLS.md §2: the LD2450's command/ACK envelope;
 * frames in command.ts, which reuses hardware/ld2450/command.ts).
 *
 *   enable configuration (0x00FF, value 0x0001) ─► read firmware (0x00A0)
 *   ─► read MAC (0x00A5, value 0x0001): `08 05 04 03 02 01` means Bluetooth is already off
 *   ─► if not (or the MAC cannot be read): Bluetooth off (0x00A4, value 00 00)
 *   ─► end configuration (0x00FE), or, when Bluetooth was just switched off, restart (0x00A3) instead: the setting
 *      persists but takes effect after a restart, and the reboot also ends configuration mode.
 *
 * Why Bluetooth off: the LD2410B/C show presence and target distance to any phone with the vendor app — data leaving
 * the device outside drukte's minimiser. (The plain LD2410 has no Bluetooth; it is expected to ACK or refuse 0x00A4:
 * see "uncertain" below.) The LD2410 has no zone filter, so none is set and Info.zoneFilter is always `off`.
 *
 * Facts and their sources:
 *   - Enable ACK `… 08 00 FF 01 00 00 01 00 40 00 …` and Read firmware ACK `… 0C 00 A0 01 00 00 00 01 07 01 16 15 09 22 …`
 *     are real (tests/fixtures/radar/ld2410_real_acks_tasmota_serialbridge.hex). The firmware data has the LD2450
 *     layout (type u16, major u16 printed hex, minor u32 printed hex): decodeFirmwareVersion gives "V1.07.22091516",
 *     the value Tasmota's own annotation states.
 *   - Uncertain (no LD2410 capture in the fixtures): the MAC reply while Bluetooth is off. The LD2450 rule
 *     (`08 05 04 03 02 01`, ESPHome) is applied; if an LD2410 answers differently, the driver just sends Bluetooth
 *     off + restart at every open — safe, only slower (the module reboots). A failed MAC read is treated the same.
 *
 * The sequence is the Hi-Link family's (hardware/hilink/configure.ts); ACK waiting and retries are the shared
 * session machinery (hardware/radar-config.ts); bytes are parsed with the
 * LD2410 data-path decoder, so in-flight report frames before Enable are recognised (and counted for the wiring hint).
 * If a step fails after Enable was acknowledged, End configuration is still sent once.
 */
import type { SerialPortLike } from '../bindings/serial.ts';
import { openRadarSession, RadarConfigError, type RadarSessionOptions } from '../radar-config.ts';
import { configureHiLink } from '../hilink/configure.ts';
import { decodeFirmwareVersion } from './command.ts';
import { Ld2410Decoder } from './decoder.ts';

export const LD2410_BAUD = 256000;

export interface Ld2410Info {
  model: 'HLK-LD2410';
  /** e.g. "V1.07.22091516". */
  firmware: string;
  /** 'off': was already off; 'switched-off': switched off and the module restarted to apply it. */
  bluetooth: 'off' | 'switched-off';
  restarted: boolean;
  /** The LD2410 has no zone filter. */
  zoneFilter: { type: 'off' };
}

/** timers, timeoutMs (default 1000), tries (default 3), logger. */
export type Ld2410ConfigureOptions = RadarSessionOptions;

export class Ld2410ConfigError extends RadarConfigError {
  override name = 'Ld2410ConfigError';
}

/** Configure an LD2410 on `port` (see the file comment). Resolves with what was found and set. */
export async function configureLd2410(port: SerialPortLike, options: Ld2410ConfigureOptions = {}): Promise<Ld2410Info> {
  const session = openRadarSession(port, { model: 'LD2410', baud: LD2410_BAUD, decoder: new Ld2410Decoder(), makeError: (m) => new Ld2410ConfigError(m) }, options);
  const firmwareOf = (fw: Buffer) => decodeFirmwareVersion(fw) ?? (fw.length > 0 ? fw.subarray(0, 16).toString('hex') : 'unknown');
  const done = await configureHiLink(session, { model: 'LD2410', logger: options.logger, afterFirmware: (fw) => options.logger?.info({ firmware: firmwareOf(fw) }, 'LD2410 firmware') });
  const firmware = firmwareOf(done.firmwareData);
  return { model: 'HLK-LD2410', firmware, bluetooth: done.bluetoothWasOff ? 'off' : 'switched-off', restarted: !done.bluetoothWasOff, zoneFilter: { type: 'off' } };
}
