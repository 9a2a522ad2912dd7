/**
 * The gateway's store, by configuration: SQLite in the data directory (the default) or PostgreSQL (`--db
 * postgres://…`), with an in-memory SQLite working copy for the synchronous readers (gateway/store/pg-sync.ts).
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { Timers } from '../../shared/timers.ts';
import type { CredentialStore } from '../credentials.ts';
import type { SqliteSensorRegister } from '../register.ts';
import { DatabaseError, openDatabase } from './db.ts';
import { hydrate, DEFAULT_HYDRATE_DAYS, PgSync } from './pg-sync.ts';
import { openPostgresStore, PostgresStoreError, redactUrl, type PostgresStore } from './postgres.ts';
import { RetentionJob } from './retention.ts';
import { purgeSqlite } from './sqlite-store.ts';

export interface StoreConfig {
  dataDir: string | null;
  /** postgres:// or postgresql:// URL: PostgreSQL instead of SQLite. */
  url?: string;
  instance: string;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  retentionIntervalMs?: number;
  hydrateDays?: number;
}

export interface OpenedStore {
  /** The database the gateway's components read and write (the file, or PostgreSQL's working copy). */
  db: Database.Database;
  /** PostgreSQL or null. */
  postgres: PostgresStore | null;
  /** For the log: the file or the URL without its password. */
  description: string;
  /** PostgreSQL: connect the register and credentials to the shared store (null on SQLite). */
  link(register: SqliteSensorRegister, credentials: CredentialStore): PgSync | null;
  retention(): RetentionJob;
  close(): Promise<void>;
}

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

export async function openStore(c: StoreConfig): Promise<OpenedStore> {
  if (!c.url) {
    const db = openDatabase(c.dataDir);
    return {
      db, postgres: null, description: c.dataDir ?? 'memory',
      link: () => null,
      retention: () => new RetentionJob({ purge: async (now) => purgeSqlite(db, now), clock: c.clock, timers: c.timers, logger: c.logger, ...(c.retentionIntervalMs ? { intervalMs: c.retentionIntervalMs } : {}) }),
      close: async () => undefined,
    };
  }
  if (!isPostgresUrl(c.url)) throw new DatabaseError(`--db ${redactUrl(c.url)}: only postgres:// (or postgresql://) URLs are supported; leave --db out for SQLite in --data-dir`);
  let store: PostgresStore;
  try {
    store = await openPostgresStore(c.url, { instance: c.instance });
  } catch (err) {
    throw err instanceof PostgresStoreError ? new DatabaseError(err.message) : err;
  }
  const db = openDatabase(null);
  try {
    await hydrate(db, store, c.clock.now() - (c.hydrateDays ?? DEFAULT_HYDRATE_DAYS) * 86_400_000);
  } catch (err) {
    db.close();
    await store.close();
    throw new DatabaseError(`cannot read the register and history from PostgreSQL ${redactUrl(c.url)}: ${(err as Error).message}`);
  }
  let closed = false;
  return {
    db, postgres: store, description: redactUrl(c.url),
    link: (register, credentials) => new PgSync({ db, store, register, credentials, logger: c.logger, timers: c.timers }),
    retention: () => new RetentionJob({
      purge: async (now) => {
        const r = await store.purgeHistory(now);
        purgeSqlite(db, now);
        return r;
      },
      clock: c.clock, timers: c.timers, logger: c.logger, ...(c.retentionIntervalMs ? { intervalMs: c.retentionIntervalMs } : {}),
    }),
    close: async () => {
      if (closed) return;
      closed = true;
      await store.close();
    },
  };
}
