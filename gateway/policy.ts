/**
 * Broker policy: every decision about who may connect, publish and subscribe lives here, as aedes hooks that run
 * before any side effect (aedes lib/handlers/publish.js: authorizePublish precedes ack, retain store and delivery).
 *
 * Walking skeleton: anyone may connect and subscribe; publishing is limited to the two sensor topics, and a sensor
 * payload must decode and validate (shared/codec.ts) and name the sensor of its topic. Per-sensor credentials,
 * ACLs and TLS come in later issues and belong in this file too (`authenticate`, `authorizeSubscribe`).
 *
 * A refused PUBLISH closes the client's connection: MQTT 3.1.1 has no way to tell the client why
 * [MQTT-3.3.5-2], and aedes implements "close the Network Connection". The reason is counted and logged, the
 * payload never is.
 */
import type { AedesOptions, Client } from 'aedes';
import { decodeSensorPayload } from '../shared/codec.ts';
import type { Logger } from '../shared/log.ts';
import { parseSensorTopic } from '../shared/topics.ts';
import { classifyPayloadErrors, ReasonCounter, type RefusalReason } from './reasons.ts';

type Hook<K extends keyof AedesOptions> = NonNullable<AedesOptions[K]>;

export interface PolicyOptions {
  logger: Logger;
  /**
   * Whether a client is the gateway itself (may publish outside the sensor topics, e.g. area densities). Default:
   * only aedes' own publishes (client null: wills of vanished clients). Later: clients authenticated as internal.
   */
  isInternal?: (client: Client | null) => boolean;
}

export interface BrokerPolicy {
  authenticate: Hook<'authenticate'>;
  authorizePublish: Hook<'authorizePublish'>;
  authorizeSubscribe: Hook<'authorizeSubscribe'>;
  /** Refusals so far, per reason. */
  refused(): Record<string, number>;
  refusedTotal(): number;
}

export type PublishDecision = { ok: true } | { ok: false; reason: RefusalReason };

/**
 * The publish rule as a pure function (tested on its own): topic allow-list for clients, then, for the sensor
 * topics and whoever publishes, the payload contract.
 */
export function decidePublish(topic: string, payload: Uint8Array, retain: boolean, internal: boolean): PublishDecision {
  const parsed = parseSensorTopic(topic);
  if (!parsed) return internal && !topic.startsWith('$SYS') ? { ok: true } : { ok: false, reason: 'topic-not-allowed' };
  const decoded = decodeSensorPayload(parsed.kind, payload);
  if (!decoded.ok) return { ok: false, reason: classifyPayloadErrors(decoded.errors) };
  if (decoded.value.sensor !== parsed.sensorId) return { ok: false, reason: 'sensor-mismatch' };
  // Aggregates are QoS 1 and not retained (MQTT contract v1): a retained one would be replayed as if new.
  if (parsed.kind === 'aggregate' && retain) return { ok: false, reason: 'retained-aggregate' };
  return { ok: true };
}

/** Log-safe description of a topic: sensor topics as they are, anything else only by its shape. */
function describeTopic(topic: string): string {
  return parseSensorTopic(topic) ? topic : `(other topic, ${topic.split('/').length} levels)`;
}

/** Log-safe client id: ids are chosen by clients, so only short plain ones are shown. */
function describeClient(client: Client | null): string {
  if (!client) return '(broker)';
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(client.id) ? client.id : '(unprintable id)';
}

export function createPolicy(opts: PolicyOptions): BrokerPolicy {
  const log = opts.logger.child({ module: 'policy' });
  const isInternal = opts.isInternal ?? ((client: Client | null) => client === null);
  const counter = new ReasonCounter<RefusalReason>();

  return {
    authenticate(_client, _username, _password, done) {
      done(null, true); // per-sensor credentials: later issue
    },

    authorizePublish(client, packet, done) {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      const decision = decidePublish(packet.topic, payload, Boolean(packet.retain), isInternal(client));
      if (decision.ok) return done(null);
      counter.add(decision.reason);
      log.warn({ reason: decision.reason, topic: describeTopic(packet.topic), client: describeClient(client), size: payload.length }, 'publish refused');
      done(new Error(`publish refused: ${decision.reason}`));
    },

    authorizeSubscribe(_client, subscription, done) {
      done(null, subscription); // ACLs: later issue
    },

    refused: () => counter.snapshot(),
    refusedTotal: () => counter.total,
  };
}
