/**
 * The sensor's lifecycle: a small state machine over one number, the *effective time*, that can only move forward.
 *
 *   effective = max( wall clock,
 *                    high-water mark (persisted) advanced by monotonic time since it was last read,
 *                    the bundle's build time (compiled in) )
 *
 *   active ──(end − 30 d)──► expiring ──(end of expiresAt, UTC)──► expired   (never back; see expiry.ts)
 *
 * Setting the wall clock back while running changes nothing (monotonic time keeps counting); setting it back across
 * a restart changes nothing (the high-water mark, written every minute and at each phase change, is the floor); a
 * lost or corrupted high-water mark falls back to the build time, never earlier. At expiry the tombstone is written
 * first, then listeners are told (the sensor stops its device, drops raw state and publishes `expired`); a tombstone
 * alone means "expired" at every later start, whatever the clocks say.
 *
 * A data directory belongs to one sensor: a bundle of another sensor started on it is refused (DataDirMismatch).
 * Identity, expiry and build time come from the bundle's compiled-in identity only — never from env, flags or files.
 */
import type { Clock } from '../../shared/clock.ts';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { describeFsError } from '../egress/atomic-file.ts';
import { expiryEndMs, expiryWithinBound, phaseAt, type LifecyclePhase } from './expiry.ts';
import type { LifecycleStore } from './store.ts';

export type { LifecyclePhase } from './expiry.ts';

/** What the sensor's composition root needs from a lifecycle (firmware/sensor.ts, option `lifecycle`). */
export interface SensorLifecycle {
  readonly phase: LifecyclePhase;
  /** Advance the effective time, persist it when due, and announce a phase change. Returns the phase. */
  check(): LifecyclePhase;
  /** Called once per phase change (after the tombstone is written, for `expired`). Returns an unsubscribe function. */
  onPhase(listener: (phase: LifecyclePhase, previous: LifecyclePhase) => void): () => void;
}

export interface LifecycleOptions {
  sensorId: string;
  /** YYYY-MM-DD, compiled into the bundle. */
  expiresAt: string;
  /** Bundle build time, ms, compiled into the bundle. */
  builtAtMs: number;
  /** The system clock (wall + monotonic). */
  clock: Clock;
  store: LifecycleStore;
  logger?: Logger;
  /** How often the high-water mark is written while running, in monotonic ms (default 60 000). */
  persistEveryMs?: number;
}

/** The data directory holds another sensor's lifecycle or tombstone. */
export class DataDirMismatch extends Error {
  constructor(readonly expected: string, readonly found: string) {
    super(`this data directory belongs to sensor '${found}', not '${expected}': a bundle swapped for another sensor's is refused`);
    this.name = 'DataDirMismatch';
  }
}

/** The compiled-in identity itself is unacceptable (expiry not a date, or more than 2 years after the build). */
export class LifecycleRefused extends Error {
  override name = 'LifecycleRefused';
}

export const EXPIRED_REASON = 'expiry date passed; the sensor has stopped for good';

export class Lifecycle implements SensorLifecycle {
  /** The effective time as a Clock (monotonic passes through): give it to the sensor, so its windows never go back. */
  readonly clock: Clock;
  readonly sensorId: string;
  readonly expiresAt: string;
  /** True when a tombstone was found at start. */
  readonly tombstoned: boolean;
  /** The phase found at start, before anything ran. */
  readonly phaseAtStart: LifecyclePhase;
  private high: number;
  private lastMono: number;
  private lastPersistMono: number;
  private current: LifecyclePhase;
  private readonly listeners = new Set<(phase: LifecyclePhase, previous: LifecyclePhase) => void>();
  private readonly log: Logger;
  private readonly persistEveryMs: number;

