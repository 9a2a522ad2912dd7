/**
 * LD2410 parser under hostile input: splits, garbage, corrupt frames, truncation, overflow, line noise (frames built
 * with the simulator's encoder, in the style of ld2450-hostile.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ld2410Decoder, maxPendingBytes, NOISE_ZERO_RUN_REASON, type Ld2410Event } from '../../hardware/ld2410/decoder.ts';
import { Ld2410Parser } from '../../hardware/ld2410/parser.ts';
import { reportState } from '../../hardware/ld2410/report.ts';
import { encodeLd2410Ack, encodeLd2410Report } from '../../simulator/encoders/ld2410.ts';
import { loadHex, rxStream } from '../helpers/hex.ts';
import { bytewise, cat, chunked, decodeChunksWith, parseChunksWith } from '../helpers/chunks.ts';

type Summary = { type: 'report'; occupancy: number | null } | { type: 'ack'; command: number; status: number; data: string } | { type: 'noise'; reason: string };
const summarise = (e: Ld2410Event): Summary =>
  e.type === 'report' ? { type: 'report', occupancy: e.frame.occupancy } : e.type === 'ack' ? { type: 'ack', command: e.command, status: e.status, data: e.data.toString('hex') } : e;

const decodeChunks = (chunks: readonly Uint8Array[]) => decodeChunksWith(new Ld2410Decoder(), chunks, summarise);
const parseChunks = (chunks: readonly Uint8Array[]): Promise<Summary[]> => parseChunksWith(new Ld2410Parser(), chunks, (e: Ld2410Event) => summarise(e));

const REAL = cat(
  rxStream(loadHex('ld2410_real_report_frames_tasmota.hex')),
  rxStream(loadHex('ld2410_real_acks_tasmota_serialbridge.hex')),
  rxStream(loadHex('ld2410_doc_examples.hex')),
);
const present = encodeLd2410Report({ state: 2, staticDistanceCm: 120, staticEnergy: 60 });
const absent = encodeLd2410Report({ state: 0 });
const engineering = encodeLd2410Report({ state: 1, movingDistanceCm: 200 }, { light: 98 });
const P: Summary = { type: 'report', occupancy: 1 };
const A: Summary = { type: 'report', occupancy: 0 };
const noise: Summary = { type: 'noise', reason: NOISE_ZERO_RUN_REASON };

describe('split frames', () => {
  it('the fixtures split at every byte boundary give the same events and stats', async () => {
    const whole = decodeChunks([REAL]);
    expect(whole.stats).toMatchObject({ reports: 9, acks: 5, badFrames: 0, discardedBytes: 0 });
    for (let k = 1; k < REAL.length; k++) {
      const split = decodeChunks([REAL.subarray(0, k), REAL.subarray(k)]);
      if (JSON.stringify(split) !== JSON.stringify({ ...whole, maxPending: split.maxPending })) {
        expect(split.events, `split at ${k}`).toEqual(whole.events);
        expect(split.stats, `split at ${k}`).toEqual(whole.stats);
      }
    }
    for (const k of [1, 4, 6, 7, 22, 23, 24, 100, REAL.length - 1]) expect(await parseChunks([REAL.subarray(0, k), REAL.subarray(k)])).toEqual(whole.events);
  });

  it('byte by byte gives the same result, with a buffer of at most one frame', async () => {
    const whole = decodeChunks([REAL]);
    const bytes = decodeChunks(bytewise(REAL));
    expect(bytes.events).toEqual(whole.events);
    expect(bytes.maxPending).toBeLessThan(45);
    expect(await parseChunks(bytewise(REAL))).toEqual(whole.events);
  });
});

describe('garbage and resync', () => {
  it('skips garbage between frames: partial headers, fake headers, absurd lengths, unknown types, stray footers', () => {
    const garbage = [
      [0x12, 0x34],
      [0xf4], // lone header byte
      [0xf4, 0xf3, 0xf2], // partial report header
      [0xf4, 0xf3, 0xf2, 0xf1, 0xff, 0x7f, 0x02], // absurd length
      [0xf4, 0xf3, 0xf2, 0xf1, 0x0d, 0x00, 0x03], // unknown type
      [0xf4, 0xf3, 0xf2, 0xf1, 0x23, 0x00, 0x02], // basic type with the engineering length
      [0xfd, 0xfc, 0xfb, 0xfa, 0x08, 0x00], // ACK header with a plausible length
      [0x55, 0x00, 0xf8, 0xf7, 0xf6, 0xf5, 0x04, 0x03, 0x02, 0x01], // stray tails and footers
    ];
    const stream = cat(...garbage.flatMap((g) => [g, present]), absent);
    const out = decodeChunks([stream]);
    expect(out.events).toEqual([...garbage.map(() => P), A]);
    expect(out.stats.discardedBytes).toBe(garbage.reduce((n, g) => n + g.length, 0));
    expect(out.stats.badFrames).toBe(4);
    expect(decodeChunks(bytewise(stream)).events).toEqual(out.events);
  });

  it('a frame cut short hides the start of a valid frame: the valid frame is kept', () => {
    const broken = cat(engineering.subarray(0, 12), present, absent);
    const out = decodeChunks([broken]);
    expect(out.events).toEqual([P, A]);
    expect(out.stats).toMatchObject({ badFrames: 1, discardedBytes: 12 });
    expect(decodeChunks(bytewise(broken)).events).toEqual([P, A]);
  });

  it('an ACK following the tail of an in-flight report is kept', () => {
    const ack = encodeLd2410Ack(0xff, 0, Uint8Array.of(1, 0, 0x40, 0));
    const out = decodeChunks([cat(engineering.subarray(0, 30), ack, present)]);
    expect(out.events).toEqual([{ type: 'ack', command: 0xff, status: 0, data: '01004000' }, P]);
  });

  it('corrupt head, state, tail or footer: that frame is dropped, its neighbours are not', () => {
    for (const at of [7, 8, 17, 18, present.length - 6, present.length - 5, present.length - 2]) {
      const bad = Buffer.from(present);
      bad[at] = at === 8 ? 7 : (bad[at]! ^ 0x5a) & 0xff;
      expect(decodeChunks([cat(absent, bad, absent)]).events, `byte ${at}`).toEqual([A, A]);
    }
  });

  it('absurd ACK lengths are dropped at once; a flood of headers keeps the buffer bounded', () => {
    const out = decodeChunks(bytewise(cat([0xfd, 0xfc, 0xfb, 0xfa, 0xff, 0x7f], present)));
    expect(out.events).toEqual([P]);
    expect(out.stats).toMatchObject({ badFrames: 1, discardedBytes: 6 });
    const flood = Buffer.concat(Array.from({ length: 500 }, (_, i) => Buffer.from(i % 2 ? [0xfd, 0xfc, 0xfb, 0xfa, 0x40, 0x00, 0x11] : [0xf4, 0xf3, 0xf2, 0xf1, 0x23, 0x00, 0x01, 0xaa])));
    expect(decodeChunks([flood, flood]).maxPending).toBeLessThanOrEqual(maxPendingBytes());
  });

  it('a frame cut off by the end of input is counted, not emitted', async () => {
    const out = decodeChunks([cat(present, engineering.subarray(0, 40))]);
    expect(out.events).toEqual([P]);
    expect(out.stats).toMatchObject({ reports: 1, badFrames: 1, discardedBytes: 40 });
    expect(await parseChunks([cat(present, engineering.subarray(0, 40))])).toEqual([P]);
  });
});

describe('line noise (wrong baud rate)', () => {
  it('one noise event per run of ≥ 64 discarded zero bytes, none for shorter runs', () => {
    expect(decodeChunks([Buffer.alloc(63)]).events).toEqual([]);
    expect(decodeChunks([Buffer.alloc(64)]).events).toEqual([noise]);
    expect(decodeChunks(bytewise(Buffer.alloc(500))).events).toEqual([noise]);
    expect(decodeChunks([Buffer.alloc(100), present, Buffer.alloc(100)]).events).toEqual([noise, P, noise]);
    expect(decodeChunks([cat(Buffer.alloc(100), present, Buffer.alloc(100))]).events).toEqual([noise, P, noise]); // chunking never matters
    expect(decodeChunks([cat(Buffer.alloc(40), present, Buffer.alloc(40))]).events).toEqual([P]); // a frame ends a run
  });

  it('zero bytes inside valid frames never count', () => {
    const quiet = encodeLd2410Report({ state: 0 }, { movingGateEnergy: Array(9).fill(0), staticGateEnergy: Array(9).fill(0), light: 0, out: 0 });
    expect(decodeChunks([Buffer.concat(Array(50).fill(quiet))]).stats).toMatchObject({ noiseRuns: 0, reports: 50 });
  });

  it('the reason is fixed text naming the baud rate', () => {
    const reasons = decodeChunks([cat(Buffer.alloc(70), present, [0x13], Buffer.alloc(70))]).events.flatMap((e) => (e.type === 'noise' ? [e.reason] : []));
    expect(reasons).toEqual([NOISE_ZERO_RUN_REASON, NOISE_ZERO_RUN_REASON]);
    expect(NOISE_ZERO_RUN_REASON).toMatch(/256000/);
  });
});

/** Every report frame present in the input (brute force), in order. */
const bruteForceReports = (b: Uint8Array): Summary[] => {
  const out: Summary[] = [];
  for (let i = 0; i < b.length; i++) {
    const s = reportState(b, i);
    if (s >= 0) out.push({ type: 'report', occupancy: s ? 1 : 0 });
  }
  return out;
};
const isSubsequence = (sub: readonly Summary[], all: readonly Summary[]): boolean => {
  let j = 0;
  for (const s of all) if (j < sub.length && JSON.stringify(s) === JSON.stringify(sub[j])) j++;
  return j === sub.length;
};
const noiseByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xf4, 0xf3, 0xf2, 0xf1, 0x0d, 0x23, 0x01, 0x02, 0xaa, 0x55, 0x00, 0xf8, 0xfd, 0xfa, 0x04));
const gate = fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 9 });
const report = fc.record({ state: fc.integer({ min: 0, max: 3 }), movingDistanceCm: fc.nat(0xffff), staticEnergy: fc.nat(100) });
const frameBytes = fc.oneof(
  report.map((r) => encodeLd2410Report(r)),
  fc.tuple(report, gate, gate, fc.nat(255)).map(([r, m, s, light]) => encodeLd2410Report(r, { movingGateEnergy: m, staticGateEnergy: s, light })),
);
const ackBytes = fc.tuple(fc.integer({ min: 0, max: 0xff }), fc.uint8Array({ maxLength: 24 })).map(([c, d]) => encodeLd2410Ack(c, 0, d));
const segment = fc.oneof(
  fc.array(noiseByte, { maxLength: 40 }).map((a) => Uint8Array.from(a)),
  fc.integer({ min: 60, max: 80 }).map((n) => new Uint8Array(n)), // zero runs
  frameBytes,
  ackBytes,
  fc.tuple(fc.oneof(frameBytes, ackBytes), fc.nat()).map(([f, n]) => f.subarray(0, n % f.length)),
  fc.tuple(fc.oneof(frameBytes, ackBytes), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, n, x]) => {
    const g = Buffer.from(f);
    g[n % g.length] = (g[n % g.length] ?? 0) ^ x;
    return g;
  }),
);
const hostileBytes = fc.array(segment, { maxLength: 12 }).map((parts) => Buffer.concat(parts));

