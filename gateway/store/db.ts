/**
 * The gateway's database: one SQLite file (better-sqlite3) in the data directory, in WAL mode, with its schema
 * versioned in code. `PRAGMA user_version` holds the version; each migration runs once, in a transaction, in order.
 * A database written by a newer gateway is refused rather than guessed at.
 *
 *   <dataDir>/drukte.sqlite   register (sensors, register_audit), credentials, aggregates, statuses, area_densities
 *
 * Without a data directory (tests) the same schema lives in memory.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WINDOW_SECONDS } from '../../shared/schema/rules.ts';
import { startCheckpointer } from './checkpointer.ts';

export const DATABASE_FILE = 'drukte.sqlite';
/** Databases up to this size are integrity-checked at start (PRAGMA quick_check). */
export const QUICK_CHECK_MAX_BYTES = 512 * 2 ** 20;

/**
 * The register's public columns, as both engines' first migration creates them (floating point is REAL in SQLite,
 * DOUBLE PRECISION in PostgreSQL). The text SQLite's v1 ran is byte for byte what this gives with 'REAL'.
 */
export const registerColumns = (double: 'REAL' | 'DOUBLE PRECISION'): string => `     id TEXT PRIMARY KEY,
     area_id TEXT,
     driver TEXT NOT NULL,
     owner_name TEXT NOT NULL, owner_organisation TEXT NOT NULL, owner_email TEXT NOT NULL, owner_phone TEXT,
     purpose TEXT NOT NULL, legal_ground TEXT NOT NULL, dpia_ref TEXT NOT NULL,
     lat ${double} NOT NULL, lon ${double} NOT NULL, location_description TEXT NOT NULL,
     area_m2 ${double} NOT NULL,
     expires_at TEXT NOT NULL,
     register_url TEXT NOT NULL,
     k_floor INTEGER NOT NULL, window_seconds INTEGER, granularity INTEGER, output TEXT,`;

/**
 * A sensor's aggregates whose windows end in [@from, @to], oldest first, read on the primary key (sensor_id, from_s):
 * windows end at most ${WINDOW_SECONDS.max} s after they start and never overlap.
 */
export const SENSOR_HISTORY_SQL = `SELECT * FROM aggregates WHERE sensor_id = @id AND from_s >= @from - ${WINDOW_SECONDS.max} AND from_s < @to
  AND to_s >= @from AND to_s <= @to ORDER BY from_s LIMIT @limit`;
/** The same bound for a query over window ends (@from exclusive, @to inclusive), as a condition on the key. */
export const WINDOW_START_BOUND = `from_s > @from - ${WINDOW_SECONDS.max} AND from_s < @to`;

