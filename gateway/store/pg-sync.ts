/**
 * A gateway instance on PostgreSQL (`--db postgres://…`, docs/SCALING.md). PostgreSQL is the store of record,
 * shared by every instance; each instance keeps a working copy in an in-memory SQLite database, which the
 * synchronous readers (register, pages, API, charts, ingest's checks) read as they read the file on a single site.
 *
 * - Start: the schema is migrated; the register, audit log, credentials, statuses, area densities and the last
 *   `hydrateDays` of aggregates are copied into the working copy.
 * - Writes: the group commit commits each batch to PostgreSQL first (one transaction, ON CONFLICT DO NOTHING on
 *   (sensor, window)) and only then to the copy; the PUBACK waits for it (gateway/store/group-commit.ts). Register
 *   and credential changes are written to the copy (so errors and audit rows are immediate) and then to
 *   PostgreSQL, in order, one at a time.
 * - Other instances: PostgreSQL's NOTIFY, sent in the committing transaction and so delivered only after the
 *   commit, tells every instance of new aggregates (adopted by ingest: displays, SSE and the area feed see them)
 *   and of changed sensors (reloaded from PostgreSQL into the copy and the register). After a lost LISTEN
 *   connection the instance reconnects and catches up from the store.
 */
import type Database from 'better-sqlite3';
import pg from 'pg';
import type { Logger } from '../../shared/log.ts';
import type { Aggregate } from '../../shared/payloads.ts';
import type { Level } from '../../shared/density.ts';
import type { Timers } from '../../shared/timers.ts';
import type { CredentialStore } from '../credentials.ts';
import type { SqliteSensorRegister } from '../register.ts';
import { prepared } from './db.ts';
import { groupCommitOf } from './group-commit.ts';
import { CHANNEL_AGGREGATE, CHANNEL_REGISTER, type PostgresStore } from './postgres.ts';
import { RECORD_COLUMN_LIST, recordParams } from './sqlite-store.ts';
import type { AuditInput } from './store.ts';

/** Who takes in the aggregates another instance committed (ingest: displays, SSE and the area feed see them). */
export interface AggregateAdopter {
  adopt(aggregate: Aggregate, receivedAtMs: number): void;
}

/** Days of aggregates copied into the working copy at start (the charts' longest range). */
export const DEFAULT_HYDRATE_DAYS = 31;
const RECONNECT_MS = 1_000;

type AggregateTuple = [string, number, number, number, number, number | null, number];

