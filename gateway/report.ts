/**
 * What the gateway says about itself, as pure functions of what it runs: its URLs, the effective configuration it
 * logs once at start (no token, no password, no hash) and the /api/health document. Nothing here starts, stops or
 * reads anything; gateway/gateway.ts gathers the inputs.
 */
import { hostname } from 'node:os';
import type { Whereabouts } from './http/admin-contract.ts';
import type { HttpServer } from './http/http.ts';
import type { IngestStats } from './ingest/ingest.ts';
import type { NgsiLdPushStats } from './feeds/ngsi-ld-push.ts';
import { WS_PATH, type BrokerLimits } from './mqtt/broker.ts';
import type { PolicyStats } from './mqtt/policy.ts';
import type { LoginLimits } from './mqtt/rate-limit.ts';
import { urlHost } from './listen.ts';
import type { GatewayOptions } from './options.ts';
import type { SensorInfo } from './register.ts';

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

/** The listeners as they came up: the embedded broker's host and ports (null in external-broker mode), HTTP's. */
export interface Listeners {
  broker: { host: string; ports: { mqtt: number; mqtts: number | null; ws: number | null } } | null;
  /** External-broker mode: the broker's URL (the sensors' URL too). */
  externalUrl: string | null;
  http: { host: string; port: number };
}

export function gatewayUrls(opts: Pick<GatewayOptions, 'http' | 'mqtts' | 'ws'>, l: Listeners, sensorIds: readonly string[]): GatewayUrls {
  const httpBase = `${opts.http?.tls ? 'https' : 'http'}://${urlHost(l.http.host)}:${l.http.port}`;
  const host = l.broker?.host ?? '';
  const ports = l.broker?.ports ?? { mqtt: 0, mqtts: null, ws: null };
  return {
    http: `${httpBase}/`,
    mqtt: l.broker ? `mqtt://${urlHost(host)}:${ports.mqtt}` : l.externalUrl!,
    mqtts: ports.mqtts === null ? null : `mqtts://${urlHost(opts.mqtts?.host ?? host)}:${ports.mqtts}`,
    ws: ports.ws === null ? null : `${opts.ws?.tls ? 'wss' : 'ws'}://${urlHost(opts.ws?.host ?? host)}:${ports.ws}${WS_PATH}`,
    displays: Object.fromEntries(sensorIds.map((id) => [id, `${httpBase}/display/${id}`])),
  };
}

/** A wildcard listen address says nothing about where the gateway is reached: use the machine's name instead. */
const reachable = (url: string): string => url.replace(/^(\w+:\/\/)(0\.0\.0\.0|\[::\])(?=[:/]|$)/, `$1${hostname()}`);

/** GET /api/admin/whereabouts: the public URLs, or the listeners' own. */
export function whereabouts(urls: GatewayUrls, pub: GatewayOptions['publicUrls'] = {}): Whereabouts {
  const http = (pub.http ?? reachable(urls.http)).replace(/\/?$/, '/');
  return { http, registerUrl: `${http}sensors/{id}`, mqtt: pub.mqtt ?? reachable(urls.mqtt), mqtts: pub.mqtts ?? (urls.mqtts ? reachable(urls.mqtts) : null) };
}

/** The effective configuration, as logged once at start. */
export function effectiveConfig(
  opts: GatewayOptions,
  l: Listeners,
  s: { storage: Record<string, unknown> | string; credentials: Record<string, number>; limits: BrokerLimits; loginLimits: LoginLimits; sensors: readonly SensorInfo[] },
): Record<string, unknown> {
  const ports = l.broker?.ports ?? { mqtt: 0, mqtts: null, ws: null };
  return {
    mqtt: l.broker
      ? { host: l.broker.host, port: ports.mqtt, auth: 'per-client credentials (keyed hash for machine secrets, scrypt for the rest), anonymous refused' }
      : { external: l.externalUrl, auth: "the external broker's own (password file, ACL)" },
    mqtts: opts.mqtts ? { port: ports.mqtts, certFile: opts.mqtts.certFile } : null,
    ws: opts.ws ? { port: ports.ws, path: WS_PATH, tls: Boolean(opts.ws.tls) } : null,
    http: { host: l.http.host, port: l.http.port },
    storage: s.storage,
    admin: opts.admin ? 'token (scrypt hash)' : 'disabled (no admin credential: every admin request gets 401)',
    credentials: s.credentials,
    limits: s.limits,
    loginLimits: s.loginLimits,
    sensors: s.sensors.map((i) => ({ id: i.id, driver: i.driver, expiresAt: i.expiresAt, kFloor: i.kFloor })),
  };
}

/** What /api/health is made of, gathered at the moment of the request. */
export interface HealthInputs {
  uptimeSeconds: number;
  sensors: number;
  http: ReturnType<HttpServer['stats']> | null;
  /** The embedded broker, or null in external-broker mode. */
  broker: { connections: number; policy: PolicyStats; closedByLimits: Record<string, number>; limits: BrokerLimits } | null;
  external: { url: string; connected: boolean } | null;
  ingest: IngestStats;
  /** The store: engine, instance name, duplicates dropped, retention totals, what came from other instances. */
  store: Record<string, unknown>;
  ngsiLd: NgsiLdPushStats | null;
}

export function healthReport(h: HealthInputs): Record<string, unknown> {
  return {
    status: 'ok',
    uptimeSeconds: h.uptimeSeconds,
    sensors: h.sensors,
    streams: h.http?.streams ?? 0,
    http: h.http,
    broker: h.broker
      ? { connections: h.broker.connections, ...h.broker.policy, closedByLimits: h.broker.closedByLimits, limits: { maxConnectionsPerAddress: h.broker.limits.maxConnectionsPerAddress, maxPacketBytes: h.broker.limits.maxPacketBytes } }
      : { external: h.external?.url, connected: h.external?.connected ?? false },
    ingest: h.ingest,
    store: h.store,
    ...(h.ngsiLd ? { ngsiLd: h.ngsiLd } : {}),
  };
}
