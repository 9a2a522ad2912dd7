/**
 * LD2450 parser under hostile input: splits, garbage, corrupt frames, truncation, overflow, noise (ESPHome-style
 * frame builders; here the simulator's encoder builds frames).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOISE_ZERO_RUN_REASON } from '../../hardware/ld2450/decoder.ts';
import { decodeReport, isReportFrame } from '../../hardware/ld2450/report.ts';
import { encodeLd2450Ack, encodeLd2450Report } from '../../simulator/encoders/ld2450.ts';
import { loadHex, rxStream } from '../helpers/hex.ts';
import { bytewise, decodeChunks, parseChunks, type Summary } from './ld2450-util.ts';

const REAL = rxStream(loadHex('ld2450_real_v204_256000_stream.hex'));
const frameA = encodeLd2450Report([{ xMm: -782, yMm: 1713, speedCmS: -16 }]);
const frameB = encodeLd2450Report([{ xMm: 100, yMm: 2000 }, { xMm: -300, yMm: 900 }]);
const reportOf = (...targets: [number, number][]): Summary => ({ type: 'report', targets });
const A = reportOf([-782, 1713]);
const B = reportOf([100, 2000], [-300, 900]);
const cat = (...parts: (Uint8Array | number[])[]): Buffer => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe('split frames', () => {
  it('the real stream split at every byte boundary gives the same result', async () => {
    const whole = decodeChunks([REAL]);
    expect(whole.events).toHaveLength(46);
    for (let k = 1; k < REAL.length; k++) {
      const split = decodeChunks([REAL.subarray(0, k), REAL.subarray(k)]);
      if (JSON.stringify(split.events) !== JSON.stringify(whole.events)) expect(split.events, `split at ${k}`).toEqual(whole.events);
      expect(split.stats).toEqual(whole.stats);
    }
    // The stream parser too, at a sample of boundaries (it wraps the same decoder).
    for (const k of [1, 3, 4, 5, 29, 30, 31, 700, 701, REAL.length - 1]) {
      expect((await parseChunks([REAL.subarray(0, k), REAL.subarray(k)])).events).toEqual(whole.events);
    }
  });

  it('the real stream fed byte by byte gives the same result, with a small bounded buffer', async () => {
    const whole = decodeChunks([REAL]);
    const bytes = decodeChunks(bytewise(REAL));
    expect(bytes.events).toEqual(whole.events);
    expect(bytes.maxPending).toBeLessThan(30);
    expect((await parseChunks(bytewise(REAL))).events).toEqual(whole.events);
  });
});

describe('garbage and resync', () => {
  it('skips garbage between frames, including partial and fake headers', () => {
    const garbage = [
      [0x12, 0x34],
      [0xaa], // lone header byte
      [0xaa, 0xff, 0x03], // partial report header
      [0xfd, 0xfc, 0xfb], // partial command header
      [0xaa, 0xff, 0x03, 0x00, 0x01, 0x02], // full report header, then nothing valid
      [0xfd, 0xfc, 0xfb, 0xfa, 0x08, 0x00], // full ACK header with a plausible length
      [0x55, 0xcc, 0x04, 0x03, 0x02, 0x01], // stray footers
    ];
    const stream = cat(...garbage.flatMap((g) => [g, frameA]), frameB);
    const out = decodeChunks([stream]);
    expect(out.events).toEqual([...garbage.map(() => A), B]);
    expect(out.stats.reports).toBe(garbage.length + 1);
    expect(out.stats.discardedBytes).toBe(garbage.reduce((n, g) => n + g.length, 0));
    expect(decodeChunks(bytewise(stream)).events).toEqual(out.events);
  });

  it('a frame with a bad footer that hides a valid frame start inside it: the valid frame is kept', () => {
    // Header + 6 bytes of a frame that was cut short; the next real frame starts at offset 10. The first
    // candidate's "footer" (offset 28–29) falls inside the real frame and is not 55 CC.
    const broken = cat(frameB.subarray(0, 10), frameA, frameB);
    expect(isReportFrame(broken, 0)).toBe(false);
    const out = decodeChunks([broken]);
    expect(out.events).toEqual([A, B]);
    expect(out.stats).toMatchObject({ badFrames: 1, discardedBytes: 10 });
    expect(decodeChunks(bytewise(broken)).events).toEqual([A, B]);
  });

  it('an ACK starting inside a report with a bad footer (ACK following a report tail) is kept', () => {
    const ack = encodeLd2450Ack(0xff, 0, Uint8Array.of(1, 0, 0x40, 0));
    const stream = cat(frameA.subarray(0, 20), ack, frameA);
    const out = decodeChunks([stream]);
    expect(out.events).toEqual([{ type: 'ack', command: 0xff, status: 0, data: '01004000' }, A]);
  });

  it('an absurd ACK length is dropped at once and the buffer stays bounded', () => {
    const stream = cat([0xfd, 0xfc, 0xfb, 0xfa, 0xff, 0x7f], frameA);
    const out = decodeChunks(bytewise(stream));
    expect(out.events).toEqual([A]);
    expect(out.stats).toMatchObject({ badFrames: 1, discardedBytes: 6 });
    expect(out.maxPending).toBeLessThan(30);
    // A flood of ACK headers with maximal allowed length that never complete cannot grow the buffer past one frame.
    const flood = Buffer.concat(Array.from({ length: 500 }, () => Buffer.from([0xfd, 0xfc, 0xfb, 0xfa, 0x40, 0x00, 0x11])));
    expect(decodeChunks([flood, flood]).maxPending).toBeLessThanOrEqual(64 + 10);
  });

  it('a truncated frame at the end is counted, not emitted', async () => {
    const cut = REAL.subarray(0, REAL.length - 5);
    const out = await parseChunks([cut]);
    expect(out.events.filter((e) => e.type === 'report')).toHaveLength(43);
    expect(out.stats).toMatchObject({ reports: 43, badFrames: 1, discardedBytes: 25 });
  });
});

describe('line noise (wrong baud rate)', () => {
  const noise: Summary = { type: 'noise', reason: NOISE_ZERO_RUN_REASON };
  it('reports one noise event per run of ≥ 64 zero bytes, none for shorter runs or real data', () => {
    expect(decodeChunks([Buffer.alloc(63)]).events).toEqual([]);
    expect(decodeChunks([Buffer.alloc(64)]).events).toEqual([noise]);
    expect(decodeChunks(bytewise(Buffer.alloc(500))).events).toEqual([noise]);
    expect(decodeChunks([Buffer.alloc(100), frameA, Buffer.alloc(100)]).events).toEqual([noise, A, noise]);
    expect(decodeChunks([encodeLd2450Report([]), encodeLd2450Report([]), encodeLd2450Report([])]).stats.noiseRuns).toBe(0);
    expect(decodeChunks([REAL]).stats.noiseRuns).toBe(0);
  });
  it('the reason is fixed text, whatever the input', () => {
    const noisy = cat(Buffer.alloc(70), frameA, [0x13, 0x37], Buffer.alloc(70, 0));
    const reasons = decodeChunks([noisy]).events.flatMap((e) => (e.type === 'noise' ? [e.reason] : []));
    expect(reasons).toEqual([NOISE_ZERO_RUN_REASON, NOISE_ZERO_RUN_REASON]);
  });
});

/** Every report frame present in the input (brute force), in order. */
const bruteForceReports = (b: Uint8Array): Summary[] => {
  const out: Summary[] = [];
  for (let i = 0; i + 30 <= b.length; i++) {
    const f = decodeReport(b, i);
    if (f) out.push(reportOf(...(f.targets ?? []).map((t) => [t.xMm, t.yMm] as [number, number])));
  }
  return out;
};
const isSubsequence = (sub: readonly Summary[], all: readonly Summary[]): boolean => {
  let j = 0;
  for (const s of all) if (j < sub.length && JSON.stringify(s) === JSON.stringify(sub[j])) j++;
  return j === sub.length;
};
// Noise biased towards header/footer bytes, so partial frames actually occur.
const noiseByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xaa, 0xff, 0x03, 0x00, 0x55, 0xcc, 0xfd, 0xfc, 0xfb, 0xfa, 0x04, 0x02, 0x01));
const coord = fc.integer({ min: -32767, max: 32767 });
const target = fc.record({ xMm: coord, yMm: coord, speedCmS: coord });
const frameBytes = fc.array(target, { maxLength: 3 }).map((t) => encodeLd2450Report(t));
const ackBytes = fc.tuple(fc.integer({ min: 0, max: 0xff }), fc.uint8Array({ maxLength: 12 })).map(([c, d]) => encodeLd2450Ack(c, 0, d));
/** Segments of noise, whole frames, truncated frames and frames with one byte changed, glued together. */
const segment = fc.oneof(
  fc.array(noiseByte, { maxLength: 40 }).map((a) => Uint8Array.from(a)),
  frameBytes,
  ackBytes,
  fc.tuple(fc.oneof(frameBytes, ackBytes), fc.nat()).map(([f, n]) => f.subarray(0, n % f.length)),
  fc.tuple(fc.oneof(frameBytes, ackBytes), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, n, x]) => {
    const g = Buffer.from(f);
    const at = n % g.length;
    g[at] = (g[at] ?? 0) ^ x;
    return g;
  }),
);
const noiseBytes = fc.array(segment, { maxLength: 12 }).map((parts) => Buffer.concat(parts));

