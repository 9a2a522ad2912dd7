/**
 * The aggregate sequence number: +1 per aggregate, survives restarts (contract: `seq`, uint32).
 * The next number is persisted BEFORE it is used, so a crash can skip a number (a gap the gateway counts) but
 * never reuse one (which the gateway would drop as a duplicate).
 *
 * At start the counter continues from the highest of the seq file and `floor` (the sensor passes the highest seq
 * still in its queue), so a lost, empty or corrupt seq file can never make the sensor reuse numbers the gateway
 * already saw while entries are queued. A seq file that exists but is not a plain uint32 is reported through
 * `onCorrupt` (an error in the log), never silently read as 0.
 *
 * When the disk refuses the write (full, read-only), the number is used anyway and the failure reported through
 * `onError`: losing a measurement now is worse than the small risk of a reused number after a crash while the disk
 * is full. The write is retried with every next number.
 */
import { UINT32_MAX } from '../../shared/payloads.ts';
import { nodeFs, writeFileAtomic, type FsLayer } from './atomic-file.ts';

export interface SeqSource {
  next(): number;
}

export type SeqFileRead = { value: number; problem: null } | { value: null; problem: 'missing' | 'empty' | 'not a number' | 'out of range' | 'unreadable' };

export interface SeqStoreOptions {
  /** The counter starts above this (e.g. the highest seq in the queue). */
  floor?: number;
  /** The seq file exists but is corrupt (its problem, in short fixed text). */
  onCorrupt?: (problem: string) => void;
  fs?: FsLayer;
}

export class FileSeqStore implements SeqSource {
  private last: number;
  private readonly io: FsLayer;
  /** True while the latest number is only in memory. */
  unpersisted = false;
  /** What was wrong with the seq file at start, if anything ('missing' is normal on a first start). */
  readonly problem: SeqFileRead['problem'];

  constructor(private readonly path: string, private readonly onError: (err: unknown) => void = () => {}, options: SeqStoreOptions = {}) {
    this.io = options.fs ?? nodeFs;
    const read = FileSeqStore.read(path, this.io);
    this.problem = read.problem;
    if (read.problem !== null && read.problem !== 'missing') options.onCorrupt?.(read.problem);
    const floor = options.floor !== undefined && Number.isInteger(options.floor) && options.floor >= 0 && options.floor <= UINT32_MAX ? options.floor : 0;
    this.last = Math.max(read.value ?? 0, floor);
  }

  /** The persisted counter, checked: exactly a decimal uint32 and a newline (what next() writes). */
  static read(path: string, io: FsLayer = nodeFs): SeqFileRead {
    let text: string;
    try {
      if (!io.existsSync(path)) return { value: null, problem: 'missing' };
      text = io.readFileSync(path).toString('utf8');
    } catch {
      return { value: null, problem: 'unreadable' };
    }
    const trimmed = text.trim();
    if (trimmed === '') return { value: null, problem: 'empty' };
    if (!/^\d{1,10}$/.test(trimmed)) return { value: null, problem: 'not a number' };
    const n = Number(trimmed);
    return n <= UINT32_MAX ? { value: n, problem: null } : { value: null, problem: 'out of range' };
  }

  /** Persist and return the next sequence number (see above for a disk that refuses the write). */
  next(): number {
    const n = this.last >= UINT32_MAX ? 1 : this.last + 1;
    try {
      writeFileAtomic(this.path, `${n}\n`, this.io);
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
