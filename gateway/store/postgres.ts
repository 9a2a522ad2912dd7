/**
 * The store on PostgreSQL (`drukte gateway --db postgres://…`): the same tables as SQLite (gateway/store/db.ts),
 * shared by every gateway instance of a city (docs/SCALING.md). Schema versions are rows of `drukte_schema`; each
 * migration runs once, in a transaction, under an advisory lock, so instances starting together do not race. A
 * database written by a newer gateway is refused.
 *
 * - aggregates: primary key (sensor_id, from_s); a batch is one INSERT … ON CONFLICT DO NOTHING, so a redelivered
 *   message (another instance, a reconnect) is a duplicate, never a second row.
 * - register_audit: append-only; a trigger refuses UPDATE, DELETE and TRUNCATE for every role, the owner's too.
 * - After commit, NOTIFY tells the other instances (gateway/store/pg-sync.ts): `drukte_aggregate` carries the new
 *   aggregates (chunks below the 8,000-byte payload limit), `drukte_register` the id of a changed sensor.
 */
import pg from 'pg';
import type { Aggregate, AreaDensity, Status } from '../../shared/payloads.ts';
import type { StoredCredential } from '../credentials.ts';
import { toRecord, type AuditEntry, type Row, type SensorRecord } from '../register.ts';
import { registerColumns } from './db.ts';
import { auditParams, recordParams, RECORD_COLUMN_LIST, toAuditEntry } from './sqlite-store.ts';
import { DEFAULT_RETENTION_DAYS, MAX_HISTORY_ROWS, toAggregate, toArea, type AggregateRow, type AreaRow, type AuditInput, type BatchResult, type LatestAggregate, type PurgeResult, type Store, type WriteBatch } from './store.ts';

export const PG_MIGRATIONS: readonly string[] = [
  // v1: everything SQLite has at its v5.
  `CREATE TABLE sensors (
${registerColumns('DOUBLE PRECISION')}
     minimiser_hash TEXT, bundle_hash TEXT, heartbeat_seconds INTEGER, retention_days INTEGER,
     lifecycle TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle IN ('active', 'retired')),
     registered_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
     retired_at BIGINT, retire_reason TEXT,
     last_seen BIGINT,
     suspended_at BIGINT, suspend_reason TEXT
   );
   CREATE INDEX sensors_area ON sensors (area_id);
   CREATE TABLE register_audit (
     seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     sensor_id TEXT NOT NULL REFERENCES sensors (id),
     at BIGINT NOT NULL,
     action TEXT NOT NULL CHECK (action IN ('register', 'update', 'transfer', 'retire', 'credential', 'suspend', 'resume')),
     from_owner TEXT, to_owner TEXT, note TEXT
   );
   CREATE INDEX register_audit_sensor ON register_audit (sensor_id, seq);
   CREATE FUNCTION register_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN RAISE EXCEPTION 'register_audit is append-only'; END $$;
   CREATE TRIGGER register_audit_no_change BEFORE UPDATE OR DELETE ON register_audit FOR EACH ROW EXECUTE FUNCTION register_audit_append_only();
   CREATE TRIGGER register_audit_no_truncate BEFORE TRUNCATE ON register_audit FOR EACH STATEMENT EXECUTE FUNCTION register_audit_append_only();
   CREATE TABLE credentials (
     username TEXT PRIMARY KEY,
     role TEXT NOT NULL CHECK (role IN ('sensor', 'reader')),
     hash TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     replaced_hash TEXT
   );
   CREATE TABLE aggregates (
     sensor_id TEXT NOT NULL, seq BIGINT NOT NULL,
     from_s BIGINT NOT NULL, to_s BIGINT NOT NULL, level SMALLINT NOT NULL, count INTEGER,
     received_at BIGINT NOT NULL,
     PRIMARY KEY (sensor_id, from_s)
   );
   CREATE INDEX aggregates_time ON aggregates (sensor_id, to_s);
   CREATE INDEX aggregates_received ON aggregates (received_at);
   CREATE TABLE statuses (sensor_id TEXT PRIMARY KEY, status TEXT NOT NULL, received_at BIGINT NOT NULL);
   CREATE TABLE area_densities (
     id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     area_id TEXT NOT NULL, from_s BIGINT NOT NULL, to_s BIGINT NOT NULL,
     level SMALLINT NOT NULL, count INTEGER, sensors TEXT NOT NULL, published_at BIGINT NOT NULL
   );
   CREATE INDEX area_densities_time ON area_densities (area_id, to_s);`,
];

