/**
 * TI mmWave people-counting driver against the fixtures in tests/fixtures/radar (docs/RADAR-PROTOCOLS.md §3): the SDK 3.6
 * OOB frame (raw bytes) and the legacy 3D people counting recording (decoded values, re-encoded here).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createReportParser } from '../../hardware/drivers.ts';
import { RawDataLeak } from '../../hardware/frame.ts';
import { TiPeopleDecoder } from '../../hardware/ti-people/decoder.ts';
import { decodeTiFrame, describeTiFrame } from '../../hardware/ti-people/frame.ts';
import { TiPeopleParser, type TiPeopleEvent } from '../../hardware/ti-people/parser.ts';
import { encodeTargetList, encodeTiFrame, encodeTiPacket, type TiPointIn, type TiTargetIn } from '../../simulator/encoders/ti-people.ts';
import { loadHex, radarFixturePath } from '../helpers/hex.ts';

const OOB = Buffer.concat(loadHex('ti_iwr6843_oob_sdk36_frame.hex').map((e) => e.bytes));

/** The legacy recording excerpt: per frame number, its targets (v7), points (v6) and target index (v8). */
function legacyRecording(): { fN: number; time: string; targets: TiTargetIn[]; points: TiPointIn[]; index: number[] }[] {
  const frames = new Map<number, { fN: number; time: string; targets: TiTargetIn[]; points: TiPointIn[]; index: number[] }>();
  for (const line of readFileSync(radarFixturePath('ti_pc3_legacy_decoded_recording_excerpt.csv'), 'utf8').split(/\r?\n/)) {
    const m = /^(\d{4}-[\d-]+ [\d:.]+),(\d+),(v[678]),(.*)$/.exec(line);
    if (!m) continue;
    const fN = Number(m[2]);
    const f = frames.get(fN) ?? { fN, time: m[1]!, targets: [], points: [], index: [] };
    frames.set(fN, f);
    if (m[3] === 'v8') {
      f.index = JSON.parse(m[4]!.replace(/^"|"$/g, '')) as number[];
      continue;
    }
    const v = m[4]!.split(',').map(Number);
    if (m[3] === 'v6') {
      const [elevationRad, azimuthRad, rangeM, dopplerMS, snr] = v as [number, number, number, number, number];
      f.points.push({ elevationRad, azimuthRad, rangeM, dopplerMS, snr });
    } else {
      // v7: posX..accZ, ec0..ec15, g, confidence, tid (COLUMNS line of the file)
      const [posX, posY, posZ, velX, velY, velZ, accX, accY, accZ] = v as number[];
      f.targets.push({ posX: posX!, posY: posY!, posZ, velX, velY, velZ, accX, accY, accZ, ec: v.slice(9, 25), g: v[25], confidence: v[26], tid: v[27]! });
    }
  }
  return [...frames.values()].sort((a, b) => a.fN - b.fN);
}
const LEGACY = legacyRecording();
const legacyFrame = (f: (typeof LEGACY)[number]): Buffer =>
  encodeTiFrame({ layout: 'legacy', frameNumber: f.fN, targets: f.targets, points: f.points, targetIndex: f.index });

async function parse(bytes: Buffer): Promise<{ sizes: number[]; events: TiPeopleEvent[]; stats: TiPeopleParser['stats'] }> {
  const parser = new TiPeopleParser();
  const events: TiPeopleEvent[] = [];
  parser.on('data', (e: TiPeopleEvent) => events.push(e));
  const done = new Promise((resolve) => parser.on('end', resolve));
  parser.end(bytes);
  await done;
  return { sizes: events.map((e) => (e.type === 'report' ? e.frame.size : -1)), events, stats: parser.stats };
}

describe('SDK 3.6 OOB frame (ti_iwr6843_oob_sdk36_frame.hex)', () => {
  it('the labelled rows concatenate to the 704-byte frame', () => {
    const rows = loadHex('ti_iwr6843_oob_sdk36_frame.hex');
    expect(OOB.length).toBe(704);
    expect(rows[0]?.label).toBe('header');
    expect(new Set(rows.map((r) => r.label))).toEqual(new Set(['header', 'tlv_hdr', 'payload']));
  });

  it('decodes with the 40-byte header as the comments say: version, length, platform, frame, TLVs', () => {
    expect(describeTiFrame(OOB)).toEqual({
      layout: 'sdk', version: 0x03060000, totalPacketLen: 704, platform: 0xa6843, frameNumber: 3245, targets: 0,
      tlvs: [{ type: 1, length: 48 }, { type: 7, length: 12 }, { type: 2, length: 512 }, { type: 6, length: 24 }, { type: 9, length: 28 }],
    });
    expect([OOB.readUInt32LE(24), OOB.readUInt32LE(28), OOB.readUInt32LE(36)]).toEqual([4138444507, 3, 0]); // cpuCycles, numDetObj, subFrame
  });

  it('payload values match the comments (fixture check: the bytes are where the layout says)', () => {
    const points = [0, 1, 2].map((p) => [0, 1, 2, 3].map((c) => Number(OOB.readFloatLE(48 + 16 * p + 4 * c).toFixed(4))));
    expect(points).toEqual([[0.0723, 0.4742, 0, 0], [0.1498, 0.8149, 0, 0], [0.1209, 0.9956, 0, 0]]);
    expect([0, 1, 2, 3, 4, 5].map((k) => OOB.readUInt16LE(104 + 2 * k))).toEqual([222, 1021, 201, 881, 154, 846]); // side info
    expect([0, 1, 2, 5].map((k) => OOB.readUInt32LE(644 + 4 * k))).toEqual([4399, 7990, 75586, 4]); // stats
    expect([OOB.readUInt32LE(676), OOB.readUInt32LE(680)]).toEqual([0, 385760]); // temperature: valid flag, time ms
  });

  it('is one report with 0 targets: no target list; type 7 here is SIDE INFO, not a target list', async () => {
    const { sizes, stats } = await parse(OOB);
    expect(sizes).toEqual([0]);
    expect(stats).toMatchObject({ reports: 1, legacyReports: 0, withoutTargetList: 1, badFrames: 0, discardedBytes: 0 });
    expect(decodeTiFrame(OOB)?.targets).toEqual([]);
  });
});