describe('random input (fast-check)', () => {
  it('never throws, and every report it emits is a real, well-formed frame in the input', () => {
    let emitted = 0;
    fc.assert(
      fc.property(noiseBytes, fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
        const out = decodeChunks(chunks);
        const reports = out.events.filter((e) => e.type === 'report');
        emitted += reports.length;
        expect(isSubsequence(reports, bruteForceReports(bytes))).toBe(true);
        for (const r of reports) {
          const targets = r.type === 'report' ? r.targets : [];
          const again = encodeLd2450Report(targets.map(([xMm, yMm]) => ({ xMm, yMm })));
          expect(again.length).toBe(30);
          expect(isReportFrame(again)).toBe(true);
        }
        expect(out.maxPending).toBeLessThanOrEqual(64 + 10);
        expect(out.events).toEqual(decodeChunks([bytes]).events); // chunking never matters
      }),
      { numRuns: 200, seed: 2450 },
    );
    expect(emitted).toBeGreaterThan(100); // the property was not vacuous
  });

  it('finds every frame hidden in header-free noise, whatever the chunking', () => {
    const plainNoise = fc.array(fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0xaa && b !== 0xfd), { maxLength: 40 });
    fc.assert(
      fc.property(fc.array(plainNoise, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 40 }), (gaps, chunk) => {
        const stream = cat(...gaps.flatMap((g, i) => [g, i % 2 ? frameA : frameB]));
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < stream.length; i += chunk) chunks.push(stream.subarray(i, i + chunk));
        const reports = decodeChunks(chunks).events.filter((e) => e.type === 'report');
        expect(reports).toEqual(gaps.map((_, i) => (i % 2 ? A : B)));
      }),
      { numRuns: 200, seed: 2451 },
    );
  });
});
