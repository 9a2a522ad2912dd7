/**
 * The display clients' feed (display/feed.ts) against a real gateway: the register entry and the gateway's own age
 * of the latest aggregate, the replay of that aggregate when the event stream (re)connects (not news: the age keeps
 * counting on the client's clock), a new aggregate live, and the register's verdicts outranking the sensor's status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { ManualTimers } from '../../shared/timers.ts';
import { displayMode } from '../../shared/display-content.ts';
import { GatewayFeed } from '../../display/feed.ts';
import { aggregate, encodeAggregate, encodeStatus, sensorInfo, startTestGateway, status, T0S, type TestGateway } from '../gateway/helpers.ts';

const ID = 'dam-noord';
let t: TestGateway | null = null;
let feed: GatewayFeed | null = null;
afterEach(async () => {
  feed?.stop();
  await t?.gw.stop();
});

describe('GatewayFeed', () => {
  it('ages on its own clock, ignores the replay on connect, takes new aggregates live', async () => {
    t = await startTestGateway([sensorInfo(ID)]);
    expect(t.gw.ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { count: 12, level: 3 })), { qos: 1 })).toEqual({ ok: true });
    t.clock.advance(100_000);
    const clock = new ManualClock(0);
    feed = new GatewayFeed({ base: t.base, sensor: ID, clock, timers: new ManualTimers(clock) });
    await feed.start();
    await expect.poll(() => feed!.snapshot()!.connected).toBe(true);
    let s = feed.snapshot()!;
    expect(s.ageSeconds).toBe(100); // the gateway's age, not reset by the replayed aggregate
    expect(s.latest).toMatchObject({ level: 3, count: 12, to: T0S });
    expect(s.sensor.purpose).toBe('Crowd safety on the square during events');
    expect(displayMode(s)).toBe('live');
    clock.advance(281_000);
    expect(displayMode(feed.snapshot()!)).toBe('stale'); // 381 s > heartbeat 300 s + one window of 60 s
    clock.advance(600_000);
    expect(displayMode(feed.snapshot()!)).toBe('offline'); // two more heartbeats without an aggregate

    // The next window on the grid (T0S … T0S + 60), received now: news, so its age starts at 0 on the client's clock.
    expect(t.gw.ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 2, { count: 25, level: 4 })), { qos: 1 })).toEqual({ ok: true });
    await expect.poll(() => feed!.snapshot()!.latest?.count).toBe(25);
    s = feed.snapshot()!;
    expect(s.ageSeconds).toBe(0);
    expect(displayMode(s)).toBe('live');
    expect(s.trend.map((p) => p.level)).toEqual([3, 4]);

    t.gw.ingest.handle(statusTopic(ID), encodeStatus(status(ID, 'offline')));
    await expect.poll(() => displayMode(feed!.snapshot()!)).toBe('offline');
  });

  it('says clearly when the sensor is not in the register', async () => {
    t = await startTestGateway([sensorInfo(ID)]);
    const clock = new ManualClock(0);
    feed = new GatewayFeed({ base: t.base, sensor: 'bestaat-niet', clock, timers: new ManualTimers(clock) });
    await expect(feed.start()).rejects.toThrow(`sensor 'bestaat-niet' is not in the gateway's register (${t.base}/api/sensors)`);
  });
});
