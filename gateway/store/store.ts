/**
 * One store interface, two engines (docs/SCALING.md): SQLite (gateway/store/sqlite-store.ts, the embedded default,
 * one file on the gateway's disk) and PostgreSQL (gateway/store/postgres.ts, shared by several gateway instances).
 * Both hold the same tables under the same versioned schema: the register and its append-only audit log,
 * credentials, aggregates (unique per sensor and window start), statuses and area densities.
 *
 * The interface is asynchronous because PostgreSQL is; the hot path stays one transaction per batch (commit()), and
 * a batch's promise settles only when the engine has committed it, so a PUBACK released after it still means
 * "stored". A row already stored (same sensor, same window) is not an error: it is counted as a duplicate, which is
 * what a broker redelivering an unacknowledged message produces.
 */
import type { Level } from '../../shared/density.ts';
import type { Aggregate, AreaDensity, Status } from '../../shared/payloads.ts';
import type { StoredCredential } from '../credentials.ts';
import type { AuditEntry, AuditInput, SensorRecord } from '../register.ts';

export type Engine = 'sqlite' | 'postgres';

/** History is kept this many days unless the sensor's manifest says otherwise (retentionDays). */
export { DEFAULT_RETENTION_DAYS } from '../../shared/schema/rules.ts';
import { DEFAULT_RETENTION_DAYS } from '../../shared/schema/rules.ts';

export interface LatestAggregate {
  aggregate: Aggregate;
  receivedAt: number;
}

export { emptyBatch, type BatchResult, type WriteBatch } from './batch.ts';
import type { BatchResult, WriteBatch } from './batch.ts';
export type { AuditInput } from '../register.ts';


export interface PurgeResult {
  aggregates: number;
  areaDensities: number;
}

export interface Store {
  readonly engine: Engine;
  /** The schema version the database is at (the engine's newest after open). */
  schemaVersion(): Promise<number>;

  /** Every sensor (retired ones too), ordered by id. */
  sensors(): Promise<SensorRecord[]>;
  /** Write a sensor's whole record and, in the same transaction, append its audit rows; returns their seqs. */
  saveSensor(record: SensorRecord, audit: AuditInput[]): Promise<number[]>;
  /** Append to the audit log (append-only: no engine lets a row be changed or deleted). */
  appendAudit(entry: AuditInput): Promise<number>;
  audit(sensorId: string): Promise<AuditEntry[]>;

  credential(username: string): Promise<StoredCredential | undefined>;
  credentials(): Promise<StoredCredential[]>;
  setCredential(c: StoredCredential): Promise<void>;
  deleteCredential(username: string): Promise<boolean>;

  /** The hot path: every write of a batch in one transaction. */
  commit(batch: WriteBatch): Promise<BatchResult>;
  aggregateAt(sensorId: string, fromS: number): Promise<Aggregate | null>;
  latestAggregates(): Promise<Map<string, LatestAggregate>>;
  /** A sensor's aggregates with windows ending in [fromS, toS], oldest first. */
  sensorHistory(sensorId: string, fromS: number, toS: number, limit?: number): Promise<Aggregate[]>;
  /** Aggregates received at or after `sinceMs` (all sensors), oldest first: a read model catching up. */
  aggregatesSince(sinceMs: number, limit?: number): Promise<Array<{ aggregate: Aggregate; receivedAt: number }>>;
  statuses(): Promise<Map<string, { status: Status; receivedAt: number }>>;
  latestAreaDensities(): Promise<Map<string, AreaDensity>>;
  areaHistory(areaId: string, fromS: number, toS: number, limit?: number): Promise<AreaDensity[]>;
  /**
   * Delete history older than its sensor's retention (retentionDays, default DEFAULT_RETENTION_DAYS) at `nowMs`:
   * aggregates by their window's end; an area's densities by the longest retention among its sensors.
   */
  purgeHistory(nowMs: number): Promise<PurgeResult>;
  close(): Promise<void>;
}

export const MAX_HISTORY_ROWS = 10_000;

export type AggregateRow = { sensor_id: string; seq: number; from_s: number; to_s: number; level: number; count: number | null; received_at: number };
export type AreaRow = { area_id: string; from_s: number; to_s: number; level: number; count: number | null; sensors: string; published_at: number };

export const toAggregate = (r: AggregateRow): Aggregate => ({ v: 1, sensor: r.sensor_id, seq: Number(r.seq), from: Number(r.from_s), to: Number(r.to_s), level: Number(r.level) as Level, count: r.count === null ? null : Number(r.count) });
export const toArea = (r: AreaRow): AreaDensity => ({ v: 1, area: r.area_id, level: Number(r.level) as Level, count: r.count === null ? null : Number(r.count), from: Number(r.from_s), to: Number(r.to_s), sensors: JSON.parse(r.sensors) as string[] });

/** Seconds of history a sensor keeps. */
export const retentionSeconds = (days: number | null | undefined): number => (days ?? DEFAULT_RETENTION_DAYS) * 86_400;
