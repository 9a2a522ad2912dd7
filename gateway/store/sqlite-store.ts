/**
 * The store on SQLite (the embedded default): the schema of gateway/store/db.ts behind the Store interface. Every
 * call is synchronous underneath (better-sqlite3); the promises only give both engines one shape. The gateway's hot
 * path on SQLite does not go through here but through the group commit on the same file (gateway/store/history.ts),
 * which runs the same statements; this class is what the contract suite (tests/store/contract.test.ts), the
 * retention job and the tools use.
 */
import type Database from 'better-sqlite3';
import type { Aggregate, AreaDensity, Status } from '../../shared/payloads.ts';
import type { StoredCredential } from '../credentials.ts';
import { COLUMNS, toParams, toRecord, type AuditAction, type AuditEntry, type Owner, type Row, type SensorRecord } from '../register.ts';
import { MIGRATIONS, prepared, SENSOR_HISTORY_SQL } from './db.ts';
import { DEFAULT_RETENTION_DAYS, MAX_HISTORY_ROWS, toAggregate, toArea, type AggregateRow, type AreaRow, type AuditInput, type BatchResult, type LatestAggregate, type PurgeResult, type Store, type WriteBatch } from './store.ts';

const RECORD_COLUMNS = `${COLUMNS}, lifecycle, registered_at, updated_at, retired_at, retire_reason, last_seen, suspended_at, suspend_reason`;

export function recordParams(r: SensorRecord): unknown[] {
  return [...toParams(r.info), r.lifecycle, r.registeredAt, r.updatedAt, r.retiredAt, r.retireReason, r.lastSeen, r.suspension?.at ?? null, r.suspension?.reason ?? null];
}
export const RECORD_COLUMN_LIST = RECORD_COLUMNS.split(', ');

export function toAuditEntry(r: Row): AuditEntry {
  return {
    seq: Number(r.seq), sensorId: r.sensor_id as string, at: Number(r.at), action: r.action as AuditAction,
    fromOwner: r.from_owner === null ? null : (JSON.parse(r.from_owner as string) as Owner),
    toOwner: r.to_owner === null ? null : (JSON.parse(r.to_owner as string) as Owner),
    note: r.note as string | null,
  };
}

export const auditParams = (a: AuditInput): unknown[] => [a.sensorId, a.at, a.action, a.fromOwner ? JSON.stringify(a.fromOwner) : null, a.toOwner ? JSON.stringify(a.toOwner) : null, a.note];

