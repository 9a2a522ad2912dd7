import { describe, expect, it } from 'vitest';
import { FRUIN_WALKWAY } from '../../shared/density.ts';
import { RawFrame, RawTarget } from '../../hardware/frame.ts';
import { createMinimiser, type MinimiserSettings, type WindowResult } from '../../firmware/minimiser/minimiser.ts';
import { estimateOccupancy, publishable } from '../../firmware/minimiser/reduce.ts';
import { insideZone } from '../../firmware/minimiser/zone.ts';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a multiple of every window below
const ZONE = [[-1000, 0], [1000, 0], [1000, 2000], [-1000, 2000]] as const; // 2 m × 2 m in front of the sensor

const settings = (over: Partial<MinimiserSettings> = {}): MinimiserSettings => ({
  areaM2: 4, zone: ZONE.map((p) => [p[0], p[1]] as const), scheme: FRUIN_WALKWAY, windowSeconds: 10,
  kFloor: 3, granularity: 1, output: 'level+count', heartbeatSeconds: 10, ...over,
});

/** A frame with n targets inside the zone and `outside` targets outside it. */
const frame = (n: number, outside = 0) =>
  RawFrame.fromTargets([
    ...Array.from({ length: n }, (_, i) => new RawTarget(-500 + i * 300, 1000)),
    ...Array.from({ length: outside }, () => new RawTarget(3000, 1000)),
  ]);

/** Feed `perFrame[i]` people at 10 frames/s starting at T0 and close the window. */
function runWindow(m: ReturnType<typeof createMinimiser>, perFrame: number[], start = T0, windowS = 10): WindowResult | null {
  perFrame.forEach((n, i) => m.observe(frame(n), start + i * ((windowS * 1000) / perFrame.length)));
  return m.close(start + windowS * 1000);
}

describe('zone', () => {
  it('counts points inside the polygon only', () => {
    const z = settings().zone!;
    expect(insideZone(0, 1000, z)).toBe(true);
    expect(insideZone(1500, 1000, z)).toBe(false);
    expect(insideZone(0, -10, z)).toBe(false);
    expect(insideZone(0, 2500, z)).toBe(false);
  });
  it('handles concave polygons', () => {
    const L = [[0, 0], [2000, 0], [2000, 1000], [1000, 1000], [1000, 2000], [0, 2000]] as const;
    expect(insideZone(500, 1500, L)).toBe(true);
    expect(insideZone(1500, 1500, L)).toBe(false);
  });
});

describe('estimateOccupancy', () => {
  it('is the lower median; one ghost frame cannot move it', () => {
    expect(estimateOccupancy([2, 2, 2, 2, 2, 2, 2, 2, 2, 3])).toBe(2);
    expect(estimateOccupancy([2, 2, 2, 2, 2, 2, 2, 2, 2, 0])).toBe(2);
    expect(estimateOccupancy([1, 3])).toBe(1);
    expect(estimateOccupancy([])).toBeNull();
  });
});

describe('publishable', () => {
  const rules = { areaM2: 10, scheme: FRUIN_WALKWAY, kFloor: 5, granularity: 5, output: 'level+count' as const };
  it('below the k floor: 0 and k−1 people look exactly the same', () => {
    for (let n = 0; n < 5; n++) expect(publishable(n, rules)).toEqual({ level: 0, count: null });
  });
  it('rounds the count down to the granularity', () => {
    expect(publishable(5, rules).count).toBe(5);
    expect(publishable(9, rules).count).toBe(5);
    expect(publishable(10, rules).count).toBe(10);
  });
  it('maps the ROUNDED count onto Fruin walkway levels A–F (a level never says more than the count)', () => {
    // 10 m²: 5 people = 0.5/m² → C (0.43 < d ≤ 0.72); 10 = 1.0/m² → D; 25 = 2.5/m² → F
    expect(publishable(5, rules).level).toBe(2);
    expect(publishable(10, rules).level).toBe(3);
    expect(publishable(25, rules).level).toBe(5);
    // 8 people are 0.8/m² (D), but the published count is 5: the level is C, the level of "5", never D.
    expect(publishable(8, rules)).toEqual({ level: 2, count: 5 });
    expect(publishable(8, { ...rules, output: 'level' })).toEqual({ level: 2, count: null });
  });
  it('applies the k floor to the rounded count: a published count is never below k', () => {
    // k 5, granularity 3: 5 people round to 3 (< k), so nothing but level 0 is published; 6 → 6.
    const r = { ...rules, granularity: 3 };
    expect(publishable(5, r)).toEqual({ level: 0, count: null });
    expect(publishable(6, r)).toEqual({ level: 2, count: 6 });
  });
  it('level-only sensors never publish a count', () => {
    expect(publishable(30, { ...rules, output: 'level' })).toEqual({ level: 5, count: null });
  });
});

