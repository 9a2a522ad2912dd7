/**
 * LD2410 driver against the fixtures in tests/fixtures/radar (docs/RADAR-PROTOCOLS.md §2): real Tasmota captures and the
 * manual's examples, as their comments say.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createReportParser } from '../../hardware/drivers.ts';
import { RawDataLeak } from '../../hardware/frame.ts';
import {
  decodeDistanceResolution, decodeFirmwareVersion, decodeParameters, encodeCommand, encodeEnableConfig, encodeEngineeringMode,
  encodeReadFirmware, encodeReadParameters, Ld2410Command,
} from '../../hardware/ld2410/command.ts';
import { Ld2410Parser, type Ld2410Event } from '../../hardware/ld2410/parser.ts';
import { decodeReport, decodeReportFields, isReportFrame } from '../../hardware/ld2410/report.ts';
import { loadHex, rxEntries, rxStream } from '../helpers/hex.ts';

type Summary = { type: 'report'; occupancy: number | null } | { type: 'ack'; command: number; status: number; data: string } | { type: 'noise'; reason: string };
const summarise = (e: Ld2410Event): Summary =>
  e.type === 'report' ? { type: 'report', occupancy: e.frame.occupancy } : e.type === 'ack' ? { type: 'ack', command: e.command, status: e.status, data: e.data.toString('hex') } : e;

async function parse(bytes: Buffer): Promise<{ events: Summary[]; stats: Ld2410Parser['stats'] }> {
  const parser = new Ld2410Parser();
  const events: Summary[] = [];
  parser.on('data', (e: Ld2410Event) => events.push(summarise(e)));
  const done = new Promise((resolve) => parser.on('end', resolve));
  parser.end(bytes);
  await done;
  return { events, stats: parser.stats };
}

/** Values from a Tasmota fixture comment: "computed: state=0 moving=69cm/62% static=0cm/58% detect=0cm [maxgate …]". */
function computed(comment: string) {
  const m = /state=(\d) moving=(\d+)cm\/(\d+)% static=(\d+)cm\/(\d+)% detect=(\d+)cm(?: maxgate mov=(\d) stat=(\d) movE=\[([\d, ]+)\] statE=\[([\d, ]+)\] light=(\d+) out=(\d))?/.exec(comment);
  if (!m) throw new Error(`unexpected fixture comment: ${comment}`);
  const n = (i: number): number => Number(m[i]);
  const list = (i: number): number[] => (m[i] ?? '').split(',').map(Number);
  return {
    state: n(1), movingDistanceCm: n(2), movingEnergy: n(3), staticDistanceCm: n(4), staticEnergy: n(5), detectionDistanceCm: n(6),
    engineering: m[7] === undefined ? null : { maxMovingGate: n(7), maxStaticGate: n(8), movingGateEnergy: list(9), staticGateEnergy: list(10), light: n(11), out: n(12) },
  };
}

describe('real report frames (Tasmota, ld2410_real_report_frames_tasmota.hex)', () => {
  const entries = loadHex('ld2410_real_report_frames_tasmota.hex');

  it('every frame decodes to the values computed in its comment', () => {
    expect(entries).toHaveLength(7);
    for (const e of entries) {
      const want = computed(e.comment);
      const { type, ...fields } = decodeReportFields(e.bytes)!.fields;
      expect(fields, `line ${e.line}`).toEqual(want);
      expect(type).toBe(want.engineering ? 0x01 : 0x02);
    }
  });

  it('presence follows the state byte only: state-0 frames with distances/energies are absent (source NOTE)', async () => {
    const { events, stats } = await parse(rxStream(entries));
    expect(events).toEqual(entries.map((e) => ({ type: 'report', occupancy: computed(e.comment).state !== 0 ? 1 : 0 })));
    expect(events.map((e) => (e.type === 'report' ? e.occupancy : -1))).toEqual([0, 0, 1, 1, 1, 1, 0]);
    expect(stats).toEqual({ reports: 7, engineeringReports: 1, acks: 0, discardedBytes: 0, badFrames: 0, noiseRuns: 0 });
  });

  it('labels agree with the state: "No target" 0, "Stationary" 2, "Movement and Stationary" 3', () => {
    for (const e of entries.slice(0, 6)) {
      const state = decodeReportFields(e.bytes)!.state;
      const label = /source label: ([^|]+)\|/.exec(e.comment)?.[1]?.trim();
      expect({ label, state }).toEqual({ label, state: { 'No target': 0, 'Stationary target': 2, 'Movement and Stationary target': 3 }[label ?? ''] });
    }
  });
});

