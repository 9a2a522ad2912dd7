/**
 * HLK-LD2450 incremental framing: bytes in any chunking ─► report / ACK / noise events. Synchronous and IO-free;
 * `parser.ts` wraps it as a stream. The scan, resync, bounds, zero-run and end-of-input rules are the Hi-Link
 * framer's (hardware/hilink/framer.ts); this file is the LD2450's table: the report frame `AA FF 03 00 … 55 CC`,
 * 30 bytes (docs/RADAR-PROTOCOLS.md §1.1) and the command/ACK envelope (§1.2). The kept buffer holds at most one
 * candidate (≤ max(30, maxAckLength + 10) bytes). Never throws on input; messages never contain bytes or positions.
 */
import type { RawFrame } from '../frame.ts';
import { checkHiLinkOptions, HiLinkFramer, hiLinkAckKind, type HiLinkAckEvent, type HiLinkFrameKind } from '../hilink/framer.ts';
import { REPORT_FRAME_BYTES, REPORT_HEADER, decodeReport } from './report.ts';

export type Ld2450Event = { type: 'report'; frame: RawFrame } | HiLinkAckEvent | { type: 'noise'; reason: string };

export interface Ld2450Stats {
  reports: number;
  acks: number;
  /** Bytes that were not part of an accepted frame. */
  discardedBytes: number;
  /** Candidates that started with a header but were rejected (bad footer, bad length, not an ACK, truncated). */
  badFrames: number;
  /** Runs of ≥ zeroRunBytes discarded 0x00 bytes (wrong baud rate symptom). */
  noiseRuns: number;
}

export interface Ld2450DecoderOptions {
  /** Largest ACK length field accepted (bytes of command word + status + data). Default 64: the module's buffer
   * size reported in the Enable ACK is 0x0040 (§1.2); the largest ACK in the protocol has length 0x1E. */
  maxAckLength?: number;
  /** Discarded zero bytes in a row that count as line noise. Default 64. Must exceed 25, the longest run in a valid frame. */
  zeroRunBytes?: number;
}

export const NOISE_ZERO_RUN_REASON = 'long run of 0x00 bytes: wrong baud rate? the LD2450 runs at 256000 baud';

/** The LD2450's table on the Hi-Link framer: push(), end(), pendingBytes are the framer's. */
export class Ld2450Decoder extends HiLinkFramer<Ld2450Event> {
  readonly #counts: { reports: number; acks: number };

  constructor({ maxAckLength = 64, zeroRunBytes = 64 }: Ld2450DecoderOptions = {}) {
    checkHiLinkOptions(maxAckLength, zeroRunBytes, 25);
    const counts = { reports: 0, acks: 0 };
    const report: HiLinkFrameKind<Ld2450Event> = {
      header: REPORT_HEADER,
      peekBytes: REPORT_HEADER.length,
      frameBytes: () => REPORT_FRAME_BYTES,
      decode: (buf, at) => {
        const frame = decodeReport(buf, at);
        if (!frame) return null;
        counts.reports++;
        return { type: 'report', frame };
      },
    };
    const ack = hiLinkAckKind(maxAckLength, () => counts.acks++);
    super([report, ack], { zeroRunBytes, noise: () => ({ type: 'noise', reason: NOISE_ZERO_RUN_REASON }) });
    this.#counts = counts;
  }

  /** A snapshot of the counters. */
  override get stats(): Ld2450Stats {
    return { ...this.#counts, ...super.stats };
  }
}
