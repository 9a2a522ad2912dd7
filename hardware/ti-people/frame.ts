/**
 * TI mmWave (IWR6843) data-port frame checks and target-list decoding (pure: no IO, no clock).
 *
 * Source: docs/RADAR-PROTOCOLS.md §3. Magic word on the wire `02 01 04 03 06 05 08 07`; all fields
 * little-endian; totalPacketLen includes header and padding; packets are padded to a multiple of 32 bytes
 * (MMWDEMO_OUTPUT_MSG_SEGMENT_LEN). Two header layouts are in the field (§3.1, §3.2, §5):
 *
 *   SDK 3.x OOB / Radar Toolbox "3D People Tracking": 40-byte header '<Q8I'                       target list TLV 1010
 *   0       8        12              16        20           24             28             32        36          40
 *   ┌───────┬────────┬───────────────┬─────────┬────────────┬──────────────┬──────────────┬─────────┬───────────┐
 *   │ magic │version │totalPacketLen │platform │frameNumber │timeCpuCycles │numDetectedObj│numTLVs  │subFrameNum│ TLVs… pad
 *   └───────┴────────┴───────────────┴─────────┴────────────┴──────────────┴──────────────┴─────────┴───────────┘
 *   TLV:  ┌type u32┬length u32 = PAYLOAD bytes┬payload…┐
 *
 *   Legacy "3D People Counting" lab (Industrial Toolbox 4.x): 48-byte header '<Q9I2H'                target list TLV 7
 *   0       8        12              16        20           24        28        32        36        40        44      46       48
 *   ┌───────┬────────┬───────────────┬─────────┬────────────┬─────────┬─────────┬─────────┬─────────┬─────────┬───────┬────────┐
 *   │ magic │version │totalPacketLen │platform │frameNumber │subFrame │chirpMrg │frameUs  │trackUs  │uartUs   │numTLVs│checkSum│ TLVs…
 *   └───────┴────────┴───────────────┴─────────┴────────────┴─────────┴─────────┴─────────┴─────────┴─────────┴──u16──┴──u16───┘
 *   TLV:  ┌type u32┬length u32 = 8 + payload bytes (INCLUDES the TLV header)┬payload…┐
 *
 *   Target (TLV 1010 / legacy 7, §3.3): 112 bytes '<I27f' each:
 *   ┌tid u32┬posX f32┬posY f32┬posZ f32┬vel×3┬acc×3┬ec[16]┬g┬confidence┐   positions in metres
 *
 * A frame's layout is not announced, so each candidate is tried as both and accepted in the layout whose TLVs exactly
 * fill totalPacketLen (allowing the < 32 bytes of padding): §5 "validate with totalPacketLen". The SDK layout wins a
 * tie. In the SDK layout type 7 is the OOB demo's point SIDE INFO (fixture ti_iwr6843_oob_sdk36_frame.hex), not a
 * target list, so the target type is tied to the layout. §5: the toolbox doc's 84-byte target is not used in practice;
 * the target list length must divide by 112. Only the target list's posX/posY are read: the point cloud
 * (1020 / 1 / legacy 6) and every other TLV are stepped over by their length, never copied or decoded.
 */
import { RawFrame, RawTarget } from '../frame.ts';

export const MAGIC: readonly number[] = [0x02, 0x01, 0x04, 0x03, 0x06, 0x05, 0x08, 0x07];
export const MAGIC_BYTES = 8;
/** Padding unit of a packet (§3, MMWDEMO_OUTPUT_MSG_SEGMENT_LEN). */
export const SEGMENT_BYTES = 32;
export const TLV_HEADER_BYTES = 8;
/** Bytes per target in the target list (§3.3, §5). */
export const TARGET_BYTES = 112;
/** Offset of totalPacketLen, the same in both layouts. */
export const TOTAL_LEN_OFFSET = 12;
/** A target farther than this from the sensor is corrupt data, not a person. */
export const MAX_POSITION_M = 1000;

export type TiLayoutName = 'sdk' | 'legacy';

export interface TiLayout {
  readonly name: TiLayoutName;
  readonly headerBytes: number;
  /** Where numTLVs sits and how wide it is. */
  readonly numTlvsOffset: number;
  readonly numTlvsBytes: 2 | 4;
  /** TLV length field counts the 8-byte TLV header too (legacy, §3.2). */
  readonly lengthIncludesHeader: boolean;
  readonly targetListType: number;
}

export const SDK_LAYOUT: TiLayout = { name: 'sdk', headerBytes: 40, numTlvsOffset: 32, numTlvsBytes: 4, lengthIncludesHeader: false, targetListType: 1010 };
export const LEGACY_LAYOUT: TiLayout = { name: 'legacy', headerBytes: 48, numTlvsOffset: 44, numTlvsBytes: 2, lengthIncludesHeader: true, targetListType: 7 };
/** In the order they are tried. */
export const LAYOUTS: readonly TiLayout[] = [SDK_LAYOUT, LEGACY_LAYOUT];
/** Smallest header of any layout: a totalPacketLen below it is absurd. */
export const MIN_HEADER_BYTES = 40;

