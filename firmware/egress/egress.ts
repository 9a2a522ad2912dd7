/**
 * Egress: the only way data leaves the sensor.
 *
 * Guard (a), compile time: `publish` is typed by the contract map SensorPayloads, so only an Aggregate or a Status
 *   can be handed to it; publishing anything else does not compile.
 * Guard (b), run time: every payload goes through encodeSensorPayload (shared/codec.ts), which validates it against
 *   the allow-list (exactly the contract keys, types and ranges) and refuses anything else.
 *
 * Aggregates: numbered (persisted seq), encoded, written to the persisted queue, then published with QoS 1 and
 * removed from the queue on PUBACK. Status: QoS 1, retained; the MQTT last will is a retained Status "offline".
 *
 * Connection: reconnect for ever after ANY failure — unreachable broker, TLS error, a CONNACK that refuses the login
 * (mqtt.js by itself stops after a refused CONNACK unless `reconnectOnConnackError` is set; we run our own schedule
 * instead, so mqtt.js' `reconnectPeriod` is 0). The delay before attempt n+1 uses "decorrelated jitter":
 *   delay = min(maxMs, initialMs + random · (3 · previous − initialMs)),  previous starts at initialMs,
 * reset to initialMs after a successful connection. So a fleet of sensors that lost the gateway at the same moment
 * does not come back in lock-step, and no sensor waits longer than maxMs (default 30 s) between attempts.
 * `link` says truthfully what happened last: connected; refused (with the CONNACK code and its meaning);
 * unreachable (with the socket error); tls-error (with the certificate problem); closed by the broker.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { systemTimers, type TimerHandle, type Timers } from '../../shared/timers.ts';
import type { Logger } from '../../shared/log.ts';
import { encodeSensorPayload } from '../../shared/codec.ts';
import type { Aggregate, SensorPayloadKind, SensorPayloads, Status } from '../../shared/payloads.ts';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import type { WindowResult } from '../minimiser/minimiser.ts';
import { describeFsError } from './atomic-file.ts';
import type { PersistentQueue } from './queue.ts';
import type { SeqSource } from './seq-store.ts';

export interface EgressOptions {
  sensorId: string;
  brokerUrl: string;
  username?: string;
  password?: string;
  /** The Status published as last will (state is forced to "offline"). */
  willStatus: Status;
  seq: SeqSource;
  queue: PersistentQueue;
  logger: Logger;
  /** Reconnect delays: first (and minimum) delay, ms (default 1000), and the longest delay, ms (default 30000). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Timers for the reconnect schedule (default: the real ones) and the jitter's random source in [0, 1). */
  timers?: Timers;
  random?: () => number;
  /** Extra mqtt.js options (TLS material). */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean };
}

export type LinkState = 'connecting' | 'connected' | 'refused' | 'unreachable' | 'tls-error' | 'closed' | 'stopped';

/** What the connection to the broker is doing, truthfully (for logs, `RunningSensor.egress.link` and tests). */
export interface LinkStatus {
  state: LinkState;
  /** One line: what happened (e.g. "refused by the broker: code 4, bad username or password"). */
  detail: string;
  /** CONNACK return code when refused. */
  code?: number;
  /** Failed attempts since the last successful connection. */
  failures: number;
  /** Delay of the scheduled next attempt, ms; null when none is scheduled. */
  retryInMs: number | null;
}

/** MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2.3]. */
const CONNACK_MEANING: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad username or password (or too many failed logins)',
  5: 'not authorized (unknown, retired or expired sensor, or rate-limited)',
};

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH|EPROTO$)/;

/** Classify a connection error: a refused login, a TLS problem, or a broker that cannot be reached. */
export function classifyLinkError(err: Error & { code?: unknown }): Pick<LinkStatus, 'state' | 'detail' | 'code'> {
  if (typeof err.code === 'number') {
    return { state: 'refused', code: err.code, detail: `refused by the broker: code ${err.code}, ${CONNACK_MEANING[err.code] ?? 'unknown reason'}` };
  }
  const code = typeof err.code === 'string' ? err.code : '';
  if (TLS_CODES.test(code) || /certificate|tls|ssl/i.test(err.message)) return { state: 'tls-error', detail: `TLS error: ${code || err.message}; check the gateway's certificate and the CA file` };
  return { state: 'unreachable', detail: `broker unreachable: ${code || err.message}` };
}

