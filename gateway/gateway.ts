/**
 * Composition root of the gateway: database → register → policy → broker → ingest → areas → HTTP, started in that
 * order and stopped in reverse. Configuration is checked once, every problem reported at once; the effective
 * configuration (no secrets) is logged once. A failed or aborted start undoes what had started.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import { isValidId } from '../shared/topics.ts';
import { GatewayOptionsSchema } from '../shared/schema/gateway-options.ts';
import { Contract } from '../shared/schema/kit.ts';
import { ADMIN_TOKEN } from '../shared/schema/rules.ts';
import { AdminApi } from './admin.ts';
import type { Whereabouts } from './admin-contract.ts';
import { AreaFeed } from './areas.ts';
import { DEFAULT_LIMITS, DEFAULT_MQTT_HOST, DEFAULT_MQTT_PORT, MqttBroker, WS_PATH, type BrokerLimits, type ClientCertificates, type TlsMaterial } from './broker.ts';
import { CredentialHasher, CredentialStore, DEFAULT_SCRYPT, hashSecret, isHmacHash, isScryptHash, isStoredHash, loadCredentialKey, machineSecret, type CredentialRole, type ScryptParams } from './credentials.ts';
import { DATABASE_FILE, DatabaseError } from './store/db.ts';
import { ExternalBroker } from './external-broker.ts';
import { openStore, type OpenedStore } from './store/open.ts';
import type { RetentionJob } from './store/retention.ts';
import { History } from './store/history.ts';
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, HttpServer, type HttpLimits } from './http.ts';
import { Ingest } from './ingest.ts';
import { NgsiLdPush, type RetryTimers } from './ngsi-ld-push.ts';
import { SensorHealth } from './sensor-health.ts';
import { ExpiryWatch } from './expiry-watch.ts';
import { isViolation } from './rules.ts';
import { systemTimers, type Timers as GatewayTimers } from '../shared/timers.ts';
import { urlHost } from './listen.ts';
import { createPolicy } from './policy.ts';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, RateLimiter, type LoginLimits } from './rate-limit.ts';
import { expiryEndSeconds, RegisterError, SqliteSensorRegister, validateSensorInfo, type SensorInfo, type SensorRegister } from './register.ts';
import type { Timers } from './sse.ts';
import { Views } from './views.ts';

export interface GatewayOptions {
  /** Plain MQTT (TCP). Keep it on loopback unless the network is trusted: passwords cross it in clear text. */
  mqtt?: { host?: string; port?: number };
  /** MQTT over TLS (mqtts): PEM certificate (chain) and key files. */
  mqtts?: {
    host?: string; port?: number; certFile: string; keyFile: string;
    /** The gateway CA's certificate (gateway/ca.ts): sensors may log in with a client certificate it issued. */
    clientCaFile?: string;
    /** The CA's revocation list (PEM), checked for every client certificate. */
    crlFile?: string;
  };
  /** MQTT over WebSocket at /mqtt; `tls: true` serves wss with the mqtts certificate. */
  ws?: { host?: string; port?: number; tls?: boolean };
  /** `tls: true` serves HTTPS (pages, API, admin API) with the mqtts certificate and key. */
  http?: { host?: string; port?: number; timers?: Timers; tls?: boolean; limits?: Partial<HttpLimits> };
  /** Directory of the SQLite database (created if missing). Without it everything is kept in memory only. */
  dataDir?: string;
  /**
   * PostgreSQL as the store instead of SQLite (`--db postgres://…`), shared by several gateway instances
   * (docs/SCALING.md). With an external broker, ingest then joins the shared subscription `$share/drukte-ingest/…`.
   */
  db?: string;
  /** This instance's name among several (default the host name): its broker clientId is `drukte-gateway-<instance>`. */
  instance?: string;
  /** How often history past its retention is deleted (default hourly), on `timers`. */
  retention?: { intervalMs?: number };
  /** The admin API credential: the token (hashed at start, then dropped) or its stored scrypt hash. */
  admin?: { token?: string; tokenHash?: string };
  /**
   * External-broker mode: no embedded broker; the gateway subscribes to the sensor topics on this broker (e.g. the
   * municipality's mosquitto, which then does authentication and ACLs) and publishes the area densities there.
   */
  externalBroker?: { url: string; username?: string; password?: string; caFile?: string; sessionExpirySeconds?: number };
  /** MQTT credentials to install at start (stored scrypt hashes only), e.g. from provisioning. */
  credentials?: Array<{ username: string; role: CredentialRole; hash: string }>;
  limits?: Partial<BrokerLimits>;
  loginLimits?: Partial<LoginLimits>;
  /** scrypt parameters for the hashes this gateway makes (generated passwords, the admin token). */
  hashParams?: ScryptParams;
  clock: Clock;
  /** Timers for the gateway's own deadlines (expiry of live sessions); default the system's. */
  timers?: GatewayTimers;
  logger: Logger;
  /** Sensors to register (or update) at start, e.g. from manifest files. */
  sensors?: SensorInfo[];
  /** Abort a start in progress; whatever had started is stopped again. */
  signal?: AbortSignal;
  /** Push the NGSI-LD CrowdFlowObserved entities to this context broker (gateway/ngsi-ld-push.ts). */
  ngsiLd?: { brokerUrl: string; tenant?: string; retryMs?: number; timers?: RetryTimers };
  /**
   * How sensors and people reach this gateway from outside (behind a proxy, a DNS name): the register's base URL and
   * the broker URLs. Served by GET /api/admin/whereabouts; each defaults to the listener's own URL.
   */
  publicUrls?: { http?: string; mqtt?: string; mqtts?: string };
}