/** Why a candidate frame was rejected (counted in the decoder's stats). */
export type TiRejectReason =
  | 'absurdLength' // totalPacketLen below the header or above maxPacketBytes
  | 'truncatedTlv' // a TLV runs past totalPacketLen (or a legacy TLV length < 8)
  | 'lengthMismatch' // the TLVs do not fill totalPacketLen (with < 32 bytes of padding)
  | 'targetListSize' // target list length not a multiple of 112
  | 'duplicateTargetList' // two target lists in one frame
  | 'badTarget' // a position that is not a finite number within MAX_POSITION_M
  | 'truncatedAtEnd'; // the input ended inside the frame

export const TI_REJECT_REASONS: readonly TiRejectReason[] = [
  'absurdLength', 'truncatedTlv', 'lengthMismatch', 'targetListSize', 'duplicateTargetList', 'badTarget', 'truncatedAtEnd',
];

type Walk =
  | { kind: 'wait'; need: number }
  | { kind: 'bad'; reason: TiRejectReason; reach: number }
  | { kind: 'ok'; targetAt: number; targetBytes: number };

const u32 = (b: Buffer, at: number): number => b.readUInt32LE(at);

/**
 * Walk the TLV headers of the candidate at `at` in one layout, using only bytes before `end`. 'wait' means the bytes
 * seen so far fit; the verdict never changes once given, so chunking cannot change the outcome.
 */
function walk(b: Buffer, at: number, end: number, total: number, layout: TiLayout): Walk {
  if (total < layout.headerBytes) return { kind: 'bad', reason: 'absurdLength', reach: 0 };
  if (end - at < layout.headerBytes) return { kind: 'wait', need: layout.headerBytes };
  const numTlvs = layout.numTlvsBytes === 4 ? u32(b, at + layout.numTlvsOffset) : b.readUInt16LE(at + layout.numTlvsOffset);
  let pos = layout.headerBytes; // relative to `at`
  let targetAt = -1;
  let targetBytes = 0;
  for (let t = 0; t < numTlvs; t++) {
    // Each TLV takes ≥ 8 bytes and pos only grows, so this loop ends within total / 8 steps whatever numTlvs says.
    if (pos + TLV_HEADER_BYTES > total) return { kind: 'bad', reason: 'truncatedTlv', reach: pos };
    if (at + pos + TLV_HEADER_BYTES > end) return { kind: 'wait', need: pos + TLV_HEADER_BYTES };
    const type = u32(b, at + pos);
    const length = u32(b, at + pos + 4);
    const payload = layout.lengthIncludesHeader ? length - TLV_HEADER_BYTES : length;
    if (payload < 0 || pos + TLV_HEADER_BYTES + payload > total) return { kind: 'bad', reason: 'truncatedTlv', reach: pos };
    if (type === layout.targetListType) {
      if (targetAt >= 0) return { kind: 'bad', reason: 'duplicateTargetList', reach: pos };
      targetAt = pos + TLV_HEADER_BYTES;
      targetBytes = payload;
    }
    pos += TLV_HEADER_BYTES + payload;
  }
  const padded = total === pos || (total % SEGMENT_BYTES === 0 && total - pos < SEGMENT_BYTES);
  if (!padded) return { kind: 'bad', reason: 'lengthMismatch', reach: pos };
  if (end - at < total) return { kind: 'wait', need: total };
  return { kind: 'ok', targetAt, targetBytes };
}

/** Positions of the target list at `at` (absolute offset), or a reason. 0 bytes → no targets. */
function readTargets(b: Buffer, at: number, bytes: number): RawTarget[] | TiRejectReason {
  if (bytes % TARGET_BYTES !== 0) return 'targetListSize';
  const targets: RawTarget[] = [];
  for (let p = at; p < at + bytes; p += TARGET_BYTES) {
    const x = b.readFloatLE(p + 4); // posX, m
    const y = b.readFloatLE(p + 8); // posY, m
    if (!(Math.abs(x) <= MAX_POSITION_M && Math.abs(y) <= MAX_POSITION_M)) return 'badTarget'; // also NaN, ±Inf
    targets.push(new RawTarget(x * 1000, y * 1000));
  }
  return targets;
}

export type TiCheck =
  /** `need`: the verdict cannot change before this many bytes (from the magic word) are available. */
  | { kind: 'wait'; need: number }
  /** `reach`: how many bytes from the magic word the best layout read as consistent frame structure. */
  | { kind: 'bad'; reason: TiRejectReason; reach: number }
  | { kind: 'ok'; frame: RawFrame; totalBytes: number; layout: TiLayoutName; hasTargetList: boolean };