/** NOTIFY channels (gateway/store/pg-sync.ts). */
export const CHANNEL_AGGREGATE = 'drukte_aggregate';
export const CHANNEL_REGISTER = 'drukte_register';
const NOTIFY_MAX_BYTES = 7_000;
/** An arbitrary constant: the advisory lock migrations run under. */
const MIGRATION_LOCK = 7_215_001;

export class PostgresStoreError extends Error {
  override name = 'PostgresStoreError';
}

/** BIGINT (int8) as a JS number: every such value here (ms, seconds, seqs) is far below 2^53. */
const types = { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser };

/** Bring the database to the newest schema; returns the version. */
export async function migratePg(pool: pg.Pool): Promise<number> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await c.query('CREATE TABLE IF NOT EXISTS drukte_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const current = Number((await c.query('SELECT COALESCE(MAX(version), 0) AS v FROM drukte_schema')).rows[0].v);
    if (current > PG_MIGRATIONS.length) throw new PostgresStoreError(`the database has schema version ${current}, newer than this gateway knows (${PG_MIGRATIONS.length}); use a newer gateway`);
    for (let v = current; v < PG_MIGRATIONS.length; v++) {
      await c.query(PG_MIGRATIONS[v]!);
      await c.query('INSERT INTO drukte_schema (version) VALUES ($1)', [v + 1]);
    }
    await c.query('COMMIT');
    return PG_MIGRATIONS.length;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** The URL without its password (for logs and errors). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export async function openPostgresStore(url: string, opts: { instance?: string; max?: number } = {}): Promise<PostgresStore> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 8, types, connectionTimeoutMillis: 10_000, application_name: 'drukte-gateway' });
  pool.on('error', () => undefined); // an idle client's connection dropped: the next query gets a new one
  try {
    await migratePg(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (err instanceof PostgresStoreError) throw err;
    throw new PostgresStoreError(`cannot open the PostgreSQL database ${redactUrl(url)}: ${(err as Error).message} — check that it runs, that the database exists and that the user may create tables in it`);
  }
  return new PostgresStore(pool, url, opts.instance ?? `pid-${process.pid}`);
}

