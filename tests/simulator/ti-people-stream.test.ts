/**
 * The simulated TI people-tracking data stream: real framing (target list + point cloud to skip + padding), timing,
 * a 0–30 person demo square, deterministic glitches, and the driver decodes all of it.
 */
import { describe, expect, it } from 'vitest';
import { TiPeopleDecoder } from '../../hardware/ti-people/decoder.ts';
import { describeTiFrame } from '../../hardware/ti-people/frame.ts';
import { TiPeopleParser, type TiPeopleEvent } from '../../hardware/ti-people/parser.ts';
import { CrowdScenario, type PersonState } from '../../simulator/scenario.ts';
import { tiPeopleBytes, tiPeopleFrames, tiPeopleFrameTimes, type PeopleSource } from '../../simulator/ti-people-stream.ts';

/** The demo: a 6 m × 6 m square in front of the radar, up to 30 people. */
const square = new CrowdScenario({ seed: 30, zone: { xMinMm: -3000, xMaxMm: 3000, yMinMm: 1500, yMaxMm: 7500 }, peakPeople: 26, maxPeople: 30, cycleSeconds: 120 });
const fixed = (people: PersonState[]): PeopleSource => ({ people: () => people });
const still = (xMm: number, yMm: number): PersonState => ({ xMm, yMm, vxMmS: 0, vyMmS: 0 });
const clean = { missProbability: 0, ghostProbability: 0, positionNoiseMm: 0 };
const sizes = (bytes: Buffer | Buffer[]): number[] => {
  const d = new TiPeopleDecoder();
  const ev = (Array.isArray(bytes) ? bytes : [bytes]).flatMap((b) => d.push(b));
  return ev.map((e) => (e.type === 'report' ? e.frame.size : -1));
};

describe('TI stream timing', () => {
  it('10 frames/s by default, hardware-timed (±2 ms jitter); the period is configurable', () => {
    const ts = tiPeopleFrameTimes(0, 60_000);
    expect(Math.abs(ts.length - 600)).toBeLessThanOrEqual(1); // frame 0 may fall just before t = 0
    for (let i = 1; i < ts.length; i++) expect(Math.abs(ts[i]! - ts[i - 1]! - 100)).toBeLessThanOrEqual(4);
    expect(Math.abs(tiPeopleFrameTimes(0, 10_000, { framePeriodMs: 55 }).length - 182)).toBeLessThanOrEqual(1);
  });

  it('is deterministic, and overlapping ranges agree byte for byte', () => {
    const a = [...tiPeopleFrames(square, 0, 10_000)];
    expect([...tiPeopleFrames(square, 0, 10_000)]).toEqual(a);
    expect([...tiPeopleFrames(square, 5_000, 10_000)]).toEqual(a.filter((f) => f.atMs >= 5_000));
    expect([...tiPeopleFrames(square, 0, 10_000, { seed: 2 })].map((f) => f.atMs)).not.toEqual(a.map((f) => f.atMs));
  });
});

describe('TI stream content', () => {
  it('one track per person in view, positions in metres, plus a point cloud and target index the driver skips', () => {
    const people = [still(0, 2000), still(-1000, 4000), still(9000, 1000), still(0, 13_000), still(500, -500)];
    const [frame] = [...tiPeopleFrames(fixed(people), 0, 100, clean)];
    const info = describeTiFrame(frame!.bytes)!;
    expect(info.tlvs.map((t) => t.type)).toEqual([1020, 1010, 1011]);
    expect(info.tlvs[0]!.length).toBeGreaterThan(20); // some points to skip
    expect(info.totalPacketLen % 32).toBe(0);
    const [e] = new TiPeopleDecoder().push(frame!.bytes);
    expect(e?.type === 'report' && e.frame.targets?.map((t) => [Math.round(t.xMm), Math.round(t.yMm)])).toEqual([[0, 2000], [-1000, 4000]]);
  });

  it('nobody in view: no target list TLV, 0 targets', () => {
    const [frame] = [...tiPeopleFrames(fixed([]), 0, 100, clean)];
    expect(describeTiFrame(frame!.bytes)!.tlvs.map((t) => t.type)).toEqual([1020]);
    expect(sizes(frame!.bytes)).toEqual([0]);
  });

  it('the legacy layout decodes too', () => {
    const frames = [...tiPeopleFrames(fixed([still(0, 2000), still(300, 3000)]), 0, 2000, { ...clean, layout: 'legacy' })];
    const d = new TiPeopleDecoder();
    expect(d.push(Buffer.concat(frames.map((f) => f.bytes))).map((e: TiPeopleEvent) => (e.type === 'report' ? e.frame.size : -1))).toEqual(frames.map(() => 2));
    expect(d.stats).toMatchObject({ reports: frames.length, legacyReports: frames.length, badFrames: 0 });
    expect(frames.length).toBeGreaterThanOrEqual(19);
  });

  it('the demo square: 0 to 30 people, every frame decodes cleanly, counts match the people in view', async () => {
    const frames = [...tiPeopleFrames(square, 0, 120_000, clean)];
    const parser = new TiPeopleParser();
    const got: number[] = [];
    parser.on('data', (e: TiPeopleEvent) => got.push(e.type === 'report' ? e.frame.size : -1));
    const done = new Promise((resolve) => parser.on('end', resolve));
    for (const f of frames) parser.write(f.bytes);
    parser.end();
    await done;
    expect(parser.stats).toMatchObject({ reports: frames.length, badFrames: 0, discardedBytes: 0, noiseRuns: 0 });
    const inView = frames.map((f) => square.people(f.atMs).filter((p) => p.yMm > 0 && Math.hypot(p.xMm, p.yMm) <= 12_000 && Math.abs(Math.atan2(p.xMm, p.yMm)) <= (70 * Math.PI) / 180).length);
    expect(got).toEqual(inView.map((n) => Math.min(n, 50)));
    expect(Math.max(...frames.map((f) => square.groundTruth(f.atMs)))).toBeGreaterThanOrEqual(20);
    expect(Math.min(...got)).toBe(0);
    expect(Math.max(...frames.map((f) => f.bytes.length))).toBeLessThan(65536);
  });

  it('misses now and then and adds a rare ghost, deterministically', () => {
    const one = fixed([still(0, 3000)]);
    const s = sizes(tiPeopleBytes(one, 0, 300_000));
    const misses = s.filter((n) => n === 0).length / s.length;
    expect(misses).toBeGreaterThan(0.003);
    expect(misses).toBeLessThan(0.03);
    expect(s.filter((n) => n === 2).length).toBeGreaterThan(0);
    expect(sizes(tiPeopleBytes(one, 0, 60_000, clean)).every((n) => n === 1)).toBe(true);
  });

  it('caps the tracks at maxTracks, keeping the nearest', () => {
    const crowd = Array.from({ length: 60 }, (_, i) => still((i % 10) * 400 - 2000, 1000 + Math.floor(i / 10) * 700));
    expect(sizes(tiPeopleBytes(fixed(crowd), 0, 100, clean))).toEqual([50]);
    expect(sizes(tiPeopleBytes(fixed(crowd), 0, 100, { ...clean, maxTracks: 20 }))).toEqual([20]);
  });

  it('checks its options', () => {
    expect(() => tiPeopleFrameTimes(0, 1000, { framePeriodMs: 5 })).toThrow(RangeError);
    expect(() => [...tiPeopleFrames(square, 0, 1000, { missProbability: 2 })]).toThrow(RangeError);
    expect(() => [...tiPeopleFrames(square, 0, 1000, { maxTracks: 1.5 })]).toThrow(RangeError);
  });
});