describe('random input (fast-check)', () => {
  it('never throws; every report is a real well-formed frame of the input; chunking never matters', () => {
    let emitted = 0;
    fc.assert(
      fc.property(hostileBytes, fc.integer({ min: 1, max: 64 }), (bytes, size) => {
        const out = decodeChunks(chunked(bytes, size));
        const reports = out.events.filter((e) => e.type === 'report');
        emitted += reports.length;
        expect(isSubsequence(reports, bruteForceReports(bytes))).toBe(true);
        for (const r of reports) expect([0, 1]).toContain(r.type === 'report' ? r.occupancy : -1);
        expect(out.maxPending).toBeLessThanOrEqual(maxPendingBytes());
        expect(out.events).toEqual(decodeChunks([bytes]).events);
        expect(out.stats).toEqual(decodeChunks([bytes]).stats);
      }),
      { numRuns: 200, seed: 2410 },
    );
    expect(emitted).toBeGreaterThan(100); // the property was not vacuous
  });

  it('finds every frame hidden in header-free noise, whatever the chunking', () => {
    const plain = fc.array(fc.integer({ min: 1, max: 255 }).filter((b) => b !== 0xf4 && b !== 0xfd), { maxLength: 40 });
    fc.assert(
      fc.property(fc.array(plain, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 40 }), (gaps, size) => {
        const stream = cat(...gaps.flatMap((g, i) => [g, i % 2 ? engineering : absent]));
        expect(decodeChunks(chunked(stream, size)).events).toEqual(gaps.map((_, i) => (i % 2 ? P : A)));
      }),
      { numRuns: 200, seed: 2411 },
    );
  });
});
