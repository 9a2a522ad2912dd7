/**
 * HLK-LD2450 report frame decoder (pure: no IO, no clock).
 *
 * Source: docs/RADAR-PROTOCOLS.md §1.1 (Hi-Link "Serial Communication Protocol V1.03" §2.3; ESPHome
 * esphome/components/ld2450/ld2450.cpp). All multi-byte fields little-endian.
 *
 *   offset  0           4                12               20               28     30
 *           ┌───────────┬────────────────┬────────────────┬────────────────┬──────┐
 *           │AA FF 03 00│ target 1 slot  │ target 2 slot  │ target 3 slot  │55 CC │
 *           └───────────┴────────────────┴────────────────┴────────────────┴──────┘
 *   slot    0      2      4          6
 *           ┌──────┬──────┬──────────┬───────────────┐
 *           │ X mm │ Y mm │ speed    │ resolution mm │   X, Y, speed: u16 sign-magnitude, INVERTED sense
 *           │      │      │ cm/s     │ (u16 plain)   │   (bit15=1 → +(raw & 0x7FFF); bit15=0 → −raw)
 *           └──────┴──────┴──────────┴───────────────┘
 *
 *   Doc example (§1.1): 0E 03 → −782 mm; B1 86 → +1713 mm; 10 00 → −16 cm/s (approaching); 40 01 → 320 mm.
 *   Empty slot = 8 × 00. Not int16 two's complement: that would mirror X.
 *
 * Decoded values leave this file only inside RawTarget / RawSlot objects, which refuse to be serialised.
 */
import { RawFrame, RawTarget, RawValue } from '../frame.ts';

export const REPORT_HEADER: readonly number[] = [0xaa, 0xff, 0x03, 0x00];
export const REPORT_FOOTER: readonly number[] = [0x55, 0xcc];
export const REPORT_FRAME_BYTES = 30;
export const REPORT_SLOT_BYTES = 8;
export const REPORT_SLOTS = 3;
/** Offset of target slot s (0-based) inside the frame. */
export const slotOffset = (s: number): number => 4 + s * REPORT_SLOT_BYTES;

/**
 * Decode one u16 in the LD2450's sign-magnitude with inverted sense (§1.1):
 * bit15 set → positive magnitude (raw & 0x7FFF); bit15 clear → negative (−raw). Never returns −0.
 */
export function decodeSignMagnitude(raw: number): number {
  if (raw & 0x8000) return raw & 0x7fff;
  return raw === 0 ? 0 : -raw;
}

/** True if `bytes` holds, at `offset`, a complete report frame with the right header and footer. */
export function isReportFrame(bytes: Uint8Array, offset = 0): boolean {
  if (bytes.length - offset < REPORT_FRAME_BYTES) return false;
  for (let i = 0; i < REPORT_HEADER.length; i++) if (bytes[offset + i] !== REPORT_HEADER[i]) return false;
  for (let i = 0; i < REPORT_FOOTER.length; i++) if (bytes[offset + 28 + i] !== REPORT_FOOTER[i]) return false;
  return true;
}

const u16 = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);

/** X in mm of slot s of the frame at `offset`. */
const slotXMm = (b: Uint8Array, offset: number, s: number): number => decodeSignMagnitude(u16(b, offset + slotOffset(s)));
/** Y in mm (distance in front of the sensor) of slot s. */
const slotYMm = (b: Uint8Array, offset: number, s: number): number => decodeSignMagnitude(u16(b, offset + slotOffset(s) + 2));

/**
 * Decode the 30-byte report frame at `offset` into a RawFrame of the slots that hold a target, or null if the bytes
 * are not a complete, well-framed report. A slot is a target when (x, y) ≠ (0, 0): this covers the empty slot
 * (8 × 00, §1.1) and matches ESPHome's rule sqrt(x² + y²) > 0.
 */
export function decodeReport(bytes: Uint8Array, offset = 0): RawFrame | null {
  if (!isReportFrame(bytes, offset)) return null;
  const targets: RawTarget[] = [];
  for (let s = 0; s < REPORT_SLOTS; s++) {
    const xMm = slotXMm(bytes, offset, s);
    const yMm = slotYMm(bytes, offset, s);
    if (xMm !== 0 || yMm !== 0) targets.push(new RawTarget(xMm, yMm));
  }
  return RawFrame.fromTargets(targets);
}

/**
 * Every field of one slot, for validation and tests (speed and resolution are not needed by the minimiser, so
 * RawTarget does not carry them). Raw data: values in private fields, toJSON throws, inspect shows nothing.
 */
export class RawSlot extends RawValue {
  readonly #xMm: number;
  readonly #yMm: number;
  readonly #speedCmS: number;
  readonly #resolutionMm: number;
  constructor(xMm: number, yMm: number, speedCmS: number, resolutionMm: number) {
    super('RawSlot');
    this.#xMm = xMm;
    this.#yMm = yMm;
    this.#speedCmS = speedCmS;
    this.#resolutionMm = resolutionMm;
    Object.freeze(this);
  }
  get xMm(): number {
    return this.#xMm;
  }
  get yMm(): number {
    return this.#yMm;
  }
  /** Speed in cm/s; negative = approaching the sensor (§1.1, ESPHome "Approaching"). */
  get speedCmS(): number {
    return this.#speedCmS;
  }
  /** Distance resolution ("size of a single distance gate") in mm, plain u16 (§1.1; doc 320, real V2.x 360). */
  get resolutionMm(): number {
    return this.#resolutionMm;
  }
  /** Whether this slot counts as a target (x, y) ≠ (0, 0). */
  get isTarget(): boolean {
    return this.#xMm !== 0 || this.#yMm !== 0;
  }
}

/** All three slots of the report frame at `offset` (empty ones included), or null if it is not a report frame. */
export function decodeReportSlots(bytes: Uint8Array, offset = 0): RawSlot[] | null {
  if (!isReportFrame(bytes, offset)) return null;
  const slots: RawSlot[] = [];
  for (let s = 0; s < REPORT_SLOTS; s++) {
    const at = offset + slotOffset(s);
    slots.push(new RawSlot(slotXMm(bytes, offset, s), slotYMm(bytes, offset, s), decodeSignMagnitude(u16(bytes, at + 4)), u16(bytes, at + 6)));
  }
  return slots;
}
