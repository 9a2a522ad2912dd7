/**
 * The byte stream an HLK-LD2450 would emit while watching a scenario: one 30-byte report frame every ~94 ms
 * (doc: 10 frames/s; real capture: 88–100 ms apart, docs/RADAR-PROTOCOLS.md §1), with the module's limits and a few glitches:
 *   - field of view: range ≤ maxRangeMm and |azimuth| ≤ halfFovDeg (datasheet: 6 m, ±60°; not in docs/RADAR-PROTOCOLS.md);
 *   - at most 3 targets, the nearest (encoders/ld2450.ts);
 *   - position noise, a missed detection now and then, a rare ghost target.
 * Every value is a pure function of (seed, frame index k, time), so any time range can be produced on its own and
 * overlapping ranges agree byte for byte.
 */
import { encodeLd2450Report, REAL_RESOLUTION_MM, type Ld2450TargetIn } from './encoders/ld2450.ts';
import { hashUnit } from './random.ts';
import type { PersonState } from './scenario.ts';

/** Anything that says where people are at time t (CrowdScenario, or a fixed list in tests). */
export interface PeopleSource {
  people(tMs: number): readonly PersonState[];
}

export interface Ld2450StreamOptions {
  /** Seed for timing jitter, noise and glitches (independent of the scenario's seed). Default 1. */
  seed?: number;
  /** Shortest and longest gap between frames. Default 88 and 100 ms (real capture). */
  minFrameGapMs?: number;
  maxFrameGapMs?: number;
  /** Chance that a visible person is missed in one frame. Default 0.02. */
  missProbability?: number;
  /** Chance that a frame holds a ghost target. Default 0.005. */
  ghostProbability?: number;
  /** Uniform position noise, ± this many mm on X and Y. Default 15. */
  positionNoiseMm?: number;
  maxRangeMm?: number;
  halfFovDeg?: number;
  /** Value of the resolution field. Default 360 mm (real V2.04 units). */
  resolutionMm?: number;
}

export interface TimedBytes {
  /** When the frame starts on the wire, ms on the scenario's time axis. */
  atMs: number;
  bytes: Buffer;
}

type Resolved = Required<Ld2450StreamOptions>;

function resolve(o: Ld2450StreamOptions): Resolved {
  const r: Resolved = {
    seed: o.seed ?? 1,
    minFrameGapMs: o.minFrameGapMs ?? 88,
    maxFrameGapMs: o.maxFrameGapMs ?? 100,
    missProbability: o.missProbability ?? 0.02,
    ghostProbability: o.ghostProbability ?? 0.005,
    positionNoiseMm: o.positionNoiseMm ?? 15,
    maxRangeMm: o.maxRangeMm ?? 6000,
    halfFovDeg: o.halfFovDeg ?? 60,
    resolutionMm: o.resolutionMm ?? REAL_RESOLUTION_MM,
  };
  const p = (v: number): boolean => v >= 0 && v <= 1;
  if (!(r.minFrameGapMs > 0 && r.maxFrameGapMs >= r.minFrameGapMs)) throw new RangeError('need 0 < minFrameGapMs ≤ maxFrameGapMs');
  if (!p(r.missProbability) || !p(r.ghostProbability)) throw new RangeError('probabilities must be in [0, 1]');
  if (!(r.positionNoiseMm >= 0 && r.maxRangeMm > 0 && r.halfFovDeg > 0 && r.halfFovDeg <= 90)) {
    throw new RangeError('need positionNoiseMm ≥ 0, maxRangeMm > 0, 0 < halfFovDeg ≤ 90');
  }
  return r;
}

// Salts that keep the hashed random streams apart.
const JITTER = 1;
const MISS = 2;
const NOISE_X = 3;
const NOISE_Y = 4;
const GHOST = 5;

/** Start time of frame k: k × mean gap + jitter of ± a quarter of the spread, so gaps stay within [min, max]. */
function frameTime(r: Resolved, k: number): number {
  const mean = (r.minFrameGapMs + r.maxFrameGapMs) / 2;
  const amp = (r.maxFrameGapMs - r.minFrameGapMs) / 4;
  return k * mean + (hashUnit(r.seed, JITTER, k) * 2 - 1) * amp;
}

/** Start times of the frames in [fromMs, toMs). */
export function ld2450FrameTimes(fromMs: number, toMs: number, options: Ld2450StreamOptions = {}): number[] {
  const r = resolve(options);
  const mean = (r.minFrameGapMs + r.maxFrameGapMs) / 2;
  const out: number[] = [];
  for (let k = Math.floor(fromMs / mean) - 1; frameTime(r, k) < toMs; k++) {
    const t = frameTime(r, k);
    if (t >= fromMs) out.push(t);
  }
  return out;
}

/** What the module would see and report in frame k at time t (before the 3-target limit). */
function detections(source: PeopleSource, r: Resolved, k: number, t: number): Ld2450TargetIn[] {
  const halfFov = (r.halfFovDeg * Math.PI) / 180;
  const inView = (x: number, y: number): boolean => y > 0 && Math.hypot(x, y) <= r.maxRangeMm && Math.abs(Math.atan2(x, y)) <= halfFov;
  const out: Ld2450TargetIn[] = [];
  source.people(t).forEach((p, i) => {
    if (!inView(p.xMm, p.yMm) || hashUnit(r.seed, MISS, k, i) < r.missProbability) return;
    const range = Math.hypot(p.xMm, p.yMm);
    const radialMmS = (p.xMm * p.vxMmS + p.yMm * p.vyMmS) / range; // < 0 when approaching (§1.1)
    out.push({
      xMm: p.xMm + (hashUnit(r.seed, NOISE_X, k, i) * 2 - 1) * r.positionNoiseMm,
      yMm: p.yMm + (hashUnit(r.seed, NOISE_Y, k, i) * 2 - 1) * r.positionNoiseMm,
      speedCmS: radialMmS / 10,
    });
  });
  if (hashUnit(r.seed, GHOST, k) < r.ghostProbability) {
    const range = 500 + hashUnit(r.seed, GHOST, k, 1) * (r.maxRangeMm - 500);
    const az = (hashUnit(r.seed, GHOST, k, 2) * 2 - 1) * halfFov;
    out.push({ xMm: range * Math.sin(az), yMm: range * Math.cos(az), speedCmS: 0 });
  }
  return out;
}

/** The report frames the module emits in [fromMs, toMs), in order. */
export function* ld2450Frames(source: PeopleSource, fromMs: number, toMs: number, options: Ld2450StreamOptions = {}): Generator<TimedBytes> {
  const r = resolve(options);
  const mean = (r.minFrameGapMs + r.maxFrameGapMs) / 2;
  for (let k = Math.floor(fromMs / mean) - 1; ; k++) {
    const t = frameTime(r, k);
    if (t >= toMs) return;
    if (t < fromMs) continue;
    yield { atMs: t, bytes: encodeLd2450Report(detections(source, r, k, t), r.resolutionMm) };
  }
}

/** All bytes of [fromMs, toMs) as one buffer (what a capture of that stretch would hold). */
export function ld2450Bytes(source: PeopleSource, fromMs: number, toMs: number, options: Ld2450StreamOptions = {}): Buffer {
  return Buffer.concat([...ld2450Frames(source, fromMs, toMs, options)].map((f) => f.bytes));
}
