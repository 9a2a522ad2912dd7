/**
 * Two-beam bidirectional entrance counter (pure: no IO, no clock reads; every call carries its time).
 *
 * Wiring (docs/RADAR-PROTOCOLS.md §4): two IR break-beams A and B a few cm apart across a doorway, closer together than a
 * person is deep, so a person walking through breaks both at once for a moment. Receivers are open-collector:
 * with a pull-up a line reads HIGH while its beam is intact and LOW while it is broken (the GPIO glue in source.ts
 * turns levels into broken / intact).
 *
 *        outside │ A │ B │ inside          entry ("in"):  A breaks first, B clears last
 *                │   │   │                 exit ("out"):  B breaks first, A clears last
 *
 * An episode runs from the moment one beam breaks while both were intact until both are intact again. It counts
 * only when it completes: first broken = A and last cleared = B is one entry (with inDirection 'a-to-b'; swapped
 * for 'b-to-a'); B … A is one exit; first = last (somebody stepped in and turned back, a hand, a dog's nose)
 * counts nothing. An episode already running at start-up counts nothing either.
 *
 * Debounce: a change of one beam is accepted only once it has held for `debounceMs` with no change back; it is
 * then dated at the moment it happened, so the order of A and B is kept even when both settle later. A flicker
 * shorter than debounceMs (a swinging bag strap, sunlight) is ignored.
 *
 * Occupancy = entries − exits, never below 0 (an exit at 0 is counted in stats.exitsAtZero: the count was low).
 *
 * Drift correction. A counter that misses one passage in a few hundred (two people abreast, a child under the
 * beams) drifts, and the error never heals by itself. Two corrections, both optional:
 *   - dailyResetAt "HH:MM" (+ timeZone): once a day, when the local time passes it, occupancy is set to 0. Use a
 *     time when the place is known to be empty (after closing). Not applied on the first tick after start-up.
 *   - idleReset { minutes, maxOccupancy }: when no passage happened for `minutes` and the occupancy is at most
 *     `maxOccupancy`, it is set to 0: a small residue with nobody moving for a long time is drift, not people.
 *     A larger occupancy is left alone (an audience sitting through a concert does not walk in or out either).
 */

export type Beam = 'a' | 'b';
export type Direction = 'in' | 'out';

export interface DriftCorrection {
  /** Local time "HH:MM" at which occupancy is reset to 0 every day. */
  dailyResetAt?: string;
  /** IANA time zone for dailyResetAt. Default: the system's. */
  timeZone?: string;
  idleReset?: { minutes: number; maxOccupancy: number };
}

export interface BeamCounterOptions {
  /** A beam change must hold this long to count. Default 20 ms. */
  debounceMs?: number;
  /** Which order is an entry. Default 'a-to-b'. */
  inDirection?: 'a-to-b' | 'b-to-a';
  drift?: DriftCorrection;
  /** Occupancy at start. Default 0. */
  initialOccupancy?: number;
}

export interface BeamCounterStats {
  entries: number;
  exits: number;
  /** Episodes that began and ended on the same beam. */
  turnedBack: number;
  /** Exits seen while occupancy was already 0. */
  exitsAtZero: number;
  /** Beam changes that reverted within the debounce time. */
  flickers: number;
  dailyResets: number;
  idleResets: number;
}

