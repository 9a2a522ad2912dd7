/**
 * End to end through real parts: an aedes broker on port 0, real mqtt.js clients publishing CBOR, the HTTP API
 * and a plain-HTTP event stream reader.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { AGGREGATE_KEYS } from '../../shared/payloads.ts';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { aggregate, encodeAggregate, encodeStatus, getJson, openSse, rawCbor, sensorInfo, startTestGateway, status, T0S, type SseReader, type TestGateway } from './helpers.ts';

const ID = 'dam-noord';
let t: TestGateway;
const clients: MqttClient[] = [];
const readers: SseReader[] = [];

/** The sensor's own authenticated client (a second one with the same id takes the session over). */
async function sensorClient(id = ID, opts = {}): Promise<MqttClient> {
  const c = await t.connectSensor(id, opts);
  clients.push(c);
  return c;
}

const health = async () => (await getJson(`${t.base}/api/health`)).body;
const sensorsApi = async () => (await getJson<any[]>(`${t.base}/api/sensors`)).body;

beforeEach(async () => {
  t = await startTestGateway([sensorInfo(ID), sensorInfo('dam-zuid')]);
});

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await t.gw.stop();
});

describe('gateway: valid data', () => {
  it('shows a published aggregate at /api/sensors with exactly the 7 contract keys, and streams it', async () => {
    const sse = await openSse(`${t.base}/api/stream`);
    readers.push(sse);
    expect(sse.headers['content-type']).toMatch(/^text\/event-stream/);

    const c = await sensorClient();
    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { count: 15, level: 4 })), { qos: 1 });

    const event = await sse.next((e) => e.event === 'aggregate');
    expect(JSON.parse(event.data)).toEqual(aggregate(ID, 1, { count: 15, level: 4 }));

    const list = await sensorsApi();
    const entry = list.find((s) => s.id === ID);
    expect(Object.keys(entry).sort()).toEqual(['expiresAt', 'id', 'latest', 'owner', 'purpose', 'retentionDays', 'state'].sort());
    expect(Object.keys(entry.latest).sort()).toEqual([...AGGREGATE_KEYS].sort());
    expect(entry.latest).toEqual(aggregate(ID, 1, { count: 15, level: 4 }));
    expect(list.find((s) => s.id === 'dam-zuid').latest).toBeNull();
  });

  it('logs its effective configuration once at start', () => {
    const started = t.logs.lines().filter((l) => l.msg === 'gateway started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      config: { mqtt: { host: '127.0.0.1', port: t.gw.mqttPort }, http: { host: '127.0.0.1', port: t.gw.httpPort }, sensors: [{ id: ID }, { id: 'dam-zuid' }] },
      urls: { http: `${t.base}/`, mqtt: t.mqttUrl, displays: { [ID]: `${t.base}/display/${ID}` } },
    });
  });

  it('sends the current state to a stream that connects later, filtered by ?sensor=', async () => {
    const c = await sensorClient();
    await c.publishAsync(statusTopic(ID), encodeStatus(status(ID, 'starting')), { qos: 1, retain: true });
    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 7, { from: T0S - 60, to: T0S })), { qos: 1 });
    const zuid = await sensorClient('dam-zuid');
    await zuid.publishAsync(aggregateTopic('dam-zuid'), encodeAggregate(aggregate('dam-zuid', 1)), { qos: 1 });
    await expect.poll(async () => (await health()).ingest.accepted.aggregate).toBe(2);

    const sse = await openSse(`${t.base}/api/stream?sensor=${ID}`);
    readers.push(sse);
    expect(JSON.parse((await sse.next((e) => e.event === 'aggregate')).data).seq).toBe(7);
    expect(JSON.parse((await sse.next((e) => e.event === 'status')).data).state).toBe('starting');
    expect(sse.events.every((e) => JSON.parse(e.data).sensor === ID)).toBe(true);
    expect((await fetch(`${t.base}/api/stream?sensor=nope-nope`)).status).toBe(404);
  });

  it('takes the sensor state from its status, and the last will marks it offline', async () => {
    const c = await t.connectSensor(ID, { will: { topic: statusTopic(ID), payload: encodeStatus(status(ID, 'offline')), qos: 1, retain: true } });
    await c.publishAsync(statusTopic(ID), encodeStatus(status(ID, 'registering')), { qos: 1, retain: true });
    await expect.poll(async () => (await sensorsApi()).find((s) => s.id === ID).state).toBe('registering');
    c.stream.destroy(); // vanish without DISCONNECT: the broker publishes the will
    await expect.poll(async () => (await sensorsApi()).find((s) => s.id === ID).state).toBe('offline');
    await c.endAsync(true);
  });
});

