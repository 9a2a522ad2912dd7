/**
 * Broker policy: every decision about who may connect, publish and subscribe, as aedes hooks that run before any
 * side effect (aedes lib/handlers/connect.js: authenticate precedes storing the will and registering the client;
 * lib/handlers/publish.js: authorizePublish precedes the PUBACK, the retain store and delivery).
 *
 *   who                 connect                                  publish                               subscribe
 *   anonymous           refused (5)                              –                                     –
 *   sensor {id}         username = id, scrypt password,          only drukte/v1/sensors/{id}/aggregate  nothing (SUBACK 0x80)
 *                       clientId = sensor-{id}, registered,      and …/status, contract payloads only
 *                       not retired, not expired
 *   reader {name}       username = name, scrypt password,        nothing                                drukte/v1/areas/…, sensors' …/status
 *                       clientId = name or name-…
 *   admin               not on MQTT (HTTP admin API only)
 *   the gateway itself  (in-process, no connection)              area topics; sensor topics checked     –
 *
 * Failed logins slow later attempts per address and username (gateway/mqtt/rate-limit.ts) but never make the gateway
 * refuse a right password; they are logged without secrets.
 * A refused PUBLISH closes the client's connection: MQTT 3.1.1 cannot tell the client why [MQTT-3.3.5-2]
 * (see docs/PROTOCOL.md, "Refused publishes", for why schema failures are not acknowledged-and-dropped instead).
 */
import type { AedesOptions, Client } from 'aedes';
import { CHECKED, checkPayload, type Checked } from '../decode-once.ts';
import type { Logger } from '../../shared/log.ts';
import type { Validation } from '../../shared/payloads.ts';
import { isValidId, parseSensorTopic } from '../../shared/topics.ts';
import { verifyAgainstNothing, verifySecret, type ScryptParams, type StoredCredential } from '../credentials.ts';
import type { LoginLimiter } from './rate-limit.ts';
import { classifyPayloadErrors, ReasonCounter, type ConnectRefusal, type RefusalReason } from '../reasons.ts';

type Hook<K extends keyof AedesOptions> = NonNullable<AedesOptions[K]>;

export type Principal = { role: 'sensor'; sensorId: string } | { role: 'reader'; username: string };
export type SensorAccess = 'active' | 'expired' | 'retired' | 'unknown';

export interface ConnectLimits {
  /** Keepalive bounds, seconds [MQTT-3.1.2-10]: 0 (never) is refused, so dead sensors are noticed. */
  keepaliveMin: number;
  keepaliveMax: number;
}

export interface PolicyOptions {
  logger: Logger;
  credential(username: string): StoredCredential | undefined;
  sensorAccess(sensorId: string): SensorAccess;
  limiter: LoginLimiter;
  limits: ConnectLimits;
  /** scrypt parameters of the stored hashes: unknown usernames cost the same work. */
  hashParams: ScryptParams;
  /**
   * Check a password against a stored credential (default: scrypt). The gateway passes the keyed-hash check of
   * gateway/credentials.ts, which also moves a machine secret's scrypt hash to HMAC at its first good login.
   */
  verifyCredential?(cred: StoredCredential, password: Buffer | undefined): Promise<boolean>;
  /** The same work for a username without a credential (default: scrypt with hashParams). */
  verifyUnknown?(password: Buffer | undefined): Promise<false>;
  /** Remote address of a client's connection (for the rate limits and logs). */
  addressOf(client: Client): string;
  /** Wait (holding a throttled login); default: a real timer. */
  delay?(ms: number): Promise<void>;
  /** The sensor id (CN) of a client's verified gateway-CA certificate, or null (password clients). */
  certificateIdentity?(client: Client): string | null;
  /** An authenticated sensor published something off-contract: raise an alert on its register entry. */
  onSensorRefused?(sensorId: string, reason: RefusalReason): void;
}

export interface BrokerPolicy {
  preConnect: Hook<'preConnect'>;
  authenticate: Hook<'authenticate'>;
  authorizePublish: Hook<'authorizePublish'>;
  /** authorizePublish's decision, synchronously: null when the publish may pass, else why not. */
  checkPublish(client: Client | null, packet: Parameters<Hook<'authorizePublish'>>[1]): Error | null;
  authorizeSubscribe: Hook<'authorizeSubscribe'>;
  /** Who an authenticated client is. */
  principal(client: Client): Principal | undefined;
  stats(): PolicyStats;
}

export interface PolicyStats {
  /** Publishes refused, per reason. */
  refused: Record<string, number>;
  refusedTotal: number;
  /** Connections refused, per reason. */
  connectionsRefused: Record<string, number>;
  /** Login attempts held because their address or username was throttled (rate-limit.ts). */
  loginsHeld: number;
  subscriptionsRefused: number;
}

/** `checked`: the decoded sensor payload, passed on with the message so ingest does not decode it again. */
export type PublishDecision = { ok: true; checked?: Checked } | { ok: false; reason: RefusalReason };

/**
 * The publish rule as a pure function: `who` is the authenticated client, or null for the broker itself (wills
 * of vanished clients, the gateway's own publishes). Sensor payloads are checked for everyone.
 */
