/**
 * The broker's auth/ACL matrix, each row proven with real mqtt.js clients against the real broker (aedes on port 0).
 * Refused connections get a CONNACK return code [MQTT-3.2.2.3]: 4 = bad user name or password, 5 = not
 * authorised, 2 = identifier rejected. Refused publishes close the connection; refused subscriptions get 0x80.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregateTopic, areaDensityTopic, statusTopic } from '../../shared/topics.ts';
import { ADMIN_TOKEN, aggregate, encodeAggregate, encodeStatus, passwordOf, READER, sensorInfo, startTestGateway, status, type TestGateway } from './helpers.ts';

const A = 'dam-noord';
const B = 'dam-zuid';
let t: TestGateway;
const open: MqttClient[] = [];

beforeEach(async () => {
  t = await startTestGateway([sensorInfo(A, { areaId: 'dam' }), sensorInfo(B, { areaId: 'dam' }), sensorInfo('old-one', { expiresAt: '2025-05-31' })]);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.endAsync(true)));
  await t.gw.stop();
});

/** Connect and report the CONNACK outcome: 0 when accepted, else the return code. */
function connectCode(opts: IClientOptions, url = t.mqttUrl): Promise<number> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
    c.once('connect', () => {
      open.push(c);
      resolve(0);
    });
    c.once('error', (err: Error & { code?: number }) => {
      c.end(true);
      resolve(typeof err.code === 'number' ? err.code : -1);
    });
  });
}

const refusals = () => (t.logs.lines().filter((l) => l.msg === 'connection refused') as Array<{ reason: string; username: string }>);
const stats = async () => ((await (await fetch(`${t.base}/api/health`)).json()) as { broker: Record<string, any>; ingest: Record<string, any> }).broker;

/** SUBSCRIBE and return the granted QoS per filter (128 = refused); mqtt.js reports refusals as an error. */
async function subscribeGranted(c: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    return ((err as { packet?: { granted: number[] } }).packet?.granted ?? []).map(Number);
  }
}

/** Publish and wait for the broker to close the connection (MQTT 3.1.1 has no negative PUBACK). */
async function publishClosed(c: MqttClient, topic: string, payload: Buffer, retain = false): Promise<void> {
  const closed = new Promise<void>((r) => c.once('close', () => r()));
  c.publish(topic, payload, { qos: 1, retain });
  await closed;
}

describe('connect: who may connect at all', () => {
  it('refuses anonymous clients (no username) and clients without a password', async () => {
    expect(await connectCode({ clientId: `sensor-${A}` })).toBe(5);
    expect(await connectCode({ clientId: `sensor-${A}`, username: A })).toBe(4);
    expect(refusals().map((r) => r.reason)).toEqual(['anonymous', 'bad-credentials']);
  });

  it('refuses a wrong password, and logs the username but never a password', async () => {
    expect(await connectCode({ clientId: `sensor-${A}`, username: A, password: 'guess-Xq7-NOT-IT' })).toBe(4);
    expect(refusals()).toEqual([expect.objectContaining({ reason: 'bad-credentials', username: A })]);
    expect(await connectCode({ clientId: 'x', username: 'Robert"); DROP TABLE', password: 'p' })).toBe(4);
    expect(refusals()[1]).toMatchObject({ username: '(not an id)' });
    expect(t.logs.text()).not.toContain('guess-Xq7-NOT-IT');
    expect(t.logs.text()).not.toContain('DROP TABLE');
  });

  it('refuses an unregistered sensor (no credential), whatever it sends', async () => {
    expect(await connectCode({ clientId: 'sensor-unregistered', username: 'unregistered', password: passwordOf('unregistered') })).toBe(4);
  });

  it('refuses an expired sensor even with the right password', async () => {
    expect(await connectCode({ clientId: 'sensor-old-one', username: 'old-one', password: passwordOf('old-one') })).toBe(5);
    expect(refusals().at(-1)).toMatchObject({ reason: 'sensor-expired', username: 'old-one' });
    // …and the day it expires at midnight UTC is the last day it may connect.
    t.clock.setWall(Date.parse('2026-06-01T00:00:00Z'));
    expect(await connectCode({ clientId: `sensor-${A}`, username: A, password: passwordOf(A) })).toBe(5);
  });

  it("refuses a sensor using another sensor's client id (it would take over that session)", async () => {
    const b = await t.connectSensor(B);
    open.push(b);
    expect(await connectCode({ clientId: `sensor-${B}`, username: A, password: passwordOf(A) })).toBe(2);
    expect(b.connected).toBe(true);
    expect(await connectCode({ clientId: 'mqttjs_random', username: READER, password: passwordOf(READER) })).toBe(2);
  });

  it('refuses keepalive 0 (never) and keepalives beyond the bounds', async () => {
    expect(await connectCode({ clientId: `sensor-${A}`, username: A, password: passwordOf(A), keepalive: 0 })).toBe(5);
    expect(await connectCode({ clientId: `sensor-${A}`, username: A, password: passwordOf(A), keepalive: 3600 })).toBe(5);
    expect(refusals().map((r) => r.reason)).toEqual(['keepalive-out-of-range', 'keepalive-out-of-range']);
  });

  it('does not accept the admin credential on MQTT', async () => {
    expect(await connectCode({ clientId: 'admin', username: 'admin', password: ADMIN_TOKEN })).toBe(4);
  });

  it("refuses a last will on another sensor's topic before storing it", async () => {
    const will = { topic: statusTopic(B), payload: encodeStatus(status(B, 'offline')), qos: 1 as const, retain: true };
    expect(await connectCode({ clientId: `sensor-${A}`, username: A, password: passwordOf(A), will })).toBe(5);
    expect(refusals().at(-1)).toMatchObject({ reason: 'will-not-allowed' });
  });
});

