/**
 * HLK-LD2410 byte encoder: what the real module puts on its 256000-baud UART. Written independently of the driver's
 * decoder (hardware/ld2410/) so the two check each other, and both are checked against the Tasmota captures.
 *
 * Report frame (docs/RADAR-PROTOCOLS.md §2.1), little-endian:
 *   F4 F3 F2 F1 | len u16 | type (02 basic, 01 engineering) | AA | state | moving cm u16 | moving % | static cm u16 |
 *   static % | detection cm u16 | [engineering: M, S, M+1 moving gate %, S+1 static gate %, light, OUT] | 55 00 |
 *   F8 F7 F6 F5.   len = 0x0D basic (23-byte frame), 19 + M + S engineering (0x23, 45 bytes, with M = S = 8).
 * ACK frames use the LD2450 envelope (§2): simulator/encoders/ld2450.ts encodeLd2450Ack serves both modules.
 */
export { encodeLd2450Ack as encodeLd2410Ack, ENABLE_ACK_DATA } from './ld2450.ts';

/** Target state bits (§2.1): MOVING = 1, STATIC = 2. */
export const LD2410_STATE = { none: 0, moving: 1, stationary: 2, both: 3 } as const;

export interface Ld2410ReportIn {
  /** 0 none, 1 moving, 2 stationary, 3 both. */
  state: number;
  movingDistanceCm?: number;
  movingEnergy?: number;
  staticDistanceCm?: number;
  staticEnergy?: number;
  detectionDistanceCm?: number;
}

export interface Ld2410EngineeringIn {
  /** Energy % per gate; length = max gate + 1 (1–9). Default 9 gates of 0. */
  movingGateEnergy?: readonly number[];
  staticGateEnergy?: readonly number[];
  /** Light 0–255 (or "reserved", §5). */
  light?: number;
  /** OUT pin 0/1 (or "reserved", §5). Default: 1 if state ≠ 0. */
  out?: number;
}

const u8 = (v: number | undefined): number => Math.max(0, Math.min(255, Math.round(Number.isFinite(v) ? (v as number) : 0)));
const u16 = (v: number | undefined): number => Math.max(0, Math.min(0xffff, Math.round(Number.isFinite(v) ? (v as number) : 0)));

/** A basic (0x02) report frame, or an engineering (0x01) one when `engineering` is given. */
export function encodeLd2410Report(r: Ld2410ReportIn, engineering?: Ld2410EngineeringIn): Buffer {
  const moving = engineering ? (engineering.movingGateEnergy ?? Array<number>(9).fill(0)) : [];
  const still = engineering ? (engineering.staticGateEnergy ?? Array<number>(9).fill(0)) : [];
  if (engineering && (moving.length < 1 || moving.length > 9 || still.length < 1 || still.length > 9)) {
    throw new RangeError('LD2410 gate energies: 1 to 9 gates');
  }
  const len = engineering ? 17 + moving.length + still.length : 0x0d;
  const frame = Buffer.alloc(10 + len);
  frame.set([0xf4, 0xf3, 0xf2, 0xf1], 0);
  frame.writeUInt16LE(len, 4);
  frame[6] = engineering ? 0x01 : 0x02;
  frame[7] = 0xaa;
  frame[8] = r.state & 0x03;
  frame.writeUInt16LE(u16(r.movingDistanceCm), 9);
  frame[11] = u8(r.movingEnergy);
  frame.writeUInt16LE(u16(r.staticDistanceCm), 12);
  frame[14] = u8(r.staticEnergy);
  frame.writeUInt16LE(u16(r.detectionDistanceCm), 15);
  let at = 17;
  if (engineering) {
    frame[at++] = moving.length - 1;
    frame[at++] = still.length - 1;
    for (const e of moving) frame[at++] = u8(e);
    for (const e of still) frame[at++] = u8(e);
    frame[at++] = u8(engineering.light ?? 0);
    frame[at++] = u8(engineering.out ?? (r.state !== 0 ? 1 : 0));
  }
  frame.set([0x55, 0x00, 0xf8, 0xf7, 0xf6, 0xf5], at);
  return frame;
}

/** Return data of the real Read firmware ACK (Tasmota capture): V1.07.22091516. */
export const FIRMWARE_V107_ACK_DATA = Uint8Array.of(0x00, 0x01, 0x07, 0x01, 0x16, 0x15, 0x09, 0x22);
