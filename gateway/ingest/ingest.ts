/**
 * Ingest: the second, independent check on everything that reaches the gateway on a sensor topic, then the
 * latest state per sensor, the history (SQLite) and events for the live displays and the area densities.
 *
 *   broker ─► handle(topic, bytes, {qos}) ─► topic ─► decode+validate ─► sensor = topic ─► registered ─► not retired
 *             ─► identity matches ─► not suspended ─► not expired BY THE GATEWAY'S CLOCK (time of receipt)
 *             ─► QoS 1 ─► not from the future (clock skew ≤ 300 s)
 *             ─► window order: the window start is the dedupe key (same window, same content = a QoS 1
 *                redelivery, harmless; same window, other content / overlap / going back = violation)
 *             ─► registered rules (gateway/ingest/rules.ts: window length and grid, k, granularity, output, level)
 *             ─► seq only counts gaps; a jump larger than the windows elapsed is a violation ─► history, events
 *
 * A violation of the registered rules (the reasons in gateway/ingest/rules.ts) reaches nothing, is counted under its own
 * reason, raises an ALERT log line and SUSPENDS the sensor in the register (persisted): its aggregates are then
 * refused as `sensor-suspended` until an admin resumes it (POST /api/admin/sensors/{id}/resume, audited).
 *
 * The broker policy already refuses malformed payloads; ingest checks again because messages can also arrive by
 * other paths (broker-internal publishes, an external broker later) and because policies change. Whatever comes
 * in, handle() never throws, and logs carry reasons only, never payload bytes. A rejected message reaches
 * nothing: no feed, no display, no history.
 */
import type { Clock } from '../../shared/clock.ts';
import { decodeOnce, type Checked } from '../decode-once.ts';
import type { Logger } from '../../shared/log.ts';
import { AGGREGATE_KEYS, type Aggregate, type Status } from '../../shared/payloads.ts';
import { parseSensorTopic, SENSOR_AGGREGATE_FILTER, SENSOR_STATUS_FILTER } from '../../shared/topics.ts';
import type { BrokerMessage, MessageSource } from '../mqtt/broker.ts';
import { classifyPayloadErrors, ReasonCounter, type RejectionReason, type Violation } from '../reasons.ts';
import type { History } from '../store/history.ts';
import { checkRules, registeredRules } from './rules.ts';
import { expiryEndSeconds, type SensorInfo, type SensorRegister } from '../register.ts';

/** How far a window may end after the gateway's clock (sensor clocks drift a little): the stated clock skew. */
export const FUTURE_TOLERANCE_SECONDS = 300;
/** The longest window accepted: one day. */
export const MAX_WINDOW_SECONDS = 86_400;

/** What the transport knows about a message: the QoS it was published with (aggregates must be QoS 1). */
export interface MessageMeta {
  qos?: 0 | 1 | 2;
  /** The broker policy's decoded payload of this message, if it checked it (used only for the same bytes). */
  checked?: Checked;
}

export type IngestEvent = { type: 'aggregate'; sensorId: string; aggregate: Aggregate } | { type: 'status'; sensorId: string; status: Status };
export type IngestListener = (event: IngestEvent) => void;
export type IngestResult = { ok: true } | { ok: false; reason: RejectionReason };

export interface SensorSnapshot {
  aggregate: Aggregate | null;
  status: Status | null;
  /** Gateway time (ms) of the last accepted message, or null. */
  receivedAt: number | null;
}

/** Something about a sensor that a person at the municipality must look at (shown on its register page). */
export interface SensorAlert {
  reason: string;
  /** Gateway time, ms. */
  at: number;
}

type IdentityMismatch = 'bundle-mismatch' | 'minimiser-mismatch' | 'expiry-mismatch';

/**
 * Does a status match what was registered at provisioning? A different bundle or minimiser means the device runs
 * other code than the audited build; a different expiry means its compiled-in date was changed. Hashes are only
 * compared when the register holds them (sensors registered without a bundle, e.g. from a manifest directory).
 */
export function identityMismatch(info: SensorInfo, status: Status): IdentityMismatch | null {
  if (status.expiresAt !== info.expiresAt) return 'expiry-mismatch';
  if (info.bundleHash && status.bundle !== info.bundleHash) return 'bundle-mismatch';
  if (info.minimiserHash && status.minimiser !== info.minimiserHash) return 'minimiser-mismatch';
  return null;
}

