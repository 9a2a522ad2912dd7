/**
 * Composition root of the gateway. `startGateway` checks the configuration (gateway/options.ts, every problem at
 * once), builds the parts, and runs them as an ordered list of components (gateway/components.ts):
 *
 *   store → mqtt (embedded broker or external client) → ingest (+ PostgreSQL sync) → areas → ngsi-ld push
 *     → expiry watch → retention → http
 *
 * started in that order and stopped in reverse; a failed or aborted start undoes what had started. What the gateway
 * says about itself (URLs, effective configuration, /api/health) are pure functions in gateway/report.ts.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { systemTimers } from '../shared/timers.ts';
import { startInOrder, type Component } from './components.ts';
import { DATABASE_FILE, DatabaseError } from './store/db.ts';
import { openStore, type OpenedStore } from './store/open.ts';
import type { PgSync } from './store/pg-sync.ts';
import type { RetentionJob } from './store/retention.ts';
import { NgsiLdPush } from './feeds/ngsi-ld-push.ts';
import { History } from './store/history.ts';
import { AdminApi } from './http/admin.ts';
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, HttpServer } from './http/http.ts';
import { Views } from './http/views.ts';
import { AreaFeed } from './ingest/areas.ts';
import { ExpiryWatch } from './ingest/expiry-watch.ts';
import { Ingest } from './ingest/ingest.ts';
import { SensorHealth } from './ingest/sensor-health.ts';
import { DEFAULT_MQTT_HOST, DEFAULT_MQTT_PORT, MqttBroker, type BrokerLimits, type ClientCertificates, type TlsMaterial } from './mqtt/broker.ts';
import { CredentialHasher, CredentialStore, DEFAULT_SCRYPT, hashSecret, isHmacHash, loadCredentialKey, machineSecret, type ScryptParams } from './credentials.ts';
import { ExternalBroker } from './mqtt/external-broker.ts';
import { createPolicy, type BrokerPolicy } from './mqtt/policy.ts';
import { isViolation, type RefusalReason } from './reasons.ts';
import type { Logger } from '../shared/log.ts';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, RateLimiter } from './mqtt/rate-limit.ts';
import { checkOptions, GatewayConfigError, type GatewayOptions } from './options.ts';
import { expiryEndSeconds, RegisterError, SqliteSensorRegister, type SensorRegister } from './register.ts';
import { effectiveConfig, gatewayUrls, healthReport, whereabouts, type GatewayUrls, type Listeners } from './report.ts';

export { GatewayConfigError, MIN_ADMIN_TOKEN_LENGTH, type GatewayOptions } from './options.ts';
export { whereabouts, type GatewayUrls } from './report.ts';

export interface Gateway {
  mqttPort: number;
  mqttsPort: number | null;
  wsPort: number | null;
  httpPort: number;
  urls: GatewayUrls;
  register: SensorRegister;
  credentials: CredentialStore;
  history: History;
  ingest: Ingest;
  areas: AreaFeed;
  /** Deletes history past each sensor's retention (gateway/store/retention.ts). */
  retention: RetentionJob;
  /** The NGSI-LD push, when a context broker was given. */
  ngsiLd: NgsiLdPush | null;
  /** The embedded broker, or null in external-broker mode. */
  broker: MqttBroker | null;
  /** The external broker connection, or null in embedded mode. */
  external: ExternalBroker | null;
  /** Stop HTTP, ingest and broker, close the database; resolves when every socket and timer is gone. Idempotent. */
  stop(): Promise<void>;
}


const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** The store (SQLite file, or PostgreSQL with its working copy), or the configuration error that says why not. */
async function openConfiguredStore(opts: GatewayOptions, instance: string): Promise<OpenedStore> {
  try {
    if (opts.db && opts.dataDir) mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 }); // the credential key
    return await openStore({
      dataDir: opts.dataDir ?? null, ...(opts.db ? { url: opts.db } : {}), instance, clock: opts.clock, timers: opts.timers ?? systemTimers, logger: opts.logger,
      ...(opts.retention?.intervalMs ? { retentionIntervalMs: opts.retention.intervalMs } : {}),
    });
  } catch (err) {
    throw err instanceof DatabaseError ? new GatewayConfigError([err.message]) : err;
  }
}

