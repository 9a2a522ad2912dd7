/**
 * An event entrance with hundreds of visitors, as seen by a two-beam counter in the doorway (docs/RADAR-PROTOCOLS.md §4), with
 * ground truth. One cycle is one event: doors open, the hall fills (an S-curve of arrivals), some visitors pop out
 * and back in, everybody leaves, the hall is empty at the end of the cycle; then it repeats.
 *
 * Every passage is turned into the beams' real signal: beam A (outside) and B (inside), `beamGapMm` apart, are each
 * broken while a body (`bodyDepthMm` deep, walking at its own speed) is in them:
 *
 *   entry:  A ▔▔╲______╱▔▔▔▔▔▔     exit:  A ▔▔▔▔╲______╱▔▔     turn-back: A ▔▔╲____╱▔▔▔  (B never breaks)
 *           B ▔▔▔▔╲______╱▔▔▔▔            B ▔▔╲______╱▔▔▔▔
 *
 * Plus a few short flickers (a few ms, sunlight, a swinging strap) in the quiet gaps, which a debounce must ignore.
 * Generated once from the seed; `beamEvents` and `insideAt` are then pure functions of time, periodic with the
 * cycle. One doorway is one lane: people pass one at a time, at least `minGapMs` apart.
 */
import { mulberry32, uniform } from './random.ts';

export type PassageKind = 'in' | 'out' | 'turn-back-in' | 'turn-back-out';

export interface Passage {
  kind: PassageKind;
  /** When the first beam breaks, ms from the start of the cycle. */
  startMs: number;
  /** When the last beam clears (the moment a counter counts it). */
  endMs: number;
  speedMmS: number;
}

export interface BeamEvent {
  atMs: number;
  beam: 'a' | 'b';
  broken: boolean;
}

export interface EntranceScenarioOptions {
  seed: number;
  /** Visitors inside at the height of the event. Default 400. */
  peakInside?: number;
  /** Length of one event, s (≥ 120). Default 900. */
  cycleSeconds?: number;
  /** Arrivals happen in the first this-fraction of the cycle. Default 0.45. */
  arriveUntil?: number;
  /** Departures happen from this fraction to 0.95 of the cycle. Default 0.6. */
  leaveFrom?: number;
  /** Share of visitors who step out and back in during the event. Default 0.1. */
  churn?: number;
  /** Chance that somebody turns back in the doorway (a broken beam that must not count). Default 0.02. */
  turnBack?: number;
  /** Flickers per minute in quiet gaps. Default 1. */
  flickersPerMinute?: number;
  walkSpeedMmS?: number;
  beamGapMm?: number;
  bodyDepthMm?: number;
  /** Least clear time between two people in the doorway, ms. Default 120. */
  minGapMs?: number;
}

const FLICKER_MS = 4;

export class EntranceScenario {
  readonly cycleMs: number;
  readonly passages: readonly Passage[];
  readonly #events: readonly BeamEvent[];
  readonly #countAt: readonly { atMs: number; delta: 1 | -1 }[];

