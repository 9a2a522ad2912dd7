/**
 * Shared builders for the gateway tests: sensors, payloads, a gateway on port 0 with credentials for its sensors,
 * a feed reader and an admin token, MQTT and SSE clients.
 */
import { request } from 'node:http';
import { Encoder } from 'cbor-x';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { ManualClock } from '../../shared/clock.ts';
import { encodeSensorPayload } from '../../shared/codec.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import type { Aggregate, Status } from '../../shared/payloads.ts';
import { AdminClient } from '../../cli/admin-client.ts';
import { hashSecret, type ScryptParams } from '../../gateway/credentials.ts';
import { startGateway, type Gateway, type GatewayOptions } from '../../gateway/gateway.ts';
import type { SensorInfo } from '../../gateway/register.ts';

/** Cheap scrypt for tests (the stored parameters travel with each hash, so verification is cheap too). */
export const TEST_HASH: ScryptParams = { N: 1024, r: 8, p: 1, keyLength: 32 };
export const ADMIN_TOKEN = 'test-admin-token-5f1d0c2e';
export const READER = 'gemeente-feed';
export const passwordOf = (username: string): string => `pw-${username}-7c41a9`;

/** 2025-06-01T12:00:00Z: the gateway's (manual) clock in these tests. */
export const T0 = Date.parse('2025-06-01T12:00:00Z');
export const T0S = T0 / 1000;

export function sensorInfo(id: string, overrides: Partial<SensorInfo> = {}): SensorInfo {
  return {
    id,
    driver: 'ld2450',
    owner: { name: 'Team Openbare Ruimte', organisation: 'Gemeente Voorbeeld', email: 'drukte@voorbeeld.nl', phone: '+31 20 123 4567' },
    purpose: 'Crowd safety on the square during events',
    legalGround: 'AVG art. 6(1)(e), Gemeentewet art. 172',
    dpiaRef: 'DPIA-2025-017',
    location: { lat: 52.3731, lon: 4.8922, description: 'Dam, north side, lamp post 12' },
    area: { m2: 12 }, // 12 people on 12 m² = 1.0/m²: level D (3), the default aggregate below
    expiresAt: '2026-05-31',
    registerUrl: `https://register.voorbeeld.nl/sensors/${id}`,
    kFloor: 5,
    windowSeconds: 60,
    granularity: 1,
    output: 'level+count',
    ...overrides,
  };
}

/** A technician's manifest (shared/manifest.ts), valid at the tests' clock T0. */
export function testManifest(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id, areaId: 'station-square', driver: 'ld2450',
    owner: { name: 'Team Openbare Ruimte', organisation: 'Gemeente Voorbeeld', email: 'drukte@voorbeeld.nl', phone: '+31 20 123 4567' },
    purpose: 'Show the queue length at the ticket kiosk', legalGround: 'AVG art. 6(1)(e)', dpiaRef: 'DPIA-2025-017',
    location: { lat: 52.3791, lon: 4.9003, description: 'Above the ticket kiosk' },
    area: { m2: 3, zone: [[-500, 400], [500, 400], [500, 3400], [-500, 3400]] },
    minimisation: { windowSeconds: 10, kFloor: 3, granularity: 1 },
    expiresAt: '2026-05-01', registerUrl: `https://register.voorbeeld.nl/sensors/${id}`, gatewayUrl: 'mqtts://gateway.voorbeeld.nl:8883',
    ...overrides,
  };
}

/**
 * A valid aggregate for sensorInfo()'s rules: seq 1 is the window that ends at T0, seq n the (n−1)-th window after
 * it, so consecutive seqs are consecutive windows on the grid (up to seq 6 within the gateway's 300 s clock skew);
 * 12 people on 12 m² → level 3.
 */
export function aggregate(sensor: string, seq: number, overrides: Partial<Aggregate> = {}): Aggregate {
  return { v: 1, sensor, seq, from: windowFrom(seq), to: windowFrom(seq) + 60, level: 3, count: 12, ...overrides };
}

/** Start of the window of seq n in aggregate(): T0 − 60 s for n = 1. */
export const windowFrom = (seq: number): number => T0S - 60 + 60 * (seq - 1);

export function status(sensor: string, state: Status['state'], overrides: Partial<Status> = {}): Status {
  return { v: 1, sensor, state, expiresAt: '2026-05-31', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64), since: T0S - 120, ...overrides };
}

