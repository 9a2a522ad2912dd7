/**
 * Raw frames: what a driver decodes from the device, held in memory only.
 *
 * These objects carry positions and must never leave the driver + minimiser. They are built so that a stray log
 * line, JSON.stringify, spread or publish cannot leak them:
 *   - values live in private fields (#x): Object.keys / spread / structuredClone see nothing;
 *   - toJSON() throws RawDataLeak;
 *   - util.inspect / console.log print a placeholder without values;
 *   - toString() prints a placeholder.
 * This file imports nothing, so the pure miniser can import its types without pulling in IO.
 */

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class RawDataLeak extends Error {
  constructor(what: string) {
    super(`${what} is raw sensor data and cannot be serialised (drukte publishes aggregates only)`);
    this.name = 'RawDataLeak';
  }
}

/**
 * What every raw value is (RawTarget, RawFrame, and the drivers' RawSlot, RawPresence): JSON.stringify throws,
 * toString and util.inspect show the kind only. A subclass keeps its values in private fields and freezes itself.
 */
export abstract class RawValue {
  readonly #kind: string;
  protected constructor(kind: string) {
    this.#kind = kind;
  }
  toJSON(): never {
    throw new RawDataLeak(this.#kind);
  }
  toString(): string {
    return `[${this.#kind}]`;
  }
  [INSPECT](): string {
    return `${this.#kind} <raw, not shown>`;
  }
}

/** One tracked target in the sensor's own coordinates. */
export class RawTarget extends RawValue {
  readonly #xMm: number;
  readonly #yMm: number;
  constructor(xMm: number, yMm: number) {
    super('RawTarget');
    this.#xMm = xMm;
    this.#yMm = yMm;
    Object.freeze(this);
  }
  /** X in millimetres (sensor coordinates; LD2450: left/right of boresight). */
  get xMm(): number {
    return this.#xMm;
  }
  /** Y in millimetres (sensor coordinates; LD2450: distance in front of the sensor). */
  get yMm(): number {
    return this.#yMm;
  }
}

/**
 * One decoded report: either a list of positioned targets (radars with tracking) or a direct occupancy reading
 * (presence radar 0/1, beam counter in − out) for devices that report no positions.
 */
export class RawFrame extends RawValue {
  readonly #targets: readonly RawTarget[] | null;
  readonly #occupancy: number | null;
  private constructor(targets: readonly RawTarget[] | null, occupancy: number | null) {
    super('RawFrame');
    this.#targets = targets ? Object.freeze([...targets]) : null;
    this.#occupancy = occupancy;
    Object.freeze(this);
  }
  static fromTargets(targets: readonly RawTarget[]): RawFrame {
    return new RawFrame(targets, null);
  }
  static fromOccupancy(occupancy: number): RawFrame {
    if (!Number.isInteger(occupancy) || occupancy < 0) throw new RangeError('occupancy must be an integer ≥ 0');
    return new RawFrame(null, occupancy);
  }
  /** Positioned targets, or null for devices that only report an occupancy. */
  get targets(): readonly RawTarget[] | null {
    return this.#targets;
  }
  /** Direct occupancy reading, or null for positioned frames. */
  get occupancy(): number | null {
    return this.#occupancy;
  }
  /** Number of targets/persons in this frame (the only thing about a frame that may be printed). */
  get size(): number {
    return this.#targets ? this.#targets.length : (this.#occupancy ?? 0);
  }
  override [INSPECT](): string {
    return `RawFrame <${this.size} target(s), raw, not shown>`;
  }
}
