/**
 * TI mmWave (IWR6843) people-counting data-port encoder: the bytes the radar puts on its 921600-baud data UART.
 * Written independently of the driver's decoder (hardware/ti-people/) so the two check each other.
 *
 * Facts from docs/RADAR-PROTOCOLS.md §3 (diagrams in hardware/ti-people/frame.ts):
 *   SDK layout    (§3.1): 40-byte header '<Q8I'; TLV length = payload bytes; TLVs 1020 point cloud, 1010 targets,
 *                         1011 target index.
 *   legacy layout (§3.2): 48-byte header '<Q9I2H'; TLV length = 8 + payload bytes; TLVs 6, 7, 8 (same payloads).
 *   Both: magic 02 01 04 03 06 05 08 07; totalPacketLen includes header and padding to a multiple of 32 bytes.
 *   Target (§3.3): 112 bytes '<I27f' (tid; pos, vel, acc xyz; ec[16]; g; confidence). No limit on the count: the
 *   demo square holds 0–30 people, a frame of 250 targets is 28 KiB.
 *   Compressed point cloud (§3.3): 20-byte units (f32 elevation, azimuth, doppler, range, snr) then 8 bytes per point
 *   (i8 elevation, i8 azimuth, i16 doppler, u16 range, u16 snr), value = raw × unit.
 * Not in docs/RADAR-PROTOCOLS.md (simulator choices, marked where used): the legacy header checksum algorithm (an IP-style
 * one's-complement sum is written; the driver does not check it), version/platform defaults, zero padding bytes.
 */

export type TiLayoutName = 'sdk' | 'legacy';

/** One tracked person, metres / m/s / m/s² in the sensor's frame (Y = away from the sensor). */
export interface TiTargetIn {
  tid: number;
  posX: number;
  posY: number;
  posZ?: number;
  velX?: number;
  velY?: number;
  velZ?: number;
  accX?: number;
  accY?: number;
  accZ?: number;
  /** 4×4 error covariance, row major (16 values; missing ones are 0). */
  ec?: readonly number[];
  g?: number;
  confidence?: number;
}

/** One point of the point cloud in spherical coordinates. */
export interface TiPointIn {
  rangeM: number;
  azimuthRad: number;
  elevationRad: number;
  dopplerMS: number;
  snr: number;
}

export interface TiPointUnits {
  elevation: number;
  azimuth: number;
  doppler: number;
  range: number;
  snr: number;
}

/**
 * Units that reproduce every point of the legacy recording exactly (ti_pc3_legacy_decoded_recording_excerpt.csv: each
 * value = integer × float32(unit)): elevation/azimuth 0.01 rad, doppler 0.00028 m/s, range 0.00025 m, snr 0.04.
 * (The file's "observed quantisation" 0.06325 m / 0.131 m/s are the steps between its values — 253 and 468 units —
 * not the units.)
 */
export const RECORDED_POINT_UNITS: TiPointUnits = { elevation: 0.01, azimuth: 0.01, doppler: 0.00028, range: 0.00025, snr: 0.04 };

export const TLV_TYPES: Readonly<Record<TiLayoutName, { pointCloud: number; targetList: number; targetIndex: number }>> = {
  sdk: { pointCloud: 1020, targetList: 1010, targetIndex: 1011 },
  legacy: { pointCloud: 6, targetList: 7, targetIndex: 8 },
};

export const TARGET_BYTES = 112;
export const MAGIC = Uint8Array.of(0x02, 0x01, 0x04, 0x03, 0x06, 0x05, 0x08, 0x07);
/** IWR6843 platform id (§3.1 "e.g. 0xA6843"). */
export const PLATFORM_IWR6843 = 0xa6843;
/** SDK 3.6.0.0 (the OOB fixture's version word); used as default for both layouts. */
export const DEFAULT_VERSION = 0x03060000;

/** The 112-byte target list payload. */
export function encodeTargetList(targets: readonly TiTargetIn[]): Buffer {
  const out = Buffer.alloc(TARGET_BYTES * targets.length);
  targets.forEach((t, k) => {
    const at = k * TARGET_BYTES;
    out.writeUInt32LE(t.tid >>> 0, at);
    const f = [t.posX, t.posY, t.posZ ?? 0, t.velX ?? 0, t.velY ?? 0, t.velZ ?? 0, t.accX ?? 0, t.accY ?? 0, t.accZ ?? 0];
    for (let e = 0; e < 16; e++) f.push(t.ec?.[e] ?? 0);
    f.push(t.g ?? 0, t.confidence ?? 1);
    f.forEach((v, i) => out.writeFloatLE(v, at + 4 + 4 * i));
  });
  return out;
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, Number.isFinite(v) ? Math.round(v) : 0));