/** Sensors from manifests and credentials from provisioning, installed at start. */
function seed(opts: GatewayOptions, register: SensorRegister, credentials: CredentialStore, log: GatewayOptions['logger']): void {
  for (const info of opts.sensors ?? []) {
    try {
      register.upsert(info, 'imported at start');
    } catch (err) {
      if (!(err instanceof RegisterError && err.code === 'retired')) throw err;
      log.warn({ sensor: info.id }, 'sensor is retired: its manifest is ignored (ids are never reused)');
    }
  }
  for (const c of opts.credentials ?? []) {
    // The configuration's scrypt hash of a credential already moved to the keyed hash: keep the keyed hash.
    const cur = credentials.get(c.username);
    if (cur && cur.role === c.role && isHmacHash(cur.hash) && cur.replacedHash === c.hash) continue;
    credentials.set(c.username, c.role, c.hash, opts.clock.now());
  }
}

interface Checked {
  tls: TlsMaterial | null;
  limits: BrokerLimits;
  clientCertificates: ClientCertificates | null;
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { errors, ...checked } = checkOptions(opts);
  if (errors.length) throw new GatewayConfigError(errors);
  const log = opts.logger.child({ module: 'gateway' });
  const instance = opts.instance ?? hostname();
  const stores = await openConfiguredStore(opts, instance);
  const db = stores.db;
  let hasher: CredentialHasher;
  try {
    hasher = new CredentialHasher(loadCredentialKey(opts.dataDir ?? null));
  } catch (err) {
    db.close();
    await stores.close();
    throw new GatewayConfigError([(err as Error).message]);
  }
  let parts: Parts;
  let stopAll: () => Promise<void>;
  try {
    parts = assemble(opts, checked, stores, hasher, instance);
    parts.adminHash = opts.admin?.token !== undefined ? await hashSecret(opts.admin.token, opts.hashParams ?? DEFAULT_SCRYPT) : (opts.admin?.tokenHash ?? null);
    stopAll = await startInOrder(parts.components, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onStopError: (name, err) => log.error({ component: name, err: (err as Error).message }, 'component failed to stop cleanly'),
    });
  } catch (err) {
    if (db.open) db.close();
    await stores.close();
    throw err;
  }
  const { register, credentials, broker, external, http } = parts;
  const listeners: Listeners = { broker: broker ? { host: broker.host, ports: broker.ports } : null, externalUrl: external?.url ?? null, http: { host: http.host, port: http.port } };
  const urls = gatewayUrls(opts, listeners, register.list().map((s) => s.id));
  parts.urls = urls;
  if (broker && !LOOPBACK.test(broker.host)) log.warn({ host: broker.host }, 'plain MQTT listens beyond loopback: passwords cross the network unencrypted; prefer mqtts');
  log.info({
    config: effectiveConfig(opts, listeners, {
      storage: stores.postgres ? { engine: 'postgres', url: stores.description, instance } : opts.dataDir ? { dataDir: opts.dataDir, file: DATABASE_FILE, journal: 'WAL' } : 'memory (nothing is kept)',
      credentials: credentials.count(), limits: checked.limits, loginLimits: { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits }, sensors: register.list(),
    }),
    urls,
  }, 'gateway started');

  let stopping: Promise<void> | null = null;
  return {
    mqttPort: listeners.broker?.ports.mqtt ?? 0,
    mqttsPort: listeners.broker?.ports.mqtts ?? null,
    wsPort: listeners.broker?.ports.ws ?? null,
    httpPort: http.port,
    urls,
    register,
    credentials,
    history: parts.history,
    ingest: parts.ingest,
    areas: parts.areas,
    retention: parts.retention,
    ngsiLd: parts.ngsiLd,
    broker,
    external,
    stop: () => {
      stopping ??= stopAll().then(() => log.info('gateway stopped'));
      return stopping;
    },
  };
}

interface Parts {
  register: SqliteSensorRegister;
  credentials: CredentialStore;
  history: History;
  broker: MqttBroker | null;
  external: ExternalBroker | null;
  ingest: Ingest;
  areas: AreaFeed;
  ngsiLd: NgsiLdPush | null;
  retention: RetentionJob;
  http: HttpServer;
  /** Set before the components start (hashing the admin token takes a moment). */
  adminHash: string | null;
  /** Known once the listeners are up (the admin API's whereabouts). */
  urls: GatewayUrls | null;
  components: Component[];
}

