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
 */
import mqtt, { type MqttClient } from 'mqtt';
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
  /** mqtt.js reconnect period, ms (default 2000). */
  reconnectMs?: number;
  /** Extra mqtt.js options (TLS material). */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean };
}

export class Egress {
  private client: MqttClient | null = null;
  private readonly inFlight = new Set<number>();
  private lastStatus: Status | null = null;
  private stopped = false;
  readonly stats = { published: 0, acked: 0, refused: 0 };

  constructor(private readonly opts: EgressOptions) {}

  start(): void {
    const o = this.opts;
    const will = encodeSensorPayload('status', { ...o.willStatus, state: 'offline' });
    this.client = mqtt.connect(o.brokerUrl, {
      clientId: `sensor-${o.sensorId}`,
      username: o.username,
      password: o.password,
      clean: true,
      keepalive: 30,
      reconnectPeriod: o.reconnectMs ?? 2000,
      connectTimeout: 10_000,
      will: { topic: statusTopic(o.sensorId), payload: will, qos: 1, retain: true },
      ...(o.tls ?? {}),
    });
    this.client.on('connect', () => {
      o.logger.info({ broker: redactUrl(o.brokerUrl) }, 'connected to broker');
      this.inFlight.clear();
      if (this.lastStatus) this.send('status', this.lastStatus);
      this.drain();
    });
    this.client.on('error', (err) => o.logger.warn({ err: err.message }, 'broker connection problem; retrying'));
    this.client.on('offline', () => o.logger.warn('broker unreachable; aggregates are queued on disk until it is back'));
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
    const client = this.client;
    if (!client) return;
    if (finalStatus && client.connected) {
      this.lastStatus = finalStatus;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        this.send('status', finalStatus, () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
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
