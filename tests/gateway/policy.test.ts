/** The broker's publish and subscribe rules as pure functions, and the reason names they report. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { decodeSensorPayload } from '../../shared/codec.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import { aggregateTopic, areaDensityTopic, statusTopic } from '../../shared/topics.ts';
import { createPolicy, decidePublish, mayReaderSubscribe, type Principal } from '../../gateway/mqtt/policy.ts';
import { checkPayload, decodeOnce } from '../../gateway/decode-once.ts';
import { LoginLimiter } from '../../gateway/mqtt/rate-limit.ts';
import { classifyPayloadErrors } from '../../gateway/reasons.ts';
import { aggregate, encodeAggregate, encodeStatus, rawCbor, status, T0, TEST_HASH } from './helpers.ts';

const ID = 'dam-noord';
const SENSOR: Principal = { role: 'sensor', sensorId: ID };
const READER: Principal = { role: 'reader', username: 'gemeente-feed' };

describe('decidePublish', () => {
  it('allows a sensor its contract payloads on its own two topics', () => {
    const bytes = encodeAggregate(aggregate(ID, 1));
    const yes = decidePublish(aggregateTopic(ID), bytes, false, SENSOR);
    expect(yes.ok).toBe(true);
    // The decoded payload goes on with the message, tied to these very bytes (gateway/decode-once.ts).
    expect(yes.ok && yes.checked).toMatchObject({ kind: 'aggregate', payload: bytes, result: { ok: true, value: aggregate(ID, 1) } });
    expect(decidePublish(statusTopic(ID), encodeStatus(status(ID, 'offline')), true, SENSOR)).toMatchObject({ ok: true, checked: { kind: 'status' } });
  });

  it('hands its decoded payload to ingest only for the same bytes and kind', () => {
    const bytes = encodeAggregate(aggregate(ID, 1));
    const checked = checkPayload('aggregate', bytes);
    expect(decodeOnce('aggregate', bytes, checked)).toBe(checked.result);
    // Equal bytes in another buffer, or another kind: decoded afresh, never taken on trust.
    const copy = Buffer.from(bytes);
    expect(decodeOnce('aggregate', copy, checked)).not.toBe(checked.result);
    expect(decodeOnce('aggregate', copy, checked)).toEqual(checked.result);
    expect(decodeOnce('status', bytes, checked).ok).toBe(false);
    const forged = { kind: 'aggregate' as const, payload: Buffer.from([0xff]), result: checked.result };
    expect(decodeOnce('aggregate', Buffer.from([0xff]), forged).ok).toBe(false);
  });

  it("refuses a sensor another sensor's topics, any other topic, and readers everything", () => {
    expect(decidePublish(aggregateTopic('dam-zuid'), encodeAggregate(aggregate('dam-zuid', 1)), false, SENSOR)).toEqual({ ok: false, reason: 'not-own-topic' });
    expect(decidePublish(statusTopic('dam-zuid'), encodeStatus(status('dam-zuid', 'offline')), true, SENSOR)).toEqual({ ok: false, reason: 'not-own-topic' });
    expect(decidePublish(areaDensityTopic('dam'), Buffer.from('{}'), true, SENSOR)).toEqual({ ok: false, reason: 'topic-not-allowed' });
    expect(decidePublish(`drukte/v1/sensors/${ID}/aggregate/extra`, Buffer.from('{}'), false, SENSOR)).toEqual({ ok: false, reason: 'topic-not-allowed' });
    expect(decidePublish(areaDensityTopic('dam'), Buffer.from('{}'), true, READER)).toEqual({ ok: false, reason: 'read-only' });
    expect(decidePublish(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)), false, READER)).toEqual({ ok: false, reason: 'read-only' });
  });

  it('lets the broker itself publish feeds, never $SYS lookalikes', () => {
    expect(decidePublish(areaDensityTopic('dam'), Buffer.from('{}'), true, null)).toEqual({ ok: true });
    expect(decidePublish('$SYS/x/heartbeat', Buffer.from('{}'), false, null)).toEqual({ ok: false, reason: 'topic-not-allowed' });
  });

  it('checks payloads on sensor topics for everyone, the broker included', () => {
    expect(decidePublish(aggregateTopic(ID), rawCbor({ ...aggregate(ID, 1), x: 1 }), false, null)).toEqual({ ok: false, reason: 'unexpected-key' });
    expect(decidePublish(aggregateTopic(ID), encodeAggregate(aggregate('dam-zuid', 1)), false, null)).toEqual({ ok: false, reason: 'sensor-mismatch' });
    expect(decidePublish(statusTopic(ID), encodeStatus(status('dam-zuid', 'offline')), true, SENSOR)).toEqual({ ok: false, reason: 'sensor-mismatch' });
  });

  it('refuses retained aggregates (contract: QoS 1, not retained)', () => {
    expect(decidePublish(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)), true, SENSOR)).toEqual({ ok: false, reason: 'retained-aggregate' });
  });
});

describe('mayReaderSubscribe', () => {
  it.each([
    ['drukte/v1/areas/#', true],
    ['drukte/v1/areas/+/density', true],
    ['drukte/v1/areas/dam/density', true],
    ['drukte/v1/areas/', false],
    ['drukte/v1/#', false],
    ['drukte/v1/sensors/+/aggregate', false],
    ['drukte/v1/sensors/+/status', true], // public on the register; lets auditors read a live minimiser hash
    ['drukte/v1/sensors/dam-noord/status', true],
    ['drukte/v1/sensors/#', false],
    ['drukte/v1/sensors/+/+', false],
    ['drukte/v1/sensors/BAD ID/status', false],
    ['#', false],
    ['+/v1/areas/#', false],
    ['$SYS/#', false],
  ])('%s → %s', (filter, allowed) => expect(mayReaderSubscribe(filter)).toBe(allowed));
});

describe('createPolicy', () => {
  it('counts and logs refusals without payloads', async () => {
    const logs = memorySink();
    const clock = new ManualClock(T0);
    const policy = createPolicy({
      logger: createLogger('t', { destination: logs.stream }), credential: () => undefined, sensorAccess: () => 'unknown',
      limiter: new LoginLimiter(clock), limits: { keepaliveMin: 10, keepaliveMax: 300 }, addressOf: () => '127.0.0.1', hashParams: TEST_HASH,
    });
    const err = await new Promise<Error | null | undefined>((resolve) =>
      policy.authorizePublish(null, { cmd: 'publish', topic: aggregateTopic(ID), payload: Buffer.from('SECRET-BYTES'), qos: 1, retain: false, dup: false }, resolve),
    );
    expect(err?.message).toBe('publish refused: not-a-map');
    expect(policy.stats().refused).toEqual({ 'not-a-map': 1 });
    expect(logs.text()).not.toContain('SECRET-BYTES');
    expect(logs.lines()[0]).toMatchObject({ reason: 'not-a-map', topic: aggregateTopic(ID), client: '(broker)', size: 12 });
  });
});

describe('classifyPayloadErrors, against the shared decoder as it is', () => {
  it.each([
    ['empty-payload', Buffer.alloc(0)],
    ['payload-too-large', Buffer.alloc(1025, 0xa0)],
    ['malformed-cbor', Buffer.from([0xa7, 0x61])],
    ['not-a-map', rawCbor('a string')],
    ['not-a-map', Buffer.from([0xd8, 0x69, 0xa0])], // a tag (cbor-x record extension)
    ['unexpected-key', rawCbor({ ...aggregate(ID, 1), speed: 3 })],
    ['missing-key', rawCbor({ v: 1, sensor: ID })],
    ['invalid-value', rawCbor({ ...aggregate(ID, 1), v: 2 })],
  ])('%s', (reason, bytes) => {
    const r = decodeSensorPayload('aggregate', bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(classifyPayloadErrors(r.errors)).toBe(reason);
  });
});
