/**
 * TI people-counting data-port parser under hostile input: splits, garbage, corrupt headers, truncated TLVs, absurd
 * lengths, both layouts, line noise (frames built with the simulator's encoder, as in ld2450-hostile.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ZERO_RUN_BYTES, NOISE_ZERO_RUN_REASON, TiPeopleDecoder, type TiPeopleEvent } from '../../hardware/ti-people/decoder.ts';
import { decodeTiFrame } from '../../hardware/ti-people/frame.ts';
import { TiPeopleParser } from '../../hardware/ti-people/parser.ts';
import { encodeTargetList, encodeTiFrame, encodeTiPacket, type TiLayoutName, type TiTargetIn } from '../../simulator/encoders/ti-people.ts';
import { loadHex } from '../helpers/hex.ts';
import { bytewise, cat, chunked, decodeChunksWith, parseChunksWith } from '../helpers/chunks.ts';

type Summary = { type: 'report'; targets: [number, number][] } | { type: 'noise'; reason: string };
const summarise = (e: TiPeopleEvent): Summary => (e.type === 'report' ? { type: 'report', targets: (e.frame.targets ?? []).map((t) => [t.xMm, t.yMm]) } : e);

const decodeChunks = (chunks: readonly Uint8Array[], maxPacketBytes?: number) => decodeChunksWith(new TiPeopleDecoder(maxPacketBytes ? { maxPacketBytes } : {}), chunks, summarise);
const parseChunks = (chunks: readonly Uint8Array[]): Promise<Summary[]> => parseChunksWith(new TiPeopleParser(), chunks, (e: TiPeopleEvent) => summarise(e));

const people = (n: number, k = 0): TiTargetIn[] => Array.from({ length: n }, (_, i) => ({ tid: i, posX: 0.25 * i - 1 + k, posY: 1 + 0.5 * i }));
const points = (n: number) => Array.from({ length: n }, (_, i) => ({ rangeM: 1 + i / 10, azimuthRad: 0.1, elevationRad: 0, dopplerMS: 0.5, snr: 12 }));
const frame = (n: number, layout: TiLayoutName = 'sdk', k = 0): Buffer => encodeTiFrame({ layout, frameNumber: k, targets: people(n, k), points: points(5 + n), targetIndex: Array(5 + n).fill(0) });
const rep = (n: number, k = 0): Summary => ({ type: 'report', targets: people(n, k).map((t) => [Math.fround(t.posX) * 1000, Math.fround(t.posY) * 1000]) });
const OOB = Buffer.concat(loadHex('ti_iwr6843_oob_sdk36_frame.hex').map((e) => e.bytes));
const STREAM = cat(frame(2), OOB, frame(3, 'legacy', 1), frame(0), frame(1, 'legacy', 2), encodeTiFrame({ frameNumber: 5, targets: people(31) }));
const STREAM_EVENTS = [rep(2), rep(0), rep(3, 1), rep(0), rep(1, 2), rep(31)];

describe('split frames', () => {
  it('a stream of SDK, OOB and legacy frames split at every byte boundary gives the same events and stats', async () => {
    const whole = decodeChunks([STREAM]);
    expect(whole.events).toEqual(STREAM_EVENTS);
    expect(whole.stats).toMatchObject({ reports: 6, legacyReports: 2, badFrames: 0, discardedBytes: 0 });
    for (let k = 1; k < STREAM.length; k++) {
      const split = decodeChunks([STREAM.subarray(0, k), STREAM.subarray(k)]);
      if (split.stats.reports !== 6 || JSON.stringify(split.events) !== JSON.stringify(whole.events)) expect(split.events, `split at ${k}`).toEqual(whole.events);
      expect(split.stats.badFrames).toBe(0);
    }
    for (const k of [1, 7, 8, 15, 16, 39, 40, 47, 48, 700, STREAM.length - 1]) expect(await parseChunks([STREAM.subarray(0, k), STREAM.subarray(k)])).toEqual(whole.events);
  });

  it('byte by byte, and in odd chunk sizes, gives the same result; the buffer holds at most one frame', async () => {
    const longest = Math.max(...[frame(2), OOB, frame(31)].map((f) => f.length));
    const bytes = decodeChunks(bytewise(STREAM));
    expect(bytes.events).toEqual(STREAM_EVENTS);
    expect(bytes.maxPending).toBeLessThan(Math.max(longest, STREAM.length - OOB.length));
    for (const size of [3, 31, 33, 100, 1000]) expect(decodeChunks(chunked(STREAM, size)).events).toEqual(STREAM_EVENTS);
    expect(await parseChunks(bytewise(STREAM))).toEqual(STREAM_EVENTS);
  });
});

describe('garbage, corrupt headers and resync', () => {
  it('skips garbage: stray 0x02, partial and fake magic words, padding-like zeros', () => {
    const garbage = [[0x02], [0x02, 0x01, 0x04, 0x03], [0x02, 0x01, 0x04, 0x03, 0x06, 0x05, 0x08], [0x07, 0x08, 0x05, 0x06], Array(20).fill(0)];
    const stream = cat(...garbage.flatMap((g) => [g, frame(1)]));
    const out = decodeChunks([stream]);
    expect(out.events).toEqual(garbage.map(() => rep(1)));
    expect(out.stats).toMatchObject({ discardedBytes: garbage.reduce((n, g) => n + g.length, 0), badFrames: 0 });
    expect(decodeChunks(bytewise(stream)).events).toEqual(out.events);
  });

  it('absurd totalPacketLen (> 64 KiB, < 40) is rejected at once, without waiting', () => {
    for (const total of [0, 39, 65537, 0xffffffff]) {
      const bad = Buffer.from(frame(2));
      bad.writeUInt32LE(total, 12);
      const out = decodeChunks(bytewise(cat(bad.subarray(0, 16), frame(1), frame(0))));
      expect(out.events, `total ${total}`).toEqual([rep(1), rep(0)]);
      expect(out.stats.rejected.absurdLength).toBe(1);
      expect(out.maxPending).toBeLessThan(frame(1).length);
    }
  });

  it('a corrupt header that claims a long plausible packet does not swallow the frames after it', () => {
    const bad = Buffer.from(frame(2));
    bad.writeUInt32LE(60_000, 12);
    const out = decodeChunks(bytewise(cat(bad, frame(1), frame(3))));
    expect(out.events).toEqual([rep(1), rep(3)]);
    expect(out.stats.badFrames).toBe(1);
    expect(out.maxPending).toBeLessThan(bad.length + frame(1).length);
  });

  it('a frame cut short hides the start of valid frames: they are all found', () => {
    const broken = cat(frame(4).subarray(0, 300), frame(1), frame(2, 'legacy'));
    for (const chunks of [[broken], bytewise(broken), chunked(broken, 64)]) {
      const out = decodeChunks(chunks);
      expect(out.events).toEqual([rep(1), rep(2)]);
      expect(out.stats).toMatchObject({ badFrames: 1, discardedBytes: 300 });
    }
  });

  it('a frame cut off by the end of input is counted; frames inside it are still found', async () => {
    // A consistent header + one 4048-byte TLV: the candidate waits for 4096 bytes, the input ends first.
    const hollow = encodeTiPacket([{ type: 1020, payload: new Uint8Array(4048) }]).subarray(0, 48);
    const stream = cat(hollow, frame(1), frame(2));
    const out = decodeChunks([stream]);
    expect(out.events).toEqual([rep(1), rep(2)]);
    expect(out.stats.rejected.truncatedAtEnd).toBe(1);
    expect(await parseChunks([stream])).toEqual([rep(1), rep(2)]);
    expect(decodeChunks([frame(3).subarray(0, 200)]).stats).toMatchObject({ reports: 0, badFrames: 1, discardedBytes: 200 });
  });
});

describe('TLV checks (docs/RADAR-PROTOCOLS.md §3.1–3.3, §5)', () => {
  const reject = (bytes: Buffer) => decodeChunks([cat(frame(1), bytes, frame(0))]);
  const list = encodeTargetList(people(2));

  it('a TLV that runs past totalPacketLen → truncatedTlv, in both layouts', () => {
    for (const layout of ['sdk', 'legacy'] as const) {
      const bad = encodeTiPacket([{ type: 1020, payload: new Uint8Array(40) }, { type: 5, payload: new Uint8Array(8) }], { layout, pad: false });
      bad.writeUInt32LE(0x200, bad.length - 16 + 4); // second TLV claims 512 bytes
      const out = reject(bad);
      expect(out.events).toEqual([rep(1), rep(0)]);
      expect(out.stats.rejected.truncatedTlv).toBe(1);
    }
    const short = encodeTiPacket([{ type: 7, payload: list }], { layout: 'legacy' });
    short.writeUInt32LE(4, 48 + 4); // legacy TLV length < its own 8-byte header
    expect(reject(short).stats.badFrames).toBe(1);
  });

  it('a target list whose length does not divide by 112 → targetListSize (the toolbox doc\'s 84-byte target, §5)', () => {
    const out = reject(encodeTiPacket([{ type: 1010, payload: new Uint8Array(84 * 2) }]));
    expect(out.events).toEqual([rep(1), rep(0)]);
    expect(out.stats.rejected.targetListSize).toBe(1);
  });

  it('two target lists, a NaN or absurd position, TLVs that do not fill the packet: rejected with a reason', () => {
    expect(reject(encodeTiPacket([{ type: 1010, payload: list }, { type: 1010, payload: list }])).stats.rejected.duplicateTargetList).toBe(1);
    const nan = encodeTargetList(people(1));
    nan.writeFloatLE(Number.NaN, 4);
    expect(reject(encodeTiPacket([{ type: 1010, payload: nan }])).stats.rejected.badTarget).toBe(1);
    const far = encodeTargetList(people(1));
    far.writeFloatLE(5000, 8);
    expect(reject(encodeTiPacket([{ type: 1010, payload: far }])).stats.rejected.badTarget).toBe(1);
    const loose = encodeTiPacket([{ type: 1010, payload: list }]);
    loose.writeUInt32LE(loose.length + 64, 12);
    const out = reject(cat(loose, new Uint8Array(64).fill(0x11)));
    expect(out.events).toEqual([rep(1), rep(0)]);
    expect(out.stats.rejected.lengthMismatch).toBe(1);
  });

  it('frames without padding, with empty target lists and with no TLVs at all are accepted', () => {
    const plain = [
      encodeTiPacket([{ type: 1010, payload: encodeTargetList(people(1)) }], { pad: false }),
      encodeTiPacket([{ type: 1010, payload: new Uint8Array(0) }]),
      encodeTiPacket([]),
      encodeTiPacket([], { layout: 'legacy' }),
    ];
    expect(decodeChunks([cat(...plain)]).events).toEqual([rep(1), rep(0), rep(0), rep(0)]);
  });
});

describe('line noise (wrong baud rate)', () => {
  const noise: Summary = { type: 'noise', reason: NOISE_ZERO_RUN_REASON };
  it('one noise event per run of ≥ 1024 discarded zero bytes, whatever the chunking', () => {
    expect(DEFAULT_ZERO_RUN_BYTES).toBe(1024);
    expect(decodeChunks([Buffer.alloc(1023)]).events).toEqual([]);
    expect(decodeChunks([Buffer.alloc(1024)]).events).toEqual([noise]);
    expect(decodeChunks(bytewise(Buffer.alloc(3000))).events).toEqual([noise]);
    const stream = cat(Buffer.alloc(1100), frame(1), Buffer.alloc(1100));
    expect(decodeChunks([stream]).events).toEqual([noise, rep(1), noise]);
    expect(decodeChunks(bytewise(stream)).events).toEqual([noise, rep(1), noise]);
    expect(NOISE_ZERO_RUN_REASON).toMatch(/921600/);
  });

  it('a frame with a corrupted magic word and a zero-covariance track is discarded without a noise event', () => {
    const zeroTracks = encodeTiFrame({ targets: [{ tid: 0, posX: 1, posY: 2, ec: Array(16).fill(0) }, { tid: 1, posX: 0, posY: 3 }], points: [] });
    zeroTracks[0] = 0x12;
    expect(decodeChunks([cat(frame(1), zeroTracks, frame(0))]).events).toEqual([rep(1), rep(0)]);
  });

  it('long zero runs inside valid frames (padding, zero payloads) are not noise', () => {
    const zeros = encodeTiPacket([{ type: 2, payload: new Uint8Array(5000) }, { type: 1010, payload: encodeTargetList([{ tid: 0, posX: 0, posY: 0 }]) }]);
    expect(decodeChunks([cat(zeros, zeros, OOB)]).stats).toMatchObject({ reports: 3, noiseRuns: 0 });
  });
});

/** Every frame that decodes at some offset of the input (brute force), in order. */
const bruteForce = (b: Buffer): Summary[] => {
  const out: Summary[] = [];
  for (let i = b.indexOf(2); i >= 0; i = b.indexOf(2, i + 1)) {
    const f = decodeTiFrame(b, i);
    if (f) out.push({ type: 'report', targets: (f.targets ?? []).map((t) => [t.xMm, t.yMm]) });
  }
  return out;
};
const isSubsequence = (sub: readonly Summary[], all: readonly Summary[]): boolean => {
  let j = 0;
  for (const s of all) if (j < sub.length && JSON.stringify(s) === JSON.stringify(sub[j])) j++;
  return j === sub.length;
};
const coord = fc.double({ min: -20, max: 20, noNaN: true });
const validFrame = fc
  .tuple(fc.array(fc.record({ tid: fc.nat(255), posX: coord, posY: coord }), { maxLength: 4 }), fc.nat(6), fc.constantFrom<TiLayoutName>('sdk', 'legacy'), fc.boolean())
  .map(([targets, n, layout, pad]) => (pad ? encodeTiFrame({ layout, targets, points: points(n) }) : encodeTiPacket([{ type: layout === 'sdk' ? 1010 : 7, payload: encodeTargetList(targets) }], { layout, pad })));
const noiseByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x02, 0x01, 0x04, 0x03, 0x06, 0x05, 0x08, 0x07, 0x00, 0xf2, 0x03));
const segment = fc.oneof(
  fc.array(noiseByte, { maxLength: 40 }).map((a) => Uint8Array.from(a)),
  fc.integer({ min: 1000, max: 1100 }).map((n) => new Uint8Array(n)),
  validFrame,
  fc.tuple(validFrame, fc.nat()).map(([f, n]) => f.subarray(0, n % f.length)),
  fc.tuple(validFrame, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, n, x]) => {
    const g = Buffer.from(f);
    g[n % 64 % g.length] = (g[n % 64 % g.length] ?? 0) ^ x; // corrupt the header / first TLV
    return g;
  }),
);
const hostile = fc.array(segment, { maxLength: 10 }).map((parts) => Buffer.concat(parts));

describe('random input (fast-check)', () => {
  it('never throws; every report is a well-formed frame of the input; chunking never matters; bounded buffer', () => {
    let emitted = 0;
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 300 }), (bytes, size) => {
        const out = decodeChunks(chunked(bytes, size), 4096);
        const reports = out.events.filter((e) => e.type === 'report');
        emitted += reports.length;
        expect(isSubsequence(reports, bruteForce(bytes))).toBe(true);
        for (const r of reports) for (const [x, y] of r.type === 'report' ? r.targets : []) expect(Math.abs(x) <= 1e6 && Math.abs(y) <= 1e6).toBe(true);
        expect(out.maxPending).toBeLessThan(4096);
        const whole = decodeChunks([bytes], 4096);
        expect(out.events).toEqual(whole.events);
        expect(out.stats).toEqual(whole.stats);
      }),
      { numRuns: 200, seed: 6843 },
    );
    expect(emitted).toBeGreaterThan(100);
  });
});