/** The compressed spherical point cloud payload (units, then 8 bytes per point). */
export function encodePointCloud(points: readonly TiPointIn[], units: TiPointUnits = RECORDED_POINT_UNITS): Buffer {
  const out = Buffer.alloc(20 + 8 * points.length);
  [units.elevation, units.azimuth, units.doppler, units.range, units.snr].forEach((u, i) => out.writeFloatLE(u, 4 * i));
  points.forEach((p, k) => {
    const at = 20 + 8 * k;
    out.writeInt8(clamp(p.elevationRad / units.elevation, -128, 127), at);
    out.writeInt8(clamp(p.azimuthRad / units.azimuth, -128, 127), at + 1);
    out.writeInt16LE(clamp(p.dopplerMS / units.doppler, -32768, 32767), at + 2);
    out.writeUInt16LE(clamp(p.rangeM / units.range, 0, 65535), at + 4);
    out.writeUInt16LE(clamp(p.snr / units.snr, 0, 65535), at + 6);
  });
  return out;
}

export interface TiTlvIn {
  type: number;
  payload: Uint8Array;
}

export interface TiPacketIn {
  layout?: TiLayoutName;
  frameNumber?: number;
  version?: number;
  platform?: number;
  /** SDK: timeCpuCycles; legacy: ignored. */
  timeCpuCycles?: number;
  /** SDK header numDetectedObj (points). */
  numDetectedObj?: number;
  subFrameNumber?: number;
  /** Pad to a multiple of 32 bytes (default true, §3). */
  pad?: boolean;
}

/** One's-complement 16-bit sum of the 24 header words (checksum field 0), inverted. An assumption, see above. */
function legacyChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 48; i += 2) sum += header.readUInt16LE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A whole packet from raw TLVs: header, TLVs in order, padding. */
export function encodeTiPacket(tlvs: readonly TiTlvIn[], o: TiPacketIn = {}): Buffer {
  const layout = o.layout ?? 'sdk';
  const headerBytes = layout === 'sdk' ? 40 : 48;
  const body = headerBytes + tlvs.reduce((n, t) => n + 8 + t.payload.length, 0);
  const total = o.pad === false ? body : Math.ceil(body / 32) * 32;
  const out = Buffer.alloc(total);
  out.set(MAGIC, 0);
  out.writeUInt32LE((o.version ?? DEFAULT_VERSION) >>> 0, 8);
  out.writeUInt32LE(total, 12);
  out.writeUInt32LE((o.platform ?? PLATFORM_IWR6843) >>> 0, 16);
  out.writeUInt32LE((o.frameNumber ?? 0) >>> 0, 20);
  if (layout === 'sdk') {
    out.writeUInt32LE((o.timeCpuCycles ?? 0) >>> 0, 24);
    out.writeUInt32LE((o.numDetectedObj ?? 0) >>> 0, 28);
    out.writeUInt32LE(tlvs.length, 32);
    out.writeUInt32LE((o.subFrameNumber ?? 0) >>> 0, 36);
  } else {
    out.writeUInt32LE((o.subFrameNumber ?? 0) >>> 0, 24); // then four timing words (28–43), left 0
    out.writeUInt16LE(tlvs.length & 0xffff, 44);
    out.writeUInt16LE(legacyChecksum(out.subarray(0, 48)), 46);
  }
  let pos = headerBytes;
  for (const t of tlvs) {
    out.writeUInt32LE(t.type >>> 0, pos);
    out.writeUInt32LE(t.payload.length + (layout === 'legacy' ? 8 : 0), pos + 4);
    out.set(t.payload, pos + 8);
    pos += 8 + t.payload.length;
  }
  return out;
}

export interface TiFrameIn extends Omit<TiPacketIn, 'numDetectedObj'> {
  targets: readonly TiTargetIn[];
  points?: readonly TiPointIn[];
  /** Target index TLV (u8 per point: tid, or 253/254/255 = not associated, §3.3); omitted if absent. */
  targetIndex?: readonly number[];
  units?: TiPointUnits;
  /** Send the target list TLV even when there are no targets (default: omit it, as with no tracks). */
  emptyTargetList?: boolean;
}

/** A people-counting frame: point cloud, target list, target index, in that order (absent ones skipped). */
export function encodeTiFrame(f: TiFrameIn): Buffer {
  const types = TLV_TYPES[f.layout ?? 'sdk'];
  const tlvs: TiTlvIn[] = [];
  if (f.points) tlvs.push({ type: types.pointCloud, payload: encodePointCloud(f.points, f.units) });
  if (f.targets.length > 0 || f.emptyTargetList) tlvs.push({ type: types.targetList, payload: encodeTargetList(f.targets) });
  if (f.targetIndex) tlvs.push({ type: types.targetIndex, payload: Uint8Array.from(f.targetIndex, (v) => v & 0xff) });
  return encodeTiPacket(tlvs, { ...f, numDetectedObj: f.points?.length ?? 0 });
}
