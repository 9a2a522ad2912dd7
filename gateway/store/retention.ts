/**
 * Retention per purpose (GDPR art. 5(1)(e), docs/SCALING.md): history older than its sensor's registered retention
 * (the manifest's retentionDays, default 400 days) is deleted, on both engines, by a job on the gateway's injected
 * clock and timers: once at start and then every `intervalMs`. The register page and GET /api/sensors state each
 * sensor's retention.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { TimerHandle, Timers } from '../../shared/timers.ts';
import type { PurgeResult } from './store.ts';

export const DEFAULT_RETENTION_INTERVAL_MS = 3_600_000;

export interface RetentionOptions {
  /** Delete what is older than the retention at `nowMs` (each engine; the PostgreSQL instance also its copy). */
  purge(nowMs: number): Promise<PurgeResult>;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  intervalMs?: number;
}

export class RetentionJob {
  private handle: TimerHandle | null = null;
  private running: Promise<PurgeResult | null> | null = null;
  readonly totals = { runs: 0, aggregates: 0, areaDensities: 0, failures: 0 };
  private readonly log: Logger;

  constructor(private readonly o: RetentionOptions) {
    this.log = o.logger.child({ module: 'retention' });
  }

  start(): void {
    void this.run();
    this.handle = this.o.timers.setInterval(() => void this.run(), this.o.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS);
  }

  /** One pass (never two at once); resolves with what it deleted, or null when it failed (logged, retried next time). */
  run(): Promise<PurgeResult | null> {
    this.running ??= this.o.purge(this.o.clock.now()).then(
      (r) => {
        this.totals.runs++;
        this.totals.aggregates += r.aggregates;
        this.totals.areaDensities += r.areaDensities;
        if (r.aggregates || r.areaDensities) this.log.info({ deleted: r }, 'history past its retention deleted');
        return r;
      },
      (err: unknown) => {
        this.totals.failures++;
        this.log.error({ err: (err as Error).message }, 'retention: could not delete old history; tried again at the next run');
        return null;
      },
    ).finally(() => (this.running = null));
    return this.running;
  }

  async stop(): Promise<void> {
    this.o.timers.clearInterval(this.handle);
    this.handle = null;
    await this.running;
  }
}
