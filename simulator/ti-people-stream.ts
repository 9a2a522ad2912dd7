/**
 * The byte stream a TI IWR6843 running people tracking would put on its data UART while watching a scenario: one
 * frame per frame period (frameCfg; default 100 ms — the legacy recording runs at ~10 frames/s, docs/RADAR-PROTOCOLS.md §3 and
 * ti_pc3_legacy_decoded_recording_excerpt.csv), with
 *   - a target list TLV (1010, legacy 7) with one 112-byte track per person in view (none → the TLV is left out),
 *   - a compressed point cloud TLV (1020, legacy 6) with a few points per person plus clutter, and a target index
 *     TLV (1011, legacy 8): the driver must step over both,
 *   - padding to 32 bytes (§3), small UART timing jitter, position noise, a missed track now and then, a rare ghost.
 * Simulator choices, not device facts: field of view (default 12 m, ±70°), track ids = index in the scenario's list
 * (a real tracker keeps ids per person), the index TLV refers to the current frame's points (Joybien: the previous
 * frame's, §3.3), posZ = 1.0 m (a person's centroid height), and the track cap (maxTracks, default 50).
 * Every value is a pure function of (seed, frame index k, time): any time range can be produced on its own and
 * overlapping ranges agree byte for byte.
 */
import { encodeTiFrame, type TiLayoutName, type TiPointIn, type TiTargetIn } from './encoders/ti-people.ts';
import { commonProblems, concatFrames, frames, frameTimes, ghost, inView, jitter, withDefaults, type FrameClock, type PeopleSource, type TimedBytes, type TrackingStreamOptions } from './radar-stream.ts';
import { hashUnit } from './random.ts';

export type { PeopleSource, TimedBytes } from './radar-stream.ts';

export interface TiPeopleStreamOptions extends TrackingStreamOptions {
  /** Frame period (frameCfg periodicity), ms. */
  framePeriodMs?: number;
  /** UART timing jitter, ± ms (frames are hardware-timed). */
  jitterMs?: number;
  /** Header layout: 'sdk' (40-byte, TLV 1010) or 'legacy' (48-byte, TLV 7). */
  layout?: TiLayoutName;
  /** Mean points per person in the point cloud (2 × this at most). */
  pointsPerPerson?: number;
  /** Clutter points per frame, at most. */
  clutterPoints?: number;
  /** Most tracks in one frame (the nearest are kept). */
  maxTracks?: number;
}

type Resolved = Required<TiPeopleStreamOptions>;

/** 10 frames/s ± 2 ms, the SDK layout, 12 m and ±70° (simulator choices), a few points per person. */
const DEFAULTS: Resolved = {
  seed: 1, framePeriodMs: 100, jitterMs: 2, layout: 'sdk', maxRangeMm: 12_000, halfFovDeg: 70, missProbability: 0.01,
  ghostProbability: 0.005, positionNoiseMm: 40, pointsPerPerson: 4, clutterPoints: 4, maxTracks: 50,
};

const resolve = (o: TiPeopleStreamOptions): Resolved => withDefaults(DEFAULTS, o, (r) => {
  const errors: string[] = [];
  if (!(r.framePeriodMs >= 20 && r.framePeriodMs <= 10_000)) errors.push('framePeriodMs must be 20–10000');
  if (!(r.jitterMs >= 0 && r.jitterMs < r.framePeriodMs / 4)) errors.push('need 0 ≤ jitterMs < framePeriodMs / 4');
  if (r.layout !== 'sdk' && r.layout !== 'legacy') errors.push("layout must be 'sdk' or 'legacy'");
  errors.push(...commonProblems({ ...r, probabilities: [r.missProbability, r.ghostProbability] }));
  if (!(r.pointsPerPerson >= 0 && r.clutterPoints >= 0 && Number.isInteger(r.maxTracks) && r.maxTracks >= 0)) {
    errors.push('pointsPerPerson, clutterPoints ≥ 0; maxTracks an integer ≥ 0');
  }
  return errors;
}, 'TI people stream: ');

/** Salts that keep the hashed random streams apart. */
const SALT = { jitter: 11, miss: 12, noiseX: 13, noiseY: 14, ghost: 15, points: 16, clutter: 17 } as const;

const clock = (r: Resolved): FrameClock => ({ seed: r.seed, salt: SALT.jitter, periodMs: r.framePeriodMs, jitterMs: r.jitterMs });

