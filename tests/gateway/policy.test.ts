/** The broker's publish rule as a pure function, and the reason names it reports. */
import { describe, expect, it } from 'vitest';
import { decodeSensorPayload } from '../../shared/codec.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import { aggregateTopic, areaDensityTopic, statusTopic } from '../../shared/topics.ts';
import { createPolicy, decidePublish } from '../../gateway/policy.ts';
import { classifyPayloadErrors } from '../../gateway/reasons.ts';
import { aggregate, encodeAggregate, encodeStatus, rawCbor, status } from './helpers.ts';

const ID = 'dam-noord';

describe('decidePublish', () => {
  it('allows contract payloads on their own sensor topics', () => {
    expect(decidePublish(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)), false, false)).toEqual({ ok: true });
    expect(decidePublish(statusTopic(ID), encodeStatus(status(ID, 'offline')), true, false)).toEqual({ ok: true });
  });

  it('refuses clients outside the two sensor topics; the gateway itself may publish feeds', () => {
    const json = Buffer.from('{}');
    expect(decidePublish(areaDensityTopic('dam'), json, true, false)).toEqual({ ok: false, reason: 'topic-not-allowed' });
    expect(decidePublish(areaDensityTopic('dam'), json, true, true)).toEqual({ ok: true });
    expect(decidePublish('$SYS/x/heartbeat', json, false, true)).toEqual({ ok: false, reason: 'topic-not-allowed' });
    expect(decidePublish(`drukte/v1/sensors/${ID}/aggregate/extra`, json, false, false)).toEqual({ ok: false, reason: 'topic-not-allowed' });
  });

  it('checks payloads on sensor topics for everyone, internal publishers included', () => {
    expect(decidePublish(aggregateTopic(ID), rawCbor({ ...aggregate(ID, 1), x: 1 }), false, true)).toEqual({ ok: false, reason: 'unexpected-key' });
    expect(decidePublish(aggregateTopic(ID), encodeAggregate(aggregate('dam-zuid', 1)), false, true)).toEqual({ ok: false, reason: 'sensor-mismatch' });
    expect(decidePublish(statusTopic(ID), encodeStatus(status('dam-zuid', 'offline')), true, false)).toEqual({ ok: false, reason: 'sensor-mismatch' });
  });

  it('refuses retained aggregates (contract: QoS 1, not retained)', () => {
    expect(decidePublish(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)), true, false)).toEqual({ ok: false, reason: 'retained-aggregate' });
  });

  it('counts and logs refusals without payloads', async () => {
    const logs = memorySink();
    const policy = createPolicy({ logger: createLogger('t', { destination: logs.stream }) });
    const err = await new Promise<Error | null | undefined>((resolve) =>
      policy.authorizePublish(null, { cmd: 'publish', topic: aggregateTopic(ID), payload: Buffer.from('SECRET-BYTES'), qos: 1, retain: false, dup: false }, resolve),
    );
    expect(err?.message).toBe('publish refused: not-a-map');
    expect(policy.refused()).toEqual({ 'not-a-map': 1 });
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
