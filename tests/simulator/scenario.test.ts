/**
 * The crowd scenario: deterministic, periodic, with a busy peak, and ground truth that is exactly "people inside
 * the zone".
 */
import { describe, expect, it } from 'vitest';
import { CrowdScenario, pointInPolygon, type CrowdScenarioOptions } from '../../simulator/scenario.ts';

const ZONE = { xMinMm: -1500, xMaxMm: 1500, yMinMm: 800, yMaxMm: 4000 };
const base: CrowdScenarioOptions = { seed: 42, zone: ZONE, cycleSeconds: 150, peakPeople: 6 };
const times = (fromMs: number, toMs: number, stepMs: number): number[] => {
  const out: number[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) out.push(t);
  return out;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('CrowdScenario', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = new CrowdScenario(base);
    const b = new CrowdScenario(base);
    const c = new CrowdScenario({ ...base, seed: 43 });
    const ts = times(0, 150_000, 1000);
    expect(ts.map((t) => b.people(t))).toEqual(ts.map((t) => a.people(t)));
    expect(ts.map((t) => c.people(t))).not.toEqual(ts.map((t) => a.people(t)));
  });

  it('is a pure function of time: query order does not matter, and it repeats every cycle', () => {
    const s = new CrowdScenario(base);
    const later = s.people(123_456);
    s.people(5);
    s.people(99_999_999);
    expect(s.people(123_456)).toEqual(later);
    for (const t of times(0, 150_000, 2500)) {
      const p = s.people(t);
      expect(s.people(t + 150_000)).toEqual(p);
      expect(s.people(t + 10 * 150_000)).toEqual(p);
      expect(s.people(t - 150_000)).toEqual(p);
    }
  });

  it('has a busy peak well above the quiet times (several seeds)', () => {
    for (const seed of [1, 2, 3, 42, 2024]) {
      const s = new CrowdScenario({ ...base, seed });
      const peak = times(60_000, 90_000, 500).map((t) => s.groundTruth(t)); // around peakAt = 0.5
      const quiet = [...times(0, 15_000, 500), ...times(135_000, 150_000, 500)].map((t) => s.groundTruth(t));
      expect(Math.max(...peak), `seed ${seed}`).toBeGreaterThanOrEqual(4);
      expect(mean(peak), `seed ${seed}`).toBeGreaterThan(mean(quiet) + 2);
      expect(Math.max(...times(0, 150_000, 500).map((t) => s.groundTruth(t)))).toBeLessThanOrEqual(9); // maxPeople = ceil(1.5 × 6)
    }
  });

  it('groundTruth counts exactly the people inside the zone, and nobody outside it', () => {
    const s = new CrowdScenario(base);
    let outside = 0;
    let inside = 0;
    for (const t of times(0, 150_000, 250)) {
      const people = s.people(t);
      const n = people.filter((p) => p.xMm >= -1500 && p.xMm <= 1500 && p.yMm >= 800 && p.yMm <= 4000).length;
      expect(s.groundTruth(t)).toBe(n);
      outside += people.length - n;
      inside += n;
    }
    expect(outside).toBeGreaterThan(0); // passers-by and people walking in/out are present but not counted
    expect(inside).toBeGreaterThan(0);
  });

  it('a polygon zone works the same as the equivalent rectangle', () => {
    const poly = new CrowdScenario({ ...base, zone: [[-1500, 800], [1500, 800], [1500, 4000], [-1500, 4000]] });
    const rect = new CrowdScenario(base);
    for (const t of times(0, 150_000, 3000)) expect(poly.people(t)).toEqual(rect.people(t));
  });

  it('a non-convex zone: ground truth follows the polygon, not its bounding box', () => {
    const L = [[-2000, 1000], [2000, 1000], [2000, 2000], [0, 2000], [0, 4000], [-2000, 4000]] as const;
    const s = new CrowdScenario({ ...base, zone: L, peakPeople: 8 });
    expect(pointInPolygon(1000, 3000, L)).toBe(false);
    expect(pointInPolygon(-1000, 3000, L)).toBe(true);
    for (const t of times(0, 150_000, 500)) {
      expect(s.groundTruth(t)).toBe(s.people(t).filter((p) => pointInPolygon(p.xMm, p.yMm, L)).length);
    }
  });

  it('velocities match the motion', () => {
    const s = new CrowdScenario(base);
    let checked = 0;
    for (const t of times(0, 150_000, 1000)) {
      const [now, soon] = [s.people(t), s.people(t + 10)];
      if (now.length !== soon.length) continue;
      now.forEach((p, i) => {
        const q = soon[i]!;
        const moved = Math.hypot(q.xMm - p.xMm - p.vxMmS * 0.01, q.yMm - p.yMm - p.vyMmS * 0.01);
        if (moved < 1) checked++;
      });
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('people stay in front of the sensor', () => {
    const s = new CrowdScenario({ ...base, zone: { xMinMm: -1000, xMaxMm: 1000, yMinMm: 0, yMaxMm: 2000 } });
    for (const t of times(0, 150_000, 500)) for (const p of s.people(t)) expect(p.yMm).toBeGreaterThan(0);
  });

  it('refuses bad options, listing every problem', () => {
    expect(() => new CrowdScenario({ ...base, cycleSeconds: 5 })).toThrow(/cycleSeconds/);
    expect(() => new CrowdScenario({ ...base, zone: [[0, 0], [1, 1]] })).toThrow(/zone/);
    expect(() => new CrowdScenario({ ...base, peakPeople: 1, quietPeople: 3, seed: 0.5 })).toThrow(/seed.*quietPeople/);
  });
});