describe('publish and subscribe: each only on its own topics', () => {
  it("closes a sensor that publishes on another sensor's topics; the other sensor's data is untouched", async () => {
    const a = await t.connectSensor(A);
    await publishClosed(a, aggregateTopic(B), encodeAggregate(aggregate(B, 1, { count: 99 })));
    const a2 = await t.connectSensor(A);
    await publishClosed(a2, statusTopic(B), encodeStatus(status(B, 'fault')), true);
    expect((await stats()).refused).toEqual({ 'not-own-topic': 2 });
    expect(t.gw.ingest.latest(B)).toEqual({ aggregate: null, status: null, receivedAt: null });
  });

  it('closes a reader that publishes anything', async () => {
    const r = await t.connectReader();
    await publishClosed(r, areaDensityTopic('dam'), Buffer.from('{"v":1}'), true);
    const r2 = await t.connectReader();
    await publishClosed(r2, aggregateTopic(A), encodeAggregate(aggregate(A, 1)));
    expect((await stats()).refused).toEqual({ 'read-only': 2 });
    expect(t.gw.ingest.stats().accepted.aggregate).toBe(0);
  });

  it('lets a sensor subscribe to nothing (SUBACK 0x80), keeping its connection', async () => {
    const a = await t.connectSensor(A);
    open.push(a);
    expect(await subscribeGranted(a, [aggregateTopic(A), '#', 'drukte/v1/areas/#'])).toEqual([128, 128, 128]);
    expect(a.connected).toBe(true);
    expect((await stats()).subscriptionsRefused).toBe(3);
  });

  it('lets a reader subscribe below drukte/v1/areas/ and to sensor statuses only', async () => {
    const r = await t.connectReader();
    open.push(r);
    expect(await subscribeGranted(r, ['drukte/v1/areas/#', 'drukte/v1/sensors/+/status', 'drukte/v1/sensors/+/aggregate', 'drukte/v1/sensors/#', '#', '$SYS/#'])).toEqual([1, 1, 128, 128, 128, 128]);
    expect(r.connected).toBe(true);
  });

  it('allowed paths: sensors publish their own aggregates and statuses; the reader gets the area density', async () => {
    const r = await t.connectReader();
    open.push(r);
    const received: Array<{ topic: string; body: any; retain: boolean }> = [];
    r.on('message', (topic, payload, packet) => received.push({ topic, body: JSON.parse(payload.toString()), retain: packet.retain }));
    await r.subscribeAsync('drukte/v1/areas/+/density', { qos: 1 });
    const a = await t.connectSensor(A);
    const b = await t.connectSensor(B);
    open.push(a, b);
    await a.publishAsync(statusTopic(A), encodeStatus(status(A, 'starting')), { qos: 1, retain: true });
    await a.publishAsync(aggregateTopic(A), encodeAggregate(aggregate(A, 1, { count: 10, level: 3 })), { qos: 1 });
    await b.publishAsync(aggregateTopic(B), encodeAggregate(aggregate(B, 1, { count: 15, level: 4 })), { qos: 1 });
    await expect.poll(() => received.length).toBe(2);
    expect(received[1]).toEqual({ topic: 'drukte/v1/areas/dam/density', retain: false, body: { v: 1, area: 'dam', level: 4, count: 25, from: aggregate(A, 1).from, to: aggregate(A, 1).to, sensors: [A, B] } });
    expect(received[0]!.body).toMatchObject({ count: null, sensors: [A] }); // B not heard from yet: no total
    expect(await stats()).toMatchObject({ refusedTotal: 0, connectionsRefused: {} });

    // A reader that connects later gets the latest density at once (retained).
    const late = await t.connectReader({ clientId: `${READER}-late` });
    open.push(late);
    const first = new Promise<any>((resolve) => late.once('message', (_t, p, packet) => resolve({ body: JSON.parse(p.toString()), retain: packet.retain })));
    await late.subscribeAsync('drukte/v1/areas/#', { qos: 1 });
    expect(await first).toMatchObject({ retain: true, body: { count: 25 } });
  });
});
