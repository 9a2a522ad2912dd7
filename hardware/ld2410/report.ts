/**
 * HLK-LD2410 / LD2410B / LD2410C report frame decoder (pure: no IO, no clock).
 *
 * Source: docs/RADAR-PROTOCOLS.md §2.1 (Tasmota xsns_102_ld2410.ino layout comment; morian/aio-ld2410
 * report.py). All multi-byte fields little-endian.
 *
 *   offset 0           4        6    7    8      9        11    12       14    15       17
 *          ┌───────────┬────────┬────┬────┬──────┬────────┬─────┬────────┬─────┬────────┬─ ─ ─ ─ ─┬──────┬───────────┐
 *          │F4 F3 F2 F1│len u16 │type│ AA │state │mov. cm │mov.%│stat. cm│stat%│detect cm│ [eng.]  │55 00 │F8 F7 F6 F5│
 *          └───────────┴────────┴────┴────┴──────┴────────┴─────┴────────┴─────┴────────┴─ ─ ─ ─ ─┴──────┴───────────┘
 *          len = bytes from `type` to the `55 00` tail inclusive: 0x0D basic (type 02, frame 23 B),
 *                0x23 engineering (type 01, frame 45 B).
 *   state: 0 none, 1 moving, 2 stationary, 3 both (bit flags MOVING = 1, STATIC = 2).
 *   [eng.] (type 01 only), from offset 17: max moving gate M (1), max static gate S (1), moving energy per gate 0..M
 *          (M + 1), static energy per gate 0..S (S + 1), light 0–255 (1), OUT pin 0/1 (1). Default M = S = 8 (9 gates
 *          of 0.75 m), so len = 19 + M + S = 0x23.
 *   §5: one manual revision calls the last two engineering bytes "reserved" (`03 05` where others print light 0x60,
 *       OUT 01); they are decoded but never validated.
 *
 * drukte publishes presence only: state ≠ 0 → occupancy 1 (the LD2410 cannot count people). Tasmota notes that a
 * state-0 frame can still carry non-zero distance/energy: the state byte is what counts (§2, fixture comment).
 */
import { RawFrame, RawValue } from '../frame.ts';

export const REPORT_HEADER: readonly number[] = [0xf4, 0xf3, 0xf2, 0xf1];
export const REPORT_FOOTER: readonly number[] = [0xf8, 0xf7, 0xf6, 0xf5];
export const REPORT_HEAD = 0xaa;
export const REPORT_TAIL: readonly number[] = [0x55, 0x00];
export const REPORT_TYPE_ENGINEERING = 0x01;
export const REPORT_TYPE_BASIC = 0x02;
/** Intra-frame length of a basic frame (§2.1). */
export const BASIC_LENGTH = 0x0d;
/** Intra-frame length of an engineering frame with the default 9 gates (§2.1). */
export const ENGINEERING_LENGTH = 0x23;
/** Header + length field + footer. */
export const REPORT_OVERHEAD_BYTES = 4 + 2 + 4;
/** Highest gate index: 9 gates, 0..8 (§2.1 "N = 8 → 9 gates"). */
export const MAX_GATE = 8;
/** Longest intra-frame length accepted: an engineering frame with M = S = MAX_GATE. */
export const MAX_REPORT_LENGTH = 19 + 2 * MAX_GATE;
/** Longest report frame, in bytes (45). */
export const MAX_REPORT_BYTES = REPORT_OVERHEAD_BYTES + MAX_REPORT_LENGTH;

export const reportFrameBytes = (len: number): number => REPORT_OVERHEAD_BYTES + len;

const u16 = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);

/**
 * Can a frame whose first 7 bytes are at `offset` (header, length, type) be a report at all? Checked as soon as 7
 * bytes are there, so an absurd length is dropped at once instead of being waited for. Needs ≥ 7 bytes.
 */
export function plausibleReportStart(b: Uint8Array, offset: number): boolean {
  const len = u16(b, offset + 4);
  const type = b[offset + 6];
  if (type === REPORT_TYPE_BASIC) return len === BASIC_LENGTH;
  if (type === REPORT_TYPE_ENGINEERING) return len >= 19 && len <= MAX_REPORT_LENGTH;
  return false;
}

/**
 * The target state byte of the complete, well-formed report frame at `offset`, or −1 if the bytes there are not one
 * (incomplete, bad header/length/type/head/state/tail/footer, or engineering gate counts that disagree with the length).
 */