describe('manual examples (ld2410_doc_examples.hex)', () => {
  const entries = loadHex('ld2410_doc_examples.hex');
  const frames = entries.filter((e) => e.dir === undefined);

  it('basic: stationary, moving 81 cm / 0 %, static 0 cm / 59 %, detect 0', () => {
    expect(decodeReportFields(frames[0]!.bytes)!.fields).toEqual({
      type: 2, state: 2, movingDistanceCm: 81, movingEnergy: 0, staticDistanceCm: 0, staticEnergy: 59, detectionDistanceCm: 0, engineering: null,
    });
  });

  it('engineering: state 3, gates 8/8, gate energies, light 0x60, OUT 1', () => {
    expect(decodeReportFields(frames[1]!.bytes)!.fields).toEqual({
      type: 1, state: 3, movingDistanceCm: 30, movingEnergy: 60, staticDistanceCm: 0, staticEnergy: 57, detectionDistanceCm: 0,
      engineering: {
        maxMovingGate: 8, maxStaticGate: 8, movingGateEnergy: [0x3c, 0x22, 5, 3, 3, 4, 3, 6, 5], staticGateEnergy: [0, 0, 0x39, 0x10, 0x13, 6, 6, 8, 4],
        light: 0x60, out: 1,
      },
    });
  });

  it('§5 conflict: the revision with "reserved" bytes 03 05 in place of light/OUT decodes the same presence', () => {
    const other = Buffer.from(frames[1]!.bytes);
    other[37] = 0x03;
    other[38] = 0x05;
    expect(isReportFrame(other)).toBe(true);
    expect(decodeReport(other)?.occupancy).toBe(1);
    expect(decodeReportFields(other)!.fields.engineering).toMatchObject({ light: 3, out: 5 });
  });

  it('the stream decodes to two presence reports and the two ACKs', async () => {
    const { events } = await parse(rxStream(entries));
    expect(events).toEqual([
      { type: 'report', occupancy: 1 },
      { type: 'report', occupancy: 1 },
      { type: 'ack', command: Ld2410Command.engineeringOn, status: 0, data: '' },
      { type: 'ack', command: Ld2410Command.getDistanceResolution, status: 0, data: '0100' },
    ]);
    expect(decodeDistanceResolution(Buffer.from('0100', 'hex'))).toBe(200);
    expect(decodeDistanceResolution(Buffer.from('0000', 'hex'))).toBe(750);
  });

  it('the command encoder reproduces the manual\'s tx frames', () => {
    const tx = entries.filter((e) => e.dir === 'tx').map((e) => e.bytes.toString('hex'));
    expect(tx).toEqual([
      encodeEngineeringMode(true), encodeEngineeringMode(false), encodeReadParameters(),
      encodeCommand(Ld2410Command.setDistanceResolution, Uint8Array.of(1, 0)),
    ].map((b) => b.toString('hex')));
  });
});

