/**
 * Expiry by the gateway's own clock (issue 9, item 4). At the end of a sensor's expiry day (UTC, the register's
 * `expiresAt`) the gateway closes that sensor's live MQTT sessions itself: refusing new logins is not enough, a
 * session opened before the boundary would otherwise stay open after it. Ingest independently refuses whatever
 * arrives after the boundary by its time of receipt, so a message already in flight reaches nothing either.
 *
 * One timer for the next boundary (at most MAX_DELAY_MS ahead, so a wall-clock jump is caught within that time);
 * when it fires, every sensor whose boundary has passed is closed once, then the next boundary is scheduled.
 * Call refresh() after the register changed (a sensor registered or its expiry updated).
 */
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { TimerHandle, Timers } from '../../shared/timers.ts';
import { expiryEndSeconds, type SensorRegister } from '../register.ts';

/** Longest single wait; the watch re-reads the clock at least this often. */
export const MAX_DELAY_MS = 3_600_000;

export interface ExpiryWatchOptions {
  register: SensorRegister;
  clock: Clock;
  timers: Timers;
  /** Close the live sessions of a sensor; returns how many were closed. */
  closeSessions(sensorId: string): number;
  logger: Logger;
}

export class ExpiryWatch {
  private timer: TimerHandle | null = null;
  private running = false;
  /** Sensors whose boundary has been acted on (their sessions closed once at the boundary). */
  private readonly done = new Set<string>();
  private readonly log: Logger;

  constructor(private readonly o: ExpiryWatchOptions) {
    this.log = o.logger.child({ module: 'expiry-watch' });
  }

  start(): void {
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.o.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Re-plan after a register change. */
  refresh(): void {
    if (this.running) this.tick();
  }

  private tick(): void {
    this.o.timers.clearTimeout(this.timer);
    this.timer = null;
    const now = this.o.clock.now();
    let next = Infinity;
    for (const r of this.o.register.records()) {
      if (r.lifecycle === 'retired') continue;
      const end = expiryEndSeconds(r.info) * 1000;
      if (now >= end) {
        if (this.done.has(r.info.id)) continue;
        this.done.add(r.info.id);
        const closed = this.o.closeSessions(r.info.id);
        this.log.warn({ sensor: r.info.id, expiresAt: r.info.expiresAt, closed }, 'sensor expired by the gateway clock: live sessions closed, new logins and data refused');
      } else {
        this.done.delete(r.info.id); // an updated (later) expiry
        next = Math.min(next, end);
      }
    }
    if (!this.running) return;
    const delay = Number.isFinite(next) ? Math.min(MAX_DELAY_MS, next - now) : MAX_DELAY_MS;
    this.timer = this.o.timers.setTimeout(() => this.tick(), Math.max(0, delay));
  }
}