export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;

  constructor(readonly pool: pg.Pool, readonly url: string, readonly instance: string) {}

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async schemaVersion(): Promise<number> {
    return Number((await this.pool.query('SELECT COALESCE(MAX(version), 0) AS v FROM drukte_schema')).rows[0].v);
  }

  async sensors(): Promise<SensorRecord[]> {
    return (await this.pool.query('SELECT * FROM sensors ORDER BY id')).rows.map((r: Row) => toRecord(r));
  }

  async sensor(id: string): Promise<SensorRecord | undefined> {
    const row = (await this.pool.query('SELECT * FROM sensors WHERE id = $1', [id])).rows[0] as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  async saveSensor(record: SensorRecord, audit: AuditInput[]): Promise<number[]> {
    const cols = RECORD_COLUMN_LIST;
    const updates = cols.slice(1).map((c) => `${c} = excluded.${c}`).join(', ');
    return this.tx(async (c) => {
      await c.query(`INSERT INTO sensors (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT (id) DO UPDATE SET ${updates}`, recordParams(record));
      const seqs: number[] = [];
      for (const a of audit) seqs.push(await insertAudit(c, a));
      await c.query('SELECT pg_notify($1, $2)', [CHANNEL_REGISTER, JSON.stringify({ id: record.info.id, from: this.instance })]);
      return seqs;
    });
  }

  async appendAudit(entry: AuditInput): Promise<number> {
    return insertAudit(this.pool, entry);
  }

  async audit(sensorId: string): Promise<AuditEntry[]> {
    return (await this.pool.query('SELECT * FROM register_audit WHERE sensor_id = $1 ORDER BY seq', [sensorId])).rows.map((r: Row) => toAuditEntry(r));
  }

  async credential(username: string): Promise<StoredCredential | undefined> {
    const row = (await this.pool.query('SELECT username, role, hash, created_at AS "createdAt", replaced_hash AS "replacedHash" FROM credentials WHERE username = $1', [username])).rows[0] as StoredCredential | undefined;
    return row ? { ...row } : undefined;
  }

  async credentials(): Promise<StoredCredential[]> {
    return (await this.pool.query('SELECT username, role, hash, created_at AS "createdAt", replaced_hash AS "replacedHash" FROM credentials ORDER BY username')).rows as StoredCredential[];
  }

  async setCredential(c: StoredCredential): Promise<void> {
    await this.pool.query('INSERT INTO credentials (username, role, hash, created_at, replaced_hash) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO UPDATE SET role = excluded.role, hash = excluded.hash, created_at = excluded.created_at, replaced_hash = excluded.replaced_hash',
      [c.username, c.role, c.hash, c.createdAt, c.replacedHash ?? null]);
  }

  async deleteCredential(username: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM credentials WHERE username = $1', [username])).rowCount ?? 0) > 0;
  }

  /** One transaction; new aggregates are announced (NOTIFY, delivered at commit) to the other instances. */
  async commit(batch: WriteBatch): Promise<BatchResult> {
    return this.tx(async (c) => {
      const a = batch.aggregates;
      let fresh: boolean[] = [];
      if (a.length) {
        const res = await c.query<{ sensor_id: string; from_s: number }>(`INSERT INTO aggregates (sensor_id, seq, from_s, to_s, level, count, received_at)
          SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::smallint[], $6::integer[], $7::bigint[]) ON CONFLICT DO NOTHING RETURNING sensor_id, from_s`,
        [a.map((x) => x.aggregate.sensor), a.map((x) => x.aggregate.seq), a.map((x) => x.aggregate.from), a.map((x) => x.aggregate.to), a.map((x) => x.aggregate.level), a.map((x) => x.aggregate.count), a.map((x) => x.receivedAt)]);
        const inserted = new Set(res.rows.map((r) => `${r.sensor_id}\u0000${r.from_s}`));
        fresh = a.map((x) => inserted.delete(`${x.aggregate.sensor}\u0000${x.aggregate.from}`));
        const payloads = chunk(a.filter((_, i) => fresh[i]).map((x) => [x.aggregate.sensor, x.aggregate.seq, x.aggregate.from, x.aggregate.to, x.aggregate.level, x.aggregate.count, x.receivedAt]), this.instance);
        if (payloads.length) await c.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [CHANNEL_AGGREGATE, payloads]);
      }
      const statuses = lastPer(batch.statuses, (s) => s.status.sensor);
      if (statuses.length) {
        await c.query(`INSERT INTO statuses (sensor_id, status, received_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
          ON CONFLICT (sensor_id) DO UPDATE SET status = excluded.status, received_at = excluded.received_at`,
        [statuses.map((s) => s.status.sensor), statuses.map((s) => JSON.stringify(s.status)), statuses.map((s) => s.receivedAt)]);
      }
      const d = batch.areaDensities;
      if (d.length) {
        await c.query('INSERT INTO area_densities (area_id, from_s, to_s, level, count, sensors, published_at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::smallint[], $5::integer[], $6::text[], $7::bigint[])',
          [d.map((x) => x.density.area), d.map((x) => x.density.from), d.map((x) => x.density.to), d.map((x) => x.density.level), d.map((x) => x.density.count), d.map((x) => JSON.stringify(x.density.sensors)), d.map((x) => x.publishedAt)]);
      }
      const seen = [...new Map(batch.lastSeen.map((s) => [s.sensorId, s.at])).entries()];
      if (seen.length) {
        await c.query('UPDATE sensors s SET last_seen = u.at FROM unnest($1::text[], $2::bigint[]) AS u(id, at) WHERE s.id = u.id AND (s.last_seen IS NULL OR s.last_seen < u.at)', [seen.map((x) => x[0]), seen.map((x) => x[1])]);
      }
      const stored = fresh.filter(Boolean).length;
      return { stored, duplicates: fresh.length - stored, fresh };
    });
  }

  async aggregateAt(sensorId: string, fromS: number): Promise<Aggregate | null> {
    const row = (await this.pool.query('SELECT * FROM aggregates WHERE sensor_id = $1 AND from_s = $2', [sensorId, fromS])).rows[0] as AggregateRow | undefined;
    return row ? toAggregate(row) : null;
  }

  async latestAggregates(): Promise<Map<string, LatestAggregate>> {
    const rows = (await this.pool.query('SELECT DISTINCT ON (sensor_id) * FROM aggregates ORDER BY sensor_id, from_s DESC')).rows as AggregateRow[];
    return new Map(rows.map((r) => [r.sensor_id, { aggregate: toAggregate(r), receivedAt: Number(r.received_at) }]));
  }

  async sensorHistory(sensorId: string, fromS: number, toS: number, limit = MAX_HISTORY_ROWS): Promise<Aggregate[]> {
    return ((await this.pool.query('SELECT * FROM aggregates WHERE sensor_id = $1 AND to_s >= $2 AND to_s <= $3 ORDER BY to_s, from_s LIMIT $4', [sensorId, fromS, toS, limit])).rows as AggregateRow[]).map(toAggregate);
  }

  async aggregatesSince(sinceMs: number, limit = MAX_HISTORY_ROWS): Promise<Array<{ aggregate: Aggregate; receivedAt: number }>> {
    return ((await this.pool.query('SELECT * FROM aggregates WHERE received_at >= $1 ORDER BY received_at, sensor_id, from_s LIMIT $2', [sinceMs, limit])).rows as AggregateRow[])
      .map((r) => ({ aggregate: toAggregate(r), receivedAt: Number(r.received_at) }));
  }

  async statuses(): Promise<Map<string, { status: Status; receivedAt: number }>> {
    const rows = (await this.pool.query('SELECT sensor_id, status, received_at FROM statuses')).rows as Array<{ sensor_id: string; status: string; received_at: number }>;
    return new Map(rows.map((r) => [r.sensor_id, { status: JSON.parse(r.status) as Status, receivedAt: Number(r.received_at) }]));
  }

  async latestAreaDensities(): Promise<Map<string, AreaDensity>> {
    const rows = (await this.pool.query('SELECT DISTINCT ON (area_id) * FROM area_densities ORDER BY area_id, id DESC')).rows as AreaRow[];
    return new Map(rows.map((r) => [r.area_id, toArea(r)]));
  }

  async areaHistory(areaId: string, fromS: number, toS: number, limit = MAX_HISTORY_ROWS): Promise<AreaDensity[]> {
    return ((await this.pool.query('SELECT * FROM area_densities WHERE area_id = $1 AND to_s >= $2 AND to_s <= $3 ORDER BY to_s, id LIMIT $4', [areaId, fromS, toS, limit])).rows as AreaRow[]).map(toArea);
  }

  async purgeHistory(nowMs: number): Promise<PurgeResult> {
    const now = Math.floor(nowMs / 1000);
    return this.tx(async (c) => {
      const a = await c.query('DELETE FROM aggregates a WHERE a.to_s < $1 - 86400 * COALESCE((SELECT s.retention_days FROM sensors s WHERE s.id = a.sensor_id), $2)', [now, DEFAULT_RETENTION_DAYS]);
      const d = await c.query('DELETE FROM area_densities d WHERE d.to_s < $1 - 86400 * COALESCE((SELECT MAX(COALESCE(s.retention_days, $2)) FROM sensors s WHERE s.area_id = d.area_id), $2)', [now, DEFAULT_RETENTION_DAYS]);
      return { aggregates: a.rowCount ?? 0, areaDensities: d.rowCount ?? 0 };
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function insertAudit(c: pg.PoolClient | pg.Pool, a: AuditInput): Promise<number> {
  return Number((await c.query('INSERT INTO register_audit (sensor_id, at, action, from_owner, to_owner, note) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq', auditParams(a))).rows[0].seq);
}

/** The last entry per key, in first-seen order of the keys (an upsert may touch a row once per statement). */
function lastPer<T>(items: T[], key: (t: T) => string): T[] {
  return [...new Map(items.map((t) => [key(t), t])).values()];
}

/** Compact NOTIFY payloads, each under the 8,000-byte limit: {"from": instance, "a": [[sensor, seq, from, to, level, count, receivedAt], …]}. */
function chunk(rows: unknown[][], from: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let size = 0;
  const head = JSON.stringify(from).length + 20;
  for (const r of rows) {
    const s = JSON.stringify(r);
    if (cur.length && head + size + s.length + 1 > NOTIFY_MAX_BYTES) {
      out.push(`{"from":${JSON.stringify(from)},"a":[${cur.join(',')}]}`);
      cur = [];
      size = 0;
    }
    cur.push(s);
    size += s.length + 1;
  }
  if (cur.length) out.push(`{"from":${JSON.stringify(from)},"a":[${cur.join(',')}]}`);
  return out;
}
