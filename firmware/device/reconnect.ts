/**
 * The sensor's device lifecycle: where the pipeline's input comes from, and what happens when it goes away.
 *
 *   open ─► configure (LD2450, LD2410: Bluetooth off; LD2450 also zone filter, …) ─► up: data flows into the pipeline
 *     ▲                                                          │ lost (unplugged, PTY closed, GPIO error)
 *     └──── back-off: 1 s, 2 s, 4 s … 60 s (injected timers) ◄── fault(reason) ◄─┘  (also when open/configure fail)
 *
 * This file is the engine (ReconnectingDevice) and the contracts every device meets; index.ts picks a device for a
 * spec: serial.ts (a tty through a SerialBinding), beam.ts (the two-beam counter on GPIO), stream.ts (a Readable of
 * device bytes: simulator, demo, tests), or any SensorDevice object.
 * A fault makes the sensor drop its open window (pipeline.reset()), so nothing from before a gap is mixed into the
 * window after it. Reasons are fixed text plus paths/pins, never device data.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { RawFrame } from '../../hardware/frame.ts';
import type { BeamInfo } from '../../hardware/beam/source.ts';
import { systemTimers, type TimerHandle, type Timers } from '../../shared/timers.ts';
import type { Ld2410Info } from '../../hardware/ld2410/driver.ts';
import type { Ld2450Info } from '../../hardware/ld2450/driver.ts';

/** What configuring a radar found (LD2450 or LD2410): firmware, Bluetooth, zone filter (the Status `radar` facts). */
export type RadarInfo = Ld2450Info | Ld2410Info;

/** What is known about the device once it is up (for logs, `drukte doctor`, and the sensor's RunningSensor). */
export interface DeviceInfo {
  kind: 'stream' | 'serial' | 'beam';
  /** e.g. "/dev/ttyAMA0 @ 256000 baud", "beam counter on BCM 17/27". */
  description: string;
  /** LD2450 / LD2410 facts from its configuration: firmware, Bluetooth, zone filter. */
  radar?: RadarInfo;
  beam?: BeamInfo;
}

export interface DeviceSink {
  /** Device bytes (serial, stream) or frames (beam) for the pipeline's input. */
  data(chunk: Buffer | RawFrame): void;
  /** The device is open (and configured). */
  up(info: DeviceInfo): void;
  /**
   * The device failed or went away; short fixed text. `cause` 'scene': something people in view can cause (a beam
   * blocked by someone standing in a doorway): the sensor announces it only on the window grid and without the
   * detail, which stays in the local log (issue 9, item 7).
   */
  fault(reason: string, cause?: FaultCause): void;
}

export type FaultCause = 'device' | 'scene';

export interface SensorDevice {
  readonly description: string;
  start(sink: DeviceSink): void;
  /** Close the device and cancel any reopening. */
  stop(): Promise<void>;
}

export interface SessionContext {
  data(chunk: Buffer | RawFrame): void;
  /** The open device went away. */
  lost(reason: string, cause?: FaultCause): void;
  /** Aborted when the device is stopped while opening: close what was opened. */
  signal: AbortSignal;
}

export interface DeviceSession {
  readonly info: DeviceInfo;
  close(): Promise<void>;
}

export interface BackoffOptions {
  /** First delay before reopening, ms. Default 1000. */
  initialMs?: number;
  /** Longest delay, ms. Default 60000. */
  maxMs?: number;
  /** Growth per failure. Default 2. */
  factor?: number;
  /** A session that stayed up this long resets the delay to initialMs. Default 30000. */
  stableMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 1000, maxMs: 60_000, factor: 2, stableMs: 30_000 };

/** Delay before reopen attempt n (0-based) after consecutive failures. */
export const backoffDelay = (failures: number, o: Required<BackoffOptions> = DEFAULT_BACKOFF): number =>
  Math.min(o.maxMs, o.initialMs * o.factor ** failures);

