/** Shared builders for the gateway tests: sensors, payloads, a gateway on port 0, MQTT and SSE clients. */
import { request } from 'node:http';
import { Encoder } from 'cbor-x';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { ManualClock } from '../../shared/clock.ts';
import { encodeSensorPayload } from '../../shared/codec.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import type { Aggregate, Status } from '../../shared/payloads.ts';
import { startGateway, type Gateway, type GatewayOptions } from '../../gateway/gateway.ts';
import type { SensorInfo } from '../../gateway/register.ts';

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
    area: { m2: 40 },
    expiresAt: '2026-05-31',
    registerUrl: `https://register.voorbeeld.nl/sensors/${id}`,
    kFloor: 5,
    windowSeconds: 60,
    granularity: 5,
    output: 'level+count',
    ...overrides,
  };
}

export function aggregate(sensor: string, seq: number, overrides: Partial<Aggregate> = {}): Aggregate {
  return { v: 1, sensor, seq, from: T0S - 60, to: T0S, level: 3, count: 12, ...overrides };
}

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
}

export async function startTestGateway(sensors: SensorInfo[] = [sensorInfo('dam-noord')], extra: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const clock = new ManualClock(T0);
  const logs = memorySink();
  const gw = await startGateway({
    mqtt: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    clock,
    logger: createLogger('test', { destination: logs.stream, level: 'debug' }),
    sensors,
    ...extra,
  });
  return { gw, clock, logs, base: `http://127.0.0.1:${gw.httpPort}`, mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}` };
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
