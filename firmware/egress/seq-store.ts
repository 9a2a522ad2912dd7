/**
 * The aggregate sequence number: +1 per aggregate, survives restarts (contract: `seq`, uint32).
 * The next number is persisted BEFORE it is used, so a crash can skip a number (a gap the gateway counts) but
 * never reuse one (which the gateway would drop as a duplicate).
 */
import { readFileSync } from 'node:fs';
import { UINT32_MAX } from '../../shared/payloads.ts';
import { writeFileAtomic } from './atomic-file.ts';

export interface SeqSource {
  next(): number;
}

export class FileSeqStore implements SeqSource {
  private last: number;
  constructor(private readonly path: string) {
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

  /** Persist and return the next sequence number. Throws when it cannot be persisted (disk full, read-only). */
  next(): number {
    const n = this.last >= UINT32_MAX ? 1 : this.last + 1;
    writeFileAtomic(this.path, `${n}\n`);
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
