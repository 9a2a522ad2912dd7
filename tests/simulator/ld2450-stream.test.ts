/**
 * The simulated LD2450 byte stream: real framing and timing, the module's limits, deterministic glitches, and the
 * driver decodes all of it.
 */
import { describe, expect, it } from 'vitest';
import { decodeReportSlots } from '../../hardware/ld2450/report.ts';
import { ld2450Bytes, ld2450Frames, ld2450FrameTimes, type PeopleSource } from '../../simulator/ld2450-stream.ts';
import { CrowdScenario, type PersonState } from '../../simulator/scenario.ts';
import { decodeChunks, parseChunks } from '../hardware/ld2450-util.ts';

const scenario = new CrowdScenario({ seed: 7, zone: { xMinMm: -1500, xMaxMm: 1500, yMinMm: 800, yMaxMm: 4000 } });
const fixed = (people: PersonState[]): PeopleSource => ({ people: () => people });
const still = (xMm: number, yMm: number): PersonState => ({ xMm, yMm, vxMmS: 0, vyMmS: 0 });
const clean = { missProbability: 0, ghostProbability: 0, positionNoiseMm: 0 };

describe('LD2450 stream timing', () => {
  it('about 10.6 frames/s, gaps between 88 and 100 ms like the real capture', () => {
    const ts = ld2450FrameTimes(0, 60_000);
    expect(ts.length).toBeGreaterThan(630);
    expect(ts.length).toBeLessThan(650);
    for (let i = 1; i < ts.length; i++) {
      const gap = ts[i]! - ts[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(88);
      expect(gap).toBeLessThanOrEqual(100);
    }
    expect(new Set(ts.slice(1).map((t, i) => Math.round(t - ts[i]!))).size).toBeGreaterThan(5); // jittered
  });

  it('is deterministic, and overlapping ranges agree byte for byte', () => {
    const a = [...ld2450Frames(scenario, 0, 20_000)];
    const b = [...ld2450Frames(scenario, 0, 20_000)];
    const tail = [...ld2450Frames(scenario, 10_000, 20_000)];
    expect(b).toEqual(a);
    expect(tail).toEqual(a.filter((f) => f.atMs >= 10_000));
    expect(a.every((f) => f.atMs >= 0 && f.atMs < 20_000)).toBe(true);
    const other = [...ld2450Frames(scenario, 0, 20_000, { seed: 2 })];
    expect(other.map((f) => f.atMs)).not.toEqual(a.map((f) => f.atMs));
  });
});

describe('LD2450 stream content', () => {
  it('reports the people in view, at most the 3 nearest, with radial speed', () => {
    const people = [still(0, 1000), still(500, 2000), still(-800, 3000), { xMm: 0, yMm: 1500, vxMmS: 0, vyMmS: -1000 }];
    const [frame] = [...ld2450Frames(fixed(people), 0, 100, clean)];
    const slots = decodeReportSlots(frame!.bytes)!;
    expect(slots.map((s) => [s.xMm, s.yMm, s.speedCmS])).toEqual([[0, 1000, 0], [0, 1500, -100], [500, 2000, 0]]);
  });

  it('does not see people beyond 6 m or outside ±60°', () => {
    const people = [still(0, 6500), still(3000, 1000), still(-3000, 1000), still(0, -500), still(1000, 5800)];
    const [frame] = [...ld2450Frames(fixed(people), 0, 100, clean)];
    expect(decodeReportSlots(frame!.bytes)!.filter((s) => s.isTarget).map((s) => [s.xMm, s.yMm])).toEqual([[1000, 5800]]);
  });

  it('misses now and then and adds a rare ghost, deterministically', () => {
    const one = fixed([still(0, 2000)]);
    const sizes = decodeChunks([ld2450Bytes(one, 0, 300_000)]).events.map((e) => (e.type === 'report' ? e.targets.length : -1));
    const misses = sizes.filter((n) => n === 0).length;
    const ghosts = sizes.filter((n) => n === 2).length;
    expect(misses / sizes.length).toBeGreaterThan(0.01);
    expect(misses / sizes.length).toBeLessThan(0.04);
    expect(ghosts).toBeGreaterThan(0);
    expect(ghosts / sizes.length).toBeLessThan(0.02);
    const none = decodeChunks([ld2450Bytes(one, 0, 300_000, clean)]).events;
    expect(none.every((e) => e.type === 'report' && e.targets.length === 1)).toBe(true);
  });

  it('a scenario cycle decodes cleanly through the driver, one report per frame', async () => {
    const frames = [...ld2450Frames(scenario, 0, 150_000)];
    const { events, stats } = await parseChunks(frames.map((f) => f.bytes));
    expect(stats).toEqual({ reports: frames.length, acks: 0, discardedBytes: 0, badFrames: 0, noiseRuns: 0 });
    const sizes = events.map((e) => (e.type === 'report' ? e.targets.length : -1));
    expect(Math.max(...sizes)).toBe(3); // the peak saturates the module's 3 targets
    expect(Math.min(...sizes)).toBe(0);
  });

  it('without glitches, the frame holds min(3, people in view) targets', () => {
    const frames = [...ld2450Frames(scenario, 0, 150_000, clean)];
    const sizes = decodeChunks(frames.map((f) => f.bytes)).events.map((e) => (e.type === 'report' ? e.targets.length : -1));
    frames.forEach((f, i) => {
      const inView = scenario.people(f.atMs).filter((p) => p.yMm > 0 && Math.hypot(p.xMm, p.yMm) <= 6000 && Math.abs(Math.atan2(p.xMm, p.yMm)) <= Math.PI / 3);
      expect(sizes[i]).toBe(Math.min(3, inView.length));
    });
  });

  it('checks its options', () => {
    expect(() => ld2450FrameTimes(0, 1000, { minFrameGapMs: 100, maxFrameGapMs: 90 })).toThrow(RangeError);
    expect(() => [...ld2450Frames(scenario, 0, 1000, { missProbability: 2 })]).toThrow(RangeError);
  });
});
