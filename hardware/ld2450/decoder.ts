/**
 * HLK-LD2450 incremental framing: bytes in any chunking ─► report / ACK / noise events. Synchronous and IO-free;
 * `parser.ts` wraps it as a stream. Framing facts from docs/RADAR-PROTOCOLS.md §1.1 (report
 * `AA FF 03 00 … 55 CC`, 30 bytes) and §1.2 (command/ACK `FD FC FB FA len … 04 03 02 01`).
 *
 * Rules:
 *   - Scan for either header; bytes before a header are discarded (counted in stats.discardedBytes).
 *   - A frame may be split across chunks at any byte: an incomplete candidate is kept until it completes.
 *   - A candidate that fails (bad footer, absurd ACK length, not an ACK) is dropped by ONE byte only and the
 *     search restarts at header offset + 1, so a valid frame starting inside the rejected bytes is still found.
 *     This also handles an ACK following the tail of an in-flight report (§1.2 "resync on headers").
 *   - The kept buffer is bounded: at most one candidate frame (≤ max(30, maxAckLength + 10) bytes).
 *   - ≥ zeroRunBytes consecutive 0x00 bytes (a valid frame has at most 25) → one `noise` event per run: at a wrong
 *     baud rate a reader sees a stream of 0x00 (§5).
 *   - Never throws on input. Messages never contain bytes or positions.
 */
import type { RawFrame } from '../frame.ts';
import { COMMAND_HEADER, commandFrameBytes, decodeAck } from './command.ts';
import { REPORT_FRAME_BYTES, REPORT_HEADER, decodeReport } from './report.ts';

export type Ld2450Event =
  | { type: 'report'; frame: RawFrame }
  /** `command` is the original command word (ACK flag 0x0100 removed); status 0 = ok, 1 = fail (§1.2). */
  | { type: 'ack'; command: number; status: number; data: Buffer }
  | { type: 'noise'; reason: string };

export interface Ld2450Stats {
  reports: number;
  acks: number;
  /** Bytes that were not part of an accepted frame. */
  discardedBytes: number;
  /** Candidates that started with a header but were rejected (bad footer, bad length, not an ACK, truncated). */
  badFrames: number;
  /** Runs of ≥ zeroRunBytes 0x00 bytes seen (wrong baud rate symptom). */
  noiseRuns: number;
}

export interface Ld2450DecoderOptions {
  /** Largest ACK length field accepted (bytes of command word + status + data). Default 64: the module's buffer
   * size reported in the Enable ACK is 0x0040 (§1.2); the largest ACK in the protocol has length 0x1E. */
  maxAckLength?: number;
  /** Zero bytes in a row that count as line noise. Default 64. Must exceed 25, the longest run in a valid frame. */
  zeroRunBytes?: number;
}

export const NOISE_ZERO_RUN_REASON = 'long run of 0x00 bytes: wrong baud rate? the LD2450 runs at 256000 baud';

const MIN_ACK_LENGTH = 4; // command word + status (§1.2)

export class Ld2450Decoder {
  readonly #maxAckLength: number;
  readonly #zeroRunBytes: number;
  #buf: Buffer = Buffer.alloc(0);
  #zeroRun = 0;
  readonly #stats: Ld2450Stats = { reports: 0, acks: 0, discardedBytes: 0, badFrames: 0, noiseRuns: 0 };

  constructor({ maxAckLength = 64, zeroRunBytes = 64 }: Ld2450DecoderOptions = {}) {
    if (!Number.isInteger(maxAckLength) || maxAckLength < MIN_ACK_LENGTH || maxAckLength > 0xffff) {
      throw new RangeError(`"maxAckLength" must be an integer from ${MIN_ACK_LENGTH} to 65535`);
    }
    if (!Number.isInteger(zeroRunBytes) || zeroRunBytes < 26) {
      throw new RangeError('"zeroRunBytes" must be an integer ≥ 26 (a valid frame holds up to 25 zero bytes in a row)');
    }
    this.#maxAckLength = maxAckLength;
    this.#zeroRunBytes = zeroRunBytes;
  }

  /** A snapshot of the counters. */
  get stats(): Ld2450Stats {
    return { ...this.#stats };
  }

  /** Bytes currently held as an incomplete candidate frame. */
  get pendingBytes(): number {
    return this.#buf.length;
  }

  /** Feed one chunk; returns the events it completes, in stream order (noise first within a chunk). */
  push(chunk: Uint8Array): Ld2450Event[] {
    const events: Ld2450Event[] = [];
    this.#watchZeros(chunk, events);
    const buf = this.#buf.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.#buf, chunk]);
    const kept = this.#scan(buf, events);
    // Copy what we keep, so a large chunk is not retained through a small view.
    this.#buf = Buffer.from(buf.subarray(kept));
    return events;
  }

  /** End of input: an incomplete candidate is a truncated frame. */
  end(): Ld2450Event[] {
    if (this.#buf.length > 0) {
      this.#stats.badFrames++;
      this.#stats.discardedBytes += this.#buf.length;
      this.#buf = Buffer.alloc(0);
    }
    this.#zeroRun = 0;
    return [];
  }

  #watchZeros(chunk: Uint8Array, events: Ld2450Event[]): void {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== 0) {
        this.#zeroRun = 0;
      } else if (++this.#zeroRun === this.#zeroRunBytes) {
        this.#stats.noiseRuns++;
        events.push({ type: 'noise', reason: NOISE_ZERO_RUN_REASON });
      }
    }
  }

  /** Decode whole frames from buf; returns the offset of the first byte to keep. */
  #scan(buf: Buffer, events: Ld2450Event[]): number {
    const n = buf.length;
    let i = 0;
    const skip = (): void => {
      i++;
      this.#stats.discardedBytes++;
    };
    const reject = (): void => {
      this.#stats.badFrames++;
      skip(); // restart the search at header offset + 1
    };
    while (i < n) {
      const first = buf[i];
      const header = first === REPORT_HEADER[0] ? REPORT_HEADER : first === COMMAND_HEADER[0] ? COMMAND_HEADER : null;
      if (!header) {
        skip();
        continue;
      }
      const avail = Math.min(header.length, n - i);
      let prefix = true;
      for (let k = 1; k < avail; k++) if (buf[i + k] !== header[k]) prefix = false;
      if (!prefix) {
        skip();
        continue;
      }
      if (avail < header.length) return i; // partial header at the end: wait for more bytes

      if (header === REPORT_HEADER) {
        if (n - i < REPORT_FRAME_BYTES) return i;
        const frame = decodeReport(buf, i);
        if (!frame) {
          reject();
          continue;
        }
        this.#stats.reports++;
        events.push({ type: 'report', frame });
        i += REPORT_FRAME_BYTES;
        continue;
      }

      if (n - i < 6) return i;
      const len = buf.readUInt16LE(i + 4);
      if (len < MIN_ACK_LENGTH || len > this.#maxAckLength) {
        reject(); // absurd length: never wait for it, the buffer stays bounded
        continue;
      }
      const total = commandFrameBytes(len);
      if (n - i < total) return i;
      const ack = decodeAck(buf, i);
      if (!ack) {
        reject();
        continue;
      }
      this.#stats.acks++;
      events.push({ type: 'ack', command: ack.command, status: ack.status, data: ack.data });
      i += total;
    }
    return n;
  }
}
