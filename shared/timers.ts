/**
 * Timers as an injected IO boundary, beside Clock (shared/clock.ts): drivers, the device lifecycle, the beam counter,
 * the egress, the gateway's SSE heartbeat and NGSI-LD retries take a `Timers` (or the part of it they use, as a
 * Pick) so that timeouts, retries and back-off run in tests without sleeping (ManualTimers) and for real with
 * systemTimers. Nothing else in drukte calls setTimeout/setInterval for its own timing.
 */
import type { ManualClock } from './clock.ts';

/** An opaque timer handle (what setTimeout/setInterval returned: a Timeout object, a number in a fake). */
export type TimerHandle = unknown;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | null | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | null | undefined): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout | undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout | undefined),
};

interface Pending {
  id: number;
  at: number;
  fn: () => void;
  every: number | null;
}

/**
 * Timers that fire only when told to. With a ManualClock, `advance` moves the clock to each timer's due time before
 * firing it, so callbacks that read the clock see the time they were scheduled for. Timers due at the same time fire
 * in the order they were set.
 */
export class ManualTimers implements Timers {
  readonly #clock: ManualClock | null;
  #own = 0;
  #nextId = 1;
  #pending: Pending[] = [];

  constructor(clock: ManualClock | null = null) {
    this.#clock = clock;
  }

  /** Current time on the timers' axis (the clock's monotonic time, if a clock was given). */
  get now(): number {
    return this.#clock ? this.#clock.monotonic() : this.#own;
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.#pending.length;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(handle: TimerHandle | null | undefined): void {
    const id = (handle as { id?: number } | null | undefined)?.id;
    this.#pending = this.#pending.filter((p) => p.id !== id);
  }

  clearInterval(handle: TimerHandle | null | undefined): void {
    this.clearTimeout(handle);
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('ManualTimers.advance: ms must be ≥ 0');
    const target = this.now + ms;
    for (let next = this.#due(target); next; next = this.#due(target)) this.#fire(next);
    this.#moveTo(target);
  }

  /**
   * Like advance, but lets promises and IO callbacks run between timers (await a macrotask before each one), for
   * code that awaits between its timers (drivers talking to a port).
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.now + ms;
    await settle();
    for (let next = this.#due(target); next; next = this.#due(target)) {
      this.#fire(next);
      await settle();
    }
    this.#moveTo(target);
    await settle();
  }

  #add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const p: Pending = { id: this.#nextId++, at: this.now + Math.max(0, ms), fn, every };
    this.#pending.push(p);
    return { id: p.id };
  }

  #due(target: number): Pending | null {
    let best: Pending | null = null;
    for (const p of this.#pending) if (p.at <= target && (!best || p.at < best.at || (p.at === best.at && p.id < best.id))) best = p;
    return best;
  }

  #fire(p: Pending): void {
    this.#moveTo(p.at);
    if (p.every === null) this.#pending = this.#pending.filter((q) => q !== p);
    else p.at += p.every;
    p.fn();
  }

  #moveTo(t: number): void {
    const delta = t - this.now;
    if (delta <= 0) return;
    if (this.#clock) this.#clock.advance(delta);
    else this.#own = t;
  }
}

/** Let pending promise callbacks and IO events run (a few macrotask turns). */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
