/** Time is always injected: nothing in drukte reads Date.now() directly except the system clock below. */
export interface Clock {
  /** Wall-clock time, milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic milliseconds (arbitrary origin); never goes backwards. */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock for tests and simulations: starts at `startMs`, moves only when told to. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  constructor(startMs: number) {
    this.wall = startMs;
  }
  now(): number {
    return this.wall;
  }
  monotonic(): number {
    return this.mono;
  }
  /** Advance both clocks by `ms`. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('ManualClock.advance: ms must be ≥ 0');
    this.wall += ms;
    this.mono += ms;
  }
  /** Set the wall clock only (as a user changing the system time would); monotonic time is unaffected. */
  setWall(ms: number): void {
    this.wall = ms;
  }
}

export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);
