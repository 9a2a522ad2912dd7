/**
 * Ingest on its own: the second check (every rejection reason), dedupe and gaps, latest state, history, events;
 * never throws, never logs payloads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { openDatabase } from '../../gateway/store/db.ts';
import { History } from '../../gateway/store/history.ts';
import { Ingest, type IngestEvent } from '../../gateway/ingest/ingest.ts';
import { SqliteSensorRegister } from '../../gateway/register.ts';
import { aggregate, encodeAggregate, encodeStatus, rawCbor, sensorInfo, status, T0, T0S } from './helpers.ts';

const ID = 'dam-noord';

function setup() {
  const logs = memorySink();
  const clock = new ManualClock(T0);
  const db = openDatabase(null);
  const register = new SqliteSensorRegister(db, clock);
  register.create(sensorInfo(ID, { expiresAt: '2025-06-02' }));
  register.create(sensorInfo('old-sensor'));
  register.retire('old-sensor', 'removed from the square');
  const history = new History(db);
  const logger = createLogger('test', { destination: logs.stream, level: 'debug' });
  const ingest = new Ingest({ register, history, clock, logger });
  const events: IngestEvent[] = [];
  ingest.onEvent((e) => events.push(e));
  return { ingest, clock, logs, events, register, history, db, logger };
}

describe('ingest', () => {
  it('accepts a valid aggregate, keeps it as latest with exactly the 7 keys and emits it', () => {
    const { ingest, events } = setup();
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)))).toEqual({ ok: true });
    expect(ingest.latest(ID).aggregate).toEqual(aggregate(ID, 1));
    expect(ingest.latest(ID).receivedAt).toBe(T0);
    expect(events).toEqual([{ type: 'aggregate', sensorId: ID, aggregate: aggregate(ID, 1) }]);
    expect(ingest.stats()).toEqual({ accepted: { aggregate: 1, status: 0 }, rejected: {}, rejectedTotal: 0, seqGaps: 0 });
  });

  it.each([
    ['bad-topic', 'drukte/v1/sensors/Dam Noord/aggregate', encodeAggregate(aggregate(ID, 1))],
    ['bad-topic', 'drukte/v1/sensors/dam-noord/positions', encodeAggregate(aggregate(ID, 1))],
    ['malformed-cbor', aggregateTopic(ID), Buffer.from([0xa7, 0x61, 0x76])],
    ['not-a-map', aggregateTopic(ID), rawCbor([1, 2, 3])],
    ['unexpected-key', aggregateTopic(ID), rawCbor({ ...aggregate(ID, 1), targets: [[100, 200]] })],
    ['missing-key', aggregateTopic(ID), rawCbor({ v: 1, sensor: ID, seq: 1, from: T0S - 60, to: T0S, level: 0 })],
    ['invalid-value', aggregateTopic(ID), rawCbor({ ...aggregate(ID, 1), level: 6 })],
    ['empty-payload', aggregateTopic(ID), Buffer.alloc(0)],
    ['payload-too-large', aggregateTopic(ID), Buffer.alloc(2000, 0xa1)],
    ['sensor-mismatch', aggregateTopic(ID), encodeAggregate(aggregate('dam-zuid', 1))],
    ['unknown-sensor', aggregateTopic('dam-zuid'), encodeAggregate(aggregate('dam-zuid', 1))],
    ['sensor-expired', aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: Date.parse('2025-06-03T00:00:00Z') / 1000, to: Date.parse('2025-06-03T00:01:00Z') / 1000 }))],
    ['future-window', aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: T0S + 3600, to: T0S + 3660 }))],
    ['future-window', aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: T0S + 241, to: T0S + 301 }))], // skew is 300 s
    ['window-length', aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: T0S - 10, to: T0S }))],
    ['window-length', aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: T0S - 86_400, to: T0S }))],
    ['window-unaligned', aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: T0S - 61, to: T0S - 1 }))],
    ['invalid-value', aggregateTopic(ID), rawCbor({ ...aggregate(ID, 1), from: T0S, to: T0S })], // to must be after from
    ['invalid-value', aggregateTopic(ID), rawCbor({ ...aggregate(ID, 1), seq: -1 })],
    ['sensor-retired', aggregateTopic('old-sensor'), encodeAggregate(aggregate('old-sensor', 1))],
    ['sensor-retired', statusTopic('old-sensor'), encodeStatus(status('old-sensor', 'starting'))],
    ['unknown-sensor', statusTopic('dam-zuid'), encodeStatus(status('dam-zuid', 'starting'))],
    ['invalid-value', statusTopic(ID), rawCbor({ ...status(ID, 'starting'), minimiser: 'abc' })],
  ])('rejects %s', (reason, topic, payload) => {
    const { ingest, events, history } = setup();
    expect(ingest.handle(topic, payload)).toEqual({ ok: false, reason });
    expect(ingest.stats().rejected).toEqual({ [reason]: 1 });
    expect(ingest.latest(ID)).toEqual({ aggregate: null, status: null, receivedAt: null });
    expect(events).toEqual([]);
    expect(history.latestAggregates().size).toBe(0); // nothing reaches the history either
  });

  it('accepts exactly the registered window on the grid', () => {
    const { ingest } = setup();
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: T0S - 60, to: T0S })))).toEqual({ ok: true });
  });

  it('counts sequence gaps (lost aggregates) without rejecting, and keeps every accepted aggregate in the history', () => {
    const { ingest, history } = setup();
    // one window per seq: seq n covers [T0 − 3600 + 60 n, +60) — lost aggregates leave windows out
    const at = (seq: number) => ({ from: T0S - 3600 + 60 * seq, to: T0S - 3540 + 60 * seq });
    for (const seq of [1, 2, 5, 6, 10]) expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, seq, at(seq))))).toEqual({ ok: true });
    expect(ingest.stats()).toMatchObject({ accepted: { aggregate: 5 }, seqGaps: 2 + 3, rejectedTotal: 0 });
    expect(history.sensorHistory(ID, T0S - 3600, T0S).map((a) => a.seq)).toEqual([1, 2, 5, 6, 10]);
  });

  it('remembers the latest state across a restart: a redelivered aggregate is still a duplicate', () => {
    const { ingest, register, history, clock, logger } = setup();
    const a = aggregate(ID, 8, { count: 15, level: 4, from: T0S - 60, to: T0S });
    ingest.handle(aggregateTopic(ID), encodeAggregate(a));
    ingest.handle(statusTopic(ID), encodeStatus(status(ID, 'registering', { expiresAt: '2025-06-02' })));
    const again = new Ingest({ register, history, clock, logger });
    expect(again.latest(ID)).toMatchObject({ aggregate: a, status: { state: 'registering' }, receivedAt: T0 });
    expect(again.handle(aggregateTopic(ID), encodeAggregate(a))).toEqual({ ok: false, reason: 'duplicate' });
    // …and the window order survives too: going back after a restart is still going back.
    expect(again.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 9, { from: T0S - 120, to: T0S - 60 })))).toEqual({ ok: false, reason: 'window-back' });
    expect(register.record(ID)?.lastSeen).toBe(T0);
  });

  it('accepts a small clock skew, and windows up to the end of the expiry day (UTC)', () => {
    const { ingest, clock } = setup();
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { from: T0S + 180, to: T0S + 240 })))).toEqual({ ok: true });
    clock.setWall(Date.parse('2025-06-02T23:59:30Z'));
    const lastWindow = Date.parse('2025-06-02T23:59:00Z') / 1000;
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 2, { from: lastWindow, to: lastWindow + 60 })))).toEqual({ ok: true });
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 3, { from: lastWindow + 60, to: lastWindow + 120 })))).toEqual({ ok: false, reason: 'sensor-expired' });
  });

  it('dedupes on the window start: the same aggregate again is a harmless duplicate; a forged repeat is a violation', () => {
    const { ingest, events, register } = setup();
    const a = aggregate(ID, 5, { from: T0S - 60, to: T0S });
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(a))).toEqual({ ok: true });
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(a))).toEqual({ ok: false, reason: 'duplicate' }); // QoS 1 redelivery
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate({ ...a, seq: 6 }))).toEqual({ ok: false, reason: 'duplicate' }); // same content: says nothing new
    expect(register.record(ID)?.suspension).toBeNull();
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate({ ...a, seq: 6, count: 13, level: 4 }))).toEqual({ ok: false, reason: 'window-repeated' });
    expect(register.record(ID)?.suspension).toEqual({ reason: 'window-repeated', at: T0 });
    expect(ingest.latest(ID).aggregate?.count).toBe(12);
    expect(events.map((e) => (e.type === 'aggregate' ? e.aggregate.seq : -1))).toEqual([5]);
    expect(ingest.stats().rejected).toEqual({ duplicate: 2, 'window-repeated': 1 });
  });

  it('a level-only sensor may only publish levels some publishable count implies on its area (level-unreachable)', () => {
    const { ingest, register } = setup();
    // 12 m², k 5, granularity 5: counts 5, 10, 15 … give levels B, D, E, F — never C.
    register.create(sensorInfo('level-only', { output: 'level', granularity: 5 }));
    const a = (seq: number, level: 0 | 1 | 2 | 3 | 4 | 5) => encodeAggregate(aggregate('level-only', seq, { count: null, level }));
    expect(ingest.handle(aggregateTopic('level-only'), a(1, 1))).toEqual({ ok: true });
    expect(ingest.handle(aggregateTopic('level-only'), a(2, 2))).toEqual({ ok: false, reason: 'level-unreachable' });
    expect(register.record('level-only')?.suspension?.reason).toBe('level-unreachable');
  });

  it('a lost seq file (seq restarts at 1) and a first seq of 4294967295 poison nothing', () => {
    const { ingest, register } = setup();
    const at = (k: number) => ({ from: T0S - 600 + 60 * k, to: T0S - 540 + 60 * k });
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 4_294_967_295, at(0))))).toEqual({ ok: true });
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, at(1))))).toEqual({ ok: true }); // restarted
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 2, at(2))))).toEqual({ ok: true });
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 4, at(4))))).toEqual({ ok: true }); // one lost
    expect(ingest.stats()).toMatchObject({ accepted: { aggregate: 4 }, rejectedTotal: 0, seqGaps: 1 });
    expect(register.record(ID)?.suspension).toBeNull();
  });

  it('keeps the latest status in arrival order (the last will is older by `since` but newer in fact)', () => {
    const { ingest, events } = setup();
    ingest.handle(statusTopic(ID), encodeStatus(status(ID, 'registering', { since: T0S - 10 })));
    ingest.handle(statusTopic(ID), encodeStatus(status(ID, 'offline', { since: T0S - 500 })));
    expect(ingest.latest(ID).status?.state).toBe('offline');
    expect(events.map((e) => e.type)).toEqual(['status', 'status']);
  });

  it('survives a throwing listener', () => {
    const { ingest } = setup();
    ingest.onEvent(() => {
      throw new Error('listener bug');
    });
    expect(ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)))).toEqual({ ok: true });
  });

  it('never throws on arbitrary bytes or topics, and logs no payload bytes', () => {
    const { ingest, logs } = setup();
    fc.assert(
      fc.property(fc.oneof(fc.constant(aggregateTopic(ID)), fc.constant(statusTopic(ID)), fc.string()), fc.uint8Array({ maxLength: 1100 }), (topic, bytes) => {
        const r = ingest.handle(topic, bytes);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    const marker = 'RAW-BYTES-c0ffee';
    ingest.handle(aggregateTopic(ID), rawCbor({ ...aggregate(ID, 1), raw: marker }));
    ingest.handle(aggregateTopic(ID), Buffer.from(`\xbf${marker}`));
    expect(logs.text()).not.toContain(marker);
    for (const line of logs.lines()) expect(Object.keys(line)).not.toContain('payload');
  });
});