export interface IngestStats {
  accepted: { aggregate: number; status: number };
  rejected: Record<string, number>;
  rejectedTotal: number;
  /** Sequence numbers skipped by sensors (lost aggregates), in total. */
  seqGaps: number;
}

export interface IngestOptions {
  register: SensorRegister;
  history: History;
  clock: Clock;
  logger: Logger;
  /** Told about every rejected message on a sensor topic (gateway/ingest/sensor-health.ts). */
  onRejected?(sensorId: string, reason: RejectionReason): void;
  /**
   * One of several gateway instances sharing the ingest (docs/SCALING.md): a sensor's windows are split between
   * them, so window order is checked against the windows THIS instance accepted since it started; a window another
   * instance stored is a duplicate at the store's key (sensor, window), not a violation here.
   */
  shared?: boolean;
}

/** A copy with exactly the 7 contract keys, in contract order. */
export function pickAggregate(a: Aggregate): Aggregate {
  const out: Record<string, unknown> = {};
  for (const key of AGGREGATE_KEYS) out[key] = a[key];
  return out as unknown as Aggregate;
}

export class Ingest {
  private readonly state = new Map<string, SensorSnapshot>();
  /** Shared ingest: the last window this instance accepted per sensor (what window order is checked against). */
  private readonly ownLast = new Map<string, Aggregate>();
  private readonly listeners = new Set<IngestListener>();
  private readonly rejected = new ReasonCounter<RejectionReason>();
  private readonly accepted = { aggregate: 0, status: 0 };
  private seqGaps = 0;
  /** Sensors whose last status did not match the register: their aggregates are refused. */
  private readonly mismatched = new Map<string, IdentityMismatch>();
  private readonly alerts = new Map<string, SensorAlert>();
  private readonly log: Logger;
  private unsubscribers: Array<() => Promise<void>> = [];

