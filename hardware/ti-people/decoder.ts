/**
 * TI mmWave data-port incremental framing: bytes in any chunking ─► report / noise events. Synchronous and IO-free;
 * `parser.ts` wraps it as a stream. Frame layouts and checks are in frame.ts (docs/RADAR-PROTOCOLS.md §3).
 *
 * Rules:
 *   - Scan for the magic word `02 01 04 03 06 05 08 07`; bytes before it are discarded (stats.discardedBytes).
 *   - A frame may be split across chunks at any byte: an incomplete candidate is kept until it completes. It is
 *     rejected as soon as the bytes seen prove it cannot be a frame (absurd totalPacketLen, a TLV past the end, TLVs
 *     that do not fill the packet), so a corrupt header does not stall the stream.
 *   - A rejected candidate is dropped by ONE byte and the search restarts at magic offset + 1, so a valid frame that
 *     starts inside the rejected bytes is still found. At the end of input the same holds for a cut-off candidate.
 *   - The kept buffer is bounded by one candidate (< maxPacketBytes). When nothing is pending, a chunk is decoded in
 *     place; TLV payloads (point cloud, …) are never copied out of the receive buffer.
 *   - ≥ zeroRunBytes consecutive DISCARDED 0x00 bytes → one `noise` event per run: at a wrong baud rate a reader sees
 *     a stream of 0x00 (§5). Only discarded bytes outside any frame structure count: valid frames hold long zero runs
 *     (padding, zero covariances), and so do rejected ones — the bytes a rejected candidate's header and TLVs
 *     consistently covered ("reach") are not counted as noise either. Positions are absolute stream offsets, so the
 *     result does not depend on chunking.
 *   - Never throws on input. Messages never contain bytes, positions or counts.
 */
import type { RawFrame } from '../frame.ts';
import { checkFrame, MAGIC, MAGIC_BYTES, TI_REJECT_REASONS, type TiRejectReason } from './frame.ts';

export type TiPeopleEvent = { type: 'report'; frame: RawFrame } | { type: 'noise'; reason: string };

export interface TiPeopleStats {
  /** Frames accepted (any layout). */
  reports: number;
  /** Of which in the legacy 48-byte-header layout (§3.2). */
  legacyReports: number;
  /**
   * Of which without a target list TLV (reported as 0 targets). Normal while nobody is tracked; if it never drops,
   * the radar may run a demo without tracking (the SDK OOB demo sends no target list) — a check for `drukte doctor`.
   */
  withoutTargetList: number;
  /** Bytes that were not part of an accepted frame. */
  discardedBytes: number;
  /** Candidates (full magic word) that were rejected; reasons in `rejected`. */
  badFrames: number;
  rejected: Record<TiRejectReason, number>;
  /** Runs of ≥ zeroRunBytes discarded 0x00 bytes (wrong baud rate symptom). */
  noiseRuns: number;
}

export interface TiPeopleDecoderOptions {
  /** Largest totalPacketLen accepted, bytes. Default 65536 (people-tracking frames are a few KiB). */
  maxPacketBytes?: number;
  /** Discarded zero bytes in a row that count as line noise. Default 1024 (11 ms at 921600 baud), at least 16. */
  zeroRunBytes?: number;
}

/**
 * Default noise threshold. Higher than the LD2450's 64: a TI frame whose magic word is corrupted is discarded whole,
 * and people-tracking frames carry zero runs of ~80 bytes (a track with an all-zero covariance: 19 zero floats, seen in
 * the legacy recording), so 64 would raise false "wrong baud rate" faults. No valid frame region comes near 1 KiB.
 */
export const DEFAULT_ZERO_RUN_BYTES = 1024;

export const NOISE_ZERO_RUN_REASON = 'long run of 0x00 bytes: wrong baud rate? the TI mmWave data port runs at 921600 baud';

const MAGIC0 = MAGIC[0] ?? 0x02;
const MIN_CAPACITY = 4096;