export const DEFAULT_RECONNECT = { initialMs: 1000, maxMs: 30_000 };
/** How long an attempt waits for the CONNACK before it counts as failed (mqtt.js connectTimeout). */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Decorrelated jitter (see the file comment): the delay before the next attempt from the previous delay (initialMs
 * after a success) and a random number in [0, 1). Exported for the fleet benchmark's reconnect storm.
 */
export function decorrelatedJitter(previousMs: number, backoff: { initialMs: number; maxMs: number }, random: number): number {
  const { initialMs, maxMs } = backoff;
  const span = Math.max(0, 3 * previousMs - initialMs);
  return Math.min(maxMs, Math.round(initialMs + random * span));
}

export class Egress {
  private client: MqttClient | null = null;
  private readonly inFlight = new Set<number>();
  private lastStatus: Status | null = null;
  private stopped = false;
  private retryTimer: TimerHandle | null = null;
  private previousDelay: number;
  private attemptError: (Error & { code?: unknown }) | null = null;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private linkStatus: LinkStatus = { state: 'connecting', detail: 'connecting', failures: 0, retryInMs: null };
  readonly stats = { published: 0, acked: 0, refused: 0, connects: 0, failedAttempts: 0 };

  constructor(private readonly opts: EgressOptions) {
    this.timers = opts.timers ?? systemTimers;
    this.random = opts.random ?? Math.random;
    this.backoff = { ...DEFAULT_RECONNECT, ...opts.reconnect };
    if (!(this.backoff.initialMs > 0 && this.backoff.maxMs >= this.backoff.initialMs)) throw new RangeError('reconnect: need 0 < initialMs ≤ maxMs');
    this.previousDelay = this.backoff.initialMs;
  }

  /** The connection's state and what happened last. */
  get link(): LinkStatus {
    return { ...this.linkStatus };
  }

  /** Delay before the next attempt: decorrelated jitter (see the file comment). */
  nextDelay(): number {
    const delay = decorrelatedJitter(this.previousDelay, this.backoff, this.random());
    this.previousDelay = delay;
    return delay;
  }

  start(): void {
    const o = this.opts;
    const will = encodeSensorPayload('status', { ...o.willStatus, state: 'offline' });
    const client = mqtt.connect(o.brokerUrl, {
      clientId: `sensor-${o.sensorId}`,
      username: o.username,
      password: o.password,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 0, // our own schedule (backoff with jitter), after every kind of failure
      connectTimeout: CONNECT_TIMEOUT_MS,
      will: { topic: statusTopic(o.sensorId), payload: will, qos: 1, retain: true },
      ...(o.tls ?? {}),
    });
    this.client = client;
    client.on('connect', () => {
      this.stats.connects++;
      this.previousDelay = this.backoff.initialMs;
      this.attemptError = null;
      this.linkStatus = { state: 'connected', detail: `connected to ${redactUrl(o.brokerUrl)}`, failures: 0, retryInMs: null };
      o.logger.info({ broker: redactUrl(o.brokerUrl) }, 'connected to broker');
      this.inFlight.clear();
      if (this.lastStatus) this.send('status', this.lastStatus);
      this.drain();
    });
    client.on('error', (err) => {
      this.attemptError = err as Error & { code?: unknown };
    });
    client.on('close', () => this.onClose());
  }

