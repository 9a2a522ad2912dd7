/**
 * The tampered-sensor matrix (issue 9): an AUTHENTICATED sensor publishing forged aggregates over a real broker
 * (aedes on port 0). Each forgery is refused with its own reason, reaches no history, SSE event, page, area or
 * export, suspends the sensor (register, /api/sensors, pages, in Dutch and English, an ALERT log line), and only an
 * admin action lifts the suspension, recorded in the audit log. An honest sensor on the same gateway is unaffected.
 */
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { Aggregate } from '../../shared/payloads.ts';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import type { SensorInfo } from '../../gateway/register.ts';
import { connectPacket, packet, str } from '../../simulator/mqtt-packets.ts';
import { aggregate, encodeAggregate, encodeStatus, fetchJson, openSse, passwordOf, sensorInfo, startTestGateway, status, T0S, type SseReader, type TestGateway } from './helpers.ts';

const W = 60;
/** The first (honest) window of every sensor, and the one after it. */
const FIRST = { from: T0S - 2 * W, to: T0S - W };
const NEXT = { from: T0S - W, to: T0S };

interface Case {
  id: string;
  what: string;
  info: Partial<SensorInfo>;
  /** The honest first aggregate (seq 1, window FIRST). */
  honest: Partial<Aggregate>;
  forged: Partial<Aggregate>;
  reason: string;
  qos?: 0 | 1;
  /** A count that must appear nowhere (the forged one). */
  marker: number | null;
}

// Registered: area 12 m², window 60 s; k and granularity per case. 12 people on 12 m² = level 3 (D).
const CASES: Case[] = [
  { id: 'forge-count-1', what: 'count 1 with k 3', info: { kFloor: 3 }, honest: { count: 12, level: 3 }, forged: { ...NEXT, count: 1, level: 0 }, reason: 'count-below-k', marker: 1 },
  { id: 'forge-count-2', what: 'count 2 with k 3', info: { kFloor: 3 }, honest: { count: 12, level: 3 }, forged: { ...NEXT, count: 2, level: 0 }, reason: 'count-below-k', marker: 2 },
  { id: 'forge-granule', what: 'count 7 with granularity 5', info: { kFloor: 5, granularity: 5 }, honest: { count: 10, level: 3 }, forged: { ...NEXT, count: 7, level: 2 }, reason: 'count-off-granularity', marker: 7 },
  { id: 'forge-level-only', what: 'a count from a level-only sensor', info: { output: 'level' }, honest: { count: null, level: 3 }, forged: { ...NEXT, count: 13, level: 4 }, reason: 'count-from-level-only', marker: 13 },
  { id: 'forge-level', what: 'a level that contradicts the count', info: {}, honest: { count: 12, level: 3 }, forged: { ...NEXT, count: 14, level: 1 }, reason: 'level-mismatch', marker: 14 },
  { id: 'forge-repeat', what: 'a repeated window', info: {}, honest: { count: 12, level: 3 }, forged: { ...FIRST, count: 16, level: 4 }, reason: 'window-repeated', marker: 16 },
  { id: 'forge-overlap', what: 'an overlapping window', info: {}, honest: { count: 12, level: 3 }, forged: { from: FIRST.from + 30, to: FIRST.to + 30, count: 17, level: 4 }, reason: 'window-overlap', marker: 17 },
  { id: 'forge-unaligned', what: 'an unaligned window', info: {}, honest: { count: 12, level: 3 }, forged: { from: NEXT.from + 7, to: NEXT.to + 7, count: 18, level: 4 }, reason: 'window-unaligned', marker: 18 },
  { id: 'forge-length', what: 'a wrong-length window', info: {}, honest: { count: 12, level: 3 }, forged: { from: NEXT.from, to: NEXT.from + 10, count: 19, level: 4 }, reason: 'window-length', marker: 19 },
  { id: 'forge-back', what: 'a window going back', info: {}, honest: { count: 12, level: 3 }, forged: { from: FIRST.from - W, to: FIRST.from, count: 20, level: 4 }, reason: 'window-back', marker: 20 },
  { id: 'forge-seq', what: 'seq 2^32−1', info: {}, honest: { count: 12, level: 3 }, forged: { ...NEXT, seq: 4_294_967_295, count: 21, level: 4 }, reason: 'seq-jump', marker: 21 },
  { id: 'forge-qos0', what: 'QoS 0', info: {}, honest: { count: 12, level: 3 }, forged: { ...NEXT, count: 22, level: 4 }, reason: 'qos0-aggregate', qos: 0, marker: 22 },
];
const HONEST = 'honest-sensor';