  constructor(private readonly opts: LifecycleOptions) {
    this.sensorId = opts.sensorId;
    this.expiresAt = opts.expiresAt;
    this.log = (opts.logger ?? silentLogger()).child({ module: 'lifecycle' });
    this.persistEveryMs = opts.persistEveryMs ?? 60_000;
    try {
      expiryEndMs(opts.expiresAt);
    } catch (err) {
      throw new LifecycleRefused((err as Error).message);
    }
    if (!Number.isFinite(opts.builtAtMs)) throw new LifecycleRefused('the bundle has no valid build time');
    if (!expiryWithinBound(opts.expiresAt, opts.builtAtMs)) throw new LifecycleRefused(`expiry ${opts.expiresAt} is more than 2 years after the bundle was built; provision a new bundle`);

    const { record, tombstone, fresh } = opts.store.load();
    for (const owner of [record?.sensor, tombstone?.sensor]) {
      if (owner && owner !== opts.sensorId) throw new DataDirMismatch(opts.sensorId, owner);
    }
    // A first start has no high-water mark yet: nothing is wrong. One that exists but cannot be read is worth a warning.
    if (record === null && fresh) this.log.info('first start in this data directory: the time high-water mark starts at the bundle build time');
    else if (record === null || record.highWaterMs === null) this.log.warn('no readable time high-water mark in the data directory; starting from the bundle build time');

    this.tombstoned = tombstone !== null;
    this.high = Math.max(opts.builtAtMs, record?.highWaterMs ?? -Infinity, tombstone?.at ?? -Infinity, opts.clock.now());
    this.lastMono = opts.clock.monotonic();
    this.lastPersistMono = this.lastMono;
    this.current = this.tombstoned ? 'expired' : phaseAt(this.high, opts.expiresAt);
    this.phaseAtStart = this.current;
    this.clock = { now: () => this.now(), monotonic: () => opts.clock.monotonic() };
    this.persist();
    if (this.current === 'expired' && !this.tombstoned) this.writeTombstone();
  }

  get phase(): LifecyclePhase {
    return this.current;
  }

  /** Effective time, ms: only ever moves forward. */
  now(): number {
    const mono = this.opts.clock.monotonic();
    this.high = Math.max(this.high + Math.max(0, mono - this.lastMono), this.opts.clock.now());
    this.lastMono = mono;
    return this.high;
  }

  check(): LifecyclePhase {
    const now = this.now();
    const previous = this.current;
    const next = previous === 'expired' ? 'expired' : phaseAt(now, this.expiresAt);
    if (next === previous) {
      if (this.opts.clock.monotonic() - this.lastPersistMono >= this.persistEveryMs) this.persist();
      return next;
    }
    this.current = next;
    this.log.info({ phase: next, previous, expiresAt: this.expiresAt }, 'lifecycle phase');
    this.persist();
    if (next === 'expired') this.writeTombstone();
    for (const listener of [...this.listeners]) {
      try {
        listener(next, previous);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'lifecycle listener failed');
      }
    }
    return next;
  }

  onPhase(listener: (phase: LifecyclePhase, previous: LifecyclePhase) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Write the high-water mark now (also called at stop). Never throws: a full disk must not stop the expiry. */
  persist(): void {
    this.lastPersistMono = this.opts.clock.monotonic();
    try {
      this.opts.store.saveHighWater(this.sensorId, this.high);
    } catch (err) {
      this.log.error(describeFsError(err, 'cannot write the time high-water mark'));
    }
  }

  private writeTombstone(): void {
    try {
      this.opts.store.saveTombstone({ sensor: this.sensorId, expiresAt: this.expiresAt, at: this.high });
    } catch (err) {
      this.log.error(describeFsError(err, 'cannot write the tombstone (the sensor stays stopped while it runs)'));
    }
  }
}

export interface LifecycleInspection {
  effectiveMs: number;
  phase: LifecyclePhase;
  tombstoned: boolean;
  highWaterMs: number | null;
  /** The sensor the data directory belongs to, if it says. */
  owner: string | null;
}

/** What a Lifecycle would find at start, without writing anything (for `drukte doctor`). */
export function inspectLifecycle(store: LifecycleStore, expiresAt: string, builtAtMs: number, wallMs: number): LifecycleInspection {
  const { record, tombstone } = store.load();
  const highWaterMs = record?.highWaterMs ?? null;
  const effectiveMs = Math.max(builtAtMs, highWaterMs ?? -Infinity, tombstone?.at ?? -Infinity, wallMs);
  return {
    effectiveMs,
    phase: tombstone ? 'expired' : phaseAt(effectiveMs, expiresAt),
    tombstoned: tombstone !== null,
    highWaterMs,
    owner: record?.sensor ?? tombstone?.sensor ?? null,
  };
}
