/**
 * Property tests of the minimisation invariants, over arbitrary frame streams, raw byte streams and manifests.
 * Each property states one promise from docs/AUDIT.md; fast-check searches for a counter-example.
 */
import { checkRules } from '../../gateway/ingest/rules.ts';
import type { SensorInfo } from '../../gateway/register.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { decodeCbor, encodeSensorPayload } from '../../shared/codec.ts';
import { FRUIN_WALKWAY, levelFor } from '../../shared/density.ts';
import { MIN_K_FLOOR, MIN_WINDOW_SECONDS, validateManifest } from '../../shared/manifest.ts';
import { AGGREGATE_KEYS, validateAggregate } from '../../shared/payloads.ts';
import { RawFrame, RawTarget } from '../../hardware/frame.ts';
import { buildAggregate } from '../../firmware/egress/egress.ts';
import { createMinimiser, type MinimiserSettings, type WindowResult } from '../../firmware/minimiser/minimiser.ts';
import { createPipeline } from '../../firmware/pipeline.ts';
import { settingsFromManifest } from '../../firmware/settings.ts';
import { encodeLd2450Report } from '../../simulator/encoders/ld2450.ts';

const RUNS = { numRuns: 300, seed: 20261128 };
const T0 = Date.parse('2026-06-01T00:00:00Z');
// Zone: x −2000…2000 mm, y 0…4000 mm. Inside/outside targets are generated on either side of it.
const ZONE = [[-2000, 0], [2000, 0], [2000, 4000], [-2000, 4000]] as const;
const inside = fc.record({ x: fc.integer({ min: -1900, max: 1900 }), y: fc.integer({ min: 100, max: 3900 }) });
const outside = fc.record({ x: fc.integer({ min: 2100, max: 6000 }), y: fc.integer({ min: -3000, max: 6000 }) });

const settingsArb = fc.record({
  windowSeconds: fc.integer({ min: MIN_WINDOW_SECONDS, max: 120 }),
  kFloor: fc.integer({ min: MIN_K_FLOOR, max: 12 }),
  granularity: fc.integer({ min: 1, max: 10 }),
  output: fc.constantFrom('level' as const, 'level+count' as const),
  areaM2: fc.double({ min: 0.5, max: 500, noNaN: true }),
  heartbeatFactor: fc.integer({ min: 1, max: 5 }),
}).map(({ heartbeatFactor, ...s }): MinimiserSettings => ({ ...s, zone: ZONE.map((p) => [p[0], p[1]] as const), scheme: FRUIN_WALKWAY, heartbeatSeconds: s.windowSeconds * heartbeatFactor }));

const streamArb = fc.array(
  fc.record({ gapMs: fc.integer({ min: 1, max: 4000 }), in: fc.array(inside, { maxLength: 40 }), out: fc.array(outside, { maxLength: 5 }) }),
  { maxLength: 250 },
);

/** Run the minimiser; return its results and, per window start, the true in-zone counts of the frames. */
function run(settings: MinimiserSettings, stream: { gapMs: number; in: { x: number; y: number }[]; out: { x: number; y: number }[] }[]) {
  const m = createMinimiser(settings);
  const results: WindowResult[] = [];
  const truth = new Map<number, number[]>();
  let t = T0;
  for (const f of stream) {
    t += f.gapMs;
    const frame = RawFrame.fromTargets([...f.in, ...f.out].map((p) => new RawTarget(p.x, p.y)));
    const r = m.observe(frame, t);
    if (r) results.push(r);
    const w = Math.floor(t / 1000 / settings.windowSeconds) * settings.windowSeconds;
    truth.set(w, [...(truth.get(w) ?? []), f.in.length]);
  }
  const last = m.close(t + settings.windowSeconds * 1000);
  if (last) results.push(last);
  return { results, truth };
}

const lowerMedian = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

