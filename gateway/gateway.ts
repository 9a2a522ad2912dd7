/**
 * Composition root of the gateway: policy → broker → ingest → HTTP, started in that order and stopped in reverse.
 * Configuration is checked once, every problem reported at once; the effective configuration is logged once.
 * A failed or aborted start undoes what had started (a busy HTTP port closes the broker again).
 */
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import { DEFAULT_MQTT_HOST, DEFAULT_MQTT_PORT, MqttBroker } from './broker.ts';
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, HttpServer } from './http.ts';
import { Ingest } from './ingest.ts';
import { urlHost } from './listen.ts';
import { createPolicy, type PolicyOptions } from './policy.ts';
import { InMemorySensorRegister, validateSensorInfo, type SensorInfo, type SensorRegister } from './register.ts';
import type { Timers } from './sse.ts';

export interface GatewayOptions {
  mqtt?: { host?: string; port?: number };
  http?: { host?: string; port?: number; timers?: Timers };
  clock: Clock;
  logger: Logger;
  /** Sensors to register at start (into `register`, or a new in-memory register). */
  sensors?: SensorInfo[];
  /** The register to use; default: in memory. */
  register?: SensorRegister;
  /** Which broker clients count as the gateway itself (see gateway/policy.ts). */
  isInternalClient?: PolicyOptions['isInternal'];
  /** Abort a start in progress; whatever had started is stopped again. */
  signal?: AbortSignal;
}

export interface GatewayUrls {
  /** Public register index, e.g. http://localhost:8080/ */
  http: string;
  /** Broker URL for sensors, e.g. mqtt://localhost:1883 */
  mqtt: string;
  /** Display page per sensor id. */
  displays: Record<string, string>;
}

export interface Gateway {
  mqttPort: number;
  httpPort: number;
  urls: GatewayUrls;
  register: SensorRegister;
  ingest: Ingest;
  broker: MqttBroker;
  /** Stop HTTP, ingest and broker; resolves when every socket and timer is gone. Idempotent. */
  stop(): Promise<void>;
}

export class GatewayConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid gateway configuration:\n${errors.map((e) => `  ✗ ${e}`).join('\n')}`);
    this.name = 'GatewayConfigError';
  }
}

function checkOptions(opts: GatewayOptions): string[] {
  const errors: string[] = [];
  const port = (name: string, p: unknown) => {
    if (p !== undefined && !(Number.isInteger(p) && (p as number) >= 0 && (p as number) <= 65535)) errors.push(`${name} must be a port number 0–65535 (0 = any free port)`);
  };
  port('mqtt.port', opts.mqtt?.port);
  port('http.port', opts.http?.port);
  const seen = new Set<string>();
  for (const info of opts.sensors ?? []) {
    errors.push(...validateSensorInfo(info).map((e) => `sensor ${e}`));
    if (seen.has(info.id)) errors.push(`sensor ${info.id}: listed twice`);
    seen.add(info.id);
  }
  return errors;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('gateway start aborted');
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const errors = checkOptions(opts);
  if (errors.length) throw new GatewayConfigError(errors);
  const log = opts.logger.child({ module: 'gateway' });
  const register = opts.register ?? new InMemorySensorRegister();
  for (const info of opts.sensors ?? []) register.upsert(info);

  const policy = createPolicy({ logger: opts.logger, ...(opts.isInternalClient ? { isInternal: opts.isInternalClient } : {}) });
  const broker = new MqttBroker({ host: opts.mqtt?.host ?? DEFAULT_MQTT_HOST, port: opts.mqtt?.port ?? DEFAULT_MQTT_PORT, policy, logger: opts.logger });
  const ingest = new Ingest({ register, clock: opts.clock, logger: opts.logger });
  const startedAt = opts.clock.monotonic();
  let http: HttpServer | null = null;

  const stopAll = async () => {
    await http?.stop();
    await ingest.detach();
    await broker.stop();
  };

  try {
    opts.signal?.throwIfAborted();
    await broker.start();
    await ingest.attach(broker);
    opts.signal?.throwIfAborted();
    http = new HttpServer({
      host: opts.http?.host ?? DEFAULT_HTTP_HOST,
      port: opts.http?.port ?? DEFAULT_HTTP_PORT,
      register,
      ingest,
      clock: opts.clock,
      logger: opts.logger,
      ...(opts.http?.timers ? { timers: opts.http.timers } : {}),
      health: () => ({
        status: 'ok',
        uptimeSeconds: Math.floor((opts.clock.monotonic() - startedAt) / 1000),
        sensors: register.list().length,
        streams: http?.streams ?? 0,
        broker: { refused: policy.refused(), refusedTotal: policy.refusedTotal() },
        ingest: ingest.stats(),
      }),
    });
    await http.start();
    if (opts.signal?.aborted) throw abortError(opts.signal);
  } catch (err) {
    await stopAll();
    if (opts.signal?.aborted) throw abortError(opts.signal);
    throw err;
  }

  const httpBase = `http://${urlHost(http.host)}:${http.port}`;
  const urls: GatewayUrls = {
    http: `${httpBase}/`,
    mqtt: `mqtt://${urlHost(broker.host)}:${broker.port}`,
    displays: Object.fromEntries(register.list().map((s) => [s.id, `${httpBase}/display/${s.id}`])),
  };
  // The effective configuration, once (nothing secret in it yet; credentials will be left out when they come).
  log.info(
    {
      config: {
        mqtt: { host: broker.host, port: broker.port, auth: 'none (walking skeleton)', tls: false },
        http: { host: http.host, port: http.port },
        sensors: register.list().map((s) => ({ id: s.id, driver: s.driver, expiresAt: s.expiresAt, kFloor: s.kFloor })),
      },
      urls,
    },
    'gateway started',
  );

  let stopping: Promise<void> | null = null;
  return {
    mqttPort: broker.port,
    httpPort: http.port,
    urls,
    register,
    ingest,
    broker,
    stop: () => {
      stopping ??= stopAll().then(() => log.info('gateway stopped'));
      return stopping;
    },
  };
}
