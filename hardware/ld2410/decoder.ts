/**
 * HLK-LD2410 incremental framing: bytes in any chunking ─► report / ACK / noise events. Synchronous and IO-free;
 * `parser.ts` wraps it as a stream. Framing facts from docs/RADAR-PROTOCOLS.md §2.1 (report
 * `F4 F3 F2 F1 len … 55 00 F8 F7 F6 F5`, 23 or 45 bytes) and §2 / §1.2 (command/ACK `FD FC FB FA len … 04 03 02 01`).
 *
 * Rules (as the LD2450 decoder, hardware/ld2450/decoder.ts):
 *   - Scan for either header; bytes before a header are discarded (stats.discardedBytes).
 *   - A frame may be split across chunks at any byte: an incomplete candidate is kept until it completes.
 *   - A candidate that fails (absurd length or type, bad head/state/tail/footer, not an ACK) is dropped by ONE byte
 *     and the search restarts at header offset + 1, so a valid frame starting inside the rejected bytes is found.
 *   - The kept buffer is bounded by one candidate frame (≤ max(45, maxAckLength + 10) bytes).
 *   - ≥ zeroRunBytes consecutive DISCARDED 0x00 bytes → one `noise` event per run: at a wrong baud rate a reader sees a
 *     stream of 0x00 (§5). Counting discarded bytes only (not bytes inside accepted frames) keeps the event order
 *     the same whatever the chunking.
 *   - Never throws on input. Messages never contain bytes or readings.
 */
import { RawFrame } from '../frame.ts';
import { COMMAND_HEADER, commandFrameBytes, decodeAck } from '../ld2450/command.ts';
import { MAX_REPORT_BYTES, plausibleReportStart, REPORT_HEADER, REPORT_TYPE_ENGINEERING, reportFrameBytes, reportState } from './report.ts';

export type Ld2410Event =
  | { type: 'report'; frame: RawFrame }
  /** `command` is the original command word (ACK flag 0x0100 removed); status 0 = ok, 1 = fail. */
  | { type: 'ack'; command: number; status: number; data: Buffer }
  | { type: 'noise'; reason: string };

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

const MIN_ACK_LENGTH = 4; // command word + status
// Occupancy frames are immutable and carry no position: two shared instances serve every report.
const ABSENT = RawFrame.fromOccupancy(0);
const PRESENT = RawFrame.fromOccupancy(1);

export class Ld2410Decoder {
  readonly #maxAckLength: number;
  readonly #zeroRunBytes: number;
  #buf: Buffer = Buffer.alloc(0);
  #zeroRun = 0;
  readonly #stats: Ld2410Stats = { reports: 0, engineeringReports: 0, acks: 0, discardedBytes: 0, badFrames: 0, noiseRuns: 0 };

  constructor({ maxAckLength = 64, zeroRunBytes = 64 }: Ld2410DecoderOptions = {}) {
    if (!Number.isInteger(maxAckLength) || maxAckLength < MIN_ACK_LENGTH || maxAckLength > 0xffff) {
      throw new RangeError(`"maxAckLength" must be an integer from ${MIN_ACK_LENGTH} to 65535`);
    }
    if (!Number.isInteger(zeroRunBytes) || zeroRunBytes < 32) {
      throw new RangeError('"zeroRunBytes" must be an integer ≥ 32 (a valid report frame holds up to 31 zero bytes in a row)');
    }
    this.#maxAckLength = maxAckLength;
    this.#zeroRunBytes = zeroRunBytes;
  }

  /** A snapshot of the counters. */
  get stats(): Ld2410Stats {
    return { ...this.#stats };
  }

  /** Bytes currently held as an incomplete candidate frame. */
  get pendingBytes(): number {
    return this.#buf.length;
  }

  /** Feed one chunk; returns the events it completes, in stream order. */
  push(chunk: Uint8Array): Ld2410Event[] {
    const events: Ld2410Event[] = [];
    const buf = this.#buf.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.#buf, chunk]);
    const kept = this.#scan(buf, events, false);
    this.#buf = Buffer.from(buf.subarray(kept)); // a copy, so a large chunk is not retained through a small view
    return events;
  }

  /** End of input: an incomplete candidate is a truncated frame; frames starting inside it are still found. */
  end(): Ld2410Event[] {
    const events: Ld2410Event[] = [];
    this.#scan(this.#buf, events, true);
    this.#buf = Buffer.alloc(0);
    this.#zeroRun = 0;
    return events;
  }

  #discard(byte: number | undefined, events: Ld2410Event[]): void {
    this.#stats.discardedBytes++;
    if (byte !== 0) {
      this.#zeroRun = 0;
    } else if (++this.#zeroRun === this.#zeroRunBytes) {
      this.#stats.noiseRuns++;
      events.push({ type: 'noise', reason: NOISE_ZERO_RUN_REASON });
    }
  }

  /** Decode whole frames from buf; returns the offset of the first byte to keep. At the end, nothing is kept. */
  #scan(buf: Buffer, events: Ld2410Event[], final: boolean): number {
    const n = buf.length;
    let i = 0;
    const reject = (): void => {
      this.#stats.badFrames++;
      this.#discard(buf[i], events); // restart the search at header offset + 1
      i++;
    };
    /** Not enough bytes for this candidate yet: wait, or at the end of input count it as truncated. */
    const incomplete = (): boolean => {
      if (!final) return true;
      reject();
      return false;
    };
    while (i < n) {
      const first = buf[i];
      const header = first === REPORT_HEADER[0] ? REPORT_HEADER : first === COMMAND_HEADER[0] ? COMMAND_HEADER : null;
      if (!header) {
        this.#discard(first, events);
        i++;
        continue;
      }
      const avail = Math.min(header.length, n - i);
      let prefix = true;
      for (let k = 1; k < avail; k++) if (buf[i + k] !== header[k]) prefix = false;
      if (!prefix) {
        this.#discard(first, events);
        i++;
        continue;
      }
      if (header === REPORT_HEADER) {
        if (n - i < 7) {
          if (incomplete()) return i;
          continue;
        }
        if (!plausibleReportStart(buf, i)) {
          reject(); // absurd length or unknown type: never wait for it
          continue;
        }
        const total = reportFrameBytes(buf.readUInt16LE(i + 4));
        if (n - i < total) {
          if (incomplete()) return i;
          continue;
        }
        const state = reportState(buf, i);
        if (state < 0) {
          reject();
          continue;
        }
        this.#stats.reports++;
        if (buf[i + 6] === REPORT_TYPE_ENGINEERING) this.#stats.engineeringReports++;
        events.push({ type: 'report', frame: state !== 0 ? PRESENT : ABSENT });
        this.#zeroRun = 0;
        i += total;
        continue;
      }
      if (n - i < 6) {
        if (incomplete()) return i;
        continue;
      }
      const len = buf.readUInt16LE(i + 4);
      if (len < MIN_ACK_LENGTH || len > this.#maxAckLength) {
        reject();
        continue;
      }
      const total = commandFrameBytes(len);
      if (n - i < total) {
        if (incomplete()) return i;
        continue;
      }
      const ack = decodeAck(buf, i);
      if (!ack) {
        reject();
        continue;
      }
      this.#stats.acks++;
      events.push({ type: 'ack', command: ack.command, status: ack.status, data: ack.data });
      this.#zeroRun = 0;
      i += total;
    }
    return n;
  }
}

/** Longest candidate the decoder ever holds with the given ACK limit. */
export const maxPendingBytes = (maxAckLength = 64): number => Math.max(MAX_REPORT_BYTES, commandFrameBytes(maxAckLength));
