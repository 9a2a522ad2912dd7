/**
 * Group commit: the writes of many messages, from all sensors, in one SQLite transaction. A write is queued with
 * add(); the queue is committed at the end of the current turn of the event loop (setImmediate: every message that
 * arrived in the same I/O poll joins it), after `maxDelayMs` when set, or at once when it holds `maxRows` writes.
 * add() returns the promise of the commit that will hold the write: the broker releases a PUBACK only when it
 * resolves (gateway/broker.ts, intercept()), so a PUBACK means "committed" (docs/PROTOCOL.md §3, "Durability").
 *
 * One transaction per batch instead of one per message is what makes ingest fast (docs/BENCHMARKS.md): in WAL
 * mode with synchronous=NORMAL a commit is one write() to the WAL, no fsync; its cost is per transaction, not per
 * row.
 *
 * Readers of the same database call flush() first (History does), so a read always sees every queued write: the
 * synchronous path (tests, the HTTP API) behaves as if each write had been committed at once. A commit that fails
 * (full disk, damaged file) rolls the whole batch back and rejects its promise: none of its messages is
 * acknowledged, and `onFailure` listeners (ingest) drop the in-memory state that assumed they were stored.
 */
import type Database from 'better-sqlite3';

export interface GroupCommitOptions {
  /** Commit at once when this many writes are queued. */
  maxRows: number;
  /** 0 = at the end of the current event-loop turn (setImmediate); else at most this many ms later. */
  maxDelayMs: number;
}

export const DEFAULT_GROUP_COMMIT: Readonly<GroupCommitOptions> = { maxRows: 2_000, maxDelayMs: 0 };

interface Batch {
  ops: Array<() => void>;
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

export class GroupCommit {
  private batch: Batch | null = null;
  private scheduled: { cancel(): void } | null = null;
  private readonly failureListeners = new Set<(err: Error) => void>();
  /** Transactions committed and writes in them (for /api/health and the bench). */
  readonly stats = { commits: 0, rows: 0, failures: 0 };

  constructor(private readonly db: Database.Database, private readonly opts: GroupCommitOptions = DEFAULT_GROUP_COMMIT) {}

  /** Queue a write (a function running prepared statements); resolves when the transaction holding it commits. */
  add(op: () => void): Promise<void> {
    const batch = this.batch ?? this.open();
    batch.ops.push(op);
    if (batch.ops.length >= this.opts.maxRows) this.flush();
    return batch.promise;
  }

  /** The commit the queued writes wait for, or null when nothing is queued. */
  pending(): Promise<void> | null {
    return this.batch?.promise ?? null;
  }

  get queued(): number {
    return this.batch?.ops.length ?? 0;
  }

  /** Commit what is queued now, synchronously. Never throws: a failure rejects the batch's promise. */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    this.scheduled?.cancel();
    this.scheduled = null;
    try {
      this.db.transaction(() => {
        for (const op of batch.ops) op();
      })();
    } catch (err) {
      this.stats.failures++;
      const e = err instanceof Error ? err : new Error(String(err));
      batch.reject(e);
      for (const l of this.failureListeners) l(e);
      return;
    }
    this.stats.commits++;
    this.stats.rows += batch.ops.length;
    batch.resolve();
  }

  /** Told when a batch could not be committed (its writes are not stored). */
  onFailure(listener: (err: Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  private open(): Batch {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => {}); // a failed batch is reported through the listeners; callers may not all await it
    const batch: Batch = { ops: [], promise, resolve, reject };
    this.batch = batch;
    if (this.opts.maxDelayMs > 0) {
      const t = setTimeout(() => this.flush(), this.opts.maxDelayMs);
      this.scheduled = { cancel: () => clearTimeout(t) };
    } else {
      const t = setImmediate(() => this.flush());
      this.scheduled = { cancel: () => clearImmediate(t) };
    }
    return batch;
  }
}

const instances = new WeakMap<Database.Database, GroupCommit>();

/** The one group commit of a database (History and the register share it, so a batch is one transaction). */
export function groupCommitOf(db: Database.Database, opts?: GroupCommitOptions): GroupCommit {
  let gc = instances.get(db);
  if (!gc) {
    const commits = (gc = new GroupCommit(db, opts));
    instances.set(db, gc);
    // Whoever closes the database (the gateway at stop, a test, the CLI) commits what is queued first.
    const close = db.close.bind(db);
    db.close = () => {
      if (db.open) commits.flush();
      return close();
    };
  }
  return gc;
}
