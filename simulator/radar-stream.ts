/**
 * What every simulated radar stream shares (LD2450, LD2410, TI people counting): a frame clock that is a pure
 * function of (seed, frame index k), so any time range can be produced on its own and overlapping ranges agree byte
 * for byte; the field of view; a noisy copy of a position; a rare ghost target. Each stream adds what its device
 * reports and its own encoder (simulator/encoders/).
 */
import { hashUnit } from './random.ts';
import type { PersonState } from './scenario.ts';

/** Anything that says where people are at time t (CrowdScenario, or a fixed list in tests). */
export interface PeopleSource {
  people(tMs: number): readonly PersonState[];
}

export interface TimedBytes {
  /** When the frame starts on the wire, ms on the scenario's time axis. */
  atMs: number;
  bytes: Buffer;
}

/** Frame k starts at k × periodMs ± jitterMs (uniform, hashed from seed, salt and k). */
export interface FrameClock {
  seed: number;
  salt: number;
  periodMs: number;
  jitterMs: number;
}

/** A clock whose gaps stay within [minGapMs, maxGapMs]: the mean gap, jittered by ± a quarter of the spread. */
export function gapClock(seed: number, salt: number, minGapMs: number, maxGapMs: number): FrameClock {
  return { seed, salt, periodMs: (minGapMs + maxGapMs) / 2, jitterMs: (maxGapMs - minGapMs) / 4 };
}

export const frameTime = (c: FrameClock, k: number): number => k * c.periodMs + (hashUnit(c.seed, c.salt, k) * 2 - 1) * c.jitterMs;

/** Start times of the frames in [fromMs, toMs). */
export function frameTimes(c: FrameClock, fromMs: number, toMs: number): number[] {
  return [...frames(c, fromMs, toMs, () => Buffer.alloc(0))].map((f) => f.atMs);
}

/** The frames in [fromMs, toMs), in order: `frame(k, t)` gives frame k's bytes. */
export function* frames(c: FrameClock, fromMs: number, toMs: number, frame: (k: number, tMs: number) => Buffer): Generator<TimedBytes> {
  for (let k = Math.floor(fromMs / c.periodMs) - 1; ; k++) {
    const t = frameTime(c, k);
    if (t >= toMs) return;
    if (t < fromMs) continue;
    yield { atMs: t, bytes: frame(k, t) };
  }
}

/** All bytes of some frames as one buffer (what a capture of that stretch would hold). */
export const concatFrames = (all: Iterable<TimedBytes>): Buffer => Buffer.concat([...all].map((f) => f.bytes));

/** Range ≤ maxRangeMm in front of the sensor (y > 0), |azimuth| ≤ halfFovDeg. */
export interface View {
  maxRangeMm: number;
  halfFovDeg: number;
}

/** What every stream's options say (each stream's DEFAULTS table gives the values). */
export interface RadarStreamOptions extends Partial<View> {
  /** Seed for timing jitter, noise and glitches (independent of the scenario's seed). */
  seed?: number;
  /** Chance that a visible person is missed in one frame. */
  missProbability?: number;
}

/** Options with people tracking: position noise and ghost targets. */
export interface TrackingStreamOptions extends RadarStreamOptions {
  /** Chance that a frame holds a ghost target. */
  ghostProbability?: number;
  /** Uniform position noise, ± this many mm on X and Y. */
  positionNoiseMm?: number;
}

/** The options as given, the defaults where they are left out; RangeError naming every problem `check` finds. */
export function withDefaults<T extends object>(defaults: Required<T>, given: T, check: (r: Required<T>) => string[], what = ''): Required<T> {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given)) if (v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v;
  const problems = check(out);
  if (problems.length) throw new RangeError(`${what}${problems.join('; ')}`);
  return out;
}

export const inView = (v: View, xMm: number, yMm: number): boolean =>
  yMm > 0 && Math.hypot(xMm, yMm) <= v.maxRangeMm && Math.abs(Math.atan2(xMm, yMm)) <= (v.halfFovDeg * Math.PI) / 180;

/** ± amplitude, uniform, hashed from the key. */
export const jitter = (amplitude: number, ...key: number[]): number => (hashUnit(...key) * 2 - 1) * amplitude;

/** A ghost target somewhere in view, at least `minRangeMm` away (hashed from seed, salt and k). */
export function ghost(v: View, minRangeMm: number, seed: number, salt: number, k: number): { xMm: number; yMm: number } {
  const range = minRangeMm + hashUnit(seed, salt, k, 1) * (v.maxRangeMm - minRangeMm);
  const az = jitter((v.halfFovDeg * Math.PI) / 180, seed, salt, k, 2);
  return { xMm: range * Math.sin(az), yMm: range * Math.cos(az) };
}

/** The checks every stream's options share: frame gaps (if it has them), probabilities, the view and the noise. */
export function commonProblems(o: View & { probabilities: readonly number[]; positionNoiseMm?: number; minFrameGapMs?: number; maxFrameGapMs?: number }): string[] {
  const errors: string[] = [];
  if (o.minFrameGapMs !== undefined && !(o.minFrameGapMs > 0 && o.maxFrameGapMs !== undefined && o.maxFrameGapMs >= o.minFrameGapMs)) errors.push('need 0 < minFrameGapMs ≤ maxFrameGapMs');
  if (!o.probabilities.every((v) => v >= 0 && v <= 1)) errors.push('probabilities must be in [0, 1]');
  if (!((o.positionNoiseMm ?? 0) >= 0 && o.maxRangeMm > 0 && o.halfFovDeg > 0 && o.halfFovDeg <= 90)) errors.push('need positionNoiseMm ≥ 0, maxRangeMm > 0, 0 < halfFovDeg ≤ 90');
  return errors;
}
