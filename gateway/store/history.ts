/**
 * What the gateway keeps over time, in SQLite (gateway/store/db.ts): every accepted aggregate, each sensor's latest
 * status, and every area density it published. Aggregates are open data (principle III); nothing here is more
 * detailed than what the sensors published.
 *
 * An aggregate is identified by its sensor and window start (`from`): within a sensor the window start is unique by
 * contract, so it is the dedupe key; `seq` is kept only to count lost aggregates. On start the latest aggregate per
 * sensor comes back from here, so window ordering, duplicate detection and the displays survive a gateway restart.
 */
import type Database from 'better-sqlite3';
import { prepared, SENSOR_HISTORY_SQL, WINDOW_START_BOUND } from './db.ts';
import { groupCommitOf, type GroupCommit, type RowLane } from './group-commit.ts';
import type { Level } from '../../shared/density.ts';
import type { Aggregate, AreaDensity, Status } from '../../shared/payloads.ts';

/** At most this many rows per history request. */
export const MAX_HISTORY_ROWS = 10_000;

type AggregateRow = { sensor_id: string; seq: number; from_s: number; to_s: number; level: number; count: number | null; received_at: number };
type AreaRow = { area_id: string; from_s: number; to_s: number; level: number; count: number | null; sensors: string; published_at: number };

const toAggregate = (r: AggregateRow): Aggregate => ({ v: 1, sensor: r.sensor_id, seq: r.seq, from: r.from_s, to: r.to_s, level: r.level as Level, count: r.count });
const toArea = (r: AreaRow): AreaDensity => ({ v: 1, area: r.area_id, level: r.level as Level, count: r.count, from: r.from_s, to: r.to_s, sensors: JSON.parse(r.sensors) as string[] });

export interface LatestAggregate {
  aggregate: Aggregate;
  receivedAt: number;
}

/**
 * Writes go through the database's group commit (gateway/store/group-commit.ts): many aggregates, one transaction. Every
 * read flushes what is queued first, so reads see every write made before them.
 */
export class History {
  readonly commits: GroupCommit;
  /** Aggregates are the hot path: queued as rows, inserted by one loop per batch (group-commit.ts, RowLane). */
  private readonly aggregateRows: RowLane<LatestAggregate>;

  constructor(readonly db: Database.Database) {
    this.commits = groupCommitOf(db);
    const insert = prepared(db, 'INSERT OR IGNORE INTO aggregates (sensor_id, seq, from_s, to_s, level, count, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.aggregateRows = {
      apply(rows) {
        for (const { aggregate: a, receivedAt } of rows) insert.run(a.sensor, a.seq, a.from, a.to, a.level, a.count, receivedAt);
      },
      toBatch(rows, batch) {
        for (const row of rows) batch.aggregates.push(row);
      },
    };
  }

  /** Queue an aggregate; resolves when it is committed (rejects when the batch could not be). */
  addAggregate(a: Aggregate, receivedAtMs: number): Promise<void> {
    return this.commits.addRow(this.aggregateRows, { aggregate: a, receivedAt: receivedAtMs });
  }

  /** Commit whatever is queued now (synchronously). */
  flush(): void {
    this.commits.flush();
  }

  /** The stored aggregate of a sensor for the window starting at `fromS`, if any. */
  aggregateAt(sensorId: string, fromS: number): Aggregate | null {
    this.flush();
    const row = prepared(this.db, 'SELECT * FROM aggregates WHERE sensor_id = ? AND from_s = ?').get(sensorId, fromS) as AggregateRow | undefined;
    return row ? toAggregate(row) : null;
  }

  /** The newest aggregate (latest window) of every sensor. */
  latestAggregates(): Map<string, LatestAggregate> {
    this.flush();
    const rows = prepared(this.db, `SELECT a.* FROM aggregates a JOIN (SELECT sensor_id, MAX(from_s) AS from_s FROM aggregates GROUP BY sensor_id) m
      ON a.sensor_id = m.sensor_id AND a.from_s = m.from_s`).all() as AggregateRow[];
    return new Map(rows.map((r) => [r.sensor_id, { aggregate: toAggregate(r), receivedAt: r.received_at }]));
  }

  /** A sensor's aggregates with windows ending in [fromS, toS], oldest first. */
  sensorHistory(sensorId: string, fromS: number, toS: number, limit = MAX_HISTORY_ROWS): Aggregate[] {
    this.flush();
    const rows = prepared(this.db, SENSOR_HISTORY_SQL).all({ id: sensorId, from: fromS, to: toS, limit }) as AggregateRow[];
    return rows.map(toAggregate);
  }

  setStatus(status: Status, receivedAtMs: number): Promise<void> {
    const upsert = prepared(this.db, 'INSERT INTO statuses (sensor_id, status, received_at) VALUES (?, ?, ?) ON CONFLICT(sensor_id) DO UPDATE SET status = excluded.status, received_at = excluded.received_at');
    const json = JSON.stringify(status);
    return this.commits.add(() => upsert.run(status.sensor, json, receivedAtMs), (b) => b.statuses.push({ status, receivedAt: receivedAtMs }));
  }

