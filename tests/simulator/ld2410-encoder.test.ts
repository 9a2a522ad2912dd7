/**
 * The simulator's LD2410 encoder against the real Tasmota captures, the manual's examples (docs/RADAR-PROTOCOLS.md §2) and the
 * driver's decoder.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeReportFields } from '../../hardware/ld2410/report.ts';
import { encodeLd2410Ack, encodeLd2410Report, ENABLE_ACK_DATA, FIRMWARE_V107_ACK_DATA } from '../../simulator/encoders/ld2410.ts';
import { loadHex } from '../helpers/hex.ts';

/** Re-encode a frame from its own decoded fields. */
function reencode(bytes: Buffer): Buffer {
  const { engineering, type: _type, ...report } = decodeReportFields(bytes)!.fields;
  return encodeLd2410Report(report, engineering ?? undefined);
}

describe('LD2410 report encoder', () => {
  it('reproduces every real Tasmota frame and both manual examples byte for byte', () => {
    const frames = [...loadHex('ld2410_real_report_frames_tasmota.hex'), ...loadHex('ld2410_doc_examples.hex').filter((e) => e.dir === undefined)];
    expect(frames).toHaveLength(9);
    for (const f of frames) expect(reencode(f.bytes).toString('hex'), `line ${f.line}`).toBe(f.bytes.toString('hex'));
  });

  it('basic frames are 23 bytes, engineering frames with 9 gates 45 bytes (§2.1)', () => {
    expect(encodeLd2410Report({ state: 0 }).toString('hex')).toBe(`f4f3f2f10d0002aa${'00'.repeat(9)}5500f8f7f6f5`);
    expect(encodeLd2410Report({ state: 1 }, {}).length).toBe(45);
    expect(encodeLd2410Report({ state: 1 }, { movingGateEnergy: [1, 2, 3], staticGateEnergy: [4] }).readUInt16LE(4)).toBe(19 + 2 + 0);
    expect(() => encodeLd2410Report({ state: 1 }, { movingGateEnergy: Array(10).fill(0) })).toThrow(RangeError);
  });

  it('decode ∘ encode is the identity on valid field values', () => {
    const gates = fc.array(fc.nat(100), { minLength: 1, maxLength: 9 });
    const report = fc.record({
      state: fc.nat(3), movingDistanceCm: fc.nat(0xffff), movingEnergy: fc.nat(100), staticDistanceCm: fc.nat(0xffff),
      staticEnergy: fc.nat(100), detectionDistanceCm: fc.nat(0xffff),
    });
    const eng = fc.option(fc.record({ movingGateEnergy: gates, staticGateEnergy: gates, light: fc.nat(255), out: fc.nat(1) }), { nil: undefined });
    fc.assert(
      fc.property(report, eng, (r, e) => {
        const f = decodeReportFields(encodeLd2410Report(r, e))!.fields;
        expect(f).toEqual({
          ...r, type: e ? 1 : 2,
          engineering: e ? { ...e, maxMovingGate: e.movingGateEnergy.length - 1, maxStaticGate: e.staticGateEnergy.length - 1 } : null,
        });
      }),
      { numRuns: 200, seed: 2410 },
    );
  });
});

describe('LD2410 ACK encoder (the LD2450 envelope)', () => {
  it('reproduces the real enable and firmware ACKs', () => {
    const rx = loadHex('ld2410_real_acks_tasmota_serialbridge.hex').filter((e) => e.dir === 'rx').map((e) => e.bytes.toString('hex'));
    expect(rx[0]).toBe(encodeLd2410Ack(0xff, 0, ENABLE_ACK_DATA).toString('hex'));
    expect(rx[2]).toBe(encodeLd2410Ack(0xa0, 0, FIRMWARE_V107_ACK_DATA).toString('hex'));
    expect(rx[1]).toBe(encodeLd2410Ack(0x61, 0, Buffer.from('aa0808083232281e140f0f0f0f000028281e1e1414140500', 'hex')).toString('hex'));
  });
});
