import { describe, expect, it } from 'vitest';
import { Encoder } from 'cbor-x';
import { decodeCbor, decodeSensorPayload, encodeSensorPayload, PayloadRefused } from '../../shared/codec.ts';
import { FRUIN_WALKWAY, levelFor } from '../../shared/density.ts';
import { validateAggregate, validateStatus, type Aggregate, type Status } from '../../shared/payloads.ts';
import fc from 'fast-check';
import { aggregateTopic, areaDensityTopic, compileTopicFilter, isValidId, parseSensorTopic, statusTopic, topicMatches } from '../../shared/topics.ts';

const agg: Aggregate = { v: 1, sensor: 'dam-north', seq: 7, from: 1_767_225_600, to: 1_767_225_660, level: 2, count: 15 };
const status: Status = {
  v: 1, sensor: 'dam-north', state: 'registering', expiresAt: '2027-06-30', firmware: '0.1.0',
  minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64), since: 1_767_225_600,
};

describe('topics', () => {
  it('builds and parses the contract topics', () => {
    expect(aggregateTopic('dam-north')).toBe('drukte/v1/sensors/dam-north/aggregate');
    expect(statusTopic('dam-north')).toBe('drukte/v1/sensors/dam-north/status');
    expect(areaDensityTopic('dam')).toBe('drukte/v1/areas/dam/density');
    expect(parseSensorTopic('drukte/v1/sensors/dam-north/aggregate')).toEqual({ sensorId: 'dam-north', kind: 'aggregate' });
  });
  it('refuses bad ids and other topics', () => {
    expect(() => aggregateTopic('Dam')).toThrow(/invalid sensor id/);
    expect(() => aggregateTopic('ab')).toThrow();
    expect(() => aggregateTopic('-abc')).toThrow();
    expect(parseSensorTopic('drukte/v1/sensors/dam-north/positions')).toBeNull();
    expect(parseSensorTopic('drukte/v1/sensors/dam-north/aggregate/x')).toBeNull();
    expect(parseSensorTopic('drukte/v1/sensors/+/aggregate')).toBeNull();
  });

  // The hot-path parsers read the string in place; these oracles split it, as the contract is written.
  const levels = fc.array(fc.constantFrom('drukte', 'v1', 'sensors', 'areas', 'dam-north', 'ab', 'aggregate', 'status', 'density', '', 'x/y', '+', '#'), { maxLength: 7 });
  // Near misses of real topics: each level right or slightly wrong, sometimes a level more or less.
  const nearTopics = fc.tuple(fc.constantFrom('drukte', 'drukt', ''), fc.constantFrom('v1', 'v2'), fc.constantFrom('sensors', 'areas'),
    fc.constantFrom('dam-north', 'ab', 'Dam', '-abc', '', '+', 'a'.repeat(64)), fc.constantFrom('aggregate', 'status', 'aggregatex', 'statu', ''),
    fc.array(fc.constantFrom('x', ''), { maxLength: 2 })).map(([a, b, c, d, e, more]) => [a, b, c, d, e, ...more]);
  it('parses sensor topics exactly as splitting them on "/" would', () => {
    const oracle = (topic: string) => {
      const p = topic.split('/');
      if (p.length !== 5 || p[0] !== 'drukte' || p[1] !== 'v1' || p[2] !== 'sensors' || !isValidId(p[3]!)) return null;
      return p[4] === 'aggregate' || p[4] === 'status' ? { sensorId: p[3], kind: p[4] } : null;
    };
    fc.assert(fc.property(fc.oneof(levels, nearTopics), (ls) => {
      expect(parseSensorTopic(ls.join('/'))).toEqual(oracle(ls.join('/')));
    }), { numRuns: 3000 });
  });
  it('matches topics against filters as MQTT 3.1.1 §4.7 says ("+" one level, "#" the rest)', () => {
    const oracle = (filter: string, topic: string) => {
      const f = filter.split('/');
      const t = topic.split('/');
      for (let i = 0; i < f.length; i++) {
        if (f[i] === '#') return true;
        if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
      }
      return f.length === t.length;
    };
    fc.assert(fc.property(fc.oneof(levels, nearTopics), fc.oneof(levels, nearTopics), (f, t) => {
      expect(compileTopicFilter(f.join('/'))(t.join('/'))).toBe(oracle(f.join('/'), t.join('/')));
    }), { numRuns: 5000 });
    expect(topicMatches('drukte/v1/sensors/+/aggregate', 'drukte/v1/sensors/dam-north/aggregate')).toBe(true);
    expect(topicMatches('drukte/v1/sensors/+/aggregate', 'drukte/v1/sensors/dam-north/aggregate/x')).toBe(false);
    expect(topicMatches('drukte/#', 'drukte')).toBe(true);
    expect(topicMatches('a/+', 'a')).toBe(false);
    expect(topicMatches('a/+', 'a/')).toBe(true);
  });
});