export function decidePublish(topic: string, payload: Uint8Array, retain: boolean, who: Principal | null, qos: 0 | 1 | 2 = 1): PublishDecision {
  if (who?.role === 'reader') return { ok: false, reason: 'read-only' };
  const parsed = parseSensorTopic(topic);
  if (!parsed) return who === null && !topic.startsWith('$') ? { ok: true } : { ok: false, reason: 'topic-not-allowed' };
  if (who !== null && parsed.sensorId !== who.sensorId) return { ok: false, reason: 'not-own-topic' };
  const checked = checkPayload(parsed.kind, payload);
  const decoded = checked.result as Validation<{ sensor: string }>;
  if (!decoded.ok) return { ok: false, reason: classifyPayloadErrors(decoded.errors) };
  if (decoded.value.sensor !== parsed.sensorId) return { ok: false, reason: 'sensor-mismatch' };
  // Aggregates are QoS 1 and not retained (MQTT contract v1): a retained one would be replayed as if new.
  if (parsed.kind === 'aggregate' && retain) return { ok: false, reason: 'retained-aggregate' };
  // Aggregates are QoS 1 only: a QoS 0 aggregate could be lost silently and is never sent by the firmware.
  if (parsed.kind === 'aggregate' && qos === 0 && who !== null) return { ok: false, reason: 'qos0-aggregate' };
  return { ok: true, checked };
}

/**
 * Readers may subscribe below drukte/v1/areas/ (any filter there cannot match another tree), and to sensors'
 * retained statuses — public on the register anyway — so an auditor can check a live sensor's minimiser hash on the
 * broker (`drukte audit --broker`). Aggregates stay between sensor and gateway.
 */
export function mayReaderSubscribe(filter: string): boolean {
  if (filter.startsWith('drukte/v1/areas/') && filter.length > 'drukte/v1/areas/'.length) return true;
  const parts = filter.split('/');
  return parts.length === 5 && parts[0] === 'drukte' && parts[1] === 'v1' && parts[2] === 'sensors' && parts[4] === 'status'
    && (parts[3] === '+' || isValidId(parts[3]));
}

/** Log-safe description of a topic: sensor topics as they are, anything else only by its shape. */
function describeTopic(topic: string): string {
  return parseSensorTopic(topic) ? topic : `(other topic, ${topic.split('/').length} levels)`;
}

/** Log-safe client id / username: chosen by clients, so only short plain ones are shown. */
export function safeName(id: unknown): string {
  return typeof id === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(id) ? id : '(unprintable)';
}

class Refusal extends Error {
  /** Logged at debug level only: a throttled attempt (a flood must not flood the log too). */
  quiet = false;
  constructor(readonly reason: ConnectRefusal, readonly returnCode: 4 | 5 | 2) {
    super(reason);
  }
}

interface ConnectInfo {
  keepalive: number;
  will: { topic: string; payload: Buffer | string; retain?: boolean } | null;
}