/** Build every part and wire them together; nothing listens, reads or writes yet. */
function assemble(opts: GatewayOptions, checked: Checked, stores: OpenedStore, hasher: CredentialHasher, instance: string): Parts {
  const { db } = stores;
  const { clock, logger } = opts;
  const { tls, limits, clientCertificates } = checked;
  const hashParams = opts.hashParams ?? DEFAULT_SCRYPT;
  const log = logger.child({ module: 'gateway' });
  const register = new SqliteSensorRegister(db, clock);
  const credentials = new CredentialStore(db);
  // PostgreSQL: the register and credentials follow the shared store; null on SQLite.
  const sync: PgSync | null = stores.link(register, credentials);
  const history = new History(db);
  const sensorHealth = new SensorHealth(clock, (id) => register.get(id) !== undefined);
  const mqttHost = opts.mqtt?.host ?? DEFAULT_MQTT_HOST;
  // Filled in below; the policy's callbacks only run once the broker is up.
  let broker: MqttBroker | null = null;
  let ingest: Ingest | null = null;
  let expiry: ExpiryWatch | null = null;
  const policy: BrokerPolicy | null = opts.externalBroker ? null : sensorPolicy(opts, {
    register, credentials, hasher, limits, hashParams, log,
    broker: () => broker,
    onSensorRefused: (id, reason) => {
      if (isViolation(reason)) ingest?.violation(id, reason);
      else ingest?.raiseAlert(id, reason);
      sensorHealth.refused(id, reason);
    },
  });
  let external: ExternalBroker | null = null;
  if (opts.externalBroker) {
    const e = opts.externalBroker;
    external = new ExternalBroker({
      url: e.url, logger, ...(e.username ? { username: e.username } : {}), ...(e.password ? { password: e.password } : {}),
      ...(e.caFile ? { ca: readFileSync(e.caFile) } : {}),
      clientId: `drukte-gateway-${instance}`,
      // Several instances on one store: each message to one of them, none lost by a crash (docs/SCALING.md).
      ...(sync ? { shared: { ...(e.sessionExpirySeconds ? { sessionExpirySeconds: e.sessionExpirySeconds } : {}) } } : {}),
    });
  } else broker = new MqttBroker({
    mqtt: { host: mqttHost, port: opts.mqtt?.port ?? DEFAULT_MQTT_PORT },
    ...(opts.mqtts && tls ? { mqtts: { host: opts.mqtts.host ?? mqttHost, port: opts.mqtts.port ?? 8883, ...tls, ...(clientCertificates ? { clientCertificates } : {}) } } : {}),
    ...(opts.ws ? { ws: { host: opts.ws.host ?? mqttHost, port: opts.ws.port ?? 8083, ...(opts.ws.tls && tls ? { tls } : {}) } } : {}),
    policy: policy!,
    limits,
    logger,
  });
  const b = broker;
  const mqttSide = (broker ?? external)!;
  const theIngest = new Ingest({ register, history, clock, logger, onRejected: (id, reason) => sensorHealth.refused(id, reason), ...(sync && external ? { shared: true } : {}) });
  ingest = theIngest;
  const areas = new AreaFeed({ register, ingest: theIngest, history, clock, logger, publish: (topic, payload, o) => mqttSide.publish(topic, payload, o) });
  const parts: Parts = {
    register, credentials, history, broker, external, ingest: theIngest, areas, ngsiLd: null, retention: stores.retention(), adminHash: null, urls: null, components: [],
    http: null as unknown as HttpServer,
  };
  const admin = new AdminApi({
    whereabouts: () => (parts.urls ? whereabouts(parts.urls, opts.publicUrls) : null),
    get tokenHash() {
      return parts.adminHash;
    },
    register, credentials, atomically: (fn) => db.transaction(fn)(), disconnect: (match) => b?.disconnect(match) ?? 0, // external mode: the broker's own password file governs sessions
    limiter: new RateLimiter(clock, { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits }.perAddress), hashParams, hashMachineSecret: (secret) => hasher.hash(secret), clock, logger,
    onRegisterChanged: () => expiry?.refresh(),
  });
  if (opts.ngsiLd) {
    const n = opts.ngsiLd;
    parts.ngsiLd = new NgsiLdPush({ brokerUrl: n.brokerUrl, register, ingest: theIngest, areas, logger, ...(n.tenant ? { tenant: n.tenant } : {}), ...(n.retryMs ? { retryMs: n.retryMs } : {}), ...(n.timers ? { timers: n.timers } : {}) });
  }
  // Closes live sessions at the end of each expiry day; external mode: the broker's sessions are its own, but
  // ingest still refuses by time of receipt (and the sensor's certificate dies with it, see docs/PROTOCOL.md).
  expiry = new ExpiryWatch({
    register, clock, timers: opts.timers ?? systemTimers, logger,
    closeSessions: (id) => b?.disconnect((clientId) => clientId === `sensor-${id}`) ?? 0,
  });
  const startedAt = clock.monotonic();
  const http: HttpServer = new HttpServer({
    host: opts.http?.host ?? DEFAULT_HTTP_HOST,
    port: opts.http?.port ?? DEFAULT_HTTP_PORT,
    views: new Views(register, theIngest, clock), register, ingest: theIngest, sensorHealth, areas, history, admin, clock, logger,
    ...(opts.http?.timers ? { timers: opts.http.timers } : {}),
    ...(opts.http?.tls && tls ? { tls } : {}),
    ...(opts.http?.limits ? { limits: opts.http.limits } : {}),
    brokerHealth: () => (b ? { connections: b.connections, maxConnectionsPerAddress: limits.maxConnectionsPerAddress } : null),
    health: () => healthReport({
      uptimeSeconds: Math.floor((clock.monotonic() - startedAt) / 1000),
      sensors: register.list().length,
      http: http.stats(),
      broker: b && policy ? { connections: b.connections, policy: policy.stats(), closedByLimits: b.closedByLimits(), limits } : null,
      external: external ? { url: external.url, connected: external.connected } : null,
      ingest: theIngest.stats(),
      store: {
        engine: sync ? 'postgres' : 'sqlite', instance, duplicates: history.commits.stats.duplicates, retention: parts.retention.totals,
        ...(sync ? { adopted: sync.adopted } : {}), ...(external ? { pubacksWithheld: external.withheld } : {}),
      },
      ngsiLd: parts.ngsiLd?.stats() ?? null,
    }),
  });
  parts.http = http;
  const { ngsiLd, retention } = parts;
  const exp = expiry;
  parts.components = [
    {
      name: 'store', start: () => seed(opts, register, credentials, log),
      stop: async () => {
        if (db.open) db.close();
        await stores.close();
      },
    },
    { name: external ? 'external broker' : 'broker', start: () => mqttSide.start(), stop: () => mqttSide.stop() },
    {
      // PostgreSQL: after ingest lets go, the last batch reaches the shared store before the broker goes, so its
      // PUBACKs can still go out.
      name: 'ingest',
      start: async () => {
        await theIngest.attach(mqttSide);
        await external?.ready();
        await sync?.start(theIngest);
      },
      stop: async () => {
        await theIngest.detach();
        await sync?.stop();
      },
    },
    { name: 'areas', start: () => areas.start(), stop: () => areas.stop() },
    ...(ngsiLd ? [{ name: 'ngsi-ld push', start: () => ngsiLd.start(), stop: () => ngsiLd.stop() }] : []),
    { name: 'expiry watch', start: () => exp.start(), stop: () => exp.stop() },
    { name: 'retention', start: () => retention.start(), stop: () => retention.stop() },
    { name: 'http', start: () => http.start(), stop: () => http.stop() },
  ];
  return parts;
}