  statuses(): Map<string, { status: Status; receivedAt: number }> {
    this.flush();
    const rows = prepared(this.db, 'SELECT sensor_id, status, received_at FROM statuses').all() as Array<{ sensor_id: string; status: string; received_at: number }>;
    return new Map(rows.map((r) => [r.sensor_id, { status: JSON.parse(r.status) as Status, receivedAt: r.received_at }]));
  }

  addAreaDensity(d: AreaDensity, publishedAtMs: number): Promise<void> {
    const insert = prepared(this.db, 'INSERT INTO area_densities (area_id, from_s, to_s, level, count, sensors, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const sensors = JSON.stringify(d.sensors);
    return this.commits.add(() => insert.run(d.area, d.from, d.to, d.level, d.count, sensors, publishedAtMs), (b) => b.areaDensities.push({ density: d, publishedAt: publishedAtMs }));
  }

  /** The last published density of every area. */
  latestAreaDensities(): Map<string, AreaDensity> {
    this.flush();
    const rows = prepared(this.db, `SELECT d.* FROM area_densities d JOIN (SELECT area_id, MAX(rowid) AS id FROM area_densities GROUP BY area_id) m
      ON d.rowid = m.id`).all() as AreaRow[];
    return new Map(rows.map((r) => [r.area_id, toArea(r)]));
  }

  /** An area's published densities with windows ending in [fromS, toS], oldest first. */
  areaHistory(areaId: string, fromS: number, toS: number, limit = MAX_HISTORY_ROWS): AreaDensity[] {
    this.flush();
    const rows = prepared(this.db, 'SELECT * FROM area_densities WHERE area_id = ? AND to_s >= ? AND to_s <= ? ORDER BY to_s, rowid LIMIT ?').all(areaId, fromS, toS, limit) as AreaRow[];
    return rows.map(toArea);
  }

  /**
   * A sensor's aggregates in buckets of `bucketS` seconds over windows ending in (fromS, toS] (gateway/http/charts.ts):
   * per bucket the highest level and count, how many windows were below the k floor (level 0, no count), and the
   * last window's values. Plus the last window before the range, so a steady sensor's first buckets are not gaps.
   */
  sensorBuckets(sensorId: string, fromS: number, toS: number, bucketS: number): { buckets: BucketRow[]; before: BucketLast | null } {
    return this.buckets('aggregates', 'sensor_id', sensorId, fromS, toS, bucketS);
  }

  /** The same for an area's published densities. */
  areaBuckets(areaId: string, fromS: number, toS: number, bucketS: number): { buckets: BucketRow[]; before: BucketLast | null } {
    return this.buckets('area_densities', 'area_id', areaId, fromS, toS, bucketS);
  }

  private buckets(table: 'aggregates' | 'area_densities', key: 'sensor_id' | 'area_id', id: string, fromS: number, toS: number, bucketS: number) {
    this.flush();
    // Aggregates: on the primary key (sensor_id, from_s); area densities have their own (area_id, to_s) index.
    const onKey = table === 'aggregates' ? ` AND ${WINDOW_START_BOUND}` : '';
    const order = table === 'aggregates' ? 'from_s DESC' : 'to_s DESC, rowid DESC';
    const buckets = prepared(this.db, `SELECT b.i AS i, b.level AS level, b.count AS count, b.below AS below, b.n AS n, l.to_s AS lastTo, l.level AS lastLevel, l.count AS lastCount
      FROM (SELECT CAST((to_s - @from - 1) / @b AS INTEGER) AS i, MAX(level) AS level, MAX(count) AS count, SUM(count IS NULL AND level = 0) AS below, COUNT(*) AS n
            FROM ${table} WHERE ${key} = @id AND to_s > @from AND to_s <= @to${onKey} GROUP BY i) b
      JOIN (SELECT i, to_s, level, count FROM (SELECT CAST((to_s - @from - 1) / @b AS INTEGER) AS i, to_s, level, count, ROW_NUMBER() OVER (PARTITION BY CAST((to_s - @from - 1) / @b AS INTEGER) ORDER BY ${order}) AS rn
            FROM ${table} WHERE ${key} = @id AND to_s > @from AND to_s <= @to${onKey}) WHERE rn = 1) l ON l.i = b.i
      ORDER BY b.i`).all({ id, from: fromS, to: toS, b: bucketS }) as BucketRow[];
    const startsBefore = table === 'aggregates' ? ' AND from_s < @from' : '';
    const before = prepared(this.db, `SELECT to_s AS lastTo, level AS lastLevel, count AS lastCount FROM ${table} WHERE ${key} = @id AND to_s <= @from${startsBefore} ORDER BY ${order} LIMIT 1`).get({ id, from: fromS }) as BucketLast | undefined;
    return { buckets, before: before ?? null };
  }
}

export interface BucketLast {
  lastTo: number;
  lastLevel: number;
  lastCount: number | null;
}

export interface BucketRow extends BucketLast {
  /** Bucket index: the bucket covers windows ending in (from + i·b, from + (i+1)·b]. */
  i: number;
  level: number;
  count: number | null;
  /** Windows below the k floor (level 0, count null). */
  below: number;
  n: number;
}