  /** The connection ended or an attempt failed: say what happened, then schedule the next attempt. */
  private onClose(): void {
    if (this.stopped || this.retryTimer) return;
    // The queue on disk is the store of record: what was in flight is failed here and re-sent from the queue after
    // the reconnect (mqtt.js would otherwise keep it in its own store, re-send it too, and make end() wait for it).
    const client = this.client;
    if (client) for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    const wasConnected = this.linkStatus.state === 'connected';
    const err = this.attemptError;
    this.attemptError = null;
    const what = err ? classifyLinkError(err)
      : wasConnected ? { state: 'closed' as const, detail: 'connection closed by the broker' }
        : { state: 'unreachable' as const, detail: 'broker unreachable: no answer to CONNECT' };
    const failures = wasConnected ? 0 : this.linkStatus.failures + 1;
    if (!wasConnected) this.stats.failedAttempts++;
    const delay = this.nextDelay();
    this.linkStatus = { ...what, failures, retryInMs: delay };
    this.opts.logger.warn({ link: what.state, ...(what.code !== undefined ? { code: what.code } : {}), retryInMs: delay, failures, queued: this.queued },
      `${what.detail}; retrying in ${(delay / 1000).toFixed(1)} s (aggregates stay queued on disk)`);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (this.stopped || !this.client) return;
      this.linkStatus = { ...this.linkStatus, retryInMs: null };
      this.client.reconnect();
    }, delay);
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Typed by the contract: the only two things a sensor can publish. */
  private send<K extends SensorPayloadKind>(kind: K, payload: SensorPayloads[K], onAck?: () => void): void {
    const bytes = encodeSensorPayload(kind, payload); // guard (b): throws on anything but a contract payload
    const topic = kind === 'aggregate' ? aggregateTopic(this.opts.sensorId) : statusTopic(this.opts.sensorId);
    this.client?.publish(topic, bytes, { qos: 1, retain: kind === 'status' }, (err) => {
      if (!err) onAck?.();
    });
  }

  /** Publish (retained) the sensor's status. Kept and re-sent on every reconnect. */
  publishStatus(status: Status): void {
    try {
      encodeSensorPayload('status', status); // refuse before remembering it for re-sends
    } catch (err) {
      this.stats.refused++;
      this.opts.logger.error({ err: (err as Error).message }, 'status refused by the egress allow-list; not published');
      return;
    }
    this.lastStatus = status;
    if (this.connected) this.send('status', status);
  }

  /** Number, persist and publish one window's result. Returns the Aggregate, or null if it was refused. */
  publishAggregate(result: WindowResult): Aggregate | null {
    // Guard (b) first, with a provisional seq, so a refused result does not use up a sequence number.
    try {
      encodeSensorPayload('aggregate', buildAggregate(this.opts.sensorId, 1, result));
    } catch (err) {
      this.stats.refused++;
      this.opts.logger.error({ err: (err as Error).message }, 'aggregate refused by the egress allow-list; not published');
      return null;
    }
    let seq: number;
    try {
      seq = this.opts.seq.next();
    } catch (err) {
      this.opts.logger.error(describeFsError(err, 'cannot persist the sequence number'));
      return null;
    }
    const aggregate = buildAggregate(this.opts.sensorId, seq, result);
    const bytes = encodeSensorPayload('aggregate', aggregate);
    this.opts.queue.push(seq, bytes);
    this.drain();
    return aggregate;
  }

  /** Send every queued aggregate that is not already in flight, oldest first. */
  private drain(): void {
    const client = this.client;
    if (!client?.connected) return;
    for (const { seq, bytes } of this.opts.queue.ordered()) {
      if (this.inFlight.has(seq)) continue;
      this.inFlight.add(seq);
      this.stats.published++;
      client.publish(aggregateTopic(this.opts.sensorId), bytes, { qos: 1, retain: false }, (err) => {
        this.inFlight.delete(seq);
        if (err) return; // stays queued; re-sent after reconnect
        this.stats.acked++;
        this.opts.queue.remove(seq);
      });
    }
  }

  get queued(): number {
    return this.opts.queue.size;
  }

  /** Publish a final status (if given), wait briefly for it, then disconnect. */
  async stop(finalStatus?: Status): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.linkStatus = { ...this.linkStatus, state: 'stopped', detail: 'stopped', retryInMs: null };
    const client = this.client;
    if (!client) return;
    if (finalStatus && client.connected) {
      this.lastStatus = finalStatus;
      await new Promise<void>((resolve) => {
        const t = this.timers.setTimeout(resolve, 2000);
        this.send('status', finalStatus, () => {
          this.timers.clearTimeout(t);
          resolve();
        });
      });
    }
    // Not connected (between attempts): nothing to flush, and a graceful end would wait for a connection.
    await new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve()));
  }
}

/** The one place an Aggregate is assembled: the window result plus protocol version, sensor id and sequence. */
export function buildAggregate(sensorId: string, seq: number, result: WindowResult): Aggregate {
  return { v: 1, sensor: sensorId, seq, from: result.from, to: result.to, level: result.level, count: result.count };
}

/** A broker URL without credentials, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
