/**
 * HLK-LD2410 commands and ACKs (pure: no IO).
 *
 * The LD2410 uses the LD2450's command/ACK envelope unchanged (docs/RADAR-PROTOCOLS.md §2: `FD FC FB FA len cmd value 04 03 02 01`,
 * ACK word | 0x0100, u16 status, return data; Enable 0x00FF value 0x0001 → ACK data `01 00 40 00`; End 0x00FE), so the
 * framing, encoder and ACK decoder are imported from hardware/ld2450/command.ts, not copied. This file adds the
 * LD2410's own command words and return-data decoders.
 */
import { decodeAck, decodeFirmwareVersion, encodeBluetooth, encodeCommand, encodeEndConfig, encodeEnableConfig, HILINK_COMMANDS, type Ld2450Ack } from '../ld2450/command.ts';

/** encodeBluetooth: 0x00A4 with value 00 00 (off) / 01 00 (on), the same word and value as the LD2450 (§2.1). */
export { decodeAck, decodeFirmwareVersion, encodeBluetooth, encodeCommand, encodeEndConfig, encodeEnableConfig };
export type Ld2410Ack = Ld2450Ack;

/** Command words (§2.1 "Other commands"; enable/end from §2; the family's shared words from ld2450/command.ts). */
export const Ld2410Command = {
  ...HILINK_COMMANDS,
  setMaxGatesAndNoOneDuration: 0x0060,
  readParameters: 0x0061,
  engineeringOn: 0x0062,
  engineeringOff: 0x0063,
  setGateSensitivity: 0x0064,
  /** LD2410B/C only: value 0 = 0.75 m gates, 1 = 0.2 m gates. */
  setDistanceResolution: 0x00aa,
  getDistanceResolution: 0x00ab,
} as const;

/** Engineering mode on (0x0062) / off (0x0063): no value (§2.1, doc example `02 00 62 00`). */
export const encodeEngineeringMode = (on: boolean): Buffer => encodeCommand(on ? Ld2410Command.engineeringOn : Ld2410Command.engineeringOff);
/** Read parameters (0x0061): no value. */
export const encodeReadParameters = (): Buffer => encodeCommand(Ld2410Command.readParameters);
/** Read firmware (0x00A0): no value. Decode the ACK data with decodeFirmwareVersion (same layout as the LD2450). */
export const encodeReadFirmware = (): Buffer => encodeCommand(Ld2410Command.readFirmware);

/** The module's detection parameters, from a Read parameters (0x0061) ACK. */
export interface Ld2410Parameters {
  maxGate: number;
  maxMovingGate: number;
  maxStaticGate: number;
  /** Sensitivity per gate 0..maxGate, %. */
  movingSensitivity: number[];
  staticSensitivity: number[];
  /** How long presence is held after the last detection, seconds. */
  noOneDurationS: number;
}

/**
 * Decode a Read parameters ACK's return data (§2.1, real Tasmota ACK): head AA, max gate N, max moving gate, max
 * static gate, N + 1 moving sensitivities, N + 1 static sensitivities, u16 no-one duration (s). Null if malformed.
 */
export function decodeParameters(data: Uint8Array): Ld2410Parameters | null {
  if (data.length < 4 || data[0] !== 0xaa) return null;
  const n = data[1] ?? 0;
  if (n > 8 || data.length < 4 + 2 * (n + 1) + 2) return null;
  const at = (i: number): number => data[i] ?? 0;
  const gates = (from: number): number[] => Array.from({ length: n + 1 }, (_, g) => at(from + g));
  const tail = 4 + 2 * (n + 1);
  return {
    maxGate: n,
    maxMovingGate: at(2),
    maxStaticGate: at(3),
    movingSensitivity: gates(4),
    staticSensitivity: gates(5 + n),
    noOneDurationS: at(tail) | (at(tail + 1) << 8),
  };
}

/** Distance resolution from a Get distance resolution (0x00AB) ACK: gate size in mm (0 → 750, 1 → 200), or null. */
export function decodeDistanceResolution(data: Uint8Array): number | null {
  if (data.length < 2) return null;
  const v = (data[0] ?? 0) | ((data[1] ?? 0) << 8);
  return v === 0 ? 750 : v === 1 ? 200 : null;
}
