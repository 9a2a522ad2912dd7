/**
 * The display on a character LCD: the screens of display/screens.ts in rotation (count and level; purpose; until
 * when; register URL), each shown `pageMs` (default 4 s: long enough to read two lines twice). A new reading or state
 * redraws the current screen at once; the driver writes only the cells that changed. Draws never overlap: each waits
 * for the previous one (an LCD write is ~1 ms per character).
 */
import type { TimerHandle, Timers } from '../shared/timers.ts';
import type { DisplayInput } from '../shared/display-content.ts';
import { lcdScreens, type Grid } from './screens.ts';

export interface LcdSurface {
  show(rows: readonly string[]): Promise<void>;
}

export const DEFAULT_PAGE_MS = 4000;

export class LcdRotation {
  #screens: string[][] = [];
  #index = 0;
  #timer: TimerHandle | null = null;
  #chain: Promise<void> = Promise.resolve();
  #onError: (err: Error) => void;

  constructor(private readonly lcd: LcdSurface, private readonly grid: Grid, private readonly timers: Timers, private readonly pageMs = DEFAULT_PAGE_MS, onError: (err: Error) => void = () => undefined) {
    this.#onError = onError;
  }

  /** Index of the screen being shown, and all screens (tests, status). */
  get current(): { index: number; screens: string[][] } {
    return { index: this.#index, screens: this.#screens };
  }

  update(input: DisplayInput): Promise<void> {
    this.#screens = lcdScreens(input, this.grid);
    if (this.#index >= this.#screens.length) this.#index = 0;
    if (this.#timer === null) this.#timer = this.timers.setInterval(() => void this.next(), this.pageMs);
    return this.#draw();
  }

  /** Show the next screen of the rotation. */
  next(): Promise<void> {
    if (!this.#screens.length) return this.#chain;
    this.#index = (this.#index + 1) % this.#screens.length;
    return this.#draw();
  }

  stop(): void {
    this.timers.clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Settles when every draw queued so far is on the glass. */
  idle(): Promise<void> {
    return this.#chain;
  }

  #draw(): Promise<void> {
    this.#chain = this.#chain.then(() => this.lcd.show(this.#screens[this.#index] ?? [])).catch((err: Error) => this.#onError(err));
    return this.#chain;
  }
}
