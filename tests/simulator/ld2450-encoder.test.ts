/**
 * The simulator's LD2450 encoder against the real captures and the driver's decoder (docs/RADAR-PROTOCOLS.md §1).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAck } from '../../hardware/ld2450/command.ts';
import { decodeReportSlots, decodeSignMagnitude } from '../../hardware/ld2450/report.ts';
import {
  encodeLd2450Ack, encodeLd2450Report, encodeSignMagnitude, ENABLE_ACK_DATA, FIRMWARE_V204_ACK_DATA, nearestTargets,
} from '../../simulator/encoders/ld2450.ts';
import { loadHex, rxEntries } from '../helpers/hex.ts';
import { decodeChunks, expectedFromComment } from '../hardware/ld2450-util.ts';

const REPORT_FIXTURES = ['ld2450_real_v204_256000_stream.hex', 'ld2450_real_v214_9600.hex'];

describe('sign-magnitude encoder (§1.1)', () => {
  it('edge cases: 0, ±1, ±32767, clamping, rounding', () => {
    expect(encodeSignMagnitude(0)).toBe(0x0000);
    expect(encodeSignMagnitude(1)).toBe(0x8001);
    expect(encodeSignMagnitude(-1)).toBe(0x0001);
    expect(encodeSignMagnitude(32767)).toBe(0xffff);
    expect(encodeSignMagnitude(-32767)).toBe(0x7fff);
    expect(encodeSignMagnitude(40000)).toBe(0xffff);
    expect(encodeSignMagnitude(-40000)).toBe(0x7fff);
    expect(encodeSignMagnitude(1712.6)).toBe(0x86b1);
    expect(encodeSignMagnitude(Number.NaN)).toBe(0);
  });
  it('decode ∘ encode is the identity on −32767…32767', () => {
    for (let v = -32767; v <= 32767; v++) {
      if (decodeSignMagnitude(encodeSignMagnitude(v)) !== v) expect(decodeSignMagnitude(encodeSignMagnitude(v))).toBe(v);
    }
  });
});

describe('report encoder', () => {
  it('reproduces every real captured frame byte for byte from its commented values', () => {
    let n = 0;
    for (const file of REPORT_FIXTURES) {
      for (const e of rxEntries(loadHex(file)).filter((x) => x.comment.startsWith('T1:'))) {
        const want = expectedFromComment(e.comment);
        expect(encodeLd2450Report([want], want.resolutionMm).toString('hex'), `${file}:${e.line}`).toBe(e.bytes.toString('hex'));
        n++;
      }
    }
    expect(n).toBe(44 + 9);
  });

  it('reproduces the V1.03 doc example (resolution 320 mm)', () => {
    const [doc] = loadHex('ld2450_doc_example_v103.hex');
    expect(encodeLd2450Report([{ xMm: -782, yMm: 1713, speedCmS: -16 }], 320).equals(doc!.bytes)).toBe(true);
  });

  it('empty slots are all zero; an empty frame is header, 24 × 00, footer', () => {
    expect(encodeLd2450Report([]).toString('hex')).toBe(`aaff0300${'00'.repeat(24)}55cc`);
    const one = encodeLd2450Report([{ xMm: 1, yMm: 1 }]);
    expect(one.subarray(12, 28).every((b) => b === 0)).toBe(true);
  });

  it('reports only the 3 nearest when more people are present', () => {
    const people = [{ xMm: 0, yMm: 5000 }, { xMm: 100, yMm: 800 }, { xMm: -2000, yMm: 2500 }, { xMm: 0, yMm: 1000 }, { xMm: 300, yMm: 600 }];
    expect(nearestTargets(people)).toEqual([people[4], people[1], people[3]]);
    const slots = decodeReportSlots(encodeLd2450Report(people))!;
    expect(slots.map((s) => [s.xMm, s.yMm])).toEqual([[300, 600], [100, 800], [0, 1000]]);
  });

  it('round trip: encode → parse → same targets (property, edge values included)', () => {
    const coord = fc.oneof(fc.integer({ min: -32767, max: 32767 }), fc.constantFrom(0, 1, -1, 32767, -32767));
    const target = fc.record({ xMm: coord, yMm: coord, speedCmS: coord }).filter((t) => t.xMm !== 0 || t.yMm !== 0);
    fc.assert(
      fc.property(fc.array(target, { maxLength: 3 }), (targets) => {
        const frame = encodeLd2450Report(targets);
        expect(frame).toHaveLength(30);
        const [event] = decodeChunks([frame]).events;
        expect(event).toEqual({ type: 'report', targets: targets.map((t) => [t.xMm, t.yMm]) });
        const slots = decodeReportSlots(frame)!;
        targets.forEach((t, i) => expect([slots[i]!.speedCmS, slots[i]!.resolutionMm]).toEqual([t.speedCmS, 360]));
      }),
      { numRuns: 200, seed: 2452 },
    );
  });
});

describe('ACK encoder', () => {
  it('reproduces every ACK in the doc examples and real captures', () => {
    const files = ['ld2450_doc_commands_acks_v103.hex', 'ld2450_real_v204_ack_session.hex', 'ld2450_real_v204_256000_stream.hex', 'ld2450_real_v214_9600.hex'];
    let n = 0;
    for (const file of files) {
      for (const e of rxEntries(loadHex(file)).filter((x) => x.bytes[0] === 0xfd)) {
        const ack = decodeAck(e.bytes);
        expect(ack, `${file}:${e.line}`).not.toBeNull();
        expect(encodeLd2450Ack(ack!.command, ack!.status, ack!.data).equals(e.bytes)).toBe(true);
        n++;
      }
    }
    expect(n).toBe(14 + 3 + 2 + 3);
  });
  it('canned return data matches the real V2.04 unit', () => {
    expect(encodeLd2450Ack(0xff, 0, ENABLE_ACK_DATA).toString('hex')).toBe('fdfcfbfa0800ff0100000100400004030201');
    expect(encodeLd2450Ack(0xa0, 0, FIRMWARE_V204_ACK_DATA).toString('hex')).toBe('fdfcfbfa0c00a00100000001040215191023' + '04030201');
  });
});