export function reportState(b: Uint8Array, offset = 0): number {
  if (b.length - offset < 7) return -1;
  for (let i = 0; i < 4; i++) if (b[offset + i] !== REPORT_HEADER[i]) return -1;
  if (!plausibleReportStart(b, offset)) return -1;
  const len = u16(b, offset + 4);
  const end = offset + reportFrameBytes(len);
  if (b.length < end) return -1;
  if (b[offset + 7] !== REPORT_HEAD) return -1;
  const state = b[offset + 8] ?? 0xff;
  if (state > 3) return -1;
  if (b[offset + 6] === REPORT_TYPE_ENGINEERING) {
    const m = b[offset + 17] ?? 0xff;
    const s = b[offset + 18] ?? 0xff;
    if (m > MAX_GATE || s > MAX_GATE || len !== 19 + m + s) return -1;
  }
  if (b[end - 6] !== REPORT_TAIL[0] || b[end - 5] !== REPORT_TAIL[1]) return -1;
  for (let i = 0; i < 4; i++) if (b[end - 4 + i] !== REPORT_FOOTER[i]) return -1;
  return state;
}

/** True if `b` holds a complete, well-formed report frame at `offset`. */
export const isReportFrame = (b: Uint8Array, offset = 0): boolean => reportState(b, offset) >= 0;

/** The presence reading of the report frame at `offset`: occupancy 1 if the state byte is non-zero, else 0. */
export function decodeReport(b: Uint8Array, offset = 0): RawFrame | null {
  const state = reportState(b, offset);
  return state < 0 ? null : RawFrame.fromOccupancy(state !== 0 ? 1 : 0);
}

/** Engineering-mode extras (§2.1). */
export interface Ld2410Engineering {
  maxMovingGate: number;
  maxStaticGate: number;
  /** Energy % per gate 0..maxMovingGate. */
  movingGateEnergy: number[];
  staticGateEnergy: number[];
  /** Light sensor 0–255; "reserved" in one manual revision (§5). */
  light: number;
  /** OUT pin 0/1; "reserved" in one manual revision (§5). */
  out: number;
}

export interface Ld2410Fields {
  /** 0x02 basic, 0x01 engineering. */
  type: number;
  /** 0 none, 1 moving, 2 stationary, 3 both. */
  state: number;
  movingDistanceCm: number;
  movingEnergy: number;
  staticDistanceCm: number;
  staticEnergy: number;
  detectionDistanceCm: number;
  engineering: Ld2410Engineering | null;
}

/**
 * Every field of one report, for diagnostics and tests (the minimiser only needs presence). Raw data: the values live
 * in a private field, `toJSON` throws and inspect shows nothing; `fields` returns a fresh copy to read in code.
 */
export class RawPresence extends RawValue {
  readonly #f: Ld2410Fields;
  constructor(fields: Ld2410Fields) {
    super('RawPresence');
    this.#f = fields;
    Object.freeze(this);
  }
  get state(): number {
    return this.#f.state;
  }
  /** A copy of all fields (raw: for tests and local diagnostics, never for logs or publishing). */
  get fields(): Ld2410Fields {
    const e = this.#f.engineering;
    return { ...this.#f, engineering: e && { ...e, movingGateEnergy: [...e.movingGateEnergy], staticGateEnergy: [...e.staticGateEnergy] } };
  }
}

/** All fields of the report frame at `offset`, or null if it is not a well-formed report frame. */
export function decodeReportFields(b: Uint8Array, offset = 0): RawPresence | null {
  const state = reportState(b, offset);
  if (state < 0) return null;
  const at = (i: number): number => b[offset + i] ?? 0;
  const type = at(6);
  let engineering: Ld2410Engineering | null = null;
  if (type === REPORT_TYPE_ENGINEERING) {
    const m = at(17);
    const s = at(18);
    const gates = (from: number, n: number): number[] => Array.from({ length: n }, (_, g) => at(from + g));
    engineering = {
      maxMovingGate: m,
      maxStaticGate: s,
      movingGateEnergy: gates(19, m + 1),
      staticGateEnergy: gates(20 + m, s + 1),
      light: at(21 + m + s),
      out: at(22 + m + s),
    };
  }
  return new RawPresence({
    type,
    state,
    movingDistanceCm: u16(b, offset + 9),
    movingEnergy: at(11),
    staticDistanceCm: u16(b, offset + 12),
    staticEnergy: at(14),
    detectionDistanceCm: u16(b, offset + 15),
    engineering,
  });
}