describe('real ACKs (Tasmota serial bridge, ld2410_real_acks_tasmota_serialbridge.hex)', () => {
  const entries = loadHex('ld2410_real_acks_tasmota_serialbridge.hex');

  it('reads compact hex tokens', () => {
    expect(entries.map((e) => e.dir)).toEqual(['tx', 'rx', 'tx', 'rx', 'tx', 'rx']);
    expect(entries[0]?.bytes.toString('hex')).toBe('fdfcfbfa0400ff00010004030201');
  });

  it('enable: protocol 1, buffer 64; read parameters: the "Default" values; firmware V1.07.22091516', async () => {
    const { events, stats } = await parse(rxStream(entries));
    expect(stats).toMatchObject({ acks: 3, reports: 0, discardedBytes: 0, badFrames: 0 });
    const acks = events.flatMap((e) => (e.type === 'ack' ? [e] : []));
    expect(acks.map((a) => [a.command, a.status])).toEqual([[0xff, 0], [0x61, 0], [0xa0, 0]]);
    expect(acks[0]?.data).toBe('01004000');
    expect(decodeParameters(Buffer.from(acks[1]!.data, 'hex'))).toEqual({
      maxGate: 8, maxMovingGate: 8, maxStaticGate: 8,
      movingSensitivity: [50, 50, 40, 30, 20, 15, 15, 15, 15], staticSensitivity: [0, 0, 40, 40, 30, 30, 20, 20, 20], noOneDurationS: 5,
    });
    expect(decodeFirmwareVersion(Buffer.from(acks[2]!.data, 'hex'))).toBe('V1.07.22091516');
  });

  it('the command encoder reproduces the host\'s tx frames', () => {
    const tx = entries.filter((e) => e.dir === 'tx').map((e) => e.bytes.toString('hex'));
    expect(tx).toEqual([encodeEnableConfig(), encodeReadParameters(), encodeReadFirmware()].map((b) => b.toString('hex')));
  });

  it('decodeParameters refuses malformed data', () => {
    expect(decodeParameters(Uint8Array.of(0xab, 8, 8, 8))).toBeNull();
    expect(decodeParameters(Uint8Array.of(0xaa, 9, 8, 8))).toBeNull();
    expect(decodeParameters(Uint8Array.of(0xaa, 8, 8, 8, 1, 2))).toBeNull();
  });
});

describe('report frame decoder', () => {
  const [basic, eng] = loadHex('ld2410_doc_examples.hex').filter((e) => e.dir === undefined).map((e) => e.bytes);

  it('rejects any wrong header, length, type, head, state, tail or footer byte', () => {
    for (const good of [basic!, eng!]) {
      expect(isReportFrame(good)).toBe(true);
      expect(decodeReport(good.subarray(0, good.length - 1))).toBeNull();
      for (const at of [0, 1, 2, 3, 4, 5, 6, 7, good.length - 6, good.length - 5, good.length - 4, good.length - 1]) {
        const bad = Buffer.from(good);
        bad[at] = (bad[at]! + 1) & 0xff;
        expect(decodeReport(bad), `byte ${at}`).toBeNull();
      }
      const state4 = Buffer.from(good);
      state4[8] = 4;
      expect(decodeReport(state4)).toBeNull();
    }
    const gates = Buffer.from(eng!);
    gates[17] = 7; // max moving gate 7 but length still says 8 + 8
    expect(decodeReport(gates)).toBeNull();
  });

  it('decoded readings stay unserialisable', () => {
    const reading = decodeReportFields(basic!)!;
    expect(() => JSON.stringify(reading)).toThrow(RawDataLeak);
    expect(inspect(reading)).not.toMatch(/81|59/);
    expect(() => JSON.stringify(decodeReport(basic!))).toThrow(RawDataLeak);
  });
});

describe('Ld2410Parser', () => {
  it('checks its options in the constructor', () => {
    expect(() => new Ld2410Parser({ maxAckLength: 3 })).toThrow(RangeError);
    expect(() => new Ld2410Parser({ maxAckLength: 1.5 })).toThrow(RangeError);
    expect(() => new Ld2410Parser({ zeroRunBytes: 31 })).toThrow(RangeError);
    expect(() => new Ld2410Parser({ maxAckLength: 128, zeroRunBytes: 100 })).not.toThrow();
  });

  it('is what the driver registry creates for ld2410', () => {
    expect(createReportParser('ld2410')).toBeInstanceOf(Ld2410Parser);
  });
});

describe('drukte replay --driver ld2410', () => {
  it('prints one frame line per report (presence 0/1) and a level-only-safe aggregate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drukte-ld2410-'));
    const capture = join(dir, 'ld2410.bin');
    writeFileSync(capture, rxStream([...loadHex('ld2410_real_report_frames_tasmota.hex'), ...rxEntries(loadHex('ld2410_real_acks_tasmota_serialbridge.hex'))]));
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/drukte.js', 'replay', '--driver', 'ld2410', '--input', capture]);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.type === 'frame').map((l) => l.targets)).toEqual([0, 0, 1, 1, 1, 1, 0]);
    expect(lines.filter((l) => l.type === 'aggregate')).toEqual([expect.objectContaining({ level: 0, count: null })]);
  });
});
