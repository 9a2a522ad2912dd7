/**
 * Persisted outbound queue of encoded aggregates: one file per aggregate, named by its sequence number, removed
 * when the broker acknowledged it (QoS 1 PUBACK). Survives restarts and broker outages. Bounded: when full the
 * oldest entries are dropped and counted (the gateway sees the gap in `seq`).
 *
 * When the disk refuses a write (full, read-only) the entry is kept in memory instead, so good data is not lost
 * because the disk is bad; it is written out again once the disk accepts writes.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';

export interface QueueEntry {
  seq: number;
  bytes: Buffer;
}

const NAME = /^(\d{10})\.cbor$/;

export class PersistentQueue {
  private readonly entries = new Map<number, { bytes: Buffer; onDisk: boolean }>();
  dropped = 0;

  constructor(private readonly dir: string, private readonly maxEntries = 10_000, private readonly onDiskError: (err: unknown) => void = () => {}) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir).sort()) {
      const m = NAME.exec(name);
      if (!m) continue;
      try {
        this.entries.set(Number(m[1]), { bytes: readFileSync(join(dir, name)), onDisk: true });
      } catch (err) {
        this.onDiskError(err);
      }
    }
  }

  private file(seq: number): string {
    return join(this.dir, `${String(seq).padStart(10, '0')}.cbor`);
  }

  get size(): number {
    return this.entries.size;
  }

  push(seq: number, bytes: Buffer): void {
    let onDisk = false;
    try {
      writeFileAtomic(this.file(seq), bytes);
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
          writeFileAtomic(this.file(seq), e.bytes);
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
        unlinkSync(this.file(seq));
      } catch {
        /* already gone */
      }
    }
  }
}