describe('legacy 3D people counting recording (ti_pc3_legacy_decoded_recording_excerpt.csv)', () => {
  it('holds frames 170–172 with 1, 2, 2 tracks, ~10 frames/s', () => {
    expect(LEGACY.map((f) => [f.fN, f.targets.length, f.points.length])).toEqual([[170, 1, 6], [171, 2, 0], [172, 2, 0]]);
    const t = LEGACY.map((f) => Date.parse(f.time.replace(' ', 'T')));
    expect([t[1]! - t[0]!, t[2]! - t[1]!]).toEqual([93, 103]);
  });

  it('legacy frames built from it decode with the 48-byte header: counts and positions per frame', async () => {
    const frames = LEGACY.map(legacyFrame);
    const { events, sizes, stats } = await parse(Buffer.concat(frames));
    expect(sizes).toEqual([1, 2, 2]);
    expect(stats).toMatchObject({ reports: 3, legacyReports: 3, withoutTargetList: 0, badFrames: 0, discardedBytes: 0 });
    events.forEach((e, i) => {
      const want = LEGACY[i]!.targets.map((t) => [Math.fround(t.posX) * 1000, Math.fround(t.posY) * 1000]);
      expect(e.type === 'report' && e.frame.targets?.map((t) => [t.xMm, t.yMm])).toEqual(want);
    });
    expect(describeTiFrame(frames[0]!)).toMatchObject({ layout: 'legacy', frameNumber: 170, tlvs: [{ type: 6, length: 20 + 6 * 8 }, { type: 7, length: 112 }, { type: 8, length: LEGACY[0]!.index.length }] });
  });

  it('the track with an all-zero covariance (76 zero bytes in a row) is not line noise', async () => {
    const { stats } = await parse(Buffer.concat(Array.from({ length: 10 }, () => legacyFrame(LEGACY[1]!))));
    expect(stats).toMatchObject({ reports: 10, noiseRuns: 0 });
  });

  it('the same tracks in an SDK frame (TLV 1010) decode the same; legacy TLV 7 is not read in an SDK frame', () => {
    const f = LEGACY[2]!;
    const sdk = encodeTiFrame({ frameNumber: 172, targets: f.targets, points: f.points });
    expect(decodeTiFrame(sdk)?.size).toBe(2);
    const sdkWith7 = encodeTiPacket([{ type: 7, payload: encodeTargetList(f.targets) }], { layout: 'sdk' });
    expect(decodeTiFrame(sdkWith7)?.size).toBe(0);
    const legacyWith1010 = encodeTiPacket([{ type: 1010, payload: encodeTargetList(f.targets) }], { layout: 'legacy' });
    expect(describeTiFrame(legacyWith1010)).toMatchObject({ layout: 'legacy', targets: 0 });
  });
});

describe('people counting frames', () => {
  it('30+ targets (the demo square holds up to 30 people)', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ tid: i, posX: (i % 8) - 4, posY: 1 + i / 8 }));
    const frame = decodeTiFrame(encodeTiFrame({ frameNumber: 9, targets: many, points: [] }));
    expect(frame?.size).toBe(40);
    expect(frame?.targets?.map((t) => Math.round(t.xMm))).toEqual(many.map((t) => t.posX * 1000));
    expect(decodeTiFrame(encodeTiFrame({ frameNumber: 9, targets: Array.from({ length: 250 }, (_, i) => ({ tid: i, posX: 0, posY: 2 })) }))?.size).toBe(250);
  });

  it('decoded frames stay unserialisable', () => {
    const frame = decodeTiFrame(legacyFrame(LEGACY[0]!))!;
    expect(() => JSON.stringify(frame)).toThrow(RawDataLeak);
    expect(inspect(frame)).not.toMatch(/54\.9|976/);
  });

  it('the parser checks its options; the registry creates it for ti-people', () => {
    expect(() => new TiPeopleParser({ maxPacketBytes: 32 })).toThrow(RangeError);
    expect(() => new TiPeopleParser({ maxPacketBytes: 1.5e9 })).toThrow(RangeError);
    expect(() => new TiPeopleDecoder({ zeroRunBytes: 8 })).toThrow(RangeError);
    expect(() => new TiPeopleParser({ maxPacketBytes: 4096, zeroRunBytes: 100 })).not.toThrow();
    expect(createReportParser('ti-people')).toBeInstanceOf(TiPeopleParser);
  });
});

describe('drukte replay --driver ti-people', () => {
  it('prints the target count of every frame of a binary capture, then the aggregate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drukte-ti-'));
    const capture = join(dir, 'ti.bin');
    writeFileSync(capture, Buffer.concat([OOB, ...LEGACY.map(legacyFrame)]));
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/drukte.js', 'replay', '--driver', 'ti-people', '--input', capture]);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.type === 'frame')).toEqual([0, 1, 2, 2].map((targets, index) => ({ type: 'frame', index, targets })));
    expect(lines.filter((l) => l.type === 'aggregate')).toEqual([expect.objectContaining({ seq: 1, level: 0, count: null })]);
  });
});
