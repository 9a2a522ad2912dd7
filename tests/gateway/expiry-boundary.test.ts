/**
 * Expiry by the gateway's own clock (issue 9, item 4): a session open across the end of the expiry day (UTC) is
 * closed AT the boundary by the gateway itself, with an injected clock and timers; new logins are refused; data that
 * arrives after the boundary is refused by its time of receipt, whatever window the sensor claims.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { ManualTimers } from '../../shared/timers.ts';
import { aggregate, encodeAggregate, sensorInfo, startTestGateway, type TestGateway } from './helpers.ts';

const ID = 'dam-noord';
const END = Date.parse('2025-06-02T00:00:00Z'); // end of expiry day 2025-06-01

let t: TestGateway | null = null;
afterEach(async () => {
  await t?.gw.stop();
  t = null;
});

describe('expiry by the gateway clock', () => {
  it('closes a live session at the end of the expiry day, refuses new logins and late data by time of receipt', async () => {
    const clock = new ManualClock(END - 90_000); // 23:58:30 on the expiry day
    const timers = new ManualTimers(clock);
    t = await startTestGateway([sensorInfo(ID, { expiresAt: '2025-06-01' }), sensorInfo('other', { expiresAt: '2025-06-30' })], { clock, timers });
    const c = await t.connectSensor(ID);
    const other = await t.connectSensor('other');
    const closed = new Promise<void>((r) => c.once('close', () => r()));

    timers.advance(60_000); // 23:59:30: still open
    const lastWindow = (END - 120_000) / 1000;
    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: lastWindow, to: lastWindow + 60 })), { qos: 1 });
    await expect.poll(() => t!.gw.ingest.latest(ID).aggregate?.seq).toBe(1);
    expect(c.connected).toBe(true);

    timers.advance(30_000); // 00:00:00 UTC: the boundary
    await closed;
    expect(clock.now()).toBe(END);
    expect(other.connected).toBe(true); // only the expired sensor
    expect(t.logs.lines().some((l) => String(l.msg).startsWith('sensor expired by the gateway clock') && l.sensor === ID)).toBe(true);
    await expect(t.connectSensor(ID)).rejects.toThrow();

    // A window from before the boundary that arrives after it is refused: the time of receipt decides.
    const late = aggregate(ID, 2, { from: lastWindow + 60, to: lastWindow + 120 });
    expect(t.gw.ingest.handle(aggregateTopic(ID), encodeAggregate(late), { qos: 1 })).toEqual({ ok: false, reason: 'sensor-expired' });
    await other.endAsync();
  });
});
