/**
 * WAL checkpoints off the event loop: a worker thread with its own connection to the database file runs
 * `PRAGMA wal_checkpoint(PASSIVE)` every `everyMs`. A checkpoint copies the committed pages from the WAL into the
 * database file and syncs both (SQLite, "Write-Ahead Logging" §3): done by SQLite's automatic checkpoint after a
 * commit, that copy and its fsync block ingest for tens of ms under load. PASSIVE never blocks a writer or a reader;
 * the main connection's own automatic checkpoint (gateway/db.ts, 10,000 pages) stays as the backstop and then finds
 * the pages already copied. A commit is durable in the WAL before any checkpoint: this changes no promise of a
 * PUBACK (docs/PROTOCOL.md §3).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
let reported = false;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    if (!reported) parentPort.postMessage(String(err && err.message));
    reported = true;
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.close(); } catch {}
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): void;
}

/** Start checkpointing `file` in a worker thread; `onError` hears the first failure (the backstop then does it). */
export function startCheckpointer(file: string, everyMs = 200, onError: (message: string) => void = () => {}): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, module, everyMs } });
  worker.unref();
  worker.on('message', (m: string) => onError(m));
  worker.on('error', (err) => onError(err.message));
  let stopped = false;
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      worker.postMessage('stop');
    },
  };
}
