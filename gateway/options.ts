/**
 * The gateway's configuration: what can be set (GatewayOptions, whose data rules are the JSON Schema in
 * shared/schema/gateway-options.ts) and the checks a start runs first, every problem reported at once.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import { isValidId } from '../shared/topics.ts';
import { GatewayOptionsSchema } from '../shared/schema/gateway-options.ts';
import { Contract } from '../shared/schema/kit.ts';
import { ADMIN_TOKEN } from '../shared/schema/rules.ts';
import type { Timers as GatewayTimers } from '../shared/timers.ts';
import { DEFAULT_LIMITS, type BrokerLimits, type ClientCertificates, type TlsMaterial } from './mqtt/broker.ts';
import { isScryptHash, isStoredHash, type CredentialRole, type ScryptParams } from './credentials.ts';
import type { LoginLimits } from './mqtt/rate-limit.ts';
import type { HttpLimits } from './http/http.ts';
import type { Timers } from './http/sse.ts';
import type { RetryTimers } from './feeds/ngsi-ld-push.ts';
import { validateSensorInfo, type SensorInfo } from './register.ts';

export interface GatewayOptions {
  /** Plain MQTT (TCP). Keep it on loopback unless the network is trusted: passwords cross it in clear text. */
  mqtt?: { host?: string; port?: number };
  /** MQTT over TLS (mqtts): PEM certificate (chain) and key files. */
  mqtts?: {
    host?: string; port?: number; certFile: string; keyFile: string;
    /** The gateway CA's certificate (gateway/mqtt/ca.ts): sensors may log in with a client certificate it issued. */
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
  /** Push the NGSI-LD CrowdFlowObserved entities to this context broker (gateway/feeds/ngsi-ld-push.ts). */
  ngsiLd?: { brokerUrl: string; tenant?: string; retryMs?: number; timers?: RetryTimers };
  /**
   * How sensors and people reach this gateway from outside (behind a proxy, a DNS name): the register's base URL and
   * the broker URLs. Served by GET /api/admin/whereabouts; each defaults to the listener's own URL.
   */
  publicUrls?: { http?: string; mqtt?: string; mqtts?: string };
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

export function checkOptions(opts: GatewayOptions): { errors: string[]; tls: TlsMaterial | null; limits: BrokerLimits; clientCertificates: ClientCertificates | null } {
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