interface BeamState {
  broken: boolean;
  pending: { broken: boolean; at: number } | null;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export class BeamCounter {
  readonly #debounceMs: number;
  readonly #entryFirst: Beam;
  readonly #idle: { ms: number; max: number } | null;
  readonly #dailyMinute: number | null;
  readonly #localTime: Intl.DateTimeFormat | null;
  readonly #beams: Record<Beam, BeamState>;
  #first: Beam | null = null;
  #occupancy: number;
  #lastPassageAt: number;
  #lastDailyDate: string | null = null;
  #ticked = false;
  readonly #stats: BeamCounterStats = { entries: 0, exits: 0, turnedBack: 0, exitsAtZero: 0, flickers: 0, dailyResets: 0, idleResets: 0 };
  /** Called for each counted passage (tests, logs of totals). */
  onPassage: ((direction: Direction, atMs: number) => void) | null = null;

  /** `initial`: whether each beam is broken at `startMs` (read from the lines at start-up). */
  constructor(options: BeamCounterOptions = {}, startMs = 0, initial: { a: boolean; b: boolean } = { a: false, b: false }) {
    const problems: string[] = [];
    const debounceMs = options.debounceMs ?? 20;
    if (!(Number.isFinite(debounceMs) && debounceMs >= 0 && debounceMs <= 1000)) problems.push('debounceMs must be 0–1000');
    const inDirection = options.inDirection ?? 'a-to-b';
    if (inDirection !== 'a-to-b' && inDirection !== 'b-to-a') problems.push("inDirection must be 'a-to-b' or 'b-to-a'");
    const initialOccupancy = options.initialOccupancy ?? 0;
    if (!(Number.isInteger(initialOccupancy) && initialOccupancy >= 0)) problems.push('initialOccupancy must be an integer ≥ 0');
    const drift = options.drift ?? {};
    const m = drift.dailyResetAt === undefined ? null : HHMM.exec(drift.dailyResetAt);
    if (drift.dailyResetAt !== undefined && !m) problems.push('drift.dailyResetAt must be "HH:MM" (24 h)');
    let localTime: Intl.DateTimeFormat | null = null;
    if (m) {
      try {
        localTime = new Intl.DateTimeFormat('en-CA', { timeZone: drift.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      } catch {
        problems.push(`drift.timeZone '${drift.timeZone}' is not a known time zone`);
      }
    }
    const idle = drift.idleReset;
    if (idle && !(idle.minutes > 0 && Number.isInteger(idle.maxOccupancy) && idle.maxOccupancy >= 0)) problems.push('drift.idleReset needs minutes > 0 and an integer maxOccupancy ≥ 0');
    if (problems.length) throw new RangeError(`beam counter: ${problems.join('; ')}`);

    this.#debounceMs = debounceMs;
    this.#entryFirst = inDirection === 'a-to-b' ? 'a' : 'b';
    this.#idle = idle ? { ms: idle.minutes * 60_000, max: idle.maxOccupancy } : null;
    this.#dailyMinute = m ? Number(m[1]) * 60 + Number(m[2]) : null;
    this.#localTime = localTime;
    this.#occupancy = initialOccupancy;
    this.#lastPassageAt = startMs;
    this.#beams = { a: { broken: initial.a, pending: null }, b: { broken: initial.b, pending: null } };
  }

  get occupancy(): number {
    return this.#occupancy;
  }

  get stats(): BeamCounterStats {
    return { ...this.#stats };
  }

  /** Whether a beam is (settled) broken now. */
  broken(beam: Beam): boolean {
    return this.#beams[beam].broken;
  }

  /** A beam's line changed: `broken` is its new state, `atMs` when (monotonic ms). */
  edge(beam: Beam, broken: boolean, atMs: number): void {
    this.advance(atMs);
    const s = this.#beams[beam];
    const current = s.pending ? s.pending.broken : s.broken;
    if (broken === current) return; // no change (a repeated level)
    if (s.pending) {
      s.pending = null; // changed back before it settled
      this.#stats.flickers++;
      return;
    }
    s.pending = { broken, at: atMs };
  }

  /** Accept every beam change that has held for debounceMs by `nowMs`, oldest first. */
  advance(nowMs: number): void {
    const settled = (['a', 'b'] as const)
      .map((beam) => ({ beam, p: this.#beams[beam].pending }))
      .filter((x): x is { beam: Beam; p: { broken: boolean; at: number } } => x.p !== null && x.p.at + this.#debounceMs <= nowMs)
      .sort((x, y) => x.p.at - y.p.at);
    for (const { beam, p } of settled) {
      this.#beams[beam].pending = null;
      this.#commit(beam, p.broken, p.at);
    }
  }

  /**
   * Take the beams' states as read from the lines (start-up, reopening after a fault). Any episode in progress is
   * abandoned: its direction is unknown.
   */
  resync(state: { a: boolean; b: boolean }): void {
    for (const beam of ['a', 'b'] as const) this.#beams[beam] = { broken: state[beam], pending: null };
    this.#first = null;
  }

  /** Periodic call: settle beams and apply the drift corrections. `wallMs` (Unix ms) is for dailyResetAt. */
  tick(nowMs: number, wallMs: number): void {
    this.advance(nowMs);
    const idle = this.#idle;
    if (idle && this.#occupancy > 0 && this.#occupancy <= idle.max && nowMs - this.#lastPassageAt >= idle.ms && !this.#busy()) {
      this.#occupancy = 0;
      this.#stats.idleResets++;
    }
    if (this.#dailyMinute !== null && this.#localTime) {
      const parts = Object.fromEntries(this.#localTime.formatToParts(new Date(wallMs)).map((p) => [p.type, p.value]));
      const date = `${parts.year}-${parts.month}-${parts.day}`;
      const minute = Number(parts.hour) * 60 + Number(parts.minute);
      if (minute >= this.#dailyMinute && this.#lastDailyDate !== date) {
        if (this.#ticked) {
          this.#occupancy = 0;
          this.#stats.dailyResets++;
        }
        this.#lastDailyDate = date;
      }
    }
    this.#ticked = true;
  }

  #busy(): boolean {
    return this.#beams.a.broken || this.#beams.b.broken;
  }

  #commit(beam: Beam, broken: boolean, at: number): void {
    const wasIdle = !this.#busy();
    this.#beams[beam].broken = broken;
    if (broken) {
      if (wasIdle) this.#first = beam;
      return;
    }
    if (this.#busy()) return;
    const first = this.#first;
    this.#first = null;
    if (first === null) return; // began before start-up: unknown direction
    if (first === beam) {
      this.#stats.turnedBack++;
      return;
    }
    const direction: Direction = first === this.#entryFirst ? 'in' : 'out';
    this.#lastPassageAt = at;
    if (direction === 'in') {
      this.#occupancy++;
      this.#stats.entries++;
    } else {
      this.#stats.exits++;
      if (this.#occupancy > 0) this.#occupancy--;
      else this.#stats.exitsAtZero++;
    }
    this.onPassage?.(direction, at);
  }
}
