/**
 * Optional push of the NGSI-LD entities (ngsi-ld.ts) to a context broker (Orion-LD, Scorpio, Stellio…): after every
 * accepted aggregate, the sensor's entity and its area's entity go to the broker with a batch upsert
 * (POST {broker}/ngsi-ld/v1/entityOperations/upsert, ETSI GS CIM 009 clause 5.6.8; normalized form, @context in
 * the body, Content-Type application/ld+json).
 *
 * A broker that is down or refuses costs nothing: the latest entity per id waits (one per sensor and area, so the
 * queue is bounded by the register), and goes with the next push or the retry after `retryMs`. Only the latest
 * state matters to a context broker, so a newer entity replaces a waiting one. Logs carry the status and the
 * count, never the broker's credentials or answer body.
 */
import type { Logger } from '../../shared/log.ts';
import { systemTimers, type Timers } from '../../shared/timers.ts';
import type { AreaFeed } from '../ingest/areas.ts';
import type { Ingest } from '../ingest/ingest.ts';
import { areaEntity, CONTEXT, normalize, sensorEntity, type KeyValues } from './ngsi-ld.ts';
import type { SensorRegister } from '../register.ts';

/** The part of shared/timers.ts `Timers` the retries use. */
export type RetryTimers = Pick<Timers, 'setTimeout' | 'clearTimeout'>;

// A pending retry must not keep the process alive: the real timer is unref'd.
const realRetryTimers: RetryTimers = {
  setTimeout: (fn, ms) => (systemTimers.setTimeout(fn, ms) as NodeJS.Timeout).unref(),
  clearTimeout: systemTimers.clearTimeout,
};

export interface NgsiLdPushOptions {
  /** The context broker's base URL, e.g. http://orion:1026 (the path /ngsi-ld/v1/… is added). */
  brokerUrl: string;
  /** Optional NGSILD-Tenant header. */
  tenant?: string;
  register: SensorRegister;
  ingest: Ingest;
  areas: AreaFeed;
  logger: Logger;
  /** Retry timer (tests inject their own). */
  timers?: RetryTimers;
  /** Retry after a failure, ms (default 30 s). */
  retryMs?: number;
  /** Per request, ms (default 10 s). */
  timeoutMs?: number;
}

export interface NgsiLdPushStats {
  pushed: number;
  failed: number;
  waiting: number;
  lastError: string | null;
}

export class NgsiLdPush {
  private readonly waiting = new Map<string, KeyValues>();
  private readonly log: Logger;
  private readonly endpoint: string;
  private unsubscribe: (() => void) | null = null;
  private inFlight: Promise<void> | null = null;
  private retry: unknown = null;
  private stopped = false;
  private readonly timers: RetryTimers;
  private readonly counters = { pushed: 0, failed: 0, lastError: null as string | null };

  constructor(private readonly opts: NgsiLdPushOptions) {
    this.log = opts.logger.child({ module: 'ngsi-ld' });
    this.timers = opts.timers ?? realRetryTimers;
    const base = new URL(opts.brokerUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`NGSI-LD broker URL must be http(s): ${base.protocol}`);
    if (base.username || base.password) throw new Error('NGSI-LD broker URL must not hold credentials');
    this.endpoint = new URL('ngsi-ld/v1/entityOperations/upsert', base.href.endsWith('/') ? base.href : `${base.href}/`).href;
  }

  start(): void {
    this.unsubscribe = this.opts.ingest.onEvent((e) => {
      if (e.type !== 'aggregate') return;
      const info = this.opts.register.get(e.sensorId);
      if (!info) return;
      const entities = [sensorEntity(info, e.aggregate)];
      const density = info.areaId ? this.opts.areas.current(info.areaId) : null;
      if (density) entities.push(areaEntity(density, this.opts.register.list().filter((s) => s.areaId === info.areaId)));
      for (const entity of entities) this.waiting.set(entity.id, entity);
      void this.flush();
    });
  }

  /** Send what waits (one request at a time). Resolves when this round is done; never throws. */
  flush(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.inFlight) return this.inFlight.then(() => (this.waiting.size ? this.flush() : undefined));
    if (!this.waiting.size) return Promise.resolve();
    const batch = [...this.waiting.values()];
    this.waiting.clear();
    this.inFlight = this.send(batch).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async send(batch: KeyValues[]): Promise<void> {
    const body = JSON.stringify(batch.map((e) => ({ ...normalize(e), '@context': CONTEXT })));
    try {
      const res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/ld+json', ...(this.opts.tenant ? { 'NGSILD-Tenant': this.opts.tenant } : {}) },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      // 201 created, 204 updated (clause 5.6.8.4); 207 = some entities failed.
      if (res.status !== 201 && res.status !== 204) throw new Error(`the context broker answered HTTP ${res.status}`);
      this.counters.pushed += batch.length;
      this.counters.lastError = null;
    } catch (err) {
      this.counters.failed++;
      this.counters.lastError = (err as Error).message;
      // Keep what did not get there unless something newer for the same entity is already waiting.
      for (const e of batch) if (!this.waiting.has(e.id)) this.waiting.set(e.id, e);
      this.log.warn({ err: (err as Error).message, entities: batch.length }, 'NGSI-LD push failed; will retry');
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.retry !== null || this.stopped) return;
    this.retry = this.timers.setTimeout(() => {
      this.retry = null;
      void this.flush();
    }, this.opts.retryMs ?? 30_000);
  }

  stats(): NgsiLdPushStats {
    return { ...this.counters, waiting: this.waiting.size };
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.stopped = true;
    if (this.retry !== null) this.timers.clearTimeout(this.retry);
    this.retry = null;
    await this.inFlight?.catch(() => undefined);
  }
}