/** The header bytes read before any layout is tried (magic, version, totalPacketLen). */
const LENGTH_HEADER_BYTES = TOTAL_LEN_OFFSET + 4;

/**
 * Check the candidate frame whose magic word starts at `at` (the caller has matched all 8 magic bytes), with bytes
 * available up to `end` (exclusive). 'wait' = could still be a frame, need more bytes.
 */
export function checkFrame(b: Buffer, at: number, end: number, maxPacketBytes: number): TiCheck {
  if (end - at < LENGTH_HEADER_BYTES) return { kind: 'wait', need: LENGTH_HEADER_BYTES };
  const total = u32(b, at + TOTAL_LEN_OFFSET);
  if (total < MIN_HEADER_BYTES || total > maxPacketBytes) return { kind: 'bad', reason: 'absurdLength', reach: LENGTH_HEADER_BYTES };
  let need = Infinity; // smallest `need` of the layouts still waiting
  let firstBad: { reason: TiRejectReason; reach: number } | null = null;
  for (const layout of LAYOUTS) {
    const w = walk(b, at, end, total, layout);
    if (w.kind === 'wait') {
      need = Math.min(need, w.need);
      continue;
    }
    if (w.kind === 'bad') {
      if (!firstBad || w.reach > firstBad.reach) firstBad = { reason: w.reason, reach: w.reach };
      continue;
    }
    if (need < Infinity) return { kind: 'wait', need }; // an earlier layout may still match: it has priority
    const targets = w.targetAt < 0 ? [] : readTargets(b, at + w.targetAt, w.targetBytes);
    if (typeof targets === 'string') {
      if (!firstBad || firstBad.reach < total) firstBad = { reason: targets, reach: total };
      continue;
    }
    return { kind: 'ok', frame: RawFrame.fromTargets(targets), totalBytes: total, layout: layout.name, hasTargetList: w.targetAt >= 0 };
  }
  if (need < Infinity) return { kind: 'wait', need };
  return { kind: 'bad', reason: firstBad?.reason ?? 'lengthMismatch', reach: Math.max(LENGTH_HEADER_BYTES, firstBad?.reach ?? 0) };
}

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** True if the 8 magic bytes are at `at`. */
export function hasMagic(bytes: Uint8Array, at = 0): boolean {
  if (bytes.length - at < MAGIC_BYTES) return false;
  for (let k = 0; k < MAGIC_BYTES; k++) if (bytes[at + k] !== MAGIC[k]) return false;
  return true;
}

/** Decode one complete frame at `at` (tests, tools): the RawFrame, or null if it is not a valid frame there. */
export function decodeTiFrame(bytes: Uint8Array, at = 0, maxPacketBytes = 65536): RawFrame | null {
  if (!hasMagic(bytes, at)) return null;
  const r = checkFrame(asBuffer(bytes), at, bytes.length, maxPacketBytes);
  return r.kind === 'ok' ? r.frame : null;
}

/** Header fields and TLV list of a valid frame (no payload values): for tests, `drukte doctor` and debugging. */
export interface TiFrameInfo {
  layout: TiLayoutName;
  version: number;
  totalPacketLen: number;
  platform: number;
  frameNumber: number;
  /** TLV types and PAYLOAD lengths (legacy lengths converted), in order. */
  tlvs: { type: number; length: number }[];
  targets: number;
}

export function describeTiFrame(bytes: Uint8Array, at = 0, maxPacketBytes = 65536): TiFrameInfo | null {
  if (!hasMagic(bytes, at)) return null;
  const b = asBuffer(bytes);
  const r = checkFrame(b, at, b.length, maxPacketBytes);
  if (r.kind !== 'ok') return null;
  const layout = r.layout === 'sdk' ? SDK_LAYOUT : LEGACY_LAYOUT;
  const numTlvs = layout.numTlvsBytes === 4 ? u32(b, at + layout.numTlvsOffset) : b.readUInt16LE(at + layout.numTlvsOffset);
  const tlvs: { type: number; length: number }[] = [];
  for (let t = 0, pos = at + layout.headerBytes; t < numTlvs; t++) {
    const length = u32(b, pos + 4) - (layout.lengthIncludesHeader ? TLV_HEADER_BYTES : 0);
    tlvs.push({ type: u32(b, pos), length });
    pos += TLV_HEADER_BYTES + length;
  }
  return {
    layout: r.layout,
    version: u32(b, at + 8),
    totalPacketLen: r.totalBytes,
    platform: u32(b, at + 16),
    frameNumber: u32(b, at + 20),
    tlvs,
    targets: r.frame.size,
  };
}
