/**
 * The simulated LD2410 byte stream: presence from a scenario, the no-one hold, basic and engineering frames, timing,
 * and the driver decodes all of it.
 */
import { describe, expect, it } from 'vitest';
import { Ld2410Decoder } from '../../hardware/ld2410/decoder.ts';
import { decodeReportFields } from '../../hardware/ld2410/report.ts';
import { ld2410Bytes, ld2410Frames, ld2410FrameTimes, type PeopleSource } from '../../simulator/ld2410-stream.ts';
import { CrowdScenario, type PersonState } from '../../simulator/scenario.ts';

const doorway = new CrowdScenario({ seed: 11, zone: { xMinMm: -1000, xMaxMm: 1000, yMinMm: 500, yMaxMm: 3000 }, peakPeople: 2, quietPeople: 0, passersPerMinute: 0 });
const fixed = (people: PersonState[]): PeopleSource => ({ people: () => people });
const still = (xMm: number, yMm: number): PersonState => ({ xMm, yMm, vxMmS: 0, vyMmS: 0 });
const walking = (xMm: number, yMm: number): PersonState => ({ xMm, yMm, vxMmS: 0, vyMmS: -1000 });
const clean = { missProbability: 0, engineeringProbability: 0 };
const fields = (source: PeopleSource, fromMs: number, toMs: number, o = {}) => [...ld2410Frames(source, fromMs, toMs, { ...clean, ...o })].map((f) => decodeReportFields(f.bytes)!.fields);

describe('LD2410 stream timing', () => {
  it('about 10 frames/s, gaps 95–105 ms', () => {
    const ts = ld2410FrameTimes(0, 60_000);
    expect(Math.abs(ts.length - 600)).toBeLessThanOrEqual(1);
    for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBeGreaterThanOrEqual(95);
    for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBeLessThanOrEqual(105);
  });

  it('is deterministic, and overlapping ranges agree byte for byte', () => {
    const a = [...ld2410Frames(doorway, 0, 20_000)];
    expect([...ld2410Frames(doorway, 0, 20_000)]).toEqual(a);
    expect([...ld2410Frames(doorway, 10_000, 20_000)]).toEqual(a.filter((f) => f.atMs >= 10_000));
  });
});

describe('LD2410 stream content', () => {
  it('moving, stationary, both, none — with distances in cm', () => {
    expect(fields(fixed([walking(0, 2000)]), 0, 100)[0]).toMatchObject({ type: 2, state: 1, movingDistanceCm: 200, staticDistanceCm: 0, detectionDistanceCm: 200 });
    expect(fields(fixed([still(0, 1500)]), 0, 100)[0]).toMatchObject({ state: 2, movingDistanceCm: 0, staticDistanceCm: 150, detectionDistanceCm: 150 });
    expect(fields(fixed([still(0, 1500), walking(300, 4000)]), 0, 100)[0]).toMatchObject({ state: 3, staticDistanceCm: 150 });
    expect(fields(fixed([still(0, 8000), still(0, -1000), still(5000, 500)]), 0, 100)[0]).toMatchObject({ state: 0 }); // out of range / view
  });

  it('holds presence for the no-one duration (5 s) after the last person left', () => {
    const leaving: PeopleSource = { people: (t) => (t < 10_000 ? [still(0, 2000)] : []) };
    const frames = [...ld2410Frames(leaving, 9_000, 17_000, clean)];
    const state = (t: number) => decodeReportFields(frames.find((f) => f.atMs >= t)!.bytes)!.state;
    expect([state(9_500), state(11_000), state(14_000), state(15_600)]).toEqual([2, 2, 2, 0]);
    const quick = [...ld2410Frames(leaving, 9_000, 17_000, { ...clean, noOneDurationMs: 0 })];
    expect(decodeReportFields(quick.find((f) => f.atMs >= 10_200)!.bytes)!.state).toBe(0);
  });

  it('mixes in engineering frames (5 % by default) with per-gate energies and the OUT pin', () => {
    const all = fields(fixed([walking(0, 2000)]), 0, 300_000, { engineeringProbability: 0.05 });
    const eng = all.filter((f) => f.engineering);
    expect(eng.length / all.length).toBeGreaterThan(0.03);
    expect(eng.length / all.length).toBeLessThan(0.07);
    const e = eng[0]!.engineering!;
    expect([e.maxMovingGate, e.maxStaticGate, e.out, e.light]).toEqual([8, 8, 1, 98]);
    expect(e.movingGateEnergy.indexOf(Math.max(...e.movingGateEnergy))).toBe(2); // 2 m → gate 2 of 0.75 m
  });

  it('a scenario decodes cleanly through the driver: presence 1 exactly when someone is in view or within the hold', () => {
    const frames = [...ld2410Frames(doorway, 0, 150_000, { missProbability: 0 })];
    const decoder = new Ld2410Decoder();
    const occupancy = frames.flatMap((f) => decoder.push(f.bytes)).map((e) => (e.type === 'report' ? e.frame.occupancy : -1));
    expect(decoder.stats).toMatchObject({ reports: frames.length, badFrames: 0, discardedBytes: 0 });
    expect(decoder.stats.engineeringReports).toBeGreaterThan(0);
    const seen = (t: number) => doorway.people(t).some((p) => p.yMm > 0 && Math.hypot(p.xMm, p.yMm) <= 6750 && Math.abs(Math.atan2(p.xMm, p.yMm)) <= Math.PI / 3);
    frames.forEach((f, i) => {
      if (seen(f.atMs)) expect(occupancy[i], `frame ${i}`).toBe(1);
    });
    expect(occupancy).toContain(0);
    expect(occupancy).toContain(1);
    expect(ld2410Bytes(doorway, 0, 1000).length).toBeGreaterThan(9 * 23);
  });

  it('checks its options', () => {
    expect(() => ld2410FrameTimes(0, 1000, { minFrameGapMs: 100, maxFrameGapMs: 90 })).toThrow(RangeError);
    expect(() => [...ld2410Frames(doorway, 0, 1000, { engineeringProbability: 2 })]).toThrow(RangeError);
  });
});