describe('minimisation invariants (fast-check)', () => {
  it('every published message has exactly the 7 allowed keys and passes the strict schema', () => {
    fc.assert(fc.property(settingsArb, streamArb, fc.integer({ min: 0, max: 2 ** 32 - 2 }), (s, stream, seq0) => {
      run(s, stream).results.forEach((r, i) => {
        const wire = decodeCbor(encodeSensorPayload('aggregate', buildAggregate('prop-sensor', seq0 + i + 1 > 2 ** 32 - 1 ? 1 : seq0 + i + 1, r)));
        expect(Object.keys(wire as object).sort()).toEqual([...AGGREGATE_KEYS].sort());
        expect(validateAggregate(wire).ok).toBe(true);
      });
    }), RUNS);
  });

  it('below the k floor the result is always level 0 and count null (0 and k−1 people look the same)', () => {
    fc.assert(fc.property(settingsArb, streamArb, (s, stream) => {
      const { results, truth } = run(s, stream);
      for (const r of results) {
        if (lowerMedian(truth.get(r.from)!) < s.kFloor) expect(r).toEqual({ from: r.from, to: r.to, level: 0, count: null });
      }
    }), RUNS);
  });

  it('counts are multiples of the granularity, rounded down, and null for level-only sensors', () => {
    fc.assert(fc.property(settingsArb, streamArb, (s, stream) => {
      const { results, truth } = run(s, stream);
      for (const r of results) {
        if (r.count === null) continue;
        expect(s.output).toBe('level+count');
        const occupancy = lowerMedian(truth.get(r.from)!);
        expect(r.count % s.granularity).toBe(0);
        expect(r.count <= occupancy && occupancy < r.count + s.granularity).toBe(true);
      }
    }), RUNS);
  });

  it('the level matches the ROUNDED count / area on the declared scheme: a level never says more than the count', () => {
    fc.assert(fc.property(settingsArb, streamArb, (s, stream) => {
      const { results, truth } = run(s, stream);
      for (const r of results) {
        const rounded = Math.floor(lowerMedian(truth.get(r.from)!) / s.granularity) * s.granularity;
        if (rounded >= s.kFloor) expect(r.level).toBe(levelFor(rounded, s.areaM2, FRUIN_WALKWAY));
        else expect(r).toEqual({ from: r.from, to: r.to, level: 0, count: null });
        if (r.count !== null) expect(r.level).toBe(levelFor(r.count, s.areaM2, FRUIN_WALKWAY));
      }
    }), RUNS);
  });

  it("every result passes the gateway's check against the registered rules (gateway/ingest/rules.ts)", () => {
    fc.assert(fc.property(settingsArb, streamArb, (s, stream) => {
      const info = { kFloor: s.kFloor, granularity: s.granularity, windowSeconds: s.windowSeconds, output: s.output, area: { m2: s.areaM2 } } as unknown as SensorInfo;
      for (const r of run(s, stream).results) expect(checkRules(info, r)).toBeNull();
    }), RUNS);
  });

  it('no two aggregates are closer together than the window, and windows never overlap', () => {
    fc.assert(fc.property(settingsArb, streamArb, (s, stream) => {
      const { results } = run(s, stream);
      for (const r of results) expect(r.to - r.from).toBe(s.windowSeconds);
      for (let i = 1; i < results.length; i++) {
        expect(results[i]!.from - results[i - 1]!.from).toBeGreaterThanOrEqual(s.windowSeconds);
        expect(results[i]!.from).toBeGreaterThanOrEqual(results[i - 1]!.to);
      }
    }), RUNS);
  });

  it('arbitrary raw byte streams (valid frames mixed with noise) only ever yield contract aggregates', () => {
    const chunk = fc.oneof(
      fc.array(fc.record({ x: fc.integer({ min: -6000, max: 6000 }), y: fc.integer({ min: 0, max: 6000 }) }), { maxLength: 3 })
        .map((ts) => encodeLd2450Report(ts.map((p) => ({ xMm: p.x, yMm: p.y, speedCmS: 0 })))),
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    );
    fc.assert(fc.property(settingsArb, fc.array(fc.tuple(chunk, fc.integer({ min: 0, max: 3000 })), { maxLength: 200 }), (s, chunks) => {
      const clock = new ManualClock(T0);
      const out: unknown[] = [];
      const p = createPipeline('ld2450', s, clock, { onResult: (r) => out.push(decodeCbor(encodeSensorPayload('aggregate', buildAggregate('prop-sensor', out.length + 1, r)))) });
      for (const [bytes, gap] of chunks) {
        clock.advance(gap);
        p.input.write(bytes);
      }
      clock.advance(s.windowSeconds * 1000);
      p.tick();
      for (const a of out) expect(Object.keys(a as object).sort()).toEqual([...AGGREGATE_KEYS].sort());
    }), { ...RUNS, numRuns: 100 });
  });

  it('no manifest can lower the hard bounds: whatever it says, the minimiser runs with window ≥ 10 s and k ≥ 3', () => {
    const base = {
      id: 'prop-sensor', driver: 'ld2450', owner: { name: 'Jan Jansen', organisation: 'Gemeente X', email: 'jan@x.example' },
      purpose: 'property test of the manifest bounds', legalGround: 'AVG 6(1)(e)', dpiaRef: 'DPIA-1',
      location: { lat: 52, lon: 4, description: 'here' }, area: { m2: 10, zone: ZONE }, expiresAt: '2027-01-01',
      registerUrl: 'https://x.example/s', gatewayUrl: 'mqtts://gw.example:8883',
    };
    const anyValue = fc.oneof(fc.integer({ min: -100, max: 100 }), fc.double(), fc.string(), fc.constant(null), fc.boolean());
    fc.assert(fc.property(fc.record({ windowSeconds: anyValue, kFloor: anyValue, granularity: anyValue, output: fc.oneof(anyValue, fc.constantFrom('level', 'level+count')) }, { requiredKeys: [] }), (min) => {
      const r = validateManifest({ ...base, minimisation: min }, T0);
      if (!r.ok) return;
      const s = settingsFromManifest(r.manifest);
      expect(s.windowSeconds).toBeGreaterThanOrEqual(MIN_WINDOW_SECONDS);
      expect(s.kFloor).toBeGreaterThanOrEqual(MIN_K_FLOOR);
      expect(s.granularity).toBeGreaterThanOrEqual(1);
      expect(() => createMinimiser(s)).not.toThrow();
    }), RUNS);
  });
});
