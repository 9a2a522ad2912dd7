/**
 * HLK-LD2450 byte encoder: what the real module puts on its UART. Written independently of the driver's decoder
 * (hardware/ld2450/) so the two check each other and both are checked against the real captures.
 *
 * Report frame (docs/RADAR-PROTOCOLS.md §1.1), 30 bytes, little-endian:
 *   AA FF 03 00 | slot 1 | slot 2 | slot 3 | 55 CC
 *   slot = X mm, Y mm, speed cm/s (u16 sign-magnitude, inverted sense: positive → 0x8000 | v, negative → |v|),
 *          distance resolution mm (plain u16; real V2.04/V2.14 units send 360, the V1.03 doc example 320 — §5).
 *   Empty slot = 8 × 00.
 * ACK frame (§1.2): FD FC FB FA | len u16 | command | 0x0100 | status u16 | data | 04 03 02 01.
 */

/** One target to encode. Speed is radial: negative = approaching (§1.1). */
export interface Ld2450TargetIn {
  xMm: number;
  yMm: number;
  speedCmS?: number;
}

export const LD2450_MAX_TARGETS = 3;
/** Resolution field sent by real V2.04 / V2.14 units (§1.1, §5). */
export const REAL_RESOLUTION_MM = 360;
const MAX_MAGNITUDE = 0x7fff;

/**
 * Encode a value as the LD2450's inverted sign-magnitude u16 (§1.1): v > 0 → 0x8000 | v; v ≤ 0 → |v|.
 * Zero encodes as 0x0000 (as the real module sends a speed of 0). Rounds to an integer and clamps to ±32767.
 */
export function encodeSignMagnitude(value: number): number {
  const v = Math.max(-MAX_MAGNITUDE, Math.min(MAX_MAGNITUDE, Math.round(Number.isFinite(value) ? value : 0)));
  return v > 0 ? 0x8000 | v : Math.abs(v); // Math.abs: never −0
}

/** The at most 3 targets the module reports: the nearest ones (by distance to the sensor) when more are present. */
export function nearestTargets<T extends { xMm: number; yMm: number }>(targets: readonly T[], n = LD2450_MAX_TARGETS): T[] {
  if (targets.length <= n) return [...targets];
  return [...targets].sort((a, b) => Math.hypot(a.xMm, a.yMm) - Math.hypot(b.xMm, b.yMm)).slice(0, n);
}

/**
 * The genuine 30-byte report frame for up to 3 targets (more → the 3 nearest, like the real module).
 * Targets keep their order in the slots; unused slots are all zero.
 */
export function encodeLd2450Report(targets: readonly Ld2450TargetIn[], resolutionMm = REAL_RESOLUTION_MM): Buffer {
  const frame = Buffer.alloc(30);
  frame.set([0xaa, 0xff, 0x03, 0x00], 0);
  nearestTargets(targets).forEach((t, s) => {
    const at = 4 + 8 * s;
    frame.writeUInt16LE(encodeSignMagnitude(t.xMm), at);
    frame.writeUInt16LE(encodeSignMagnitude(t.yMm), at + 2);
    frame.writeUInt16LE(encodeSignMagnitude(t.speedCmS ?? 0), at + 4);
    frame.writeUInt16LE(resolutionMm & 0xffff, at + 6);
  });
  frame.set([0x55, 0xcc], 28);
  return frame;
}

/** An ACK frame as the module sends it: command word | 0x0100, u16 status (0 ok, 1 fail), return data (§1.2). */
export function encodeLd2450Ack(command: number, status = 0, data: Uint8Array = new Uint8Array(0)): Buffer {
  const len = 4 + data.length;
  const frame = Buffer.alloc(10 + len);
  frame.set([0xfd, 0xfc, 0xfb, 0xfa], 0);
  frame.writeUInt16LE(len & 0xffff, 4);
  frame.writeUInt16LE((command | 0x0100) & 0xffff, 6);
  frame.writeUInt16LE(status & 0xffff, 8);
  frame.set(data, 10);
  frame.set([0x04, 0x03, 0x02, 0x01], 10 + data.length);
  return frame;
}

/** Return data of the real Enable configuration ACK: protocol 0x0001, buffer 0x0040 (§1.2, real capture). */
export const ENABLE_ACK_DATA = Uint8Array.of(0x01, 0x00, 0x40, 0x00);
/** Return data of a real V2.04 unit's Read firmware ACK: V2.04.23101915 (§1.2, ld2450_real_v204_ack_session.hex). */
export const FIRMWARE_V204_ACK_DATA = Uint8Array.of(0x00, 0x01, 0x04, 0x02, 0x15, 0x19, 0x10, 0x23);