/** Start times of the frames in [fromMs, toMs). */
export function tiPeopleFrameTimes(fromMs: number, toMs: number, options: TiPeopleStreamOptions = {}): number[] {
  return frameTimes(clock(resolve(options)), fromMs, toMs);
}

/** The tracks and points the radar reports in frame k at time t. */
function detections(source: PeopleSource, r: Resolved, k: number, t: number): { targets: TiTargetIn[]; points: TiPointIn[]; index: number[] } {
  const halfFov = (r.halfFovDeg * Math.PI) / 180;
  const seen: { xMm: number; yMm: number; vx: number; vy: number }[] = [];
  source.people(t).forEach((p, i) => {
    if (!inView(r, p.xMm, p.yMm) || hashUnit(r.seed, SALT.miss, k, i) < r.missProbability) return;
    seen.push({ xMm: p.xMm + jitter(r.positionNoiseMm, r.seed, SALT.noiseX, k, i), yMm: p.yMm + jitter(r.positionNoiseMm, r.seed, SALT.noiseY, k, i), vx: p.vxMmS, vy: p.vyMmS });
  });
  if (hashUnit(r.seed, SALT.ghost, k) < r.ghostProbability) seen.push({ ...ghost(r, 800, r.seed, SALT.ghost, k), vx: 0, vy: 0 });
  const kept = seen.length <= r.maxTracks ? seen : [...seen].sort((a, b) => Math.hypot(a.xMm, a.yMm) - Math.hypot(b.xMm, b.yMm)).slice(0, r.maxTracks);
  const targets: TiTargetIn[] = kept.map((s, tid) => ({
    tid, posX: s.xMm / 1000, posY: s.yMm / 1000, posZ: 1.0, velX: s.vx / 1000, velY: s.vy / 1000, confidence: 1,
  }));
  const points: TiPointIn[] = [];
  const index: number[] = [];
  const point = (xMm: number, yMm: number, zMm: number, doppler: number, snr: number, tid: number): void => {
    const ground = Math.hypot(xMm, yMm);
    points.push({ rangeM: Math.hypot(ground, zMm) / 1000, azimuthRad: Math.atan2(xMm, yMm), elevationRad: Math.atan2(zMm, ground), dopplerMS: doppler, snr });
    index.push(tid);
  };
  kept.forEach((s, tid) => {
    const range = Math.hypot(s.xMm, s.yMm);
    const radial = range > 0 ? (s.xMm * s.vx + s.yMm * s.vy) / range / 1000 : 0;
    const n = Math.floor(hashUnit(r.seed, SALT.points, k, tid) * 2 * r.pointsPerPerson + 0.5);
    for (let j = 0; j < n; j++) {
      const h = (salt: number): number => hashUnit(r.seed, SALT.points, k, tid, j, salt) * 2 - 1;
      point(s.xMm + 150 * h(1), s.yMm + 150 * h(2), 300 * h(3), radial, 10 + 5 * h(4), tid);
    }
  });
  const clutter = Math.floor(hashUnit(r.seed, SALT.clutter, k) * (r.clutterPoints + 1));
  for (let j = 0; j < clutter; j++) {
    const range = 500 + hashUnit(r.seed, SALT.clutter, k, j, 1) * (r.maxRangeMm - 500);
    const az = jitter(halfFov, r.seed, SALT.clutter, k, j, 2);
    point(range * Math.sin(az), range * Math.cos(az), 0, 0, 6, 255); // 255 = noise (§3.3)
  }
  return { targets, points, index };
}

/** The frames the radar emits in [fromMs, toMs), in order. */
export function tiPeopleFrames(source: PeopleSource, fromMs: number, toMs: number, options: TiPeopleStreamOptions = {}): Generator<TimedBytes> {
  const r = resolve(options);
  return frames(clock(r), fromMs, toMs, (k, t) => {
    const d = detections(source, r, k, t);
    return encodeTiFrame({
      layout: r.layout,
      frameNumber: k + 1,
      timeCpuCycles: Math.floor(t * 200_000) >>> 0, // assumed 200 MHz cycle counter, wraps (not checked by the driver)
      targets: d.targets,
      points: d.points,
      ...(d.targets.length > 0 ? { targetIndex: d.index } : {}),
    });
  });
}

/** All bytes of [fromMs, toMs) as one buffer (what a capture of that stretch would hold). */
export function tiPeopleBytes(source: PeopleSource, fromMs: number, toMs: number, options: TiPeopleStreamOptions = {}): Buffer {
  return concatFrames(tiPeopleFrames(source, fromMs, toMs, options));
}
