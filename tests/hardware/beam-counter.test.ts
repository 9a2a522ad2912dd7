/** The two-beam counter's logic (hardware/beam/counter.ts): direction, full sequences, debounce, drift correction. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BeamCounter, type Beam } from '../../hardware/beam/counter.ts';

type Step = [Beam, boolean, number]; // beam, broken, at ms

/** A clean passage starting at t: first beam breaks, second breaks, first clears, second clears. */
const passage = (dir: 'in' | 'out', t: number): Step[] => {
  const [f, s]: [Beam, Beam] = dir === 'in' ? ['a', 'b'] : ['b', 'a'];
  return [[f, true, t], [s, true, t + 40], [f, false, t + 230], [s, false, t + 270]];
};

function run(steps: readonly Step[], counter = new BeamCounter({ debounceMs: 20 })): BeamCounter {
  for (const [beam, broken, at] of steps) counter.edge(beam, broken, at);
  counter.advance((steps.at(-1)?.[2] ?? 0) + 1000);
  return counter;
}

describe('beam counter: direction and full sequences', () => {
  it('A then B is an entry, B then A an exit', () => {
    const c = run([...passage('in', 0), ...passage('in', 1000), ...passage('out', 2000)]);
    expect(c.occupancy).toBe(1);
    expect(c.stats).toMatchObject({ entries: 2, exits: 1, turnedBack: 0 });
  });

  it('counts only when the sequence completes (both beams clear again)', () => {
    const c = new BeamCounter({ debounceMs: 20 });
    const [s1, s2, s3, s4] = passage('in', 0) as [Step, Step, Step, Step];
    for (const s of [s1, s2, s3]) c.edge(...s);
    c.advance(1000);
    expect(c.occupancy).toBe(0); // B still broken: somebody is standing in the door
    c.edge(...s4);
    c.advance(2000);
    expect(c.occupancy).toBe(1);
  });

  it('somebody who steps in and turns back counts nothing', () => {
    const c = run([
      ['a', true, 0], ['a', false, 300], // into A and back out
      ['a', true, 1000], ['b', true, 1040], ['b', false, 1300], ['a', false, 1340], // reached B, turned back
    ]);
    expect(c.occupancy).toBe(0);
    expect(c.stats.turnedBack).toBe(2);
  });

  it("inDirection 'b-to-a' swaps the meaning", () => {
    const c = run(passage('out', 0), new BeamCounter({ debounceMs: 20, inDirection: 'b-to-a' }));
    expect(c.occupancy).toBe(1);
  });

  it('never goes below 0, and counts the exits it could not subtract', () => {
    const c = run([...passage('out', 0), ...passage('out', 1000), ...passage('in', 2000)]);
    expect(c.occupancy).toBe(1);
    expect(c.stats.exitsAtZero).toBe(2);
  });

  it('an episode already running at start-up counts nothing', () => {
    const c = new BeamCounter({ debounceMs: 20 });
    c.resync({ a: true, b: true }); // both broken when the lines were first read
    c.edge('a', false, 100);
    c.edge('b', false, 140);
    c.advance(1000);
    expect(c.occupancy).toBe(0);
    expect(c.stats.entries + c.stats.exits + c.stats.turnedBack).toBe(0);
    expect(run(passage('in', 2000), c).occupancy).toBe(1);
  });
});

