/**
 * Group commit: the writes of many messages, from all sensors, in one SQLite transaction. A write is queued with
 * add(); the queue is committed at the end of the current turn of the event loop (setImmediate: every message that
 * arrived in the same I/O poll joins it), after `maxDelayMs` when set, or at once when it holds `maxRows` writes.
 * add() returns the promise of the commit that will hold the write: the broker releases a PUBACK only when it
 * resolves (gateway/mqtt/broker.ts, intercept()), so a PUBACK means "committed" (docs/PROTOCOL.md §3, "Durability").
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
import { emptyBatch, type BatchResult, type WriteBatch } from './batch.ts';

/**
 * A shared store of record behind the local database (PostgreSQL, gateway/store/pg-sync.ts): a batch is committed
 * THERE first, one transaction, and only then applied to the local SQLite copy and resolved. One such commit is in
 * flight at a time; whatever arrives meanwhile forms the next batch (so batches grow with the load). Readers that
 * flush() see what the store of record has confirmed, not what is still on its way.
 */
export type DurableCommit = (batch: WriteBatch) => Promise<BatchResult>;
/** What a queued write adds to the store of record's batch (its local op is run after that commit). */
export type DurableRows = (batch: WriteBatch) => void;

export interface GroupCommitOptions {
  /** Commit at once when this many writes are queued. */
  maxRows: number;
  /** 0 = at the end of the current event-loop turn (setImmediate); else at most this many ms later. */
  maxDelayMs: number;
}

export const DEFAULT_GROUP_COMMIT: Readonly<GroupCommitOptions> = { maxRows: 2_000, maxDelayMs: 0 };

/**
 * A kind of row that many messages add (aggregates): queued as plain data and written by one loop per batch, instead
 * of a closure per message (the hot path of ingest). A batch runs its ops first, then its lanes' rows.
 */
export interface RowLane<T> {
  /** Write the rows on the local database (inside the batch's transaction). */
  apply(rows: readonly T[]): void;
  /** With a store of record: add the rows to its batch. */
  toBatch(rows: readonly T[], batch: WriteBatch): void;
}

interface Batch {
  ops: Array<() => void>;
  rows: DurableRows[];
  lanes: Map<RowLane<never>, unknown[]>;
  /** Writes queued: ops and lane rows. */
  size: number;
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

export class GroupCommit {
  private batch: Batch | null = null;
  private scheduled: { cancel(): void } | null = null;
  private readonly failureListeners = new Set<(err: Error) => void>();
  /** Transactions committed and writes in them (for /api/health and the bench). */
  readonly stats = { commits: 0, rows: 0, failures: 0, duplicates: 0 };
  private durable: DurableCommit | null = null;
  private inFlight: Promise<void> | null = null;
  /** The promise of the batch in flight to the store of record (what a duplicate of one of its writes waits for). */
  private inFlightBatch: Promise<void> | null = null;

  constructor(private readonly db: Database.Database, private readonly opts: GroupCommitOptions = DEFAULT_GROUP_COMMIT) {}

  /** From now on, commit every batch to this store of record first (see DurableCommit). */
  commitTo(durable: DurableCommit): void {
    this.durable = durable;
  }

  /**
   * Queue a write (a function running prepared statements on the local database, plus, with a store of record, the
   * rows it adds there); resolves when the transaction holding it commits.
   */
  add(op: () => void, rows?: DurableRows): Promise<void> {
    const batch = this.batch ?? this.open();
    batch.ops.push(op);
    if (rows) batch.rows.push(rows);
    return this.queuedIn(batch);
  }

  /** Queue a row of a lane (see RowLane); resolves when the transaction holding it commits. */
  addRow<T>(lane: RowLane<T>, row: T): Promise<void> {
    const batch = this.batch ?? this.open();
    const lanes = batch.lanes as Map<RowLane<T>, T[]>;
    const queued = lanes.get(lane);
    if (queued) queued.push(row);
    else lanes.set(lane, [row]);
    return this.queuedIn(batch);
  }

  /** One more write queued in the open batch: commit now when the batch is full. */
  private queuedIn(batch: Batch): Promise<void> {
    if (++batch.size >= this.opts.maxRows) this.flush();
    return batch.promise;
  }

  /** The commit the queued writes wait for, or null when nothing is queued. */
  pending(): Promise<void> | null {
    return this.batch?.promise ?? this.inFlightBatch ?? null;
  }

  get queued(): number {
    return this.batch?.size ?? 0;
  }

  /**
   * Commit what is queued now, synchronously (with a store of record: start its commit, unless one is in flight,
   * after which the queue is committed). Never throws: a failure rejects the batch's promise.
   */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    if (this.durable) {
      if (this.inFlight) return; // the commit in flight flushes this batch when it settles
      this.batch = null;
      this.scheduled?.cancel();
      this.scheduled = null;
      this.inFlightBatch = batch.promise;
      this.inFlight = this.commitDurable(batch, this.durable).finally(() => {
        this.inFlight = null;
        this.inFlightBatch = null;
        if (this.batch) this.flush();
      });
      return;
    }
    this.batch = null;
    this.scheduled?.cancel();
    this.scheduled = null;
    try {
      this.applyLocally(batch);
    } catch (err) {
      this.failed(batch, err);
      return;
    }
    this.committed(batch, 0);
  }

  private async commitDurable(batch: Batch, durable: DurableCommit): Promise<void> {
    const rows = emptyBatch();
    let result: BatchResult;
    try {
      for (const r of batch.rows) r(rows);
      for (const [lane, queued] of batch.lanes) lane.toBatch(queued as never[], rows);
      result = await durable(rows);
      // Stored for good: now the local copy, which the synchronous readers (pages, API, ingest's checks) use.
      this.applyLocally(batch);
    } catch (err) {
      this.failed(batch, err);
      return;
    }
    this.committed(batch, result.duplicates);
  }

  /** The batch's writes in one local transaction (throws: nothing of it is kept). */
  private applyLocally(batch: Batch): void {
    this.db.transaction(() => {
      for (const op of batch.ops) op();
      for (const [lane, queued] of batch.lanes) lane.apply(queued as never[]);
    })();
  }

  private failed(batch: Batch, err: unknown): void {
    this.stats.failures++;
    const e = err instanceof Error ? err : new Error(String(err));
    batch.reject(e);
    for (const l of this.failureListeners) l(e);
  }

  private committed(batch: Batch, duplicates: number): void {
    this.stats.commits++;
    this.stats.rows += batch.size;
    this.stats.duplicates += duplicates;
    batch.resolve();
  }

  /** Resolves when nothing is queued or in flight (stop: the last batch reaches the store of record). */
  async drain(): Promise<void> {
    while (this.batch || this.inFlight) {
      this.flush();
      await (this.inFlight ?? this.batch?.promise)?.catch(() => undefined);
    }
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
    const batch: Batch = { ops: [], rows: [], lanes: new Map(), size: 0, promise, resolve, reject };
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
