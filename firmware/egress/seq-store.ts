/**
 * The aggregate sequence number: +1 per aggregate, survives restarts (contract: `seq`, uint32).
 * The next number is persisted BEFORE it is used, so a crash can skip a number (a gap the gateway counts) but
 * never reuse one (which the gateway would drop as a duplicate).
 *
 * When the disk refuses the write (full, read-only), the number is used anyway and the failure reported through
 * `onError`: losing a measurement now is worse than the small risk of a reused number after a crash while the disk
 * is full. The write is retried with every next number.
 */
import { readFileSync } from 'node:fs';
import { UINT32_MAX } from '../../shared/payloads.ts';
import { writeFileAtomic } from './atomic-file.ts';

export interface SeqSource {
  next(): number;
}

export class FileSeqStore implements SeqSource {
  private last: number;
  /** True while the latest number is only in memory. */
  unpersisted = false;
  constructor(private readonly path: string, private readonly onError: (err: unknown) => void = () => {}) {
    this.last = FileSeqStore.read(path);
  }

  static read(path: string): number {
    try {
      const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      return Number.isInteger(n) && n >= 0 && n <= UINT32_MAX ? n : 0;
    } catch {
      return 0;
    }
  }

  /** Persist and return the next sequence number (see above for a disk that refuses the write). */
  next(): number {
    const n = this.last >= UINT32_MAX ? 1 : this.last + 1;
    try {
      writeFileAtomic(this.path, `${n}\n`);
      this.unpersisted = false;
    } catch (err) {
      if (!this.unpersisted) this.onError(err); // once per episode, not per aggregate
      this.unpersisted = true;
    }
    this.last = n;
    return n;
  }
}

export class MemorySeqStore implements SeqSource {
  constructor(private last = 0) {}
  next(): number {
    this.last = this.last >= UINT32_MAX ? 1 : this.last + 1;
    return this.last;
  }
}
