/**
 * Ingest: the second, independent check on everything that reaches the gateway on a sensor topic, then the
 * latest state per sensor and events for the live displays.
 *
 *   broker ─► handle(topic, bytes) ─► topic ─► decode+validate ─► sensor = topic ─► registered ─► not expired
 *             ─► not from the future ─► seq newer than the last ─► latest state ─► events (SSE)
 *
 * The broker policy already refuses malformed payloads; ingest checks again because messages can also arrive by
 * other paths (broker-internal publishes, an external broker later) and because policies change. Whatever comes
 * in, handle() never throws, and logs carry reasons only, never payload bytes.
 */
import type { Clock } from '../shared/clock.ts';
import { decodeSensorPayload } from '../shared/codec.ts';
import type { Logger } from '../shared/log.ts';
import { AGGREGATE_KEYS, type Aggregate, type Status } from '../shared/payloads.ts';
import { parseSensorTopic, SENSOR_AGGREGATE_FILTER, SENSOR_STATUS_FILTER } from '../shared/topics.ts';
import type { MessageSource } from './broker.ts';
import { classifyPayloadErrors, ReasonCounter, type RejectionReason } from './reasons.ts';
import { expiryEndSeconds, type SensorRegister } from './register.ts';

/** How far a window may end after the gateway's clock (sensor clocks drift a little). */
export const FUTURE_TOLERANCE_SECONDS = 300;

export type IngestEvent = { type: 'aggregate'; sensorId: string; aggregate: Aggregate } | { type: 'status'; sensorId: string; status: Status };
export type IngestListener = (event: IngestEvent) => void;
export type IngestResult = { ok: true } | { ok: false; reason: RejectionReason };

export interface SensorSnapshot {
  aggregate: Aggregate | null;
  status: Status | null;
  /** Gateway time (ms) of the last accepted message, or null. */
  receivedAt: number | null;
}

export interface IngestStats {
  accepted: { aggregate: number; status: number };
  rejected: Record<string, number>;
  rejectedTotal: number;
}

export interface IngestOptions {
  register: SensorRegister;
  clock: Clock;
  logger: Logger;
}

/** A copy with exactly the 7 contract keys, in contract order. */
export function pickAggregate(a: Aggregate): Aggregate {
  const out: Record<string, unknown> = {};
  for (const key of AGGREGATE_KEYS) out[key] = a[key];
  return out as unknown as Aggregate;
}

export class Ingest {
  private readonly state = new Map<string, SensorSnapshot>();
  private readonly listeners = new Set<IngestListener>();
  private readonly rejected = new ReasonCounter<RejectionReason>();
  private readonly accepted = { aggregate: 0, status: 0 };
  private readonly log: Logger;
  private unsubscribers: Array<() => Promise<void>> = [];

  constructor(private readonly opts: IngestOptions) {
    this.log = opts.logger.child({ module: 'ingest' });
  }

  /** Receive the sensor topics from a broker. */
  async attach(source: MessageSource): Promise<void> {
    for (const filter of [SENSOR_STATUS_FILTER, SENSOR_AGGREGATE_FILTER]) {
      this.unsubscribers.push(await source.subscribe(filter, (m) => this.handle(m.topic, m.payload)));
    }
  }

  async detach(): Promise<void> {
    const subs = this.unsubscribers;
    this.unsubscribers = [];
    await Promise.all(subs.map((unsubscribe) => unsubscribe()));
  }

  /** Check one message and, if it passes, make it the sensor's latest state. Never throws. */
  handle(topic: string, payload: Uint8Array): IngestResult {
    let result: IngestResult;
    try {
      result = this.check(topic, payload);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'ingest failed on a message'); // a bug, not bad input
      result = { ok: false, reason: 'internal-error' };
    }
    if (!result.ok) {
      this.rejected.add(result.reason);
      const parsed = parseSensorTopic(topic);
      const level = result.reason === 'duplicate' ? 'debug' : 'warn';
      this.log[level]({ reason: result.reason, sensor: parsed?.sensorId ?? '(unparseable topic)', kind: parsed?.kind, size: payload.length }, 'message rejected');
    }
    return result;
  }

  private check(topic: string, payload: Uint8Array): IngestResult {
    const parsed = parseSensorTopic(topic);
    if (!parsed) return { ok: false, reason: 'bad-topic' };
    const { sensorId, kind } = parsed;
    const decoded = decodeSensorPayload(kind, payload);
    if (!decoded.ok) return { ok: false, reason: classifyPayloadErrors(decoded.errors) };
    if (decoded.value.sensor !== sensorId) return { ok: false, reason: 'sensor-mismatch' };
    const info = this.opts.register.get(sensorId);
    if (!info) return { ok: false, reason: 'unknown-sensor' };
    const state = this.state.get(sensorId) ?? { aggregate: null, status: null, receivedAt: null };

    if (kind === 'status') {
      // Statuses are not ordered by `since`: the last will (offline) was composed at connect time.
      const status = decoded.value as Status;
      this.commit(sensorId, { ...state, status: { ...status }, receivedAt: this.opts.clock.now() });
      this.accepted.status++;
      this.emit({ type: 'status', sensorId, status: { ...status } });
      return { ok: true };
    }

    const aggregate = pickAggregate(decoded.value as Aggregate);
    if (aggregate.from >= expiryEndSeconds(info)) return { ok: false, reason: 'sensor-expired' };
    if (aggregate.to > this.opts.clock.now() / 1000 + FUTURE_TOLERANCE_SECONDS) return { ok: false, reason: 'future-window' };
    const last = state.aggregate?.seq;
    // seq is +1 per aggregate and survives restarts; QoS 1 redelivers, so equal = duplicate, lower = stale.
    if (last !== undefined && aggregate.seq === last) return { ok: false, reason: 'duplicate' };
    if (last !== undefined && aggregate.seq < last) return { ok: false, reason: 'stale-seq' };
    this.commit(sensorId, { ...state, aggregate, receivedAt: this.opts.clock.now() });
    this.accepted.aggregate++;
    this.emit({ type: 'aggregate', sensorId, aggregate: pickAggregate(aggregate) });
    return { ok: true };
  }

  private commit(sensorId: string, next: SensorSnapshot): void {
    this.state.set(sensorId, next);
  }

  private emit(event: IngestEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'ingest listener failed');
      }
    }
  }

  /** Latest accepted state of a sensor (copies). */
  latest(sensorId: string): SensorSnapshot {
    const s = this.state.get(sensorId);
    if (!s) return { aggregate: null, status: null, receivedAt: null };
    return { aggregate: s.aggregate ? pickAggregate(s.aggregate) : null, status: s.status ? { ...s.status } : null, receivedAt: s.receivedAt };
  }

  /** Listen to accepted aggregates and statuses; returns the unsubscribe function. */
  onEvent(listener: IngestListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): IngestStats {
    return { accepted: { ...this.accepted }, rejected: this.rejected.snapshot(), rejectedTotal: this.rejected.total };
  }
}