  constructor(private readonly opts: IngestOptions) {
    this.log = opts.logger.child({ module: 'ingest' });
    this.loadState();
    // A batch that could not be committed: the in-memory state assumed it was stored. Rebuild it from the store,
    // so the re-sent aggregates (their PUBACK was withheld) are taken as new, not as duplicates.
    opts.history.commits.onFailure(() => {
      this.state.clear();
      this.mismatched.clear();
      try {
        this.loadState();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'could not reload the latest state after a failed commit');
      }
    });
  }

  /** The latest state from before a restart: duplicates stay duplicates, displays are right at once. */
  private loadState(): void {
    const opts = this.opts;
    const statuses = opts.history.statuses();
    for (const [id, { aggregate, receivedAt }] of opts.history.latestAggregates()) this.state.set(id, { aggregate, status: null, receivedAt });
    for (const [id, { status, receivedAt }] of statuses) {
      const s = this.state.get(id);
      this.state.set(id, { aggregate: s?.aggregate ?? null, status, receivedAt: Math.max(s?.receivedAt ?? 0, receivedAt) });
      const info = opts.register.get(id);
      const mismatch = info ? identityMismatch(info, status) : null;
      if (mismatch) this.mismatched.set(id, mismatch);
    }
  }

  /**
   * Receive the sensor topics from a broker: before the PUBACK where the broker offers it (embedded broker), so an
   * acknowledged aggregate is already in the history; else as a subscriber.
   */
  async attach(source: MessageSource): Promise<void> {
    for (const filter of [SENSOR_STATUS_FILTER, SENSOR_AGGREGATE_FILTER]) {
      const handler = (m: BrokerMessage) => void this.handle(m.topic, m.payload, { qos: m.qos });
      if (source.intercept) {
        // Before the PUBACK: a message that could not be stored (full disk, damaged database) is not acknowledged.
        // Group commit: the PUBACK waits for the transaction that holds the message (or, for a refused message, for
        // the one holding whatever it was compared with: a duplicate of a queued aggregate is not acknowledged
        // before that aggregate is stored).
        const off = source.intercept(filter, (m) => {
          const r = this.handle(m.topic, m.payload, m.checked ? { qos: m.qos, checked: m.checked } : { qos: m.qos });
          if (!r.ok && r.reason === 'internal-error') throw new Error('ingest could not store the message');
          return this.opts.history.commits.pending() ?? undefined;
        });
        this.unsubscribers.push(async () => off());
      } else this.unsubscribers.push(await source.subscribe(filter, handler));
    }
  }

  async detach(): Promise<void> {
    const subs = this.unsubscribers;
    this.unsubscribers = [];
    await Promise.all(subs.map((unsubscribe) => unsubscribe()));
  }

  /** Check one message and, if it passes, make it the sensor's latest state. Never throws. */
  handle(topic: string, payload: Uint8Array, meta: MessageMeta = {}): IngestResult {
    let result: IngestResult;
    try {
      result = this.check(topic, payload, meta);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'ingest failed on a message'); // a bug, not bad input
      result = { ok: false, reason: 'internal-error' };
    }
    if (!result.ok) {
      this.rejected.add(result.reason);
      const parsed = parseSensorTopic(topic);
      const level = result.reason === 'duplicate' ? 'debug' : 'warn';
      this.log[level]({ reason: result.reason, sensor: parsed?.sensorId ?? '(unparseable topic)', kind: parsed?.kind, size: payload.length }, 'message rejected');
      if (parsed) this.opts.onRejected?.(parsed.sensorId, result.reason);
    }
    return result;
  }

  private check(topic: string, payload: Uint8Array, meta: MessageMeta): IngestResult {
    const parsed = parseSensorTopic(topic);
    if (!parsed) return { ok: false, reason: 'bad-topic' };
    const { sensorId, kind } = parsed;
    const decoded = decodeOnce(kind, payload, meta.checked);
    if (!decoded.ok) return { ok: false, reason: classifyPayloadErrors(decoded.errors) };
    if (decoded.value.sensor !== sensorId) return { ok: false, reason: 'sensor-mismatch' };
    const record = this.opts.register.view(sensorId);
    if (!record) return { ok: false, reason: 'unknown-sensor' };
    if (record.lifecycle === 'retired') return { ok: false, reason: 'sensor-retired' };
    const state = this.state.get(sensorId) ?? { aggregate: null, status: null, receivedAt: null };
    const now = this.opts.clock.now();

    if (kind === 'status') {
      // Statuses are not ordered by `since`: the last will (offline) was composed at connect time.
      const status = decoded.value as Status;
      // Kept and shown (the register page shows what the device reports next to what was registered), but a
      // mismatch quarantines the sensor: its aggregates are refused until a status matches the register again.
      const mismatch = identityMismatch(record.info, status);
      if (mismatch) {
        this.mismatched.set(sensorId, mismatch);
        this.raiseAlert(sensorId, mismatch);
      } else this.mismatched.delete(sensorId);
      void this.opts.history.setStatus(status, now);
      this.opts.register.markSeen(sensorId, now);
      this.state.set(sensorId, { ...state, status: { ...status }, receivedAt: now });
      this.accepted.status++;
      this.emit({ type: 'status', sensorId, status: { ...status } });
      return mismatch ? { ok: false, reason: mismatch } : { ok: true };
    }

    // One copy in contract order, frozen: the state, the history row and every listener share it.
    const aggregate = Object.freeze(pickAggregate(decoded.value as Aggregate));
    if (this.mismatched.has(sensorId)) return { ok: false, reason: 'identity-mismatch' };
    if (record.suspension) return { ok: false, reason: 'sensor-suspended' };
    // Expiry by the gateway's own clock: the time of receipt decides, not the window the sensor claims.
    const end = expiryEndSeconds(record.info);
    if (now / 1000 >= end || aggregate.to > end) return { ok: false, reason: 'sensor-expired' };
    if (meta.qos === 0) return this.violation(sensorId, 'qos0-aggregate');
    if (aggregate.to > now / 1000 + FUTURE_TOLERANCE_SECONDS) return { ok: false, reason: 'future-window' };

    // Window order. Within a sensor the window start is unique by contract: it is the dedupe key. Windows only move
    // forward, so a window starting at or after the end of the latest one cannot be stored yet: no look-up on that
    // (the usual) path. Only a window that does not move forward is looked up in the store.
    const last = this.opts.shared ? (this.ownLast.get(sensorId) ?? null) : state.aggregate;
    if (last && aggregate.from < last.to) {
      const stored = aggregate.from === last.from ? last : this.opts.history.aggregateAt(sensorId, aggregate.from);
      if (stored) {
        // The same aggregate again is a QoS 1 redelivery (or a resent queue after a crash): harmless, dropped.
        // Another aggregate for a window already stored is a forged repeat: a violation.
        const same = stored.to === aggregate.to && stored.level === aggregate.level && stored.count === aggregate.count;
        return same ? { ok: false, reason: 'duplicate' } : this.violation(sensorId, 'window-repeated');
      }
      return this.violation(sensorId, aggregate.from > last.from ? 'window-overlap' : 'window-back');
    }
    const broken = checkRules(record.info, aggregate);
    if (broken) return this.violation(sensorId, broken);
    // seq counts lost aggregates and nothing else. A sensor makes at most one aggregate per window, so a jump
    // larger than the windows elapsed cannot come from an honest counter (e.g. a forged 4294967295). A lower seq
    // is a counter that was reset (lost seq file): accepted, counting restarts from it.
    if (last && aggregate.seq > last.seq) {
      const missing = aggregate.seq - last.seq - 1;
      const possible = Math.floor((aggregate.from - last.from) / registeredRules(record.info).windowSeconds) - 1;
      if (missing > possible) return this.violation(sensorId, 'seq-jump');
      if (missing > 0) {
        this.seqGaps += missing;
        this.log.info({ sensor: sensorId, missing, after: last.seq }, 'sequence gap: aggregates lost');
      }
    } else if (last) this.log.info({ sensor: sensorId, seq: aggregate.seq, previous: last.seq }, 'sequence restarted (lost seq file?): gap counting restarts');
    void this.opts.history.addAggregate(aggregate, now); // queued: committed with its batch (see attach())
    this.opts.register.markSeen(sensorId, now);
    if (this.opts.shared) {
      this.ownLast.set(sensorId, aggregate);
      if (state.aggregate && state.aggregate.from > aggregate.from) return { ok: true }; // stored; the display has newer
    }
    this.state.set(sensorId, { ...state, aggregate, receivedAt: now });
    this.accepted.aggregate++;
    this.emit({ type: 'aggregate', sensorId, aggregate });
    return { ok: true };
  }

  /**
   * The sensor broke a registered rule: the message is refused (counted under its own reason) and the sensor is
   * suspended in the register until an admin resumes it. Raised by ingest and, for QoS 0 aggregates, by the broker.
   */
  violation(sensorId: string, reason: Violation): IngestResult {
    if (this.opts.register.suspend(sensorId, reason)) {
      this.raiseAlert(sensorId, reason);
      this.log.error({ sensor: sensorId, reason }, 'ALERT: sensor suspended: it broke its registered rules; its data reaches nothing until an admin resumes it');
    }
    return { ok: false, reason };
  }

  /**
   * Record an alert for a sensor: logged at error level and shown on its register page until a later alert
   * replaces it. Raised for identity mismatches and, by the broker policy, for publishes that failed the schema.
   */
  raiseAlert(sensorId: string, reason: string): void {
    this.alerts.set(sensorId, { reason, at: this.opts.clock.now() });
    this.log.error({ sensor: sensorId, reason }, 'ALERT: sensor needs attention');
  }

  alert(sensorId: string): SensorAlert | null {
    const a = this.alerts.get(sensorId);
    return a ? { ...a } : null;
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

  /**
   * An aggregate another gateway instance accepted and stored (gateway/store/pg-sync.ts): it becomes the sensor's
   * latest state here too when it is newer, and reaches this instance's displays, SSE streams and area feed.
   */
  adopt(aggregate: Aggregate, receivedAt: number): void {
    const state = this.state.get(aggregate.sensor) ?? { aggregate: null, status: null, receivedAt: null };
    if (state.aggregate && state.aggregate.from >= aggregate.from) return;
    const a = pickAggregate(aggregate);
    this.state.set(aggregate.sensor, { ...state, aggregate: a, receivedAt: Math.max(state.receivedAt ?? 0, receivedAt) });
    this.emit({ type: 'aggregate', sensorId: aggregate.sensor, aggregate: pickAggregate(a) });
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
    return { accepted: { ...this.accepted }, rejected: this.rejected.snapshot(), rejectedTotal: this.rejected.total, seqGaps: this.seqGaps };
  }
}