export function createPolicy(opts: PolicyOptions): BrokerPolicy {
  const log = opts.logger.child({ module: 'policy' });
  const publishRefusals = new ReasonCounter<RefusalReason>();
  const connectRefusals = new ReasonCounter<ConnectRefusal>();
  let subscriptionsRefused = 0;
  const principals = new WeakMap<Client, Principal>();
  const connecting = new WeakMap<Client, ConnectInfo>();

  const delay = opts.delay ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /** Checks every sensor login passes, whatever proved its identity (password or certificate). */
  function sensorLogin(client: Client, sensorId: string): Principal {
    const access = opts.sensorAccess(sensorId);
    if (access === 'expired') throw new Refusal('sensor-expired', 5);
    if (access === 'retired') throw new Refusal('sensor-retired', 5);
    if (access === 'unknown') throw new Refusal('unknown-sensor', 5);
    // Fixed client ids: another client with the same id would take over (and close) the sensor's session.
    if (client.id !== `sensor-${sensorId}`) throw new Refusal('client-id-mismatch', 2);
    return { role: 'sensor', sensorId };
  }

  async function check(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Principal> {
    const address = opts.addressOf(client);
    // A verified gateway-CA client certificate is the identity (CN = sensor id): no password. A username, if sent,
    // must name the same sensor. The certificate's validity (its notAfter = the expiry day) was checked by TLS.
    const certId = opts.certificateIdentity?.(client) ?? null;
    if (certId !== null) {
      if (!isValidId(certId) || (username !== undefined && username !== '' && username !== certId)) throw new Refusal('bad-credentials', 4);
      const info = connecting.get(client);
      if (!info || info.keepalive < opts.limits.keepaliveMin || info.keepalive > opts.limits.keepaliveMax) throw new Refusal('keepalive-out-of-range', 5);
      const who = sensorLogin(client, certId);
      if (info.will) {
        const payload = typeof info.will.payload === 'string' ? Buffer.from(info.will.payload) : info.will.payload;
        if (!decidePublish(info.will.topic, payload, Boolean(info.will.retain), who, (info.will as { qos?: 0 | 1 | 2 }).qos ?? 0).ok) throw new Refusal('will-not-allowed', 5);
      }
      return who;
    }
    // A throttled address: hold the attempt, then decide it on its merit (a right password still gets in).
    const hold = opts.limiter.holdBeforeCheck(address);
    if (hold > 0) await delay(hold);
    if (username === undefined || username === '') {
      opts.limiter.fail(address, undefined);
      throw new Refusal('anonymous', 5);
    }
    const cred = isValidId(username) ? opts.credential(username) : undefined;
    const ok = cred
      ? await (opts.verifyCredential ? opts.verifyCredential(cred, password) : verifySecret(password, cred.hash))
      : await (opts.verifyUnknown ? opts.verifyUnknown(password) : verifyAgainstNothing(password, opts.hashParams));
    if (!cred || !ok) {
      // Failures only: a throttled username's wrong guesses are answered late; its right password never is.
      const tarpit = opts.limiter.fail(address, username);
      if (tarpit > 0) await delay(tarpit);
      const refusal = new Refusal('bad-credentials', 4);
      refusal.quiet = hold > 0 || tarpit > 0;
      throw refusal;
    }
    const info = connecting.get(client);
    if (!info || info.keepalive < opts.limits.keepaliveMin || info.keepalive > opts.limits.keepaliveMax) throw new Refusal('keepalive-out-of-range', 5);
    let who: Principal;
    if (cred.role === 'sensor') {
      who = sensorLogin(client, username);
    } else {
      if (client.id !== username && !client.id.startsWith(`${username}-`)) throw new Refusal('client-id-mismatch', 2);
      who = { role: 'reader', username };
    }
    // The will is published later by the broker on the client's behalf: check it now, before it is stored.
    if (info.will) {
      const payload = typeof info.will.payload === 'string' ? Buffer.from(info.will.payload) : info.will.payload;
      if (!decidePublish(info.will.topic, payload, Boolean(info.will.retain), who, (info.will as { qos?: 0 | 1 | 2 }).qos ?? 0).ok) throw new Refusal('will-not-allowed', 5);
    }
    return who;
  }

  const checkPublish: BrokerPolicy['checkPublish'] = (client, packet) => {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const who = client ? principals.get(client) : null;
    const decision: PublishDecision = who === undefined ? { ok: false, reason: 'not-authenticated' } : decidePublish(packet.topic, payload, Boolean(packet.retain), who, packet.qos);
    if (decision.ok) {
      if (decision.checked) (packet as { [CHECKED]?: Checked })[CHECKED] = decision.checked; // for ingest (decode-once.ts)
      return null;
    }
    publishRefusals.add(decision.reason);
    if (who?.role === 'sensor') opts.onSensorRefused?.(who.sensorId, decision.reason);
    log.warn({ reason: decision.reason, topic: describeTopic(packet.topic), client: client ? safeName(client.id) : '(broker)', size: payload.length }, 'publish refused');
    return new Error(`publish refused: ${decision.reason}`);
  };

  return {
    preConnect(client, packet, callback) {
      connecting.set(client, { keepalive: packet.keepalive ?? 0, will: (packet.will as ConnectInfo['will']) ?? null });
      callback(null, true);
    },

    authenticate(client, username, password, done) {
      check(client, username, password).then(
        (who) => {
          principals.set(client, who);
          connecting.delete(client);
          log.info({ client: safeName(client.id), role: who.role }, 'client authenticated');
          done(null, true);
        },
        (err: unknown) => {
          connecting.delete(client);
          const refusal = err instanceof Refusal ? err : new Refusal('internal-error', 5);
          if (!(err instanceof Refusal)) log.error({ err: (err as Error).message }, 'authentication failed unexpectedly');
          connectRefusals.add(refusal.reason);
          // Usernames only when they have the shape of an id; never the password, not even its length.
          const line = { reason: refusal.reason, address: opts.addressOf(client), username: isValidId(username) ? username : '(not an id)', client: safeName(client.id) };
          if (refusal.quiet) log.debug(line, 'connection refused (throttled)');
          else log.warn(line, 'connection refused');
          done(Object.assign(new Error(refusal.reason), { returnCode: refusal.returnCode }), false);
        },
      );
    },

    checkPublish,

    authorizePublish(client, packet, done) {
      done(checkPublish(client, packet));
    },

    authorizeSubscribe(client, subscription, done) {
      const who = principals.get(client);
      if (who?.role === 'reader' && mayReaderSubscribe(subscription.topic)) return done(null, subscription);
      subscriptionsRefused++;
      log.warn({ client: safeName(client.id), role: who?.role ?? 'none', filter: describeTopic(subscription.topic) }, 'subscription refused');
      done(null, null); // SUBACK 0x80 for this filter [MQTT-3.9.3]; the connection stays
    },

    principal: (client) => principals.get(client),

    stats: () => ({
      refused: publishRefusals.snapshot(),
      refusedTotal: publishRefusals.total,
      connectionsRefused: connectRefusals.snapshot(),
      loginsHeld: opts.limiter.held,
      subscriptionsRefused,
    }),
  };
}