export interface GatewayUrls {
  /** Public register index, e.g. http://localhost:8080/ */
  http: string;
  /** Broker URLs, e.g. mqtt://localhost:1883, mqtts://localhost:8883, ws://localhost:8083/mqtt */
  mqtt: string;
  mqtts: string | null;
  ws: string | null;
  /** Display page per sensor id. */
  displays: Record<string, string>;
}

/** A wildcard listen address says nothing about where the gateway is reached: use the machine's name instead. */
const reachable = (url: string): string => url.replace(/^(\w+:\/\/)(0\.0\.0\.0|\[::\])(?=[:/]|$)/, `$1${hostname()}`);

/** GET /api/admin/whereabouts: the public URLs, or the listeners' own. */
export function whereabouts(urls: GatewayUrls, pub: GatewayOptions['publicUrls'] = {}): Whereabouts {
  const http = (pub.http ?? reachable(urls.http)).replace(/\/?$/, '/');
  return { http, registerUrl: `${http}sensors/{id}`, mqtt: pub.mqtt ?? reachable(urls.mqtt), mqtts: pub.mqtts ?? (urls.mqtts ? reachable(urls.mqtts) : null) };
}

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

export class GatewayConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid gateway configuration:\n${errors.map((e) => `  ✗ ${e}`).join('\n')}`);
    this.name = 'GatewayConfigError';
  }
}

/** An admin token must be at least this long (it is the only thing between the internet and the register). */
export const MIN_ADMIN_TOKEN_LENGTH = ADMIN_TOKEN.min;

const OPTIONS = new Contract('gateway-options', GatewayOptionsSchema);

function checkOptions(opts: GatewayOptions): { errors: string[]; tls: TlsMaterial | null; limits: BrokerLimits; clientCertificates: ClientCertificates | null } {
  const errors: string[] = [];
  // The data rules (shared/schema/gateway-options.ts): ports, the admin token's length, the external broker's URL.
  const byPath = new Map(OPTIONS.check(opts) ? [] : OPTIONS.problems(opts).map((p) => [p.path, `${p.path} ${p.message}`]));
  const schemaRule = (path: string) => {
    const e = byPath.get(path);
    if (e) errors.push(e);
  };
  for (const path of ['mqtt.port', 'http.port', 'mqtts.port', 'ws.port', 'db', 'instance']) schemaRule(path);
  if (opts.ngsiLd) {
    let url: URL | null = null;
    try {
      url = new URL(opts.ngsiLd.brokerUrl);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) errors.push(`NGSI-LD broker ${JSON.stringify(opts.ngsiLd.brokerUrl)} must be an http(s) URL, e.g. http://orion-ld:1026`);
    else if (url.username || url.password) errors.push('NGSI-LD broker URL must not hold credentials');
  }
  if (opts.externalBroker) {
    schemaRule('externalBroker.url');
    if (opts.ws) errors.push('ws: the WebSocket listener belongs to the embedded broker; with an external broker configure WebSockets there');
    if (opts.externalBroker.caFile) {
      try {
        readFileSync(opts.externalBroker.caFile);
      } catch (err) {
        errors.push(`externalBroker.caFile: cannot read ${opts.externalBroker.caFile} (${(err as NodeJS.ErrnoException).code})`);
      }
    }
  }
  let tls: TlsMaterial | null = null;
  let clientCertificates: ClientCertificates | null = null;
  if (opts.mqtts) {
    const read = (what: string, file: string) => {
      try {
        return readFileSync(file);
      } catch (err) {
        errors.push(`mqtts.${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        return null;
      }
    };
    const cert = read('certFile', opts.mqtts.certFile);
    const key = read('keyFile', opts.mqtts.keyFile);
    if (cert && key) tls = { cert, key };
    const ca = opts.mqtts.clientCaFile ? read('clientCaFile', opts.mqtts.clientCaFile) : null;
    const crl = opts.mqtts.crlFile ? read('crlFile', opts.mqtts.crlFile) : null;
    if (opts.mqtts.crlFile && !opts.mqtts.clientCaFile) errors.push('mqtts.crlFile needs mqtts.clientCaFile');
    if (ca) clientCertificates = { ca, ...(crl ? { crl } : {}) };
  }
  if (opts.ws?.tls && !opts.mqtts) errors.push('ws.tls needs the mqtts certificate and key (mqtts.certFile, mqtts.keyFile)');
  if (opts.http?.tls && !opts.mqtts) errors.push('http.tls needs the mqtts certificate and key (mqtts.certFile, mqtts.keyFile)');
  const a = opts.admin;
  if (a?.token !== undefined && a.tokenHash !== undefined) errors.push('admin: give the token or its hash, not both');
  schemaRule('admin.token');
  if (a?.tokenHash !== undefined && !isScryptHash(a.tokenHash)) errors.push('admin.tokenHash must be a stored scrypt hash (scrypt$N=…,r=…,p=…$salt$hash)');
  for (const c of opts.credentials ?? []) {
    if (!isValidId(c.username) || (c.role !== 'sensor' && c.role !== 'reader') || !isStoredHash(c.hash)) errors.push(`credential ${isValidId(c.username) ? c.username : '(bad username)'}: needs an id as username, role sensor or reader, and a stored scrypt hash`);
  }
  const limits: BrokerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  for (const [k, v] of Object.entries(limits)) if (!(Number.isInteger(v) && v > 0)) errors.push(`limits.${k} must be a positive integer`);
  if (limits.keepaliveMin > limits.keepaliveMax) errors.push('limits.keepaliveMin must not exceed limits.keepaliveMax');
  const seen = new Set<string>();
  for (const info of opts.sensors ?? []) {
    errors.push(...validateSensorInfo(info).map((e) => `sensor ${e}`));
    if (seen.has(info.id)) errors.push(`sensor ${info.id}: listed twice`);
    seen.add(info.id);
  }
  return { errors, tls, limits, clientCertificates };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('gateway start aborted');
}

const LOOPBACK = /^(127\.|::1$|localhost$)/;

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { errors, tls, limits, clientCertificates } = checkOptions(opts);
  if (errors.length) throw new GatewayConfigError(errors);
  const log = opts.logger.child({ module: 'gateway' });
  const { clock } = opts;
  const hashParams = opts.hashParams ?? DEFAULT_SCRYPT;
  const instance = opts.instance ?? hostname();
  let db: Database.Database;
  let stores: OpenedStore;
  try {
    if (opts.db && opts.dataDir) mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 }); // the credential key
    stores = await openStore({ dataDir: opts.dataDir ?? null, ...(opts.db ? { url: opts.db } : {}), instance, clock, timers: opts.timers ?? systemTimers, logger: opts.logger, ...(opts.retention?.intervalMs ? { retentionIntervalMs: opts.retention.intervalMs } : {}) });
    db = stores.db;
  } catch (err) {
    throw err instanceof DatabaseError ? new GatewayConfigError([err.message]) : err;
  }
  const register = new SqliteSensorRegister(db, clock);
  const credentials = new CredentialStore(db);
  const sync = stores.link(register, credentials);
  let hasher: CredentialHasher;
  try {
    hasher = new CredentialHasher(loadCredentialKey(opts.dataDir ?? null));
  } catch (err) {
    await sync?.stop();
    db.close();
    await stores.close();
    throw new GatewayConfigError([(err as Error).message]);
  }
  const history = new History(db);
  let broker: MqttBroker | null = null;
  let external: ExternalBroker | null = null;
  let http: HttpServer | null = null;
  let areas: AreaFeed | null = null;
  let ingest: Ingest | null = null;
  let ngsiLd: NgsiLdPush | null = null;
  let urls: GatewayUrls | null = null;
  let expiry: ExpiryWatch | null = null;
  const retention = stores.retention();

  const stopAll = async () => {
    expiry?.stop();
    await retention.stop();
    await http?.stop();
    await ngsiLd?.stop();
    areas?.stop();
    await ingest?.detach();
    await sync?.stop(); // the last batch reaches PostgreSQL, so its PUBACKs can go out
    await broker?.stop();
    await external?.stop();
    if (db.open) db.close();
    await stores.close();
  };

  try {
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
      credentials.set(c.username, c.role, c.hash, clock.now());
    }
    const adminHash = opts.admin?.token !== undefined ? await hashSecret(opts.admin.token, hashParams) : (opts.admin?.tokenHash ?? null);

    const mqttHost = opts.mqtt?.host ?? DEFAULT_MQTT_HOST;
    const sensorHealth = new SensorHealth(clock, (id) => register.get(id) !== undefined);
    const policy = opts.externalBroker ? null : createPolicy({
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
      limits,
      hashParams,
      addressOf: (client) => broker?.addressOf(client) ?? 'unknown',
      certificateIdentity: (client) => broker?.certificateIdentity(client) ?? null,
      // Egress guard (c): a sensor that publishes off-contract is refused AND flagged on its register entry.
      // A rule violation at the broker (a QoS 0 aggregate) suspends the sensor like one found by ingest.
      onSensorRefused: (id, reason) => {
        if (isViolation(reason)) ingest?.violation(id, reason);
        else ingest?.raiseAlert(id, reason);
        sensorHealth.refused(id, reason);
      },
    });
    if (opts.externalBroker) {
      const e = opts.externalBroker;
      external = new ExternalBroker({
        url: e.url, logger: opts.logger, ...(e.username ? { username: e.username } : {}), ...(e.password ? { password: e.password } : {}),
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
      logger: opts.logger,
    });
    ingest = new Ingest({ register, history, clock, logger: opts.logger, onRejected: (id, reason) => sensorHealth.refused(id, reason), ...(sync && external ? { shared: true } : {}) });
    const b = broker;
    const mqttSide = (broker ?? external)!;
    areas = new AreaFeed({ register, ingest, history, clock, logger: opts.logger, publish: (topic, payload, o) => mqttSide.publish(topic, payload, o) });
    const admin = new AdminApi({
      whereabouts: () => (urls ? whereabouts(urls, opts.publicUrls) : null),
      tokenHash: adminHash, register, credentials, atomically: (fn) => db.transaction(fn)(), disconnect: (match) => b?.disconnect(match) ?? 0, // external mode: the broker's own password file governs sessions
      limiter: new RateLimiter(clock, { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits }.perAddress), hashParams, hashMachineSecret: (secret) => hasher.hash(secret), clock, logger: opts.logger,
      onRegisterChanged: () => expiry?.refresh(),
    });
    opts.signal?.throwIfAborted();
    await mqttSide.start();
    await ingest.attach(mqttSide);
    await external?.ready();
    await sync?.start(ingest);
    await areas.start();
    if (opts.ngsiLd) {
      const n = opts.ngsiLd;
      ngsiLd = new NgsiLdPush({ brokerUrl: n.brokerUrl, register, ingest, areas, logger: opts.logger, ...(n.tenant ? { tenant: n.tenant } : {}), ...(n.retryMs ? { retryMs: n.retryMs } : {}), ...(n.timers ? { timers: n.timers } : {}) });
      ngsiLd.start();
    }
    // Closes live sessions at the end of each expiry day; external mode: the broker's sessions are its own, but
    // ingest still refuses by time of receipt (and the sensor's certificate dies with it, see docs/PROTOCOL.md).
    expiry = new ExpiryWatch({
      register, clock, timers: opts.timers ?? systemTimers, logger: opts.logger,
      closeSessions: (id) => b?.disconnect((clientId) => clientId === `sensor-${id}`) ?? 0,
    });
    expiry.start();
    retention.start();
    opts.signal?.throwIfAborted();
    const startedAt = clock.monotonic();
    const views = new Views(register, ingest, clock);
    http = new HttpServer({
      host: opts.http?.host ?? DEFAULT_HTTP_HOST,
      port: opts.http?.port ?? DEFAULT_HTTP_PORT,
      views, register, ingest, sensorHealth, areas, history, admin, clock, logger: opts.logger,
      ...(opts.http?.timers ? { timers: opts.http.timers } : {}),
      ...(opts.http?.tls && tls ? { tls } : {}),
      ...(opts.http?.limits ? { limits: opts.http.limits } : {}),
      brokerHealth: () => (b ? { connections: b.connections, maxConnectionsPerAddress: limits.maxConnectionsPerAddress } : null),
      health: () => ({
        status: 'ok',
        uptimeSeconds: Math.floor((clock.monotonic() - startedAt) / 1000),
        sensors: register.list().length,
        streams: http?.streams ?? 0,
        http: http?.stats() ?? null,
        broker: b && policy ? { connections: b.connections, ...policy.stats(), closedByLimits: b.closedByLimits(), limits: { maxConnectionsPerAddress: limits.maxConnectionsPerAddress, maxPacketBytes: limits.maxPacketBytes } } : { external: external!.url, connected: external!.connected },
        ingest: ingest!.stats(),
        store: { engine: sync ? 'postgres' : 'sqlite', instance, duplicates: history.commits.stats.duplicates, retention: retention.totals, ...(sync ? { adopted: sync.adopted } : {}), ...(external ? { pubacksWithheld: external.withheld } : {}) },
        ...(ngsiLd ? { ngsiLd: ngsiLd.stats() } : {}),
      }),
    });
    await http.start();
    if (opts.signal?.aborted) throw abortError(opts.signal);
    if (broker && !LOOPBACK.test(mqttHost)) log.warn({ host: mqttHost }, 'plain MQTT listens beyond loopback: passwords cross the network unencrypted; prefer mqtts');
  } catch (err) {
    await stopAll();
    if (opts.signal?.aborted) throw abortError(opts.signal);
    throw err;
  }

  const httpBase = `${opts.http?.tls ? 'https' : 'http'}://${urlHost(http.host)}:${http.port}`;
  // External mode: no listeners of our own; the sensors' URL is the external broker's.
  const brokerHost = broker?.host ?? '';
  const ports = broker?.ports ?? { mqtt: 0, mqtts: null, ws: null };
  urls = {
    http: `${httpBase}/`,
    mqtt: broker ? `mqtt://${urlHost(brokerHost)}:${ports.mqtt}` : external!.url,
    mqtts: ports.mqtts === null ? null : `mqtts://${urlHost(opts.mqtts?.host ?? brokerHost)}:${ports.mqtts}`,
    ws: ports.ws === null ? null : `${opts.ws?.tls ? 'wss' : 'ws'}://${urlHost(opts.ws?.host ?? brokerHost)}:${ports.ws}${WS_PATH}`,
    displays: Object.fromEntries(register.list().map((s) => [s.id, `${httpBase}/display/${s.id}`])),
  };
  // The effective configuration, once: no token, no password, no hash.
  log.info(
    {
      config: {
        mqtt: broker
          ? { host: brokerHost, port: ports.mqtt, auth: 'per-client scrypt credentials, anonymous refused' }
          : { external: external!.url, auth: "the external broker's own (password file, ACL)" },
        mqtts: opts.mqtts ? { port: ports.mqtts, certFile: opts.mqtts.certFile } : null,
        ws: opts.ws ? { port: ports.ws, path: WS_PATH, tls: Boolean(opts.ws.tls) } : null,
        http: { host: http.host, port: http.port },
        storage: sync ? { engine: 'postgres', url: stores.description, instance } : opts.dataDir ? { dataDir: opts.dataDir, file: DATABASE_FILE, journal: 'WAL' } : 'memory (nothing is kept)',
        admin: opts.admin ? 'token (scrypt hash)' : 'disabled (no admin credential: every admin request gets 401)',
        credentials: credentials.count(),
        limits,
        loginLimits: { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits },
        sensors: register.list().map((s) => ({ id: s.id, driver: s.driver, expiresAt: s.expiresAt, kFloor: s.kFloor })),
      },
      urls,
    },
    'gateway started',
  );

  let stopping: Promise<void> | null = null;
  return {
    mqttPort: ports.mqtt,
    mqttsPort: ports.mqtts,
    wsPort: ports.ws,
    httpPort: http.port,
    urls,
    register,
    credentials,
    history,
    ingest: ingest!,
    areas: areas!,
    retention,
    ngsiLd,
    broker,
    external,
    stop: () => {
      stopping ??= stopAll().then(() => log.info('gateway stopped'));
      return stopping;
    },
  };
}
