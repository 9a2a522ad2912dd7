/**
 * The fake GPIO backend: an in-memory chip with the shape of onoff's Gpio (gpio.ts GpioBackend), handed to the same
 * BoundGpioBinding as the real one.
 *
 * Electrical model (enough for open-collector sensors, docs/RADAR-PROTOCOLS.md §4): each line is either driven (0/1) by
 * whatever is wired to it, or released; a released line reads its pull level (up → 1, down → 0, none → 0 here,
 * a floating input on real hardware). A break-beam receiver pulls its line LOW while the beam is broken and
 * releases it otherwise: `chip.drive(line, 0)` / `chip.release(line)`.
 *
 * Watchers are called synchronously when a level changes (a real line calls them from epoll a little later), so
 * a simulation driven by ManualTimers timestamps every edge exactly.
 */
import { BoundGpioBinding, GpioError, type Edge, type GpioBackend, type GpioBackendPin, type GpioBinding, type Level, type Pull } from './gpio.ts';
import type { GpioOutputBinding, GpioOutputLine } from './gpio-output.ts';

/** Called synchronously on every write to an output line (also when the level does not change). */
export type OutputListener = (line: number, level: Level) => void;

interface LineState {
  driven: Level | null;
  pull: Pull;
  exported: FakePin | FakeOutput | null;
}

class FakeOutput implements GpioOutputLine {
  #released = false;
  constructor(readonly line: number, private readonly chip: FakeGpioChip) {}

  write(level: Level): void {
    if (this.#released) throw new GpioError(`GPIO ${this.line} was released`);
    this.chip.outputWrite(this.line, level);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.chip.unexported(this);
  }
}

class FakePin implements GpioBackendPin {
  readonly #watchers: ((err: Error | null | undefined, value: Level) => void)[] = [];
  #released = false;

  constructor(readonly line: number, readonly edge: Edge, private readonly chip: FakeGpioChip) {}