/** Migrations, oldest first: index + 1 is the schema version it produces. Never edit one that has shipped. */
export const MIGRATIONS: readonly string[] = [
  // v1: register, its append-only audit trail, credentials, history.
  `CREATE TABLE sensors (
${registerColumns('REAL')}
     minimiser_hash TEXT, bundle_hash TEXT,
     lifecycle TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle IN ('active', 'retired')),
     registered_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
     retired_at INTEGER, retire_reason TEXT,
     last_seen INTEGER
   );
   CREATE INDEX sensors_area ON sensors (area_id);
   CREATE TABLE register_audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     sensor_id TEXT NOT NULL REFERENCES sensors (id),
     at INTEGER NOT NULL,
     action TEXT NOT NULL CHECK (action IN ('register', 'update', 'transfer', 'retire', 'credential')),
     from_owner TEXT, to_owner TEXT, note TEXT
   );
   CREATE INDEX register_audit_sensor ON register_audit (sensor_id, seq);
   CREATE TRIGGER register_audit_no_update BEFORE UPDATE ON register_audit BEGIN SELECT RAISE(ABORT, 'register_audit is append-only'); END;
   CREATE TRIGGER register_audit_no_delete BEFORE DELETE ON register_audit BEGIN SELECT RAISE(ABORT, 'register_audit is append-only'); END;
   CREATE TABLE credentials (
     username TEXT PRIMARY KEY,
     role TEXT NOT NULL CHECK (role IN ('sensor', 'reader')),
     hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE aggregates (
     sensor_id TEXT NOT NULL, seq INTEGER NOT NULL,
     from_s INTEGER NOT NULL, to_s INTEGER NOT NULL, level INTEGER NOT NULL, count INTEGER,
     received_at INTEGER NOT NULL,
     PRIMARY KEY (sensor_id, seq)
   ) WITHOUT ROWID;
   CREATE INDEX aggregates_time ON aggregates (sensor_id, to_s);
   CREATE TABLE statuses (
     sensor_id TEXT PRIMARY KEY, status TEXT NOT NULL, received_at INTEGER NOT NULL
   );
   CREATE TABLE area_densities (
     area_id TEXT NOT NULL, from_s INTEGER NOT NULL, to_s INTEGER NOT NULL,
     level INTEGER NOT NULL, count INTEGER, sensors TEXT NOT NULL, published_at INTEGER NOT NULL
   );
   CREATE INDEX area_densities_time ON area_densities (area_id, to_s);`,
  // v2 (issue 9): the window start, not the sensor's seq, identifies an aggregate (a forged or reset seq can no
  // longer hide or poison windows); sensors can be suspended by ingest and resumed by an admin, both audited.
  `CREATE TABLE aggregates_v2 (
     sensor_id TEXT NOT NULL, seq INTEGER NOT NULL,
     from_s INTEGER NOT NULL, to_s INTEGER NOT NULL, level INTEGER NOT NULL, count INTEGER,
     received_at INTEGER NOT NULL,
     PRIMARY KEY (sensor_id, from_s)
   ) WITHOUT ROWID;
   INSERT OR IGNORE INTO aggregates_v2 SELECT sensor_id, seq, from_s, to_s, level, count, received_at FROM aggregates ORDER BY sensor_id, seq;
   DROP TABLE aggregates;
   ALTER TABLE aggregates_v2 RENAME TO aggregates;
   CREATE INDEX aggregates_time ON aggregates (sensor_id, to_s);
   ALTER TABLE sensors ADD COLUMN suspended_at INTEGER;
   ALTER TABLE sensors ADD COLUMN suspend_reason TEXT;
   DROP TRIGGER register_audit_no_update;
   DROP TRIGGER register_audit_no_delete;
   ALTER TABLE register_audit RENAME TO register_audit_v1;
   CREATE TABLE register_audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     sensor_id TEXT NOT NULL REFERENCES sensors (id),
     at INTEGER NOT NULL,
     action TEXT NOT NULL CHECK (action IN ('register', 'update', 'transfer', 'retire', 'credential', 'suspend', 'resume')),
     from_owner TEXT, to_owner TEXT, note TEXT
   );
   INSERT INTO register_audit SELECT * FROM register_audit_v1 ORDER BY seq;
   DROP TABLE register_audit_v1;
   CREATE INDEX register_audit_sensor ON register_audit (sensor_id, seq);
   CREATE TRIGGER register_audit_no_update BEFORE UPDATE ON register_audit BEGIN SELECT RAISE(ABORT, 'register_audit is append-only'); END;
   CREATE TRIGGER register_audit_no_delete BEFORE DELETE ON register_audit BEGIN SELECT RAISE(ABORT, 'register_audit is append-only'); END;`,
  // v3: the heartbeat the sensor was provisioned with (freshness follows it; NULL = the firmware default).
  `ALTER TABLE sensors ADD COLUMN heartbeat_seconds INTEGER;`,
  // v4 (issue 14): a credential moved from scrypt to the keyed hash keeps the scrypt hash it replaced, so the same
  // credential imported again at the next start (from the configuration) is recognised and not moved back.
  `ALTER TABLE credentials ADD COLUMN replaced_hash TEXT;`,
  // v5 (issue 15): retention per purpose (the manifest's retentionDays; NULL = the default, 400 days).
  `ALTER TABLE sensors ADD COLUMN retention_days INTEGER;`,
  // v6 (issue 14): no second index on the hot table. A sensor's windows never overlap and end at most
  // WINDOW_SECONDS.max after they start (gateway/ingest/rules.ts), so a range of window ends is a range of window
  // starts on the primary key (sensor_id, from_s): SENSOR_HISTORY_SQL and the chart queries use it.
  `DROP INDEX aggregates_time;`,
];

export class DatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseError';
  }
}

/** Bring a database to the newest schema; returns the version it is at now. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new DatabaseError(`the database has schema version ${current}, newer than this gateway knows (${MIGRATIONS.length}); use a newer gateway`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

/** Open (creating if needed) the database in `dataDir`, or in memory when `dataDir` is null. */
export function openDatabase(dataDir: string | null): Database.Database {
  let db: Database.Database;
  const file = dataDir === null ? ':memory:' : join(dataDir, DATABASE_FILE);
  if (dataDir === null) {
    db = new Database(':memory:');
  } else {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      db = new Database(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new DatabaseError(`cannot open the database in data directory ${dataDir}: ${code}`);
    }
  }
  try {
    if (dataDir !== null) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL'); // WAL: a committed transaction survives a crash of the process (kill -9)
      // The automatic checkpoint (on the event loop, after a commit) only every 10,000 WAL pages (~40 MiB) instead of
      // SQLite's 1,000: a worker thread checkpoints meanwhile (gateway/store/checkpointer.ts); this is the backstop.
      db.pragma('wal_autocheckpoint = 10000');
      // A damaged file (truncated, garbage) is found here, at start, not at the first message. quick_check reads the
      // whole file, so it is skipped for very large databases (damage there still surfaces at the first query that
      // touches it, and ingest then withholds the PUBACK: docs/PROTOCOL.md §3).
      const check = statSync(file).size <= QUICK_CHECK_MAX_BYTES ? db.pragma('quick_check', { simple: true }) : 'ok';
      if (check !== 'ok') throw Object.assign(new Error(`integrity check failed: ${String(check).slice(0, 80)}`), { code: 'SQLITE_CORRUPT' });
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    if (dataDir !== null) {
      // Checkpoints in a worker thread (gateway/store/checkpointer.ts); stopped when the database is closed.
      const checkpointer = startCheckpointer(file);
      const close = db.close.bind(db);
      db.close = () => {
        checkpointer.stop();
        return close();
      };
    }
  } catch (err) {
    db.close();
    if (err instanceof DatabaseError) throw err;
    const code = String((err as { code?: unknown }).code ?? '');
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      throw new DatabaseError(`the database ${file} is damaged or not a SQLite database (${(err as Error).message}); restore it from a backup, or move it aside to start with an empty register`);
    }
    throw new DatabaseError(`cannot prepare the database: ${(err as Error).message}`);
  }
  return db;
}

const statementCaches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A prepared statement, compiled once per database and SQL text (ingest runs the same few statements per message). */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = statementCaches.get(db);
  if (!cache) statementCaches.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}