export const encodeAggregate = (a: Aggregate): Buffer => encodeSensorPayload('aggregate', a);
export const encodeStatus = (s: Status): Buffer => encodeSensorPayload('status', s);

/** Plain CBOR without validation, for payloads the contract forbids. */
const rawEncoder = new Encoder({ useRecords: false, structuredClone: false, pack: false, tagUint8Array: false, variableMapSize: true });
export const rawCbor = (value: unknown): Buffer => rawEncoder.encode(value);

export interface TestGateway {
  gw: Gateway;
  clock: ManualClock;
  logs: ReturnType<typeof memorySink>;
  base: string;
  mqttUrl: string;
  admin: AdminClient;
  /** A sensor's own MQTT client: username = id, its password, clientId sensor-{id}. */
  connectSensor(id: string, opts?: IClientOptions): Promise<MqttClient>;
  /** The feed reader (READER), read-only on drukte/v1/areas/#. */
  connectReader(opts?: IClientOptions): Promise<MqttClient>;
}

/** Stored credentials for the given sensors (password: passwordOf(id)) and for READER. */
export async function testCredentials(sensorIds: readonly string[]): Promise<NonNullable<GatewayOptions['credentials']>> {
  const sensors = await Promise.all(sensorIds.map(async (id) => ({ username: id, role: 'sensor' as const, hash: await hashSecret(passwordOf(id), TEST_HASH) })));
  return [...sensors, { username: READER, role: 'reader', hash: await hashSecret(passwordOf(READER), TEST_HASH) }];
}

export async function startTestGateway(sensors: SensorInfo[] = [sensorInfo('dam-noord')], extra: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const clock = (extra.clock as ManualClock | undefined) ?? new ManualClock(T0);
  const logs = memorySink();
  const gw = await startGateway({
    mqtt: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    clock,
    logger: createLogger('test', { destination: logs.stream, level: 'debug' }),
    sensors,
    credentials: await testCredentials(sensors.map((s) => s.id)),
    admin: { token: ADMIN_TOKEN },
    hashParams: TEST_HASH,
    ...extra,
  });
  const mqttUrl = `mqtt://127.0.0.1:${gw.mqttPort}`;
  const base = `http://127.0.0.1:${gw.httpPort}`;
  return {
    gw, clock, logs, base, mqttUrl,
    admin: new AdminClient({ baseUrl: base, token: ADMIN_TOKEN }),
    connectSensor: (id, opts = {}) => connectClient(mqttUrl, { clientId: `sensor-${id}`, username: id, password: passwordOf(id), ...opts }),
    connectReader: (opts = {}) => connectClient(mqttUrl, { clientId: `${READER}-1`, username: READER, password: passwordOf(READER), ...opts }),
  };
}

export function connectClient(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
}

/** The parsed JSON body of a GET (tests read fields freely). */
export async function fetchJson(url: string): Promise<any> {
  return (await fetch(url)).json();
}

export async function getJson<T = any>(url: string): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

export interface SseEventRecord {
  event: string;
  data: string;
}

/** A plain HTTP client reading an event stream, as a browser would, without a browser. */
export interface SseReader {
  events: SseEventRecord[];
  /** Raw text received so far (including comments). */
  raw: () => string;
  /** Resolves with the first event (already received or future) matching `pred`. */
  next(pred: (e: SseEventRecord) => boolean): Promise<SseEventRecord>;
  headers: Record<string, string | string[] | undefined>;
  close(): void;
  closed: Promise<void>;
}

export function openSse(url: string): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
      let text = '';
      let buffer = '';
      const events: SseEventRecord[] = [];
      const waiters: Array<{ pred: (e: SseEventRecord) => boolean; resolve: (e: SseEventRecord) => void }> = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (!data.length) continue;
          const record = { event, data: data.join('\n') };
          events.push(record);
          for (const w of [...waiters]) {
            if (!w.pred(record)) continue;
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(record);
          }
        }
      });
      const closed = new Promise<void>((r) => res.on('close', () => r()));
      resolve({
        events,
        raw: () => text,
        headers: res.headers,
        next: (pred) => {
          const found = events.find(pred);
          return found ? Promise.resolve(found) : new Promise((r) => waiters.push({ pred, resolve: r }));
        },
        close: () => req.destroy(),
        closed,
      });
    });
    req.on('error', reject);
    req.end();
  });
}