  async read(): Promise<Level> {
    if (this.#released) throw new GpioError(`GPIO ${this.line} is not exported`);
    return this.chip.level(this.line);
  }

  watch(callback: (err: Error | null | undefined, value: Level) => void): void {
    if (this.#released) throw new GpioError(`GPIO ${this.line} is not exported`);
    if (this.edge === 'none') throw new GpioError(`GPIO ${this.line} was opened with edge 'none' and cannot be watched`);
    this.#watchers.push(callback);
  }

  unwatchAll(): void {
    this.#watchers.length = 0;
  }

  unexport(): void {
    if (this.#released) return;
    this.#released = true;
    this.#watchers.length = 0;
    this.chip.unexported(this);
  }

  /** @internal the chip saw the level change from `from` to `to`. */
  changed(to: Level): void {
    const fire = this.edge === 'both' || (this.edge === 'rising' && to === 1) || (this.edge === 'falling' && to === 0);
    if (!fire) return;
    for (const w of [...this.#watchers]) w(null, to);
  }
}

export class FakeGpioChip implements GpioBackend {
  readonly name = 'fake';
  readonly setsPull = true;
  readonly #lines = new Map<number, LineState>();
  readonly #anyLine: boolean;
  readonly #outputListeners: OutputListener[] = [];
  #accessible: boolean;

  /** `lines`: kernel GPIO numbers that exist on this chip (default: any). */
  constructor(options: { accessible?: boolean; lines?: readonly number[] } = {}) {
    this.#accessible = options.accessible ?? true;
    for (const l of options.lines ?? []) this.#lines.set(l, { driven: null, pull: 'none', exported: null });
    this.#anyLine = !options.lines;
  }

  get accessible(): boolean {
    return this.#accessible;
  }

  /** Make the chip (in)accessible, like a kernel without sysfs GPIO. */
  setAccessible(accessible: boolean): void {
    this.#accessible = accessible;
  }

  async create(line: number, edge: Edge, pull: Pull): Promise<GpioBackendPin> {
    if (!this.#accessible) {
      throw new GpioError('no sysfs GPIO at /sys/class/gpio: this kernel/container has no GPIO access; on a Pi run as a user in the gpio group');
    }
    const state = this.#state(line);
    if (!state) throw new GpioError(`cannot open GPIO ${line}: ENOENT (no such line)`);
    if (state.exported) throw new GpioError(`cannot open GPIO ${line}: EBUSY (already exported)`);
    const pin = new FakePin(line, edge, this);
    state.exported = pin;
    state.pull = pull;
    return pin;
  }

  /** Open `line` as an output (GpioOutputBinding over this chip: fakeGpioOutputBinding). */
  async createOutput(line: number, initial: Level): Promise<GpioOutputLine> {
    if (!this.#accessible) {
      throw new GpioError('no sysfs GPIO at /sys/class/gpio: this kernel/container has no GPIO access; on a Pi run as a user in the gpio group');
    }
    const state = this.#state(line);
    if (!state) throw new GpioError(`cannot open GPIO ${line}: ENOENT (no such line)`);
    if (state.exported) throw new GpioError(`cannot open GPIO ${line}: EBUSY (already exported)`);
    const out = new FakeOutput(line, this);
    state.exported = out;
    this.outputWrite(line, initial);
    return out;
  }

  /** Watch every write to an output line (the wired device's side of the pins). Returns an unsubscribe function. */
  onOutput(listener: OutputListener): () => void {
    this.#outputListeners.push(listener);
    return () => {
      const i = this.#outputListeners.indexOf(listener);
      if (i >= 0) this.#outputListeners.splice(i, 1);
    };
  }

  /** @internal an output pin drives its line. */
  outputWrite(line: number, level: Level): void {
    const s = this.#state(line);
    if (!s) throw new GpioError(`no GPIO ${line} on this chip`);
    s.driven = level;
    for (const l of [...this.#outputListeners]) l(line, level);
  }

  /** What a pin reads now. */
  level(line: number): Level {
    const s = this.#state(line);
    if (!s) return 0;
    return s.driven ?? (s.pull === 'up' ? 1 : 0);
  }

  /** Something wired to `line` drives it to `level`. */
  drive(line: number, level: Level): void {
    this.#set(line, level);
  }

  /** The wired device lets go of `line`: it floats to its pull level. */
  release(line: number): void {
    this.#set(line, null);
  }

  /** Whether a pin currently has `line` exported. */
  isExported(line: number): boolean {
    return Boolean(this.#state(line)?.exported);
  }

  /** @internal */
  unexported(pin: FakePin | FakeOutput): void {
    const s = this.#lines.get(pin.line);
    if (s?.exported === pin) s.exported = null;
  }

  #state(line: number): LineState | null {
    let s = this.#lines.get(line);
    if (!s && this.#anyLine) {
      s = { driven: null, pull: 'none', exported: null };
      this.#lines.set(line, s);
    }
    return s ?? null;
  }

  #set(line: number, driven: Level | null): void {
    const s = this.#state(line);
    if (!s) throw new GpioError(`no GPIO ${line} on this chip`);
    const before = this.level(line);
    s.driven = driven;
    const after = this.level(line);
    if (after !== before && s.exported instanceof FakePin) s.exported.changed(after);
  }
}

/** A GpioBinding over a FakeGpioChip: the same line class as the onoff binding, another backend. */
export function fakeGpioBinding(chip: FakeGpioChip = new FakeGpioChip()): GpioBinding & { chip: FakeGpioChip } {
  return Object.assign(new BoundGpioBinding(chip), { chip });
}

/** A GpioOutputBinding over a FakeGpioChip. */
export function fakeGpioOutputBinding(chip: FakeGpioChip = new FakeGpioChip()): GpioOutputBinding & { chip: FakeGpioChip } {
  return {
    name: 'fake',
    get accessible() {
      return chip.accessible;
    },
    openOutput: (line, initial) => {
      if (!Number.isInteger(line) || line < 0) return Promise.reject(new RangeError(`GPIO line must be an integer ≥ 0, got ${line}`));
      return chip.createOutput(line, initial);
    },
    chip,
  };
}
