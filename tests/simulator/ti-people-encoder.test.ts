/**
 * The simulator's TI people-counting encoder against the real bytes and values in tests/fixtures/radar
 * (docs/RADAR-PROTOCOLS.md §3) and against the driver's decoder.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTiFrame, describeTiFrame } from '../../hardware/ti-people/frame.ts';
import {
  encodePointCloud, encodeTargetList, encodeTiFrame, encodeTiPacket, RECORDED_POINT_UNITS, TARGET_BYTES, type TiLayoutName,
} from '../../simulator/encoders/ti-people.ts';
import { loadHex, radarFixturePath } from '../helpers/hex.ts';

describe('packet encoder', () => {
  it('reproduces the real SDK 3.6 OOB frame byte for byte from its header fields and TLV payloads', () => {
    const oob = Buffer.concat(loadHex('ti_iwr6843_oob_sdk36_frame.hex').map((e) => e.bytes));
    const tlvs: { type: number; payload: Buffer }[] = [];
    for (let pos = 40, t = 0; t < 5; t++) {
      const length = oob.readUInt32LE(pos + 4);
      tlvs.push({ type: oob.readUInt32LE(pos), payload: oob.subarray(pos + 8, pos + 8 + length) });
      pos += 8 + length;
    }
    const again = encodeTiPacket(tlvs, { version: 0x03060000, platform: 0xa6843, frameNumber: 3245, timeCpuCycles: 4138444507, numDetectedObj: 3 });
    expect(again.toString('hex')).toBe(oob.toString('hex'));
  });

  it('pads to 32 bytes; legacy TLV lengths include the TLV header; header fields sit where §3.1/§3.2 say', () => {
    const payload = new Uint8Array(13);
    const sdk = encodeTiPacket([{ type: 1020, payload }], { frameNumber: 7, numDetectedObj: 2 });
    expect([sdk.length, sdk.readUInt32LE(12), sdk.readUInt32LE(20), sdk.readUInt32LE(28), sdk.readUInt32LE(32), sdk.readUInt32LE(44)]).toEqual([64, 64, 7, 2, 1, 13]);
    const legacy = encodeTiPacket([{ type: 6, payload }], { layout: 'legacy', frameNumber: 7 });
    expect([legacy.length, legacy.readUInt32LE(12), legacy.readUInt32LE(20), legacy.readUInt16LE(44), legacy.readUInt32LE(52)]).toEqual([96, 96, 7, 1, 21]);
    expect(encodeTiPacket([{ type: 1, payload }], { pad: false }).length).toBe(40 + 8 + 13);
    // Header checksum (an assumption, not checked by the driver): the 24 header words sum to 0xFFFF one's-complement.
    let sum = 0;
    for (let i = 0; i < 48; i += 2) sum += legacy.readUInt16LE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
  });

  it('target list: 112 bytes per track, tid u32 then 27 float32 in §3.3 order', () => {
    const ec = Array.from({ length: 16 }, (_, i) => i / 10);
    const list = encodeTargetList([{ tid: 300, posX: 1.5, posY: 2.5, posZ: 1, velX: 0.1, velY: -0.2, velZ: 0, accX: 1, accY: 2, accZ: 3, ec, g: 3, confidence: 0.9 }]);
    expect(list.length).toBe(TARGET_BYTES);
    expect(list.readUInt32LE(0)).toBe(300);
    const floats = Array.from({ length: 27 }, (_, i) => list.readFloatLE(4 + 4 * i));
    expect(floats).toEqual([1.5, 2.5, 1, 0.1, -0.2, 0, 1, 2, 3, ...ec, 3, 0.9].map(Math.fround));
  });

  it('compressed point cloud: the recorded units reproduce every point of the legacy recording exactly', () => {
    const rows = readFileSync(radarFixturePath('ti_pc3_legacy_decoded_recording_excerpt.csv'), 'utf8').split('\n').filter((l) => l.includes(',v6,'));
    const points = rows.map((l) => l.split(',').slice(3, 8).map(Number) as [number, number, number, number, number]);
    expect(points).toHaveLength(6);
    const cloud = encodePointCloud(points.map(([elevationRad, azimuthRad, rangeM, dopplerMS, snr]) => ({ elevationRad, azimuthRad, rangeM, dopplerMS, snr })));
    const unit = [0, 1, 2, 3, 4].map((i) => cloud.readFloatLE(4 * i)); // elevation, azimuth, doppler, range, snr
    const decoded = points.map((_, k) => {
      const at = 20 + 8 * k;
      return [cloud.readInt8(at) * unit[0]!, cloud.readInt8(at + 1) * unit[1]!, cloud.readUInt16LE(at + 4) * unit[3]!, cloud.readInt16LE(at + 2) * unit[2]!, cloud.readUInt16LE(at + 6) * unit[4]!];
    });
    expect(decoded).toEqual(points);
    expect(RECORDED_POINT_UNITS.range).toBe(0.00025);
  });
});

describe('frames through the driver', () => {
  const coord = fc.double({ min: -50, max: 50, noNaN: true });
  const targets = fc.array(fc.record({ tid: fc.nat(), posX: coord, posY: coord }), { maxLength: 40 });

  it('decode ∘ encode keeps every track position (float32 precision), in both layouts, with or without points', () => {
    fc.assert(
      fc.property(targets, fc.constantFrom<TiLayoutName>('sdk', 'legacy'), fc.nat(20), (ts, layout, n) => {
        const points = Array.from({ length: n }, () => ({ rangeM: 3, azimuthRad: 0.2, elevationRad: -0.1, dopplerMS: 0.3, snr: 10 }));
        const frame = decodeTiFrame(encodeTiFrame({ layout, targets: ts, points, targetIndex: points.map(() => 255) }));
        expect(frame?.targets?.map((t) => [t.xMm, t.yMm])).toEqual(ts.map((t) => [Math.fround(t.posX) * 1000, Math.fround(t.posY) * 1000]));
      }),
      { numRuns: 200, seed: 1010 },
    );
  });

  it('TLV order: point cloud, target list, target index; no target list when there are no tracks', () => {
    const one = encodeTiFrame({ targets: [{ tid: 0, posX: 0, posY: 1 }], points: [], targetIndex: [] });
    expect(describeTiFrame(one)?.tlvs.map((t) => t.type)).toEqual([1020, 1010, 1011]);
    expect(describeTiFrame(encodeTiFrame({ layout: 'legacy', targets: [], points: [] }))?.tlvs.map((t) => t.type)).toEqual([6]);
    expect(describeTiFrame(encodeTiFrame({ targets: [], emptyTargetList: true }))?.tlvs).toEqual([{ type: 1010, length: 0 }]);
  });
});