export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;

  constructor(readonly db: Database.Database) {}

  async schemaVersion(): Promise<number> {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  async sensors(): Promise<SensorRecord[]> {
    return (prepared(this.db, 'SELECT * FROM sensors ORDER BY id').all() as Row[]).map(toRecord);
  }

  async saveSensor(record: SensorRecord, audit: AuditInput[]): Promise<number[]> {
    const updates = RECORD_COLUMN_LIST.slice(1).map((c) => `${c} = excluded.${c}`).join(', ');
    const upsert = prepared(this.db, `INSERT INTO sensors (${RECORD_COLUMNS}) VALUES (${RECORD_COLUMN_LIST.map(() => '?').join(', ')}) ON CONFLICT(id) DO UPDATE SET ${updates}`);
    return this.db.transaction(() => {
      upsert.run(...recordParams(record));
      return audit.map((a) => this.insertAudit(a));
    })();
  }

  async appendAudit(entry: AuditInput): Promise<number> {
    return this.insertAudit(entry);
  }

  private insertAudit(a: AuditInput): number {
    const res = prepared(this.db, 'INSERT INTO register_audit (sensor_id, at, action, from_owner, to_owner, note) VALUES (?, ?, ?, ?, ?, ?)').run(...auditParams(a));
    return Number(res.lastInsertRowid);
  }

  async audit(sensorId: string): Promise<AuditEntry[]> {
    return (prepared(this.db, 'SELECT * FROM register_audit WHERE sensor_id = ? ORDER BY seq').all(sensorId) as Row[]).map(toAuditEntry);
  }

  async credential(username: string): Promise<StoredCredential | undefined> {
    const row = prepared(this.db, 'SELECT username, role, hash, created_at AS createdAt, replaced_hash AS replacedHash FROM credentials WHERE username = ?').get(username) as StoredCredential | undefined;
    return row ? { ...row } : undefined;
  }

  async credentials(): Promise<StoredCredential[]> {
    return prepared(this.db, 'SELECT username, role, hash, created_at AS createdAt, replaced_hash AS replacedHash FROM credentials ORDER BY username').all() as StoredCredential[];
  }

  async setCredential(c: StoredCredential): Promise<void> {
    prepared(this.db, 'INSERT INTO credentials (username, role, hash, created_at, replaced_hash) VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET role = excluded.role, hash = excluded.hash, created_at = excluded.created_at, replaced_hash = excluded.replaced_hash')
      .run(c.username, c.role, c.hash, c.createdAt, c.replacedHash ?? null);
  }

  async deleteCredential(username: string): Promise<boolean> {
    return prepared(this.db, 'DELETE FROM credentials WHERE username = ?').run(username).changes > 0;
  }

  async commit(batch: WriteBatch): Promise<BatchResult> {
    return commitSqlite(this.db, batch);
  }

  async aggregateAt(sensorId: string, fromS: number): Promise<Aggregate | null> {
    const row = prepared(this.db, 'SELECT * FROM aggregates WHERE sensor_id = ? AND from_s = ?').get(sensorId, fromS) as AggregateRow | undefined;
    return row ? toAggregate(row) : null;
  }

  async latestAggregates(): Promise<Map<string, LatestAggregate>> {
    const rows = prepared(this.db, `SELECT a.* FROM aggregates a JOIN (SELECT sensor_id, MAX(from_s) AS from_s FROM aggregates GROUP BY sensor_id) m
      ON a.sensor_id = m.sensor_id AND a.from_s = m.from_s`).all() as AggregateRow[];
    return new Map(rows.map((r) => [r.sensor_id, { aggregate: toAggregate(r), receivedAt: r.received_at }]));
  }

  async sensorHistory(sensorId: string, fromS: number, toS: number, limit = MAX_HISTORY_ROWS): Promise<Aggregate[]> {
    return (prepared(this.db, SENSOR_HISTORY_SQL).all({ id: sensorId, from: fromS, to: toS, limit }) as AggregateRow[]).map(toAggregate);
  }

  async aggregatesSince(sinceMs: number, limit = MAX_HISTORY_ROWS): Promise<Array<{ aggregate: Aggregate; receivedAt: number }>> {
    return (prepared(this.db, 'SELECT * FROM aggregates WHERE received_at >= ? ORDER BY received_at, sensor_id, from_s LIMIT ?').all(sinceMs, limit) as AggregateRow[])
      .map((r) => ({ aggregate: toAggregate(r), receivedAt: r.received_at }));
  }

  async statuses(): Promise<Map<string, { status: Status; receivedAt: number }>> {
    const rows = prepared(this.db, 'SELECT sensor_id, status, received_at FROM statuses').all() as Array<{ sensor_id: string; status: string; received_at: number }>;
    return new Map(rows.map((r) => [r.sensor_id, { status: JSON.parse(r.status) as Status, receivedAt: r.received_at }]));
  }

  async latestAreaDensities(): Promise<Map<string, AreaDensity>> {
    const rows = prepared(this.db, `SELECT d.* FROM area_densities d JOIN (SELECT area_id, MAX(rowid) AS id FROM area_densities GROUP BY area_id) m ON d.rowid = m.id`).all() as AreaRow[];
    return new Map(rows.map((r) => [r.area_id, toArea(r)]));
  }

  async areaHistory(areaId: string, fromS: number, toS: number, limit = MAX_HISTORY_ROWS): Promise<AreaDensity[]> {
    return (prepared(this.db, 'SELECT * FROM area_densities WHERE area_id = ? AND to_s >= ? AND to_s <= ? ORDER BY to_s, rowid LIMIT ?').all(areaId, fromS, toS, limit) as AreaRow[]).map(toArea);
  }

  async purgeHistory(nowMs: number): Promise<PurgeResult> {
    return purgeSqlite(this.db, nowMs);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** One batch in one transaction (INSERT OR IGNORE: a stored window is a duplicate, not an error). */
export function commitSqlite(db: Database.Database, batch: WriteBatch): BatchResult {
  const insert = prepared(db, 'INSERT OR IGNORE INTO aggregates (sensor_id, seq, from_s, to_s, level, count, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const status = prepared(db, 'INSERT INTO statuses (sensor_id, status, received_at) VALUES (?, ?, ?) ON CONFLICT(sensor_id) DO UPDATE SET status = excluded.status, received_at = excluded.received_at');
  const area = prepared(db, 'INSERT INTO area_densities (area_id, from_s, to_s, level, count, sensors, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const seen = prepared(db, 'UPDATE sensors SET last_seen = ? WHERE id = ? AND (last_seen IS NULL OR last_seen < ?)');
  return db.transaction(() => {
    const fresh = batch.aggregates.map(({ aggregate: a, receivedAt }) => insert.run(a.sensor, a.seq, a.from, a.to, a.level, a.count, receivedAt).changes === 1);
    for (const s of batch.statuses) status.run(s.status.sensor, JSON.stringify(s.status), s.receivedAt);
    for (const { density: d, publishedAt } of batch.areaDensities) area.run(d.area, d.from, d.to, d.level, d.count, JSON.stringify(d.sensors), publishedAt);
    for (const s of batch.lastSeen) seen.run(s.at, s.sensorId, s.at);
    const stored = fresh.filter(Boolean).length;
    return { stored, duplicates: fresh.length - stored, fresh };
  })();
}

/** Retention (gateway/store/retention.ts): per sensor, its retentionDays or the default. */
export function purgeSqlite(db: Database.Database, nowMs: number): PurgeResult {
  const nowS = Math.floor(nowMs / 1000);
  return db.transaction(() => {
    // Per sensor, on the primary key (sensor_id, from_s): no pass over the whole table. (Every stored aggregate has a
    // register entry: entries are never deleted, and ingest stores nothing else.)
    const purge = prepared(db, 'DELETE FROM aggregates WHERE sensor_id = ? AND from_s < ? AND to_s < ?');
    let aggregates = 0;
    for (const s of prepared(db, 'SELECT id, retention_days FROM sensors').all() as Array<{ id: string; retention_days: number | null }>) {
      const cutoff = nowS - 86_400 * (s.retention_days ?? DEFAULT_RETENTION_DAYS);
      aggregates += purge.run(s.id, cutoff, cutoff).changes;
    }
    const areaDensities = prepared(db, `DELETE FROM area_densities WHERE to_s < @now - 86400 * COALESCE((SELECT MAX(COALESCE(retention_days, @def)) FROM sensors s WHERE s.area_id = area_densities.area_id), @def)`).run({ now: nowS, def: DEFAULT_RETENTION_DAYS }).changes;
    return { aggregates, areaDensities };
  })();
}

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;