export interface LifecycleDeps {
  clock: Clock;
  timers?: Timers;
  logger?: Logger;
  backoff?: BackoffOptions;
}

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Open → up → lost → back-off → reopen, around a `connect` function that opens (and configures) the device. */
export class ReconnectingDevice implements SensorDevice {
  readonly #connect: (ctx: SessionContext) => Promise<DeviceSession>;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #logger: Logger | undefined;
  readonly #backoff: Required<BackoffOptions>;
  #sink: DeviceSink | null = null;
  #session: DeviceSession | null = null;
  #generation = 0;
  #failures = 0;
  #upAt = 0;
  #timer: TimerHandle | null = null;
  #opening: { done: Promise<void>; abort: AbortController } | null = null;
  #stopped = false;
  /** Delay of the scheduled reopen, ms; null when none is scheduled. */
  nextRetryMs: number | null = null;
  readonly stats = { opens: 0, faults: 0 };

  constructor(readonly description: string, connect: (ctx: SessionContext) => Promise<DeviceSession>, deps: LifecycleDeps) {
    this.#connect = connect;
    this.#clock = deps.clock;
    this.#timers = deps.timers ?? systemTimers;
    this.#logger = deps.logger;
    this.#backoff = { ...DEFAULT_BACKOFF, ...deps.backoff };
    const b = this.#backoff;
    if (!(b.initialMs > 0 && b.maxMs >= b.initialMs && b.factor >= 1 && b.stableMs >= 0)) throw new RangeError('backoff: need 0 < initialMs ≤ maxMs, factor ≥ 1');
  }

  get up(): boolean {
    return this.#session !== null;
  }

  start(sink: DeviceSink): void {
    if (this.#sink) throw new Error('device already started');
    this.#sink = sink;
    this.#open();
  }

  #open(): void {
    this.#timer = null;
    this.nextRetryMs = null;
    if (this.#stopped || !this.#sink) return;
    const sink = this.#sink;
    const gen = ++this.#generation;
    const abort = new AbortController();
    let live = false;
    let lostEarly = null as { reason: string; cause: FaultCause } | null;
    const current = (): boolean => gen === this.#generation && !this.#stopped;
    const ctx: SessionContext = {
      data: (chunk) => {
        if (current()) sink.data(chunk);
      },
      lost: (reason, cause = 'device') => {
        if (!current()) return;
        if (live) this.#lost(reason, cause);
        else lostEarly ??= { reason, cause };
      },
      signal: abort.signal,
    };
    const done = (async () => {
      let session: DeviceSession;
      try {
        session = await this.#connect(ctx);
      } catch (err) {
        if (current()) this.#fail(reasonOf(err));
        return;
      }
      if (!current()) return void (await session.close().catch(() => undefined));
      this.#session = session;
      live = true;
      this.#upAt = this.#clock.monotonic();
      this.stats.opens++;
      this.#logger?.info({ device: session.info.description }, 'device up');
      sink.up(session.info);
      if (lostEarly !== null) this.#lost(lostEarly.reason, lostEarly.cause);
    })().finally(() => {
      if (this.#opening?.abort === abort) this.#opening = null;
    });
    this.#opening = { done, abort };
  }

  #lost(reason: string, cause: FaultCause = 'device'): void {
    const session = this.#session;
    this.#session = null;
    this.#generation++; // late callbacks of the old session are ignored
    if (this.#clock.monotonic() - this.#upAt >= this.#backoff.stableMs) this.#failures = 0;
    void session?.close().catch(() => undefined);
    this.#fail(reason, cause);
  }

  #fail(reason: string, cause: FaultCause = 'device'): void {
    this.stats.faults++;
    this.#sink?.fault(reason, cause);
    const delay = backoffDelay(this.#failures++, this.#backoff);
    this.nextRetryMs = delay;
    this.#logger?.warn({ reason, retryInMs: delay }, 'device fault; reopening after a pause');
    this.#timer = this.#timers.setTimeout(() => this.#open(), delay);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    this.nextRetryMs = null;
    const opening = this.#opening;
    opening?.abort.abort();
    const session = this.#session;
    this.#session = null;
    await session?.close().catch(() => undefined);
    await opening?.done;
  }
}
