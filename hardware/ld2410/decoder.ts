/**
 * HLK-LD2410 incremental framing: bytes in any chunking ─► report / ACK / noise events. Synchronous and IO-free;
 * `parser.ts` wraps it as a stream. The scan, resync, bounds, zero-run and end-of-input rules are the Hi-Link
 * framer's (hardware/hilink/framer.ts); this file is the LD2410's table: the report frame
 * `F4 F3 F2 F1 len … 55 00 F8 F7 F6 F5`, 23 or 45 bytes (docs/RADAR-PROTOCOLS.md §2.1) and the command/ACK envelope
 * (§2 / §1.2). The kept buffer holds at most one candidate (≤ max(45, maxAckLength + 10) bytes). Never throws on
 * input; messages never contain bytes or readings.
 */
import { RawFrame } from '../frame.ts';
import { commandFrameBytes } from '../ld2450/command.ts';
import { checkHiLinkOptions, HiLinkFramer, hiLinkAckKind, type HiLinkAckEvent, type HiLinkFrameKind } from '../hilink/framer.ts';
import { MAX_REPORT_BYTES, plausibleReportStart, REPORT_HEADER, REPORT_TYPE_ENGINEERING, reportFrameBytes, reportState } from './report.ts';

export type Ld2410Event = { type: 'report'; frame: RawFrame } | HiLinkAckEvent | { type: 'noise'; reason: string };

export interface Ld2410Stats {
  /** Report frames accepted (basic + engineering). */
  reports: number;
  /** Of which engineering frames (type 0x01). */
  engineeringReports: number;
  acks: number;
  /** Bytes that were not part of an accepted frame. */
  discardedBytes: number;
  /** Candidates that started with a header but were rejected, or were cut off by the end of input. */
  badFrames: number;
  /** Runs of ≥ zeroRunBytes discarded 0x00 bytes (wrong baud rate symptom). */
  noiseRuns: number;
}

export interface Ld2410DecoderOptions {
  /** Largest ACK length field accepted. Default 64 (the module's buffer size in the Enable ACK, §2). */
  maxAckLength?: number;
  /** Discarded zero bytes in a row that count as line noise. Default 64, at least 32. */
  zeroRunBytes?: number;
}

export const NOISE_ZERO_RUN_REASON = 'long run of 0x00 bytes: wrong baud rate? the LD2410 runs at 256000 baud';

// Occupancy frames are immutable and carry no position: two shared instances serve every report.
const ABSENT = RawFrame.fromOccupancy(0);
const PRESENT = RawFrame.fromOccupancy(1);

/** The LD2410's table on the Hi-Link framer: push(), end(), pendingBytes are the framer's. */
export class Ld2410Decoder extends HiLinkFramer<Ld2410Event> {
  readonly #counts: { reports: number; engineeringReports: number; acks: number };

  constructor({ maxAckLength = 64, zeroRunBytes = 64 }: Ld2410DecoderOptions = {}) {
    checkHiLinkOptions(maxAckLength, zeroRunBytes, 31);
    const counts = { reports: 0, engineeringReports: 0, acks: 0 };
    const report: HiLinkFrameKind<Ld2410Event> = {
      header: REPORT_HEADER,
      peekBytes: 7, // header, length, type
      frameBytes: (buf, at) => (plausibleReportStart(buf, at) ? reportFrameBytes(buf.readUInt16LE(at + 4)) : null),
      decode: (buf, at) => {
        const state = reportState(buf, at);
        if (state < 0) return null;
        counts.reports++;
        if (buf[at + 6] === REPORT_TYPE_ENGINEERING) counts.engineeringReports++;
        return { type: 'report', frame: state !== 0 ? PRESENT : ABSENT };
      },
    };
    const ack = hiLinkAckKind(maxAckLength, () => counts.acks++);
    super([report, ack], { zeroRunBytes, noise: () => ({ type: 'noise', reason: NOISE_ZERO_RUN_REASON }) });
    this.#counts = counts;
  }

  /** A snapshot of the counters. */
  override get stats(): Ld2410Stats {
    return { ...this.#counts, ...super.stats };
  }
}

/** Longest candidate the decoder ever holds with the given ACK limit. */
export const maxPendingBytes = (maxAckLength = 64): number => Math.max(MAX_REPORT_BYTES, commandFrameBytes(maxAckLength));
