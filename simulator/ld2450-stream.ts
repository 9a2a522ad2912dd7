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
import { commonProblems, concatFrames, frames, frameTimes, gapClock, ghost, inView, jitter, withDefaults, type FrameClock, type PeopleSource, type TimedBytes, type TrackingStreamOptions } from './radar-stream.ts';
import { hashUnit } from './random.ts';

export type { PeopleSource, TimedBytes } from './radar-stream.ts';

export interface Ld2450StreamOptions extends TrackingStreamOptions {
  /** Shortest and longest gap between frames. */
  minFrameGapMs?: number;
  maxFrameGapMs?: number;
  /** Value of the resolution field. */
  resolutionMm?: number;
}

type Resolved = Required<Ld2450StreamOptions>;

/** 88–100 ms between frames (real capture), 6 m and ±60° (datasheet), the resolution real V2.04 units send. */
const DEFAULTS: Resolved = {
  seed: 1, minFrameGapMs: 88, maxFrameGapMs: 100, missProbability: 0.02, ghostProbability: 0.005, positionNoiseMm: 15,
  maxRangeMm: 6000, halfFovDeg: 60, resolutionMm: REAL_RESOLUTION_MM,
};

const resolve = (o: Ld2450StreamOptions): Resolved =>
  withDefaults(DEFAULTS, o, (r) => commonProblems({ ...r, probabilities: [r.missProbability, r.ghostProbability] }));

/** Salts that keep the hashed random streams apart. */
const SALT = { jitter: 1, miss: 2, noiseX: 3, noiseY: 4, ghost: 5 } as const;

const clock = (r: Resolved): FrameClock => gapClock(r.seed, SALT.jitter, r.minFrameGapMs, r.maxFrameGapMs);

/** Start times of the frames in [fromMs, toMs). */
export function ld2450FrameTimes(fromMs: number, toMs: number, options: Ld2450StreamOptions = {}): number[] {
  return frameTimes(clock(resolve(options)), fromMs, toMs);
}

/** What the module would see and report in frame k at time t (before the 3-target limit). */
function detections(source: PeopleSource, r: Resolved, k: number, t: number): Ld2450TargetIn[] {
  const out: Ld2450TargetIn[] = [];
  source.people(t).forEach((p, i) => {
    if (!inView(r, p.xMm, p.yMm) || hashUnit(r.seed, SALT.miss, k, i) < r.missProbability) return;
    const range = Math.hypot(p.xMm, p.yMm);
    const radialMmS = (p.xMm * p.vxMmS + p.yMm * p.vyMmS) / range; // < 0 when approaching (§1.1)
    out.push({ xMm: p.xMm + jitter(r.positionNoiseMm, r.seed, SALT.noiseX, k, i), yMm: p.yMm + jitter(r.positionNoiseMm, r.seed, SALT.noiseY, k, i), speedCmS: radialMmS / 10 });
  });
  if (hashUnit(r.seed, SALT.ghost, k) < r.ghostProbability) out.push({ ...ghost(r, 500, r.seed, SALT.ghost, k), speedCmS: 0 });
  return out;
}

/** The report frames the module emits in [fromMs, toMs), in order. */
export function ld2450Frames(source: PeopleSource, fromMs: number, toMs: number, options: Ld2450StreamOptions = {}): Generator<TimedBytes> {
  const r = resolve(options);
  return frames(clock(r), fromMs, toMs, (k, t) => encodeLd2450Report(detections(source, r, k, t), r.resolutionMm));
}

/** All bytes of [fromMs, toMs) as one buffer (what a capture of that stretch would hold). */
export function ld2450Bytes(source: PeopleSource, fromMs: number, toMs: number, options: Ld2450StreamOptions = {}): Buffer {
  return concatFrames(ld2450Frames(source, fromMs, toMs, options));
}
