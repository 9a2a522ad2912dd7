/**
 * The byte stream an HLK-LD2410 would emit while watching a scenario: one report frame every ~100 ms (basic, 23 B;
 * now and then an engineering frame, 45 B), docs/RADAR-PROTOCOLS.md §2.1, with the module's behaviour:
 *   - presence, not people: target state 1 moving / 2 stationary / 3 both, distance of the nearest moving and nearest
 *     still person (cm), an energy % that falls with distance;
 *   - the no-one duration (§2.1 read-parameters: default 5 s): presence is held as "stationary" for that long after
 *     the last detection;
 *   - field of view: range ≤ 9 gates × 0.75 m (§2.1), ±60° (simulator choice); a missed detection now and then.
 * Simulator choices, not device facts: engineering frames are mixed in at random (a real module sends only one kind,
 * switched by 0x0062/0x0063) so both decoders paths run; the speed that counts as "moving" (150 mm/s); light = 98
 * (the value in the real engineering frame of ld2410_real_report_frames_tasmota.hex).
 * Every value is a pure function of (seed, frame index k, time), so any time range can be produced on its own and
 * overlapping ranges agree byte for byte.
 */
import { encodeLd2410Report, type Ld2410EngineeringIn, type Ld2410ReportIn } from './encoders/ld2410.ts';
import { commonProblems, concatFrames, frames, frameTimes, gapClock, inView, withDefaults, type FrameClock, type PeopleSource, type RadarStreamOptions, type TimedBytes } from './radar-stream.ts';
import { hashUnit } from './random.ts';

export type { PeopleSource, TimedBytes } from './radar-stream.ts';

export interface Ld2410StreamOptions extends RadarStreamOptions {
  /** Shortest and longest gap between frames. */
  minFrameGapMs?: number;
  maxFrameGapMs?: number;
  /** Chance that a frame is an engineering frame. */
  engineeringProbability?: number;
  /** Presence is held this long after the last detection, ms. */
  noOneDurationMs?: number;
  /** Speed above which a person counts as moving. */
  movingSpeedMmS?: number;
}

type Resolved = Required<Ld2410StreamOptions>;

/** Gate size with the default resolution (§2.1). */
export const GATE_MM = 750;
const GATES = 9;
const HOLD_STEP_MS = 500; // the hold looks back on this grid, so it is a pure function of t

/** ~10 frames/s, 5 % engineering frames, the §2.1 default no-one duration (5 s), 9 gates of 0.75 m, ±60°. */
const DEFAULTS: Resolved = {
  seed: 1, minFrameGapMs: 95, maxFrameGapMs: 105, engineeringProbability: 0.05, missProbability: 0.02, noOneDurationMs: 5000,
  movingSpeedMmS: 150, maxRangeMm: GATES * GATE_MM, halfFovDeg: 60,
};

const resolve = (o: Ld2410StreamOptions): Resolved =>
  withDefaults(DEFAULTS, o, (r) => [
    ...commonProblems({ ...r, probabilities: [r.engineeringProbability, r.missProbability] }),
    ...(r.noOneDurationMs >= 0 && r.movingSpeedMmS >= 0 ? [] : ['need noOneDurationMs, movingSpeedMmS ≥ 0']),
  ]);

/** Salts that keep the hashed random streams apart. */
const SALT = { jitter: 21, miss: 22, engineering: 23, energy: 24 } as const;

const clock = (r: Resolved): FrameClock => gapClock(r.seed, SALT.jitter, r.minFrameGapMs, r.maxFrameGapMs);

/** Start times of the frames in [fromMs, toMs). */
export function ld2410FrameTimes(fromMs: number, toMs: number, options: Ld2410StreamOptions = {}): number[] {
  return frameTimes(clock(resolve(options)), fromMs, toMs);
}

interface Seen {
  rangeMm: number;
  moving: boolean;
}

/** People in view at time t, with range and whether they move. */
function seen(source: PeopleSource, r: Resolved, t: number): Seen[] {
  return source.people(t).flatMap((p) => (inView(r, p.xMm, p.yMm) ? [{ rangeMm: Math.hypot(p.xMm, p.yMm), moving: Math.hypot(p.vxMmS, p.vyMmS) > r.movingSpeedMmS }] : []));
}

/** Energy % of a reflector at this range: strong near the module, weaker far away, a little noise. */
const energy = (r: Resolved, k: number, salt: number, rangeMm: number): number =>
  Math.max(5, Math.min(100, 100 - rangeMm / 80 + (hashUnit(r.seed, SALT.energy, k, salt) * 2 - 1) * 8));

/** The report of frame k at time t. */
function report(source: PeopleSource, r: Resolved, k: number, t: number): { report: Ld2410ReportIn; engineering?: Ld2410EngineeringIn } {
  const now = hashUnit(r.seed, SALT.miss, k) < r.missProbability ? [] : seen(source, r, t);
  const nearest = (list: Seen[]): number => Math.min(...list.map((s) => s.rangeMm));
  const moving = now.filter((s) => s.moving);
  const still = now.filter((s) => !s.moving);
  let state = (moving.length ? 1 : 0) | (still.length ? 2 : 0);
  const movingMm = moving.length ? nearest(moving) : 0;
  let stillMm = still.length ? nearest(still) : 0;
  if (state === 0) {
    // No-one duration: still "stationary" if someone was in view within the hold (§2.1).
    const grid = Math.floor(t / HOLD_STEP_MS) * HOLD_STEP_MS;
    for (let back = grid; back > t - r.noOneDurationMs; back -= HOLD_STEP_MS) {
      const then = seen(source, r, back);
      if (then.length) {
        state = 2;
        stillMm = nearest(then);
        break;
      }
    }
  }
  const cm = (mm: number): number => Math.round(mm / 10);
  const out: Ld2410ReportIn = {
    state,
    movingDistanceCm: cm(movingMm),
    movingEnergy: movingMm ? energy(r, k, 1, movingMm) : 0,
    staticDistanceCm: cm(stillMm),
    staticEnergy: stillMm ? energy(r, k, 2, stillMm) : 0,
    detectionDistanceCm: state ? cm(Math.min(...[movingMm, stillMm].filter((d) => d > 0))) : 0,
  };
  if (hashUnit(r.seed, SALT.engineering, k) >= r.engineeringProbability) return { report: out };
  const gates = (list: Seen[], salt: number): number[] =>
    Array.from({ length: GATES }, (_, g) => {
      const here = list.filter((s) => Math.min(GATES - 1, Math.floor(s.rangeMm / GATE_MM)) === g);
      const background = hashUnit(r.seed, SALT.energy, k, salt, g) * 10;
      return here.length ? Math.max(background, energy(r, k, salt + g, nearest(here))) : background;
    });
  return { report: out, engineering: { movingGateEnergy: gates(moving, 10), staticGateEnergy: gates(still, 30), light: 98, out: state ? 1 : 0 } };
}

/** The report frames the module emits in [fromMs, toMs), in order. */
export function ld2410Frames(source: PeopleSource, fromMs: number, toMs: number, options: Ld2410StreamOptions = {}): Generator<TimedBytes> {
  const r = resolve(options);
  return frames(clock(r), fromMs, toMs, (k, t) => {
    const f = report(source, r, k, t);
    return encodeLd2410Report(f.report, f.engineering);
  });
}

/** All bytes of [fromMs, toMs) as one buffer (what a capture of that stretch would hold). */
export function ld2410Bytes(source: PeopleSource, fromMs: number, toMs: number, options: Ld2410StreamOptions = {}): Buffer {
  return concatFrames(ld2410Frames(source, fromMs, toMs, options));
}
