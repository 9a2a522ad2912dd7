/**
 * GPIO inputs as an IO boundary. Drivers (the beam counter) depend only on `GpioBinding` / `GpioLine`.
 *
 * Built like the serial binding: ONE line class, `BoundGpioBinding`, around a backend with the shape of onoff's
 * `Gpio` class (read / watch / unwatchAll / unexport). The real backend is onoff itself (gpio-onoff.ts, sysfs
 * GPIO); the fake is FakeGpioChip (gpio-fake.ts), in memory, with lines tests can drive. The contract suite in
 * tests/hardware/bindings-gpio.test.ts runs against both (the real one only where sysfs GPIO is accessible).
 *
 * Line numbers here are kernel (sysfs) GPIO numbers, not BCM pin numbers: resolve BCM pins with gpio-chip.ts
 * (BCM 17 is 512 + 17 on a Pi 4 and 571 + 17 on a Pi 5 with Raspberry Pi OS Bookworm).
 */

export type Edge = 'none' | 'rising' | 'falling' | 'both';
export type Pull = 'up' | 'down' | 'none';
export type Level = 0 | 1;

export const EDGES: readonly Edge[] = ['none', 'rising', 'falling', 'both'];
export const PULLS: readonly Pull[] = ['up', 'down', 'none'];

/** One input line, opened with an edge to watch. */
export interface GpioLine {
  /** Kernel GPIO number. */
  readonly line: number;
  /** Whether the requested pull resistor was applied by this binding (sysfs cannot: see gpio-onoff.ts). */
  readonly pullApplied: boolean;
  /** The current level. Rejects after unexport(). */
  read(): Promise<Level>;
  /** Call `listener` with the new level on every edge of the opened kind. */
  watch(listener: (level: Level) => void, onError?: (err: Error) => void): void;
  /** Stop watching and release the line (idempotent). */
  unexport(): void;
}

export interface GpioBinding {
  readonly name: string;
  /** Whether GPIO can be used here at all. */
  readonly accessible: boolean;
  /** Open `line` as an input watching `edge`, with the pull resistor `pull` where the binding can set it. */
  open(line: number, edge: Edge, pull: Pull): Promise<GpioLine>;
}

/** The shape of onoff's Gpio instance (its callback-style watch included), implemented by the fake too. */
export interface GpioBackendPin {
  read(): Promise<Level>;
  watch(callback: (err: Error | null | undefined, value: Level) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

export interface GpioBackend {
  readonly name: string;
  readonly accessible: boolean;
  /** Whether `create` applies the pull resistor. */
  readonly setsPull: boolean;
  create(line: number, edge: Edge, pull: Pull): Promise<GpioBackendPin>;
}

export class GpioError extends Error {
  override name = 'GpioError';
}

class BoundGpioLine implements GpioLine {
  #pin: GpioBackendPin | null;

  constructor(readonly line: number, readonly pullApplied: boolean, pin: GpioBackendPin) {
    this.#pin = pin;
  }

  read(): Promise<Level> {
    if (!this.#pin) return Promise.reject(new GpioError(`GPIO ${this.line} was released`));
    return this.#pin.read();
  }

  watch(listener: (level: Level) => void, onError?: (err: Error) => void): void {
    if (!this.#pin) throw new GpioError(`GPIO ${this.line} was released`);
    this.#pin.watch((err, value) => {
      if (err) onError?.(err);
      else listener(value === 0 ? 0 : 1);
    });
  }

  unexport(): void {
    const pin = this.#pin;
    this.#pin = null;
    if (!pin) return;
    pin.unwatchAll();
    pin.unexport();
  }
}

/** The one line class; only the backend differs between the real and the fake implementation. */
export class BoundGpioBinding implements GpioBinding {
  constructor(private readonly backend: GpioBackend) {}

  get name(): string {
    return this.backend.name;
  }

  get accessible(): boolean {
    return this.backend.accessible;
  }

  async open(line: number, edge: Edge, pull: Pull): Promise<GpioLine> {
    if (!Number.isInteger(line) || line < 0) throw new RangeError(`GPIO line must be an integer ≥ 0, got ${line}`);
    if (!EDGES.includes(edge)) throw new RangeError(`edge must be one of ${EDGES.join(', ')}`);
    if (!PULLS.includes(pull)) throw new RangeError(`pull must be one of ${PULLS.join(', ')}`);
    const pin = await this.backend.create(line, edge, pull);
    return new BoundGpioLine(line, this.backend.setsPull || pull === 'none', pin);
  }
}
