/**
 * Hi-Link serial framing, once for every Hi-Link radar (LD2450, LD2410, the next one): bytes in any chunking ─► the
 * events of the frames found. Synchronous and IO-free. A radar is a table of frame kinds (header, how its length is
 * read, how a whole candidate is checked); this file holds the scan. Framing facts: docs/RADAR-PROTOCOLS.md §1.1,
 * §1.2 (command/ACK `FD FC FB FA len … 04 03 02 01`, shared by the whole family), §2.1, §5.
 *
 * Rules (the same for every radar):
 *   - Scan for any kind's header; bytes before a header are discarded (stats.discardedBytes).
 *   - A frame may be split across chunks at any byte: an incomplete candidate is kept until it completes.
 *   - A candidate that fails (absurd length or type, bad tail/footer, not a valid frame) is dropped by ONE byte and
 *     the search restarts at header offset + 1, so a valid frame starting inside the rejected bytes is still found
 *     (this also handles an ACK following the tail of an in-flight report, §1.2 "resync on headers").
 *   - An implausible length is rejected at once, never waited for: the kept buffer is bounded by one candidate.
 *   - Zero-run rule: ≥ zeroRunBytes consecutive DISCARDED 0x00 bytes → one `noise` event per run (at a wrong baud
 *     rate a reader sees a stream of 0x00, §5). Counting discarded bytes only, in stream order, keeps the events the
 *     same whatever the chunking; an accepted frame ends a run.
 *   - end(): the incomplete candidate is a truncated frame (counted in badFrames), and frames starting inside it are
 *     still found.
 *   - Never throws on input. Events and messages never contain bytes or readings.
 *
 * Byte-buffer strategy: when nothing is pending a chunk is scanned in place; otherwise the kept tail (one candidate,
 * ≤ 74 bytes for the family) is concatenated with the new chunk, and what is kept is copied, never a view of the
 * caller's chunk. The TI people-counting decoder (hardware/ti-people/decoder.ts) deliberately keeps its own strategy:
 * its frames are several KiB, so it appends into a growable buffer with start/end offsets and re-checks a waiting
 * candidate only once the next TLV header is in (concatenating per chunk would be quadratic there), and its noise
 * rule needs absolute stream offsets (bytes a rejected candidate's TLVs covered are not noise). Sharing would make
 * the Hi-Link scan harder to read for no gain at these frame sizes.
 */
import { COMMAND_HEADER, commandFrameBytes, decodeAck } from '../ld2450/command.ts';

/** One kind of frame in a radar's table. */
export interface HiLinkFrameKind<E> {
  readonly header: readonly number[];
  /** Bytes (header included) needed before `frameBytes` can be asked. */
  readonly peekBytes: number;
  /** Whole frame length from its first byte, or null when the start is implausible (rejected at once). */
  frameBytes(buf: Buffer, at: number): number | null;
  /** The event of a complete candidate of `length` bytes, or null when it is not a valid frame (rejected). */
  decode(buf: Buffer, at: number, length: number): E | null;
}

export interface HiLinkFramerStats {
  /** Bytes that were not part of an accepted frame. */
  discardedBytes: number;
  /** Candidates that started with a header but were rejected, or were cut off by the end of input. */
  badFrames: number;
  /** Runs of ≥ zeroRunBytes discarded 0x00 bytes (wrong baud rate symptom). */
  noiseRuns: number;
}

export interface HiLinkFramerOptions<E> {
  /** Discarded zero bytes in a row that count as line noise. */
  zeroRunBytes: number;
  /** The event for one run of zeros. */
  noise: () => E;
}

export class HiLinkFramer<E> {
  readonly #kinds: readonly HiLinkFrameKind<E>[];
  readonly #zeroRunBytes: number;
  readonly #noise: () => E;
  #buf: Buffer = Buffer.alloc(0);
  #zeroRun = 0;
  readonly #stats: HiLinkFramerStats = { discardedBytes: 0, badFrames: 0, noiseRuns: 0 };

  constructor(kinds: readonly HiLinkFrameKind<E>[], { zeroRunBytes, noise }: HiLinkFramerOptions<E>) {
    this.#kinds = kinds;
    this.#zeroRunBytes = zeroRunBytes;
    this.#noise = noise;
  }