describe('beam counter: debounce', () => {
  it('ignores flickers shorter than the debounce time', () => {
    const c = run([['a', true, 0], ['a', false, 5], ['b', true, 500], ['b', false, 508], ...passage('in', 1000)]);
    expect(c.occupancy).toBe(1);
    expect(c.stats.flickers).toBe(2);
  });

  it('keeps the order of A and B even when both settle later, and contact bounce does not double count', () => {
    const c = new BeamCounter({ debounceMs: 30 });
    // A breaks with bounce, B 10 ms later: both settle only after 30 ms, dated when they happened.
    const steps: Step[] = [['a', true, 0], ['a', false, 2], ['a', true, 3], ['b', true, 13], ['a', false, 200], ['b', false, 240]];
    for (const s of steps) c.edge(...s);
    c.advance(1000);
    expect(c.occupancy).toBe(1);
    expect(c.stats.entries).toBe(1);
  });

  it('repeated levels (a missed edge in between) are not changes', () => {
    const c = run([['a', true, 0], ['a', true, 10], ['b', true, 40], ['a', false, 230], ['b', false, 270], ['b', false, 280]]);
    expect(c.occupancy).toBe(1);
  });

  it('property: occupancy = max(0, running entries − exits) for any clean sequence of passages', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 60 }), fc.integer({ min: 0, max: 50 }), (dirs, debounceMs) => {
      const c = new BeamCounter({ debounceMs });
      let expected = 0;
      dirs.forEach((isIn, i) => {
        for (const s of passage(isIn ? 'in' : 'out', i * 1000)) c.edge(...s);
        expected = Math.max(0, expected + (isIn ? 1 : -1));
      });
      c.advance(dirs.length * 1000 + 1000);
      return c.occupancy === expected && c.occupancy >= 0;
    }));
  });
});

describe('beam counter: drift correction', () => {
  const H = 3_600_000;

  it('idle reset: a small residue with nobody passing for N minutes is drift and goes to 0', () => {
    const c = run([...passage('in', 0), ...passage('in', 1000)], new BeamCounter({ debounceMs: 20, drift: { idleReset: { minutes: 60, maxOccupancy: 3 } } }));
    expect(c.occupancy).toBe(2);
    c.tick(59 * 60_000, 0);
    expect(c.occupancy).toBe(2);
    c.tick(61 * 60_000, 0);
    expect(c.occupancy).toBe(0);
    expect(c.stats.idleResets).toBe(1);
  });

  it('idle reset leaves a larger crowd alone (an audience sitting through a concert)', () => {
    const steps = Array.from({ length: 10 }, (_, i) => passage('in', i * 1000)).flat();
    const c = run(steps, new BeamCounter({ debounceMs: 20, drift: { idleReset: { minutes: 60, maxOccupancy: 3 } } }));
    c.tick(3 * H, 0);
    expect(c.occupancy).toBe(10);
  });

  it('daily reset at a local time, once a day, not at start-up', () => {
    const c = new BeamCounter({ debounceMs: 20, initialOccupancy: 7, drift: { dailyResetAt: '05:00', timeZone: 'Europe/Amsterdam' } });
    const day = Date.parse('2026-06-01T00:00:00Z'); // 02:00 in Amsterdam (CEST)
    c.tick(0, day + 4 * H); // 06:00 local: first tick after start-up: no reset
    expect(c.occupancy).toBe(7);
    c.tick(1, day + 20 * H); // 22:00 local
    expect(c.occupancy).toBe(7);
    c.tick(2, day + 26 * H); // 04:00 local next day
    expect(c.occupancy).toBe(7);
    c.tick(3, day + 27 * H); // 05:00 local
    expect(c.occupancy).toBe(0);
    run(passage('in', 10), c);
    c.tick(4_000, day + 28 * H); // later the same day: no second reset
    expect(c.occupancy).toBe(1);
    expect(c.stats.dailyResets).toBe(1);
  });

  it('refuses bad options, all at once', () => {
    expect(() => new BeamCounter({ debounceMs: -1, inDirection: 'up' as never, drift: { dailyResetAt: '25:00', idleReset: { minutes: 0, maxOccupancy: 1 } } }))
      .toThrow(/debounceMs must be 0–1000; inDirection must be .*; drift.dailyResetAt must be "HH:MM" \(24 h\); drift.idleReset needs/);
    expect(() => new BeamCounter({ drift: { dailyResetAt: '05:00', timeZone: 'Mars/Olympus' } })).toThrow(/not a known time zone/);
  });
});
