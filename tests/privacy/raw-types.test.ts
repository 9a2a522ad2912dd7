/** Raw frames cannot leak by accident: not through JSON, logs, inspect, spread, cloning or string conversion. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RawDataLeak, RawFrame, RawTarget } from '../../hardware/frame.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import { encodeSensorPayload } from '../../shared/codec.ts';

const MARK_X = 7919; // distinctive values that must never show up anywhere
const MARK_Y = 13331;
const target = new RawTarget(-MARK_X, MARK_Y);
const frame = RawFrame.fromTargets([target, new RawTarget(MARK_X, MARK_Y)]);
const noMarks = (text: string) => expect(text).not.toMatch(new RegExp(`${MARK_X}|${MARK_Y}`));

describe('raw frame types', () => {
  it('expose values to the minimiser through getters', () => {
    expect(target.xMm).toBe(-MARK_X);
    expect(frame.targets?.[1]?.yMm).toBe(MARK_Y);
    expect(frame.size).toBe(2);
  });
  it('JSON.stringify throws RawDataLeak, also when nested', () => {
    expect(() => JSON.stringify(target)).toThrow(RawDataLeak);
    expect(() => JSON.stringify(frame)).toThrow(RawDataLeak);
    expect(() => JSON.stringify({ some: { deep: [frame] } })).toThrow(RawDataLeak);
  });
  it('util.inspect, String() and template literals show no values', () => {
    noMarks(inspect(frame, { depth: 10, showHidden: true }));
    noMarks(inspect(target, { depth: 10, showHidden: true }));
    noMarks(inspect({ frame }, { depth: 10 }));
    noMarks(String(frame) + `${target}`);
  });
  it('spread, Object.keys/entries and structuredClone carry nothing', () => {
    expect(Object.keys(target)).toEqual([]);
    expect({ ...frame }).toEqual({});
    expect(Object.entries(target)).toEqual([]);
    noMarks(JSON.stringify(structuredClone(target as unknown as object)));
  });
  it('cannot be extended with values after construction', () => {
    expect(() => Object.assign(target, { x: 1 })).toThrow(TypeError);
    expect(Object.isFrozen(frame.targets)).toBe(true);
  });
  it('the CBOR encoder refuses raw objects (not a contract payload)', () => {
    expect(() => encodeSensorPayload('aggregate', frame as never)).toThrow();
    expect(() => encodeSensorPayload('aggregate', { v: 1, sensor: 'abc', seq: 1, from: 1_767_225_600, to: 1_767_225_610, level: 0, count: null, frame } as never)).toThrow(/unexpected key 'frame'/);
  });
  it('a log line that carries a frame or positions shows neither (redaction as second line of defence)', () => {
    const sink = memorySink();
    const log = createLogger('leak-test', { destination: sink.stream, level: 'debug' });
    log.info({ frame }, 'a frame');
    log.info({ targets: [{ x: MARK_X, y: MARK_Y }] }, 'targets');
    log.info({ detail: { xMm: MARK_X, yMm: MARK_Y, x: MARK_X, y: MARK_Y } }, 'positions');
    log.info({ raw: Buffer.from([0xaa, 0xff]), payload: 'p', bytes: [MARK_X] }, 'bytes');
    log.error({ err: new Error('oops') }, 'error');
    log.info({ stray: frame }, 'a raw frame under an unexpected key');
    log.info({ deeper: { stray: target } }, 'nested deeper');
    expect(sink.lines()).toHaveLength(7);
    noMarks(sink.text());
  });
});