let t: TestGateway;
let sse: SseReader;
const clients: MqttClient[] = [];

beforeAll(async () => {
  t = await startTestGateway([
    sensorInfo(HONEST, { areaId: 'plein' }),
    ...CASES.map((c) => sensorInfo(c.id, { areaId: 'plein', ...c.info })),
  ]);
  sse = await openSse(`${t.base}/api/stream`);
});

afterAll(async () => {
  sse?.close();
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await t?.gw.stop();
});

async function connect(id: string): Promise<MqttClient> {
  const c = await t.connectSensor(id);
  clients.push(c);
  return c;
}

/** Publish; for a publish the broker refuses, the connection closes instead of a PUBACK [MQTT-3.3.5-2]. */
async function send(c: MqttClient, a: Aggregate, qos: 0 | 1 = 1): Promise<void> {
  if (qos === 0) {
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(aggregateTopic(a.sensor), encodeAggregate(a), { qos: 0 });
    await closed;
  } else await c.publishAsync(aggregateTopic(a.sensor), encodeAggregate(a), { qos: 1 });
}

const health = () => fetchJson(`${t.base}/api/health`);
const refusedCount = async (reason: string) => {
  const h = await health();
  return (h.ingest.rejected[reason] ?? 0) + (h.broker.refused[reason] ?? 0);
};