  constructor(options: EntranceScenarioOptions) {
    const o = {
      peakInside: 400, cycleSeconds: 900, arriveUntil: 0.45, leaveFrom: 0.6, churn: 0.1, turnBack: 0.02, flickersPerMinute: 1,
      walkSpeedMmS: 1300, beamGapMm: 50, bodyDepthMm: 300, minGapMs: 120, ...options,
    };
    const problems: string[] = [];
    if (!Number.isInteger(o.seed)) problems.push('seed must be an integer');
    if (!(Number.isInteger(o.peakInside) && o.peakInside >= 1 && o.peakInside <= 5000)) problems.push('peakInside must be an integer 1–5000');
    if (!(o.cycleSeconds >= 120)) problems.push('cycleSeconds must be ≥ 120');
    if (!(o.arriveUntil > 0 && o.arriveUntil < o.leaveFrom && o.leaveFrom < 0.95)) problems.push('need 0 < arriveUntil < leaveFrom < 0.95');
    if (!(o.churn >= 0 && o.churn <= 1 && o.turnBack >= 0 && o.turnBack < 1 && o.flickersPerMinute >= 0)) problems.push('churn in [0, 1], turnBack in [0, 1), flickersPerMinute ≥ 0');
    if (!(o.walkSpeedMmS > 0 && o.beamGapMm > 0 && o.bodyDepthMm > o.beamGapMm && o.minGapMs > 0)) problems.push('need walkSpeedMmS, beamGapMm, minGapMs > 0 and bodyDepthMm > beamGapMm');
    if (problems.length) throw new RangeError(`EntranceScenario: ${problems.join('; ')}`);
    this.cycleMs = o.cycleSeconds * 1000;
    const C = this.cycleMs;
    const rand = mulberry32(o.seed);
    const sCurve = (x: number): number => (1 - Math.cos(Math.PI * x)) / 2;
    const stratified = (n: number, from: number, to: number): number[] =>
      Array.from({ length: n }, (_, i) => from + (to - from) * sCurve((i + rand()) / n));

    // Wanted door times (they may slip a little later below, to keep one person in the doorway at a time).
    const wanted: { kind: 'in' | 'out'; at: number }[] = [
      ...stratified(o.peakInside, 0.02 * C, o.arriveUntil * C).map((at) => ({ kind: 'in' as const, at })),
      ...stratified(o.peakInside, o.leaveFrom * C, 0.95 * C).map((at) => ({ kind: 'out' as const, at })),
    ];
    const churners = Math.round(o.churn * o.peakInside);
    for (let i = 0; i < churners; i++) {
      const out = uniform(rand, o.arriveUntil * C + 1000, (o.arriveUntil + (o.leaveFrom - o.arriveUntil) * 0.6) * C);
      wanted.push({ kind: 'out', at: out }, { kind: 'in', at: uniform(rand, out + 20_000, Math.max(out + 20_000, o.leaveFrom * C - 1000)) });
    }
    wanted.sort((a, b) => a.at - b.at);

    const passages: Passage[] = [];
    let free = 0; // when the doorway is clear again
    const place = (kind: PassageKind, at: number): void => {
      const speed = o.walkSpeedMmS * uniform(rand, 0.85, 1.15);
      const depth = kind.startsWith('turn-back') ? o.bodyDepthMm * 0.6 : o.bodyDepthMm + o.beamGapMm;
      const start = Math.max(at, free + o.minGapMs);
      const end = start + (depth / speed) * 1000;
      passages.push({ kind, startMs: start, endMs: end, speedMmS: speed });
      free = end;
    };
    for (const w of wanted) {
      if (rand() < o.turnBack) place(w.kind === 'in' ? 'turn-back-in' : 'turn-back-out', w.at);
      place(w.kind, w.at);
    }
    if (free > 0.99 * C) throw new RangeError(`EntranceScenario: ${o.peakInside} visitors do not fit through one doorway in ${o.cycleSeconds} s; use a longer cycle`);
    this.passages = Object.freeze(passages);

    const events: BeamEvent[] = [];
    for (const p of passages) {
      const ms = (mm: number): number => p.startMs + (mm / p.speedMmS) * 1000;
      const [first, second] = p.kind === 'in' || p.kind === 'turn-back-in' ? (['a', 'b'] as const) : (['b', 'a'] as const);
      if (p.kind.startsWith('turn-back')) {
        events.push({ atMs: p.startMs, beam: first, broken: true }, { atMs: p.endMs, beam: first, broken: false });
        continue;
      }
      events.push(
        { atMs: p.startMs, beam: first, broken: true },
        { atMs: ms(o.beamGapMm), beam: second, broken: true },
        { atMs: ms(o.bodyDepthMm), beam: first, broken: false },
        { atMs: p.endMs, beam: second, broken: false },
      );
    }
    // Flickers: a few ms in the middle of quiet gaps of at least a second.
    const flickerChance = (o.flickersPerMinute / 60_000) * 1000;
    for (let i = 0; i <= passages.length; i++) {
      const gapFrom = passages[i - 1]?.endMs ?? 0;
      const gapTo = passages[i]?.startMs ?? C;
      for (let t = gapFrom + 500; t + 500 < gapTo; t += 1000) {
        if (rand() >= flickerChance) continue;
        const beam = rand() < 0.5 ? 'a' : 'b';
        events.push({ atMs: t, beam, broken: true }, { atMs: t + FLICKER_MS, beam, broken: false });
      }
    }
    // Whole milliseconds (a GPIO edge timestamp's resolution here); order kept.
    for (const e of events) e.atMs = Math.round(e.atMs);
    events.sort((a, b) => a.atMs - b.atMs);
    this.#events = Object.freeze(events);
    this.#countAt = passages.filter((p) => p.kind === 'in' || p.kind === 'out').map((p) => ({ atMs: Math.round(p.endMs), delta: p.kind === 'in' ? 1 : -1 }) as const);
  }

  /** Ground truth: people inside at time t (ms from the scenario's start; periodic). */
  insideAt(tMs: number): number {
    const tc = ((tMs % this.cycleMs) + this.cycleMs) % this.cycleMs;
    let n = 0;
    for (const c of this.#countAt) {
      if (c.atMs > tc) break;
      n += c.delta;
    }
    return n;
  }

  /** The most people inside at once during a cycle. */
  get peak(): number {
    let n = 0;
    let max = 0;
    for (const c of this.#countAt) max = Math.max(max, (n += c.delta));
    return max;
  }

  /** Beam level changes in [fromMs, toMs), in order (times on the scenario's axis, across cycles). */
  beamEvents(fromMs: number, toMs: number): BeamEvent[] {
    const out: BeamEvent[] = [];
    for (let k = Math.floor(fromMs / this.cycleMs); k * this.cycleMs < toMs; k++) {
      const base = k * this.cycleMs;
      for (const e of this.#events) {
        const at = base + e.atMs;
        if (at >= fromMs && at < toMs) out.push({ ...e, atMs: at });
      }
    }
    return out;
  }
}