/** The embedded broker's policy: who may log in (credentials, certificates, the register) and publish what. */
function sensorPolicy(opts: GatewayOptions, d: {
  register: SensorRegister; credentials: CredentialStore; hasher: CredentialHasher; limits: BrokerLimits; hashParams: ScryptParams; log: Logger;
  broker: () => MqttBroker | null; onSensorRefused: (id: string, reason: RefusalReason) => void;
}): BrokerPolicy {
  const { register, credentials, hasher, log } = d;
  const { clock } = opts;
  return createPolicy({
    logger: opts.logger,
    credential: (u) => credentials.get(u),
    verifyCredential: async (cred, password) => {
      const ok = await hasher.verify(password, cred.hash);
      // First good login of a machine secret still under scrypt: store it under the keyed hash from now on.
      if (ok && password && !isHmacHash(cred.hash) && machineSecret(password)) {
        const current = credentials.get(cred.username);
        if (current && current.hash === cred.hash) {
          credentials.set(cred.username, cred.role, hasher.hash(password), current.createdAt, cred.hash);
          log.info({ username: cred.username }, 'credential moved from scrypt to the keyed hash (HMAC-SHA-256)');
        }
      }
      return ok;
    },
    verifyUnknown: (password) => hasher.verifyAgainstNothing(password),
    sensorAccess: (id) => {
      const r = register.view(id);
      if (!r) return 'unknown';
      if (r.lifecycle === 'retired') return 'retired';
      return clock.now() / 1000 >= expiryEndSeconds(r.info) ? 'expired' : 'active';
    },
    limiter: new LoginLimiter(clock, { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits }),
    limits: d.limits,
    hashParams: d.hashParams,
    addressOf: (client) => d.broker()?.addressOf(client) ?? 'unknown',
    certificateIdentity: (client) => d.broker()?.certificateIdentity(client) ?? null,
    // Egress guard (c): a sensor that publishes off-contract is refused AND flagged on its register entry.
    // A rule violation at the broker (a QoS 0 aggregate) suspends the sensor like one found by ingest.
    onSensorRefused: d.onSensorRefused,
  });
}