describe('tampered-sensor matrix: an authenticated sensor publishing forged aggregates', () => {
  it.each(CASES.map((c) => [c.what, c] as const))('%s: refused with its reason, reaches nothing, suspends the sensor', async (_what, c) => {
    const honestClient = await connect(HONEST);
    const before = await refusedCount(c.reason);
    const sensor = await connect(c.id);
    await send(sensor, aggregate(c.id, 1, { ...FIRST, ...c.honest }));
    await expect.poll(() => t.gw.ingest.latest(c.id).aggregate?.seq).toBe(1);

    await send(sensor, aggregate(c.id, 2, c.forged), c.qos ?? 1);
    await expect.poll(() => refusedCount(c.reason)).toBe(before + 1);

    // Suspended: register (persisted), public API, register page and display, in Dutch and English; an ALERT.
    expect(t.gw.register.record(c.id)?.suspension).toEqual({ reason: c.reason, at: t.clock.now() });
    const list = (await fetchJson(`${t.base}/api/sensors`)) as Array<{ id: string; state: string; latest: Aggregate | null }>;
    expect(list.find((s) => s.id === c.id)?.state).toBe('suspended');
    const detail = await fetchJson(`${t.base}/api/sensors/${c.id}`);
    expect(detail).toMatchObject({ state: 'suspended', suspension: { reason: c.reason } });
    const page = await (await fetch(`${t.base}/sensors/${c.id}`)).text();
    expect(page).toContain('Geschorst');
    expect(page).toContain('Suspended: this sensor broke its registered rules');
    const display = await (await fetch(`${t.base}/display/${c.id}`)).text();
    expect(display).toContain('<span id="state-nl">GESCHORST</span> <span class="en" lang="en" id="state-en">/ SUSPENDED</span>');
    expect(display).toContain('class="display mode-suspended"');
    expect(t.logs.lines().some((l) => String(l.msg).startsWith('ALERT: sensor suspended') && l.sensor === c.id && l.reason === c.reason)).toBe(true);

    // The forged aggregate reached nothing: latest, history (JSON and CSV), SSE, area density.
    expect(t.gw.ingest.latest(c.id).aggregate).toMatchObject({ seq: 1 });
    const history = await fetchJson(`${t.base}/api/sensors/${c.id}/history?from=${T0S - 3600}&to=${T0S + 600}`);
    expect(history.items.map((a: Aggregate) => a.seq)).toEqual([1]);
    const csv = await (await fetch(`${t.base}/api/sensors/${c.id}/history?from=${T0S - 3600}&to=${T0S + 600}&format=csv`)).text();
    expect(csv.trim().split('\n')).toHaveLength(2);
    const streamed = sse.events.filter((e) => e.event === 'aggregate').map((e) => JSON.parse(e.data) as Aggregate).filter((a) => a.sensor === c.id);
    expect(streamed.map((a) => a.seq)).toEqual([1]);
    const area = (await fetchJson(`${t.base}/api/areas`))[0];
    expect(area.density?.sensors ?? []).not.toContain(c.id);
    expect(display).not.toContain(`>${c.marker}<`);

    // While suspended even honest-looking data is refused; the honest neighbour is unaffected.
    if (c.qos !== 0) {
      await send(sensor, aggregate(c.id, 3, { from: T0S, to: T0S + W, ...c.honest }));
      await expect.poll(() => refusedCount('sensor-suspended')).toBeGreaterThan(0);
      expect(t.gw.ingest.latest(c.id).aggregate?.seq).toBe(1);
    }
    const n = t.gw.ingest.latest(HONEST).aggregate?.seq ?? 0;
    await send(honestClient, aggregate(HONEST, n + 1, { from: T0S - 3600 + W * (n + 1), to: T0S - 3600 + W * (n + 2) }));
    await expect.poll(() => t.gw.ingest.latest(HONEST).aggregate?.seq).toBe(n + 1);
    expect(t.gw.register.record(HONEST)?.suspension).toBeNull();
    expect(honestClient.connected).toBe(true);
  });

  it('the honest sensor saw every one of its aggregates accepted and was never suspended', async () => {
    const history = await fetchJson(`${t.base}/api/sensors/${HONEST}/history?from=${T0S - 3600}&to=${T0S + 600}`);
    expect(history.items).toHaveLength(CASES.length);
    expect((await fetchJson(`${t.base}/api/sensors/${HONEST}`)).state).not.toBe('suspended');
  });

  it('only an admin lifts a suspension, with a note kept in the audit log; seq 2^32−1 poisoned nothing', async () => {
    const id = 'forge-seq';
    await expect(t.admin.resumeSensor(id, '')).rejects.toMatchObject({ status: 422 });
    const res = await t.admin.resumeSensor(id, 'firmware reflashed from the audited build');
    expect(res.resume).toMatchObject({ action: 'resume', note: 'resumed after seq-jump: firmware reflashed from the audited build' });
    const audit = (await t.admin.audit(id)).entries.map((e) => [e.action, e.note]);
    expect(audit.slice(-2)).toEqual([['suspend', 'seq-jump'], ['resume', 'resumed after seq-jump: firmware reflashed from the audited build']]);
    await expect(t.admin.resumeSensor(id, 'again')).rejects.toMatchObject({ status: 409 });
    // Normal traffic after the forged 4294967295: accepted (the window, not seq, orders aggregates).
    const c = await connect(id);
    await send(c, aggregate(id, 3, { from: T0S, to: T0S + W }));
    await expect.poll(() => t.gw.ingest.latest(id).aggregate?.seq).toBe(3);
    expect((await fetchJson(`${t.base}/api/sensors/${id}`)).state).not.toBe('suspended');
  });
});

