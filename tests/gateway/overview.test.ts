/**
 * The operator's overview (GET /api/overview, GET /health): refused messages per sensor and reason, from the real
 * broker policy (an authenticated sensor publishing off-contract over MQTT) and from ingest; sorted by what needs
 * a person first; nothing secret in it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { overviewRow, sortOverview } from '../../gateway/pages/overview.ts';
import type { SensorView } from '../../gateway/pages/format.ts';
import { aggregate, ADMIN_TOKEN, encodeAggregate, encodeStatus, fetchJson, passwordOf, rawCbor, sensorInfo, startTestGateway, status, T0S, type TestGateway } from './helpers.ts';

const view = (id: string, over: Partial<SensorView> = {}): SensorView => ({
  info: sensorInfo(id), latest: aggregate(id, 1), state: 'registering', ageSeconds: 10, stale: false, register: 'active', daysLeft: 300,
  registeredAt: 0, lastSeen: 0, retiredAt: null, retireReason: null, suspension: null, reported: null, alert: null, ...over,
});

describe('overview order', () => {
  it('puts alerts, suspensions, faults, silence, expired, expiring and refusals before healthy sensors', () => {
    const rows = sortOverview([
      overviewRow(view('ok-sensor'), null, []),
      overviewRow(view('dupes-only'), null, [{ reason: 'duplicate', count: 4, lastAt: 0 }]),
      overviewRow(view('refusing'), null, [{ reason: 'future-window', count: 1, lastAt: 0 }]),
      overviewRow(view('expiring-soon', { register: 'expiring', daysLeft: 12 }), null, []),
      overviewRow(view('expiring-sooner', { register: 'expiring', daysLeft: 3 }), null, []),
      overviewRow(view('expired-one', { register: 'expired', daysLeft: -2, state: 'expired' }), null, []),
      overviewRow(view('silent-one', { stale: true }), null, []),
      overviewRow(view('never-seen', { latest: null, ageSeconds: null, lastSeen: null, state: 'unknown' }), null, []),
      overviewRow(view('faulty', { state: 'fault' }), 'radar not answering', []),
      overviewRow({ ...view('suspended-one'), suspension: { reason: 'too many refused messages', at: 0 } } as SensorView, null, []),
      overviewRow(view('alerted', { alert: { reason: 'bundle-mismatch', at: 0 } }), null, []),
      overviewRow(view('retired-one', { register: 'retired', state: 'retired' }), null, []),
    ]);
    expect(rows.map((r) => r.id)).toEqual(['alerted', 'suspended-one', 'faulty', 'never-seen', 'silent-one', 'expired-one', 'expiring-sooner', 'expiring-soon', 'refusing', 'dupes-only', 'ok-sensor', 'retired-one']);
    expect(rows.find((r) => r.id === 'dupes-only')!.attention).toEqual(['ok']);
    expect(rows.find((r) => r.id === 'suspended-one')!.suspension).toEqual({ reason: 'too many refused messages', at: '1970-01-01T00:00:00.000Z' });
  });
});

describe('refused messages per sensor', () => {
  let t: TestGateway | null = null;
  afterEach(async () => {
    await t?.gw.stop();
    t = null;
  });

  it('counts broker refusals and ingest rejections per sensor and reason, and shows them without secrets', async () => {
    t = await startTestGateway([sensorInfo('dam-noord'), sensorInfo('dam-zuid')]);
    const sensor = await t.connectSensor('dam-noord');
    // Off-contract over the real broker: refused by the policy (the connection is closed).
    const closed = new Promise<void>((r) => sensor.once('close', () => r()));
    sensor.publish(aggregateTopic('dam-noord'), rawCbor({ ...aggregate('dam-noord', 1), x: 1 }), { qos: 1 });
    await closed;
    sensor.end(true);
    // Ingest: a duplicate, a window from the future (refused, not a violation: the sensor is not suspended and its
    // alert stays the broker's), and a message for a sensor not in the register (not counted).
    expect(t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 1)), { qos: 1 })).toEqual({ ok: true });
    t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 1)), { qos: 1 });
    const future = T0S + 600; // on the grid, beyond the 300 s clock skew
    expect(t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 2, { from: future, to: future + 60 })), { qos: 1 })).toEqual({ ok: false, reason: 'future-window' });
    t.gw.ingest.handle(aggregateTopic('made-up-one'), encodeAggregate(aggregate('made-up-one', 1)));
    t.gw.ingest.handle(statusTopic('dam-zuid'), encodeStatus(status('dam-zuid', 'registering')));
    expect(t.gw.ingest.handle(aggregateTopic('dam-zuid'), encodeAggregate(aggregate('dam-zuid', 1)), { qos: 1 })).toEqual({ ok: true });

    const body = await fetchJson(`${t.base}/api/overview`);
    const noord = body.sensors.find((s: { id: string }) => s.id === 'dam-noord');
    expect(noord.refused.map((r: { reason: string; count: number }) => [r.reason, r.count])).toEqual([['duplicate', 1], ['future-window', 1], ['unexpected-key', 1]]);
    expect(noord.refusedTotal).toBe(3);
    expect(noord.alert).toMatchObject({ reason: 'unexpected-key' });
    expect(noord.attention[0]).toBe('alert');
    expect(noord.suspension).toBeNull();
    expect(body.sensors.map((s: { id: string }) => s.id)).toEqual(['dam-noord', 'dam-zuid']);
    expect(body.sensors.find((s: { id: string }) => s.id === 'dam-zuid').attention).toEqual(['ok']);
    expect(body.sensors.some((s: { id: string }) => s.id === 'made-up-one')).toBe(false);

    const page = await (await fetch(`${t.base}/health`)).text();
    expect(page).toContain('future-window');
    for (const secret of [ADMIN_TOKEN, passwordOf('dam-noord'), '127.0.0.1', 'scrypt']) {
      expect(page).not.toContain(secret);
      expect(JSON.stringify(body)).not.toContain(secret);
    }
  });
});