describe('createMinimiser', () => {
  it('publishes one aggregate per window with the median count in the zone', () => {
    const m = createMinimiser(settings());
    const r = runWindow(m, [3, 3, 3, 4, 3, 3, 3, 3, 3, 3]);
    expect(r).toEqual({ from: T0 / 1000, to: T0 / 1000 + 10, level: 3, count: 3 });
  });
  it('does not count targets outside the zone', () => {
    const m = createMinimiser(settings());
    for (let i = 0; i < 10; i++) m.observe(frame(1, 2), T0 + i * 1000);
    expect(m.close(T0 + 10_000)).toEqual({ from: T0 / 1000, to: T0 / 1000 + 10, level: 0, count: null });
  });
  it('a single ghost frame with 3 extra targets cannot lift a quiet window above the k floor', () => {
    const m = createMinimiser(settings());
    expect(runWindow(m, [0, 0, 0, 0, 3, 0, 0, 0, 0, 0])).toMatchObject({ level: 0, count: null });
  });
  it('closing before the window ended yields nothing; a frame in the next window closes the previous one', () => {
    const m = createMinimiser(settings());
    m.observe(frame(3), T0);
    expect(m.close(T0 + 9_999)).toBeNull();
    expect(m.observe(frame(0), T0 + 10_000)).toMatchObject({ from: T0 / 1000, count: 3 });
  });
  it('publishes only on change, plus a heartbeat', () => {
    const m = createMinimiser(settings({ heartbeatSeconds: 30 }));
    const results = [0, 1, 2, 3, 4].map((w) => runWindow(m, [3, 3, 3], T0 + w * 10_000));
    expect(results.map((r) => r?.from ?? null)).toEqual([T0 / 1000, null, null, T0 / 1000 + 30, null]);
  });
  it('an empty window is no measurement and publishes nothing', () => {
    const m = createMinimiser(settings());
    expect(m.close(T0 + 60_000)).toBeNull();
  });
  it('ignores frames from before a closed window (clock set back)', () => {
    const m = createMinimiser(settings());
    runWindow(m, [3, 3, 3]);
    expect(m.observe(frame(3), T0 - 5000)).toBeNull();
    expect(m.close(T0 + 100_000)).toBeNull();
  });
  it('reset() forgets the open window', () => {
    const m = createMinimiser(settings());
    m.observe(frame(3), T0);
    m.reset();
    m.observe(frame(0), T0 + 5000);
    expect(m.close(T0 + 10_000)).toMatchObject({ level: 0, count: null });
  });
  it('refuses settings below the hard bounds', () => {
    expect(() => createMinimiser(settings({ windowSeconds: 9 }))).toThrow(/window/);
    expect(() => createMinimiser(settings({ kFloor: 2 }))).toThrow(/k floor/);
    expect(() => createMinimiser(settings({ granularity: 0 }))).toThrow(/granularity/);
  });
  it('uses direct occupancy frames (presence / beam counters) without a zone', () => {
    const m = createMinimiser(settings({ zone: null, areaM2: 100, granularity: 5, kFloor: 5 }));
    for (let i = 0; i < 10; i++) m.observe(RawFrame.fromOccupancy(57), T0 + i * 1000);
    expect(m.close(T0 + 10_000)).toMatchObject({ level: 2, count: 55 });
  });
});