describe('done when: the three-edit tampered bundle (k lowered to 1, hash check skipped, registered hashes reported)', () => {
  it('produces no count below k anywhere at the gateway and shows as suspended', async () => {
    const id = 'tampered-bundle';
    const minimiser = 'c'.repeat(64);
    const bundle = 'd'.repeat(64);
    const g = await startTestGateway([sensorInfo(id, { kFloor: 3, areaId: 'markt', minimiserHash: minimiser, bundleHash: bundle, expiresAt: '2026-05-31' })]);
    const stream = await openSse(`${g.base}/api/stream`);
    try {
      const c = await g.connectSensor(id);
      // main.js edited to report the registered hashes: the identity check passes…
      await c.publishAsync(statusTopic(id), encodeStatus(status(id, 'registering', { minimiser, bundle })), { qos: 1, retain: true });
      // …reduce.js edited to k 1: one person and two people, published as counts.
      await c.publishAsync(aggregateTopic(id), encodeAggregate(aggregate(id, 1, { ...FIRST, count: 1, level: 0 })), { qos: 1 });
      await c.publishAsync(aggregateTopic(id), encodeAggregate(aggregate(id, 2, { ...NEXT, count: 2, level: 0 })), { qos: 1 });
      await expect.poll(() => g.gw.register.record(id)?.suspension?.reason).toBe('count-below-k');
      await c.endAsync();

      const h = await fetchJson(`${g.base}/api/health`);
      expect(h.ingest.rejected).toMatchObject({ 'count-below-k': 1, 'sensor-suspended': 1 });
      expect(h.ingest.accepted.aggregate).toBe(0);
      const detail = await fetchJson(`${g.base}/api/sensors/${id}`);
      expect(detail).toMatchObject({ state: 'suspended', latest: null, suspension: { reason: 'count-below-k' } });
      expect((await fetchJson(`${g.base}/api/sensors/${id}/history?from=${T0S - 3600}&to=${T0S + 600}`)).items).toEqual([]);
      expect(stream.events.filter((e) => e.event === 'aggregate')).toEqual([]);
      const display = await (await fetch(`${g.base}/display/${id}`)).text();
      expect(display).not.toMatch(/1 persoon|2 mensen|1 person|2 people/);
      expect(display).toContain('<span id="state-nl">GESCHORST</span> <span class="en" lang="en" id="state-en">/ SUSPENDED</span>');
    expect(display).toContain('class="display mode-suspended"');
      expect(await (await fetch(`${g.base}/sensors/${id}`)).text()).toContain('Geschorst');
      expect((await fetchJson(`${g.base}/api/areas`))[0].density).toBeNull();
    } finally {
      stream.close();
      await g.gw.stop();
    }
  });
});

/** MQTT 3.1.1 packets by hand (mqtt.js refuses to send an empty topic): simulator/mqtt-packets.ts. */
const sensorConnect = (id: string): Buffer => connectPacket(`sensor-${id}`, id, passwordOf(id), 60);

describe('broker-level refusals are counted and shown at /api/health', () => {
  it.each([
    ['too-many-levels', '200 levels', 'drukte/v1/sensors/' + 'x/'.repeat(200) + 'aggregate'],
    ['wildcard-in-publish', '+', 'drukte/v1/sensors/+/aggregate'],
    ['wildcard-in-publish', '#', 'drukte/v1/#'],
    ['empty-topic', 'empty', ''],
  ])('%s (%s)', async (reason, _label, topic) => {
    const before = (await health()).broker.closedByLimits[reason] ?? 0;
    const socket = createConnection(t.gw.mqttPort, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    const connack = new Promise<void>((r) => socket.once('data', () => r()));
    socket.write(sensorConnect(HONEST));
    await connack;
    // QoS 1 PUBLISH: topic, packet id 1, payload
    socket.write(packet(0x32, Buffer.concat([str(topic), Buffer.from([0, 1, 0xa0])])));
    await closed;
    await expect.poll(async () => (await health()).broker.closedByLimits[reason] ?? 0).toBe(before + 1);
  });
});