export class TiPeopleDecoder {
  readonly #maxPacketBytes: number;
  readonly #zeroRunBytes: number;
  /** Pending bytes are #buf[#start, #end); the rest of #buf is spare capacity. */
  #buf: Buffer = Buffer.alloc(0);
  #start = 0;
  #end = 0;
  #zeroRun = 0;
  /** A waiting candidate's verdict cannot change before this many bytes are pending: no need to re-check it. */
  #need = 0;
  /** Absolute stream offset of the first pending byte (#buf[#start]), or of the next chunk when nothing is pending. */
  #pendingPos = 0;
  /** Discarded bytes before this absolute offset belong to a rejected frame's structure: not line noise. */
  #shadowUntil = 0;
  readonly #stats: TiPeopleStats = {
    reports: 0, legacyReports: 0, withoutTargetList: 0, discardedBytes: 0, badFrames: 0, noiseRuns: 0,
    rejected: Object.fromEntries(TI_REJECT_REASONS.map((r) => [r, 0])) as Record<TiRejectReason, number>,
  };

  constructor({ maxPacketBytes = 65536, zeroRunBytes = DEFAULT_ZERO_RUN_BYTES }: TiPeopleDecoderOptions = {}) {
    if (!Number.isInteger(maxPacketBytes) || maxPacketBytes < 64 || maxPacketBytes > 16 * 1024 * 1024) {
      throw new RangeError('"maxPacketBytes" must be an integer from 64 to 16777216');
    }
    if (!Number.isInteger(zeroRunBytes) || zeroRunBytes < 16) throw new RangeError('"zeroRunBytes" must be an integer ≥ 16');
    this.#maxPacketBytes = maxPacketBytes;
    this.#zeroRunBytes = zeroRunBytes;
  }

  /** A snapshot of the counters. */
  get stats(): TiPeopleStats {
    return { ...this.#stats, rejected: { ...this.#stats.rejected } };
  }

  /** Bytes currently held as an incomplete candidate frame. */
  get pendingBytes(): number {
    return this.#end - this.#start;
  }

  /** Feed one chunk; returns the events it completes, in stream order. */
  push(chunk: Uint8Array): TiPeopleEvent[] {
    const events: TiPeopleEvent[] = [];
    if (chunk.length === 0) return events;
    if (this.#end === this.#start) {
      const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const base = this.#pendingPos;
      const kept = this.#scan(view, 0, base, events, false);
      this.#start = this.#end = 0;
      this.#pendingPos = base + kept;
      if (kept < view.length) this.#append(view.subarray(kept));
    } else {
      this.#append(chunk);
      if (this.#end - this.#start < this.#need) return events; // re-check only once the next TLV header or the end is in
      const base = this.#pendingPos - this.#start;
      this.#start = this.#scan(this.#buf.subarray(0, this.#end), this.#start, base, events, false);
      this.#pendingPos = base + this.#start;
      this.#settle();
    }
    return events;
  }

  /** End of input: a cut-off candidate is rejected, and frames that start inside it are still found. */
  end(): TiPeopleEvent[] {
    const events: TiPeopleEvent[] = [];
    const base = this.#pendingPos - this.#start;
    this.#pendingPos = base + this.#scan(this.#buf.subarray(0, this.#end), this.#start, base, events, true);
    this.#buf = Buffer.alloc(0);
    this.#start = this.#end = 0;
    this.#zeroRun = 0;
    return events;
  }

  #append(bytes: Uint8Array): void {
    const pending = this.#end - this.#start;
    const need = pending + bytes.length;
    if (this.#end + bytes.length > this.#buf.length) {
      if (need <= this.#buf.length / 2) {
        this.#buf.copyWithin(0, this.#start, this.#end); // compact in place
      } else {
        const grown = Buffer.allocUnsafe(Math.max(MIN_CAPACITY, need * 2));
        this.#buf.copy(grown, 0, this.#start, this.#end);
        this.#buf = grown;
      }
      this.#start = 0;
      this.#end = pending;
    }
    this.#buf.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /** After a scan: drop a large buffer once little is pending, so one big chunk is not retained. */
  #settle(): void {
    const pending = this.#end - this.#start;
    if (pending === 0) this.#start = this.#end = 0;
    if (this.#buf.length > 4 * Math.max(MIN_CAPACITY, this.#maxPacketBytes) && pending * 4 < this.#buf.length) {
      const small = Buffer.allocUnsafe(Math.max(MIN_CAPACITY, pending * 2));
      this.#buf.copy(small, 0, this.#start, this.#end);
      this.#buf = small;
      this.#start = 0;
      this.#end = pending;
    }
  }

  #discard(b: Buffer, from: number, to: number, base: number, events: TiPeopleEvent[]): void {
    this.#stats.discardedBytes += to - from;
    for (let k = from; k < to; k++) {
      if (b[k] !== 0 || base + k < this.#shadowUntil) {
        this.#zeroRun = 0;
      } else if (++this.#zeroRun === this.#zeroRunBytes) {
        this.#stats.noiseRuns++;
        events.push({ type: 'noise', reason: NOISE_ZERO_RUN_REASON });
      }
    }
  }

  #reject(b: Buffer, i: number, base: number, reason: TiRejectReason, reach: number, events: TiPeopleEvent[]): void {
    this.#stats.badFrames++;
    this.#stats.rejected[reason]++;
    this.#shadowUntil = Math.max(this.#shadowUntil, base + i + reach);
    this.#discard(b, i, i + 1, base, events); // restart the search at magic offset + 1
  }

  /**
   * Decode whole frames from b[i, b.length), where b[k] is at absolute stream offset base + k; returns the offset of
   * the first byte to keep (b.length at the end).
   */
  #scan(b: Buffer, i: number, base: number, events: TiPeopleEvent[], final: boolean): number {
    const n = b.length;
    while (i < n) {
      if (b[i] !== MAGIC0) {
        const next = b.indexOf(MAGIC0, i);
        const stop = next < 0 ? n : next;
        this.#discard(b, i, stop, base, events);
        i = stop;
        continue;
      }
      const avail = Math.min(MAGIC_BYTES, n - i);
      let prefix = true;
      for (let k = 1; k < avail; k++) if (b[i + k] !== MAGIC[k]) prefix = false;
      if (!prefix || (avail < MAGIC_BYTES && final)) {
        this.#discard(b, i, i + 1, base, events);
        i++;
        continue;
      }
      if (avail < MAGIC_BYTES) {
        this.#need = MAGIC_BYTES;
        return i; // partial magic at the end: wait for more bytes
      }
      const r = checkFrame(b, i, n, this.#maxPacketBytes);
      if (r.kind === 'wait') {
        if (!final) {
          this.#need = r.need;
          return i;
        }
        this.#reject(b, i, base, 'truncatedAtEnd', MAGIC_BYTES, events);
        i++;
        continue;
      }
      if (r.kind === 'bad') {
        this.#reject(b, i, base, r.reason, r.reach, events);
        i++;
        continue;
      }
      this.#stats.reports++;
      if (r.layout === 'legacy') this.#stats.legacyReports++;
      if (!r.hasTargetList) this.#stats.withoutTargetList++;
      events.push({ type: 'report', frame: r.frame });
      this.#zeroRun = 0;
      i += r.totalBytes;
    }
    return n;
  }
}
