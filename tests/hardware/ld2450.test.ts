/**
 * LD2450 driver against the fixtures in tests/fixtures/radar (docs/RADAR-PROTOCOLS.md §1): real captures and doc examples.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RawDataLeak } from '../../hardware/frame.ts';
import {
  decodeAck, decodeFirmwareVersion, encodeBluetooth, encodeCommand, encodeEnableConfig, encodeEndConfig, encodeSetBaud, Ld2450Command,
} from '../../hardware/ld2450/command.ts';
import { decodeReport, decodeReportSlots, decodeSignMagnitude } from '../../hardware/ld2450/report.ts';
import { Ld2450Parser } from '../../hardware/ld2450/parser.ts';
import { loadHex, rxEntries, rxStream } from '../helpers/hex.ts';
import { expectedFromComment, parseChunks } from './ld2450-util.ts';

const REAL_STREAM = 'ld2450_real_v204_256000_stream.hex';

describe('hex fixture loader', () => {
  it('reads time, direction, bytes and comment', () => {
    const entries = loadHex(REAL_STREAM);
    const first = entries[0];
    expect(first?.t).toBe(0.044641);
    expect(first?.dir).toBe('rx');
    expect(first?.bytes.length).toBe(30);
    expect(first?.comment).toMatch(/^T1: x=397 mm/);
    expect(entries.filter((e) => e.dir === 'tx')).toHaveLength(2);
  });
  it('reads bare frame lines (no time, no direction)', () => {
    const [only, ...rest] = loadHex('ld2450_doc_example_v103.hex');
    expect(rest).toHaveLength(0);
    expect(only?.t).toBeUndefined();
    expect(only?.dir).toBeUndefined();
    expect(only?.bytes.toString('hex')).toBe('aaff03000e03b186100040010000000000000000000000000000000055cc');
  });
});

describe('sign-magnitude (§1.1, inverted sense)', () => {
  it('decodes the doc example values', () => {
    expect(decodeSignMagnitude(0x030e)).toBe(-782);
    expect(decodeSignMagnitude(0x86b1)).toBe(1713);
    expect(decodeSignMagnitude(0x0010)).toBe(-16);
  });
  it('edge cases: 0, ±1, ±32767, never −0', () => {
    expect(Object.is(decodeSignMagnitude(0x0000), 0)).toBe(true);
    expect(Object.is(decodeSignMagnitude(0x8000), 0)).toBe(true);
    expect(decodeSignMagnitude(0x8001)).toBe(1);
    expect(decodeSignMagnitude(0x0001)).toBe(-1);
    expect(decodeSignMagnitude(0xffff)).toBe(32767);
    expect(decodeSignMagnitude(0x7fff)).toBe(-32767);
  });
});

describe('report frame decoder', () => {
  it('decodes the V1.03 doc example to x = −782 mm, y = 1713 mm (speed −16 cm/s, resolution 320 mm)', () => {
    const [entry] = loadHex('ld2450_doc_example_v103.hex');
    const frame = decodeReport(entry!.bytes);
    expect(frame?.targets?.map((t) => [t.xMm, t.yMm])).toEqual([[-782, 1713]]);
    const slots = decodeReportSlots(entry!.bytes)!;
    expect([slots[0]?.speedCmS, slots[0]?.resolutionMm]).toEqual([-16, 320]);
    expect(slots.map((s) => s.isTarget)).toEqual([true, false, false]);
  });
  it('rejects wrong length, header or footer', () => {
    const [entry] = loadHex('ld2450_doc_example_v103.hex');
    const good = entry!.bytes;
    expect(decodeReport(good.subarray(0, 29))).toBeNull();
    for (const at of [0, 1, 2, 3, 28, 29]) {
      const bad = Buffer.from(good);
      bad[at] = (bad[at]! + 1) & 0xff;
      expect(decodeReport(bad)).toBeNull();
    }
  });
  it('decoded values stay unserialisable', () => {
    const [entry] = loadHex('ld2450_doc_example_v103.hex');
    const slot = decodeReportSlots(entry!.bytes)![0]!;
    expect(() => JSON.stringify(slot)).toThrow(RawDataLeak);
    expect(inspect(slot)).not.toMatch(/782|1713/);
    expect(() => JSON.stringify(decodeReport(entry!.bytes))).toThrow(RawDataLeak);
  });
});

describe('real 256000-baud capture (V2.04, earlynerd bench run)', () => {
  const entries = loadHex(REAL_STREAM);
  const reportLines = rxEntries(entries).filter((e) => e.bytes[0] === 0xaa);

  it('decodes into exactly 44 one-target reports and the enable/end ACKs, in order', async () => {
    const { events, stats } = await parseChunks([rxStream(entries)]);
    expect(events.map((e) => e.type)).toEqual([...Array(23).fill('report'), 'ack', 'ack', ...Array(21).fill('report')]);
    expect(stats).toEqual({ reports: 44, acks: 2, discardedBytes: 0, badFrames: 0, noiseRuns: 0 });
    const acks = events.filter((e) => e.type === 'ack');
    expect(acks).toEqual([
      { type: 'ack', command: Ld2450Command.enableConfig, status: 0, data: '01004000' },
      { type: 'ack', command: Ld2450Command.endConfig, status: 0, data: '' },
    ]);
    const reports = events.flatMap((e) => (e.type === 'report' ? [e.targets] : []));
    expect(reports).toHaveLength(reportLines.length);
    reports.forEach((targets, i) => {
      const want = expectedFromComment(reportLines[i]!.comment);
      expect(targets, `frame ${i}`).toEqual([[want.xMm, want.yMm]]);
    });
  });

  it('speed and resolution of each frame match the comments', () => {
    for (const line of reportLines) {
      const want = expectedFromComment(line.comment);
      const [s1, s2, s3] = decodeReportSlots(line.bytes)!;
      expect([s1!.xMm, s1!.yMm, s1!.speedCmS, s1!.resolutionMm]).toEqual([want.xMm, want.yMm, want.speedCmS, want.resolutionMm]);
      expect([s2!.isTarget, s3!.isTarget]).toEqual([false, false]);
    }
  });

  it('the command encoder reproduces the host\'s tx frames', () => {
    const tx = entries.filter((e) => e.dir === 'tx').map((e) => e.bytes.toString('hex'));
    expect(tx).toEqual([encodeEnableConfig().toString('hex'), encodeEndConfig().toString('hex')]);
  });
});

describe('real 9600-baud capture (V2.14)', () => {
  const entries = loadHex('ld2450_real_v214_9600.hex');

  it('decodes the reports as commented, skips the in-flight tail before the ACK, and reads 3 ACKs', async () => {
    const { events, stats } = await parseChunks([rxStream(entries)]);
    const reportLines = rxEntries(entries).filter((e) => e.comment.startsWith('T1:'));
    const reports = events.flatMap((e) => (e.type === 'report' ? [e.targets] : []));
    expect(reports).toEqual(reportLines.map((l) => [[expectedFromComment(l.comment).xMm, expectedFromComment(l.comment).yMm]]));
    expect(reports).toHaveLength(9);
    const acks = events.flatMap((e) => (e.type === 'ack' ? [e] : []));
    expect(acks.map((a) => [a.command, a.status])).toEqual([[0xff, 0], [0xa0, 0], [0xb2, 0]]);
    expect(decodeFirmwareVersion(Buffer.from(acks[1]!.data, 'hex'))).toBe('V2.14.25112412');
    // 11-byte report tail + 7-byte vendor updater reply: discarded, but not frames that started with a header.
    expect(stats).toMatchObject({ reports: 9, acks: 3, discardedBytes: 18, badFrames: 0, noiseRuns: 0 });
  });
});

describe('ACK fixtures', () => {
  it('real V2.04 ACK session: enable, firmware V2.04.23101915, end', async () => {
    const { events } = await parseChunks([rxStream(loadHex('ld2450_real_v204_ack_session.hex'))]);
    expect(events.map((e) => (e.type === 'ack' ? e.command : e.type))).toEqual([0xff, 0xa0, 0xfe]);
    const fw = events[1];
    expect(fw?.type === 'ack' && decodeFirmwareVersion(Buffer.from(fw.data, 'hex'))).toBe('V2.04.23101915');
  });

  it('doc V1.03 command/ACK examples: every ACK decodes and answers the preceding command', async () => {
    const entries = loadHex('ld2450_doc_commands_acks_v103.hex');
    const { events, stats } = await parseChunks([rxStream(entries)]);
    const acks = events.flatMap((e) => (e.type === 'ack' ? [e] : []));
    expect(stats).toMatchObject({ acks: 14, reports: 0, discardedBytes: 0, badFrames: 0 });
    expect(acks.every((a) => a.status === 0)).toBe(true);
    // Each ACK answers the last tx before it.
    let lastCommand = -1;
    let k = 0;
    for (const e of entries) {
      if (e.dir === 'tx') lastCommand = e.bytes.readUInt16LE(6);
      else expect(acks[k++]?.command).toBe(lastCommand);
    }
    const byCommand = (c: number): string[] => acks.filter((a) => a.command === c).map((a) => a.data);
    expect(byCommand(0x91)).toEqual(['0100', '0200']);
    expect(byCommand(0xa5)).toEqual(['8f272eb80f65']);
    expect(decodeFirmwareVersion(Buffer.from(byCommand(0xa0)[0]!, 'hex'))).toBe('V1.02.22062416');
    expect(byCommand(0xc1)[0]).toMatch(/^0100e803e80318fc8813(00)+$/);
  });

  it('the command encoder reproduces the doc\'s tx frames', () => {
    const tx = loadHex('ld2450_doc_commands_acks_v103.hex').filter((e) => e.dir === 'tx');
    for (const e of tx) {
      const command = e.bytes.readUInt16LE(6);
      expect(encodeCommand(command, e.bytes.subarray(8, e.bytes.length - 4)).equals(e.bytes)).toBe(true);
    }
    const hex = tx.map((e) => e.bytes.toString('hex'));
    expect(hex).toContain(encodeSetBaud(256000).toString('hex'));
    expect(hex).toContain(encodeBluetooth(true).toString('hex'));
    expect(() => encodeSetBaud(12345)).toThrow(RangeError);
  });

  it('decodeAck refuses commands (no 0x0100 flag), short lengths and bad footers', () => {
    expect(decodeAck(encodeEndConfig())).toBeNull();
    const ok = Buffer.from('fdfcfbfa0400fe01000004030201', 'hex');
    expect(decodeAck(ok)).toEqual({ command: 0xfe, status: 0, data: Buffer.alloc(0) });
    const badFooter = Buffer.from(ok);
    badFooter[13] = 0x00;
    expect(decodeAck(badFooter)).toBeNull();
    expect(decodeAck(Buffer.from('fdfcfbfa0200fe0104030201', 'hex'))).toBeNull();
  });
});

describe('Ld2450Parser options', () => {
  it('checks its options in the constructor', () => {
    expect(() => new Ld2450Parser({ maxAckLength: 2 })).toThrow(RangeError);
    expect(() => new Ld2450Parser({ maxAckLength: 1.5 })).toThrow(RangeError);
    expect(() => new Ld2450Parser({ zeroRunBytes: 25 })).toThrow(RangeError);
    expect(() => new Ld2450Parser({ maxAckLength: 128, zeroRunBytes: 100 })).not.toThrow();
  });
});