describe('Fruin walkway levels', () => {
  it.each([
    [0, 0], [0.31, 0], [0.32, 1], [0.43, 1], [0.44, 2], [0.72, 2], [0.73, 3], [1.08, 3], [1.09, 4], [2.17, 4], [2.18, 5], [9, 5],
  ])('%f persons/m² → level %i', (density, level) => {
    expect(levelFor(density * 100, 100, FRUIN_WALKWAY)).toBe(level);
  });
  it('refuses a zero area', () => expect(() => levelFor(1, 0)).toThrow(/area/));
});

describe('Aggregate validation', () => {
  it('accepts exactly the 7 keys', () => expect(validateAggregate(agg)).toEqual({ ok: true, value: agg }));
  it('accepts count null', () => expect(validateAggregate({ ...agg, level: 0, count: null }).ok).toBe(true));
  it.each([
    [{ ...agg, x: 1 }, /unexpected key 'x'/],
    [{ ...agg, targets: [] }, /unexpected key 'targets'/],
    [(({ count, ...rest }) => rest)(agg), /missing key 'count'/],
    [{ ...agg, v: 2 }, /'v'/],
    [{ ...agg, sensor: 'BAD' }, /'sensor'/],
    [{ ...agg, seq: -1 }, /'seq'/],
    [{ ...agg, seq: 2 ** 32 }, /'seq'/],
    [{ ...agg, seq: 1.5 }, /'seq'/],
    [{ ...agg, level: 6 }, /'level'/],
    [{ ...agg, level: '2' }, /'level'/],
    [{ ...agg, count: -5 }, /'count'/],
    [{ ...agg, count: 2.5 }, /'count'/],
    [{ ...agg, to: agg.from }, /'to' must be after/],
    [{ ...agg, from: 12 }, /'from'/],
  ])('refuses %o', (bad, msg) => {
    const r = validateAggregate(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('; ')).toMatch(msg);
  });
  it('reports every error at once', () => {
    const r = validateAggregate({ ...agg, v: 3, level: 9, extra: true });
    expect(r.ok === false && r.errors.length).toBe(3);
  });
  it('refuses non-objects, arrays and class instances', () => {
    for (const x of [null, 1, 'a', [], new Map(), new Date()]) expect(validateAggregate(x).ok).toBe(false);
  });
});

describe('Status validation', () => {
  it('accepts a status with and without reason', () => {
    expect(validateStatus(status).ok).toBe(true);
    expect(validateStatus({ ...status, state: 'fault', reason: 'device closed the connection' }).ok).toBe(true);
  });
  it('accepts the radar facts extension, exactly', () => {
    expect(validateStatus({ ...status, radar: { firmware: 'V2.04.23101915', bluetooth: 'off', zoneFilter: 'inside' } }).ok).toBe(true);
    for (const radar of [{ firmware: 'V2', bluetooth: 'maybe', zoneFilter: 'off' }, { firmware: 'V2', bluetooth: 'off', zoneFilter: 'off', x: 1 }, { firmware: 'V2', bluetooth: 'off' }, 'V2']) {
      expect(validateStatus({ ...status, radar }).ok).toBe(false);
    }
  });
  it('refuses unknown states, bad dates, bad hashes, long reasons, extra keys', () => {
    for (const bad of [
      { ...status, state: 'tracking' }, { ...status, expiresAt: '2027-02-30' }, { ...status, minimiser: 'abc' },
      { ...status, reason: 'x'.repeat(200) }, { ...status, position: [1, 2] }, { ...status, reason: 'a\u0000b' },
    ]) expect(validateStatus(bad).ok).toBe(false);
  });
});

describe('CBOR codec', () => {
  it('round-trips an aggregate as a plain CBOR map with exactly 7 keys (no record extension)', () => {
    const bytes = encodeSensorPayload('aggregate', agg);
    expect(bytes[0]! >> 5).toBe(5); // major type 5: map
    expect(bytes[0]! & 0x1f).toBe(7); // of 7 pairs
    const decoded = decodeCbor(bytes) as Record<string, unknown>;
    expect(Object.keys(decoded).sort()).toEqual(['count', 'from', 'level', 'sensor', 'seq', 'to', 'v']);
    expect(decodeSensorPayload('aggregate', bytes)).toEqual({ ok: true, value: agg });
  });
  it('the encoder refuses anything but a contract payload (egress guard b)', () => {
    expect(() => encodeSensorPayload('aggregate', { ...agg, x: 10 } as Aggregate)).toThrow(PayloadRefused);
    expect(() => encodeSensorPayload('status', { ...status, state: 'nope' } as unknown as Status)).toThrow(PayloadRefused);
  });
  it('decoding never throws on garbage', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from([0xff, 0x00]), Buffer.from('hello'), Buffer.alloc(2000, 1)]) {
      expect(decodeSensorPayload('aggregate', bytes).ok).toBe(false);
    }
  });
  it('refuses the cbor-x record extension, which other CBOR decoders cannot read', () => {
    const withRecords = new Encoder({ useRecords: true }).encode(agg);
    const r = decodeSensorPayload('aggregate', withRecords);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/record extension/);
  });
});
