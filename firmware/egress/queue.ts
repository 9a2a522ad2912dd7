/**
 * Persisted outbound queue of encoded aggregates: one file per aggregate, named by its sequence number, removed
 * when the broker acknowledged it (QoS 1 PUBACK). Survives restarts and broker outages. Bounded: when full the
 * oldest entries are dropped and counted (the gateway sees the gap in `seq`).
 *
 * When the disk refuses a write (full, read-only) the entry is kept in memory instead, so good data is not lost
 * because the disk is bad; it is written out again once the disk accepts writes.
 *
 * Every entry is validated when it is read at start (`validate`, e.g. the shared codec's aggregate check): an entry
 * that is empty, truncated or garbage is moved aside to `<queue>/corrupt/`, counted and reported through
 * `onCorrupt`, and the entries behind it are sent as usual. Left-over temporary files of an interrupted write are
 * removed (the rename never happened, so the entry was never in the queue).
 */
import { basename, join } from 'node:path';
import { nodeFs, TMP_FILE, writeFileAtomic, type FsLayer } from './atomic-file.ts';

export interface QueueEntry {
  seq: number;
  bytes: Buffer;
}

const NAME = /^(\d{10})\.cbor$/;
export const CORRUPT_DIR = 'corrupt';

export interface QueueOptions {
  /** Most entries kept (default 10,000). */
  maxEntries?: number;
  /** A write, read or move failed (full disk, permissions). */
  onDiskError?: (err: unknown) => void;
  /** What is wrong with a persisted entry (short fixed text), or null when it is good. */
  validate?: (seq: number, bytes: Buffer) => string | null;
  /** A persisted entry was found corrupt and moved aside. */
  onCorrupt?: (file: string, problem: string) => void;
  fs?: FsLayer;
}

export class PersistentQueue {
  private readonly entries = new Map<number, { bytes: Buffer; onDisk: boolean }>();
  private readonly io: FsLayer;
  private readonly maxEntries: number;
  private readonly onDiskError: (err: unknown) => void;
  dropped = 0;
  /** Entries set aside as corrupt, in `corrupt/` (those of earlier runs included). */
  corrupt = 0;

  constructor(private readonly dir: string, options: QueueOptions | number = {}, onDiskError?: (err: unknown) => void) {
    const o: QueueOptions = typeof options === 'number' ? { maxEntries: options, ...(onDiskError ? { onDiskError } : {}) } : options;
    this.io = o.fs ?? nodeFs;
    this.maxEntries = o.maxEntries ?? 10_000;
    this.onDiskError = o.onDiskError ?? (() => {});
    this.io.mkdirSync(dir, { recursive: true });
    const corruptDir = join(dir, CORRUPT_DIR);
    try {
      if (this.io.existsSync(corruptDir)) this.corrupt = this.io.readdirSync(corruptDir).length;
    } catch (err) {
      this.onDiskError(err);
    }
    for (const name of this.io.readdirSync(dir).sort()) {
      if (TMP_FILE.test(name)) {
        try { this.io.unlinkSync(join(dir, name)); } catch { /* stays; harmless */ }
        continue;
      }
      const m = NAME.exec(name);
      if (!m) continue;
      const seq = Number(m[1]);
      let bytes: Buffer;
      try {
        bytes = this.io.readFileSync(join(dir, name));
      } catch (err) {
        this.onDiskError(err);
        continue;
      }
      const problem = bytes.length === 0 ? 'empty file' : (o.validate?.(seq, bytes) ?? null);
      if (problem === null) {
        this.entries.set(seq, { bytes, onDisk: true });
        continue;
      }
      this.corrupt++;
      this.moveAside(name, corruptDir);
      o.onCorrupt?.(join(CORRUPT_DIR, basename(name)), problem);
    }
  }

  /** Move a bad entry out of the queue; if even that fails, delete it (it must never block the queue). */
  private moveAside(name: string, corruptDir: string): void {
    try {
      this.io.mkdirSync(corruptDir, { recursive: true });
      this.io.renameSync(join(this.dir, name), join(corruptDir, name));
    } catch (err) {
      this.onDiskError(err);
      try { this.io.unlinkSync(join(this.dir, name)); } catch { /* gone or undeletable: not loaded either way */ }
    }
  }

  private file(seq: number): string {
    return join(this.dir, `${String(seq).padStart(10, '0')}.cbor`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Highest sequence number held, or 0 (the seq counter never starts below it). */
  get highestSeq(): number {
    let max = 0;
    for (const seq of this.entries.keys()) if (seq > max) max = seq;
    return max;
  }

  push(seq: number, bytes: Buffer): void {
    let onDisk = false;
    try {
      writeFileAtomic(this.file(seq), bytes, this.io);
      onDisk = true;
    } catch (err) {
      this.onDiskError(err);
    }
    this.entries.set(seq, { bytes, onDisk });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.ordered()[0]!;
      this.remove(oldest.seq);
      this.dropped++;
    }
  }

  /** Entries in sequence order; entries held only in memory are retried to disk on the way. */
  ordered(): QueueEntry[] {
    const out: QueueEntry[] = [];
    for (const [seq, e] of [...this.entries].sort((a, b) => a[0] - b[0])) {
      if (!e.onDisk) {
        try {
          writeFileAtomic(this.file(seq), e.bytes, this.io);
          e.onDisk = true;
        } catch {
          /* still failing: stays in memory */
        }
      }
      out.push({ seq, bytes: e.bytes });
    }
    return out;
  }

  remove(seq: number): void {
    const e = this.entries.get(seq);
    if (!e) return;
    this.entries.delete(seq);
    if (e.onDisk) {
      try {
        this.io.unlinkSync(this.file(seq));
      } catch {
        /* already gone */
      }
    }
  }
}
