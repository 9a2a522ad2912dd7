/**
 * The Hi-Link framer (hardware/hilink/framer.ts): a new radar is a table. A made-up radar with a fixed-length frame
 * and the shared ACK row gets the family's resync, bounds, zero-run and end-of-input rules without a line of scanning
 * code; and the LD2450 and LD2410 decoders share the same end() rule.
 */
import { describe, expect, it } from 'vitest';
import { HiLinkFramer, hiLinkAckKind, type HiLinkFrameKind } from '../../hardware/hilink/framer.ts';
import { Ld2410Decoder } from '../../hardware/ld2410/decoder.ts';
import { Ld2450Decoder } from '../../hardware/ld2450/decoder.ts';
import { encodeLd2410Report } from '../../simulator/encoders/ld2410.ts';
import { encodeLd2450Ack, encodeLd2450Report } from '../../simulator/encoders/ld2450.ts';

type Event = { type: 'tick'; value: number } | { type: 'ack'; command: number } | { type: 'noise' };

/** A made-up radar: `C0 DE` value `EF`, 4 bytes, plus the family's command/ACK envelope. */
function toyFramer(): HiLinkFramer<Event> {
  const tick: HiLinkFrameKind<Event> = {
    header: [0xc0, 0xde],
    peekBytes: 2,
    frameBytes: () => 4,
    decode: (buf, at) => (buf[at + 3] === 0xef ? { type: 'tick', value: buf[at + 2] ?? 0 } : null),
  };
  const ack = hiLinkAckKind(64, () => {});
  const ackRow: HiLinkFrameKind<Event> = { ...ack, decode: (b, at, n) => { const e = ack.decode(b, at, n); return e && { type: 'ack', command: e.command }; } };
  return new HiLinkFramer<Event>([tick, ackRow], { zeroRunBytes: 8, noise: () => ({ type: 'noise' }) });
}

const all = (framer: HiLinkFramer<Event>, chunks: readonly Uint8Array[]): Event[] => [...chunks.flatMap((c) => framer.push(c)), ...framer.end()];
const bytewise = (b: Uint8Array): Uint8Array[] => Array.from(b, (x) => Uint8Array.of(x));

describe('a new Hi-Link radar is a table', () => {
  const ack = encodeLd2450Ack(0xff, 0, Uint8Array.of(1, 0, 0x40, 0));
  const stream = Buffer.concat([Buffer.from([0x13, 0xc0, 0xde, 0x05, 0xef, 0xc0, 0xde, 0x06]), ack, Buffer.alloc(9), Buffer.from([0xc0, 0xde, 0x07, 0xef])]);
  const expected: Event[] = [{ type: 'tick', value: 5 }, { type: 'ack', command: 0xff }, { type: 'noise' }, { type: 'tick', value: 7 }];

  it('decodes frames, resyncs after a bad candidate, reports a zero run, whatever the chunking', () => {
    expect(all(toyFramer(), [stream])).toEqual(expected);
    expect(all(toyFramer(), bytewise(stream))).toEqual(expected);
    const framer = toyFramer();
    all(framer, [stream]);
    expect(framer.stats).toEqual({ discardedBytes: 1 + 3 + 9, badFrames: 1, noiseRuns: 1 });
  });

  it('end(): a truncated candidate counts as one bad frame and a frame inside it is still found', () => {
    const framer = toyFramer();
    expect(framer.push(Buffer.from([0xc0, 0xde, 0x01]))).toEqual([]);
    expect(framer.pendingBytes).toBe(3);
    expect(framer.end()).toEqual([]);
    expect(framer.stats).toMatchObject({ badFrames: 1, discardedBytes: 3 });
  });
});

describe('one end() rule for the LD2450 and LD2410', () => {
  it('an ACK hidden inside a cut-off report at the end of input is still decoded, by both', () => {
    const ack = encodeLd2450Ack(0xfe, 0, new Uint8Array(0));
    for (const [decoder, report] of [
      [new Ld2450Decoder(), encodeLd2450Report([])],
      [new Ld2410Decoder(), encodeLd2410Report({ state: 1 })],
    ] as const) {
      // A report header and length, then a whole ACK that completes too early to be the report's body.
      const head = report.subarray(0, 7);
      const events = [...decoder.push(Buffer.concat([head, ack])), ...decoder.end()];
      expect(events.filter((e) => e.type === 'ack')).toHaveLength(1);
      expect(decoder.stats).toMatchObject({ acks: 1, badFrames: 1, discardedBytes: 7 });
    }
  });
});