  /** A snapshot of the counters. */
  get stats(): HiLinkFramerStats {
    return { ...this.#stats };
  }

  /** Bytes currently held as an incomplete candidate frame. */
  get pendingBytes(): number {
    return this.#buf.length;
  }

  /** Feed one chunk; returns the events it completes, in stream order. */
  push(chunk: Uint8Array): E[] {
    const events: E[] = [];
    const buf = this.#buf.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.#buf, chunk]);
    const kept = this.#scan(buf, events, false);
    this.#buf = Buffer.from(buf.subarray(kept)); // a copy, so a large chunk is not retained through a small view
    return events;
  }

  /** End of input: an incomplete candidate is a truncated frame; frames starting inside it are still found. */
  end(): E[] {
    const events: E[] = [];
    this.#scan(this.#buf, events, true);
    this.#buf = Buffer.alloc(0);
    this.#zeroRun = 0;
    return events;
  }

  #discard(byte: number | undefined, events: E[]): void {
    this.#stats.discardedBytes++;
    if (byte !== 0) {
      this.#zeroRun = 0;
    } else if (++this.#zeroRun === this.#zeroRunBytes) {
      this.#stats.noiseRuns++;
      events.push(this.#noise());
    }
  }

  #kindAt(buf: Buffer, i: number): HiLinkFrameKind<E> | null {
    const avail = buf.length - i;
    for (const kind of this.#kinds) {
      const h = kind.header;
      const k = Math.min(h.length, avail);
      let prefix = true;
      for (let j = 0; j < k && prefix; j++) prefix = buf[i + j] === h[j];
      if (prefix) return kind;
    }
    return null;
  }

  /** Decode whole frames from buf; returns the offset of the first byte to keep. At the end, nothing is kept. */
  #scan(buf: Buffer, events: E[], final: boolean): number {
    const n = buf.length;
    let i = 0;
    while (i < n) {
      const kind = this.#kindAt(buf, i);
      let event: E | null = null;
      let length = 0;
      if (kind) {
        const total = n - i >= kind.peekBytes ? kind.frameBytes(buf, i) : -1;
        if (total === -1 || (total !== null && n - i < total)) {
          if (!final) return i; // incomplete candidate: wait for more bytes
        } else if (total !== null) {
          length = total;
          event = kind.decode(buf, i, total);
        }
        if (event === null) this.#stats.badFrames++; // rejected or truncated: restart at header offset + 1
      }
      if (event === null) {
        this.#discard(buf[i], events);
        i++;
        continue;
      }
      events.push(event);
      this.#zeroRun = 0;
      i += length;
    }
    return n;
  }
}

/** The Hi-Link command/ACK envelope's smallest length field: command word + status (§1.2). */
export const MIN_ACK_LENGTH = 4;

/** Checks a decoder's options, the same way for every Hi-Link radar. */
export function checkHiLinkOptions(maxAckLength: number, zeroRunBytes: number, longestValidZeroRun: number): void {
  if (!Number.isInteger(maxAckLength) || maxAckLength < MIN_ACK_LENGTH || maxAckLength > 0xffff) {
    throw new RangeError(`"maxAckLength" must be an integer from ${MIN_ACK_LENGTH} to 65535`);
  }
  if (!Number.isInteger(zeroRunBytes) || zeroRunBytes <= longestValidZeroRun) {
    throw new RangeError(
      `"zeroRunBytes" must be an integer ≥ ${longestValidZeroRun + 1} (a valid frame holds up to ${longestValidZeroRun} zero bytes in a row)`,
    );
  }
}

/** An ACK as every Hi-Link radar sends it (§1.2). */
export interface HiLinkAckEvent {
  type: 'ack';
  /** The original command word (ACK flag 0x0100 removed). */
  command: number;
  /** 0 = ok, 1 = fail. */
  status: number;
  data: Buffer;
}

/** The command/ACK row of every Hi-Link radar's table; `counted` is called for each accepted ACK. */
export function hiLinkAckKind(maxAckLength: number, counted: () => void): HiLinkFrameKind<HiLinkAckEvent> {
  return {
    header: COMMAND_HEADER,
    peekBytes: 6,
    frameBytes: (buf, at) => {
      const len = buf.readUInt16LE(at + 4);
      return len < MIN_ACK_LENGTH || len > maxAckLength ? null : commandFrameBytes(len);
    },
    decode: (buf, at) => {
      const ack = decodeAck(buf, at);
      if (!ack) return null;
      counted();
      return { type: 'ack', command: ack.command, status: ack.status, data: ack.data };
    },
  };
}