describe('gateway: hostile and broken input', () => {
  /** Publish from a fresh client (a refused publish closes the connection) and wait until it is counted. */
  async function publishRefused(topic: string, payload: Buffer, reason: string): Promise<void> {
    const before = (await health()).broker.refused[reason] ?? 0;
    const c = await sensorClient(); // the sensor itself, authenticated, on its own topics
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(topic, payload, { qos: 1 });
    await closed; // MQTT 3.1.1 cannot say why [MQTT-3.3.5-2]: the broker closes the connection
    await expect.poll(async () => (await health()).broker.refused[reason] ?? 0).toBe(before + 1);
  }

  it('refuses malformed CBOR, extra keys, wrong types, id mismatches and foreign topics, counts them by reason, keeps running', async () => {
    const first = await sensorClient();
    await first.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { count: 20, level: 4 })), { qos: 1 });
    await expect.poll(async () => (await sensorsApi()).find((s) => s.id === ID).latest?.count).toBe(20);
    const good = await sensorClient('dam-zuid'); // another sensor stays connected throughout

    const marker = 'PAYLOAD-MARKER-7f3a';
    await publishRefused(aggregateTopic(ID), Buffer.from([0xbf, 0x61, 0x76, 0x01, ...Buffer.from(marker)]), 'malformed-cbor');
    await publishRefused(aggregateTopic(ID), rawCbor({ ...aggregate(ID, 2), xMm: marker }), 'unexpected-key');
    await publishRefused(aggregateTopic(ID), rawCbor({ ...aggregate(ID, 3), seq: '3' }), 'invalid-value');
    await publishRefused(aggregateTopic(ID), rawCbor({ ...aggregate(ID, 4), count: 12.5 }), 'invalid-value');
    await publishRefused(aggregateTopic(ID), encodeAggregate(aggregate('dam-zuid', 5)), 'sensor-mismatch');
    await publishRefused(statusTopic(ID), rawCbor({ ...status(ID, 'starting'), state: 'running' }), 'invalid-value');
    await publishRefused('drukte/v1/sensors/dam-noord/positions', Buffer.from(marker), 'topic-not-allowed');
    await publishRefused('$SYS/fake/heartbeat', Buffer.from('x'), 'topic-not-allowed');
    await publishRefused(aggregateTopic(ID), Buffer.alloc(0), 'empty-payload');

    const h = await health();
    expect(h.status).toBe('ok');
    expect(h.broker.refused).toEqual({ 'empty-payload': 1, 'invalid-value': 3, 'malformed-cbor': 1, 'sensor-mismatch': 1, 'topic-not-allowed': 2, 'unexpected-key': 1 });
    expect(h.broker.refusedTotal).toBe(9);
    // Refused before any side effect: ingest never saw them.
    expect(h.ingest.rejectedTotal).toBe(0);
    // The good data stays, and the gateway still takes new good data.
    expect((await sensorsApi()).find((s) => s.id === ID).latest).toEqual(aggregate(ID, 1, { count: 20, level: 4 }));
    expect(good.connected).toBe(true);
    await good.publishAsync(aggregateTopic('dam-zuid'), encodeAggregate(aggregate('dam-zuid', 2, { count: 25, level: 4 })), { qos: 1 });
    await expect.poll(async () => (await sensorsApi()).find((s) => s.id === 'dam-zuid').latest?.count).toBe(25);
    const again = await sensorClient();
    await again.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 2, { count: 30, level: 5 })), { qos: 1 });
    await expect.poll(async () => (await sensorsApi()).find((s) => s.id === ID).latest?.count).toBe(30);
    // Reasons are logged, payloads never.
    expect(t.logs.text()).not.toContain(marker);
    expect(t.logs.lines().filter((l) => l.msg === 'publish refused')).toHaveLength(9);
  });

  it('drops a redelivered aggregate (QoS 1) as a duplicate by its window, and takes a restarted seq, counted at /api/health', async () => {
    const c = await sensorClient();
    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 10, { from: T0S - 120, to: T0S - 60 })), { qos: 1 });
    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 10, { from: T0S - 120, to: T0S - 60 })), { qos: 1 });
    // The seq file was lost: the counter starts again at 1, the window moves on: accepted, nothing is poisoned.
    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: T0S - 60, to: T0S, count: 13, level: 4 })), { qos: 1 });
    await expect.poll(async () => (await health()).ingest.accepted.aggregate).toBe(2);
    expect((await health()).ingest.rejected).toEqual({ duplicate: 1 });
    expect((await sensorsApi()).find((s) => s.id === ID).latest.count).toBe(13);
  });

  it('checks again in ingest: a broker-internal publish bypasses the policy but not ingest', async () => {
    await t.gw.broker!.publish(aggregateTopic(ID), Buffer.from([0xa7, 0x61, 0x76]));
    await t.gw.broker!.publish(aggregateTopic(ID), rawCbor({ ...aggregate(ID, 1), extra: 1 }));
    await t.gw.broker!.publish(aggregateTopic('not-registered'), encodeAggregate(aggregate('not-registered', 1)));
    await t.gw.broker!.publish(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: 1_748_779_000, to: 1_748_779_005 })));
    await expect.poll(async () => (await health()).ingest.rejected).toEqual({ 'malformed-cbor': 1, 'unexpected-key': 1, 'unknown-sensor': 1, 'window-length': 1 });
    expect((await health()).broker.refusedTotal).toBe(0);
  });
});