/** Fill an empty working copy from the store of record. */
export async function hydrate(db: Database.Database, store: PostgresStore, sinceMs: number): Promise<void> {
  // The store of record keeps the audit log append-only; the copy must follow it (replace a sensor's rows).
  db.exec('DROP TRIGGER IF EXISTS register_audit_no_update; DROP TRIGGER IF EXISTS register_audit_no_delete;');
  const sensors = await store.sensors();
  const credentials = await store.credentials();
  const statuses = await store.statuses();
  const audits = (await store.pool.query('SELECT * FROM register_audit ORDER BY seq')).rows as Array<Record<string, unknown>>;
  const areas = (await store.pool.query('SELECT * FROM area_densities WHERE published_at >= $1 OR id IN (SELECT MAX(id) FROM area_densities GROUP BY area_id) ORDER BY id', [sinceMs])).rows as Array<Record<string, unknown>>;
  const aggregates = (await store.pool.query('(SELECT * FROM aggregates WHERE received_at >= $1) UNION (SELECT DISTINCT ON (sensor_id) * FROM aggregates ORDER BY sensor_id, from_s DESC)', [sinceMs])).rows as Array<Record<string, unknown>>;
  db.transaction(() => {
    const sensor = db.prepare(`INSERT OR REPLACE INTO sensors (${RECORD_COLUMN_LIST.join(', ')}) VALUES (${RECORD_COLUMN_LIST.map(() => '?').join(', ')})`);
    for (const r of sensors) sensor.run(...recordParams(r));
    const audit = db.prepare('INSERT OR REPLACE INTO register_audit (seq, sensor_id, at, action, from_owner, to_owner, note) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const a of audits) audit.run(a.seq, a.sensor_id, a.at, a.action, a.from_owner, a.to_owner, a.note);
    const cred = db.prepare('INSERT OR REPLACE INTO credentials (username, role, hash, created_at, replaced_hash) VALUES (?, ?, ?, ?, ?)');
    for (const c of credentials) cred.run(c.username, c.role, c.hash, c.createdAt, c.replacedHash ?? null);
    const status = db.prepare('INSERT OR REPLACE INTO statuses (sensor_id, status, received_at) VALUES (?, ?, ?)');
    for (const [id, s] of statuses) status.run(id, JSON.stringify(s.status), s.receivedAt);
    const area = db.prepare('INSERT INTO area_densities (area_id, from_s, to_s, level, count, sensors, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const d of areas) area.run(d.area_id, d.from_s, d.to_s, d.level, d.count, d.sensors, d.published_at);
    const agg = db.prepare('INSERT OR IGNORE INTO aggregates (sensor_id, seq, from_s, to_s, level, count, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const a of aggregates) agg.run(a.sensor_id, a.seq, a.from_s, a.to_s, a.level, a.count, a.received_at);
  })();
}

export interface PgSyncOptions {
  db: Database.Database;
  store: PostgresStore;
  register: SqliteSensorRegister;
  credentials: CredentialStore;
  logger: Logger;
  timers: Timers;
}

export class PgSync {
  private listener: pg.Client | null = null;
  private stopped = false;
  private queue: Promise<void> = Promise.resolve();
  private ingest: AggregateAdopter | null = null;
  private reconnect: unknown = null;
  /** The newest receivedAt seen in a notification: where a catch-up after a lost LISTEN connection starts. */
  private horizon = 0;
  private readonly log: Logger;
  private readonly offs: Array<() => void> = [];
  /** Aggregates adopted from other instances (for /api/health and tests). */
  adopted = 0;

  constructor(private readonly o: PgSyncOptions) {
    this.log = o.logger.child({ module: 'pg-sync' });
    groupCommitOf(o.db).commitTo((batch) => o.store.commit(batch));
    this.offs.push(o.register.onChange((id, audit) => this.enqueue(() => this.pushSensor(id, audit))));
    o.credentials.onChange = (username) => this.enqueue(() => this.pushCredential(username));
  }

  /** Listen for the other instances' changes; `ingest` adopts their aggregates. */
  async start(ingest: AggregateAdopter): Promise<void> {
    this.ingest = ingest;
    this.horizon = Date.now();
    await this.listen();
  }

  /** Resolves when every register and credential change made here has reached PostgreSQL. */
  async settled(): Promise<void> {
    await this.queue;
  }

  private enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'a register or credential change did not reach PostgreSQL: it stays in this instance only until it is made again'));
  }

  private async pushSensor(id: string, audit: AuditInput[]): Promise<void> {
    const record = this.o.register.record(id);
    if (!record) return;
    await this.o.store.saveSensor(record, audit);
    if (audit.length) this.copyAudit(id, await this.o.store.audit(id)); // the store's seqs, not the copy's
  }

  private async pushCredential(username: string): Promise<void> {
    const c = this.o.credentials.get(username);
    if (c) await this.o.store.setCredential(c);
    else await this.o.store.deleteCredential(username);
  }

  private copyAudit(id: string, rows: Awaited<ReturnType<PostgresStore['audit']>>): void {
    const db = this.o.db;
    db.transaction(() => {
      prepared(db, 'DELETE FROM register_audit WHERE sensor_id = ?').run(id);
      const insert = prepared(db, 'INSERT OR REPLACE INTO register_audit (seq, sensor_id, at, action, from_owner, to_owner, note) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const a of rows) insert.run(a.seq, a.sensorId, a.at, a.action, a.fromOwner ? JSON.stringify(a.fromOwner) : null, a.toOwner ? JSON.stringify(a.toOwner) : null, a.note);
    })();
  }

  /** Another instance changed a sensor: copy its record and audit rows, then reload it in the register. */
  private async pullSensor(id: string): Promise<void> {
    const record = await this.o.store.sensor(id);
    if (!record) return;
    const audit = await this.o.store.audit(id);
    const db = this.o.db;
    prepared(db, `INSERT OR REPLACE INTO sensors (${RECORD_COLUMN_LIST.join(', ')}) VALUES (${RECORD_COLUMN_LIST.map(() => '?').join(', ')})`).run(...recordParams(record));
    this.copyAudit(id, audit);
    this.o.register.reload(id);
  }

  private adopt(rows: AggregateTuple[]): void {
    const db = this.o.db;
    const insert = prepared(db, 'INSERT OR IGNORE INTO aggregates (sensor_id, seq, from_s, to_s, level, count, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const list: Array<{ aggregate: Aggregate; receivedAt: number }> = rows.map(([sensor, seq, from, to, level, count, receivedAt]) => ({ aggregate: { v: 1, sensor, seq, from, to, level: level as Level, count }, receivedAt }));
    db.transaction(() => {
      for (const { aggregate: a, receivedAt } of list) insert.run(a.sensor, a.seq, a.from, a.to, a.level, a.count, receivedAt);
    })();
    for (const { aggregate, receivedAt } of list) {
      this.horizon = Math.max(this.horizon, receivedAt);
      this.adopted++;
      this.ingest?.adopt(aggregate, receivedAt);
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.o.store.url, application_name: 'drukte-gateway-listen' });
    client.on('error', (err) => this.log.warn({ err: err.message }, 'PostgreSQL LISTEN connection lost; reconnecting'));
    client.on('end', () => {
      if (this.listener === client) this.listener = null;
      if (!this.stopped) this.reconnect = this.o.timers.setTimeout(() => void this.relisten(), RECONNECT_MS);
    });
    client.on('notification', (n) => {
      try {
        const msg = JSON.parse(n.payload ?? '{}') as { from?: string; id?: string; a?: AggregateTuple[] };
        if (msg.from === this.o.store.instance) return;
        if (n.channel === CHANNEL_AGGREGATE && Array.isArray(msg.a)) this.adopt(msg.a);
        else if (n.channel === CHANNEL_REGISTER && typeof msg.id === 'string') this.enqueue(() => this.pullSensor(msg.id!));
      } catch (err) {
        this.log.error({ err: (err as Error).message, channel: n.channel }, 'could not apply a change from another instance');
      }
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL_AGGREGATE}; LISTEN ${CHANNEL_REGISTER}`);
    this.listener = client;
  }

  /** After a lost LISTEN connection: listen again, then catch up on what was stored meanwhile. */
  private async relisten(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.listen();
      const since = this.horizon - 60_000;
      const missed = await this.o.store.aggregatesSince(since);
      this.adopt(missed.map(({ aggregate: a, receivedAt }) => [a.sensor, a.seq, a.from, a.to, a.level, a.count, receivedAt]));
      for (const r of await this.o.store.sensors()) if (r.updatedAt >= since) await this.pullSensor(r.info.id);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'PostgreSQL still unreachable; retrying');
      if (!this.stopped) this.reconnect = this.o.timers.setTimeout(() => void this.relisten(), RECONNECT_MS);
    }
  }

  /** Stop listening; the last group commit and register changes reach PostgreSQL first. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.o.timers.clearTimeout(this.reconnect);
    await groupCommitOf(this.o.db).drain();
    await this.settled();
    for (const off of this.offs) off();
    this.o.credentials.onChange = null;
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => undefined);
  }
}
