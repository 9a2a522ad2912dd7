/**
 * One contract, two engines: the same tests run against SQLite (a real file in a temp dir) and a real PostgreSQL
 * (tests/helpers/postgres.ts: Debian's postgresql, initdb in a temp dir, a free port). Register and audit log,
 * credentials, the group-committed history with its (sensor, window) key, statuses, area densities, retention.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Aggregate, AreaDensity, Status } from '../../shared/payloads.ts';
import type { SensorRecord } from '../../gateway/register.ts';
import { openDatabase } from '../../gateway/store/db.ts';
import { openPostgresStore, PG_MIGRATIONS } from '../../gateway/store/postgres.ts';
import { SqliteStore } from '../../gateway/store/sqlite-store.ts';
import { emptyBatch, type Store } from '../../gateway/store/store.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { sensorInfo, T0, T0S } from '../gateway/helpers.ts';

let postgres: TestPostgres;
const dirs: string[] = [];
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const engines: Array<[string, () => Promise<Store>]> = [
  ['sqlite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drukte-store-'));
    dirs.push(dir);
    return new SqliteStore(openDatabase(dir));
  }],
  ['postgres', async () => openPostgresStore(await postgres.createDatabase(), { instance: 'contract' })],
];

const record = (id: string, over: Partial<SensorRecord> = {}, info: Parameters<typeof sensorInfo>[1] = {}): SensorRecord => ({
  info: sensorInfo(id, info), lifecycle: 'active', registeredAt: T0, updatedAt: T0, retiredAt: null, retireReason: null, lastSeen: null, suspension: null, ...over,
});
const agg = (sensor: string, from: number, over: Partial<Aggregate> = {}): Aggregate => ({ v: 1, sensor, seq: from - T0S, from, to: from + 60, level: 2, count: 15, ...over });

describe.each(engines)('store contract on %s', (engine, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => store?.close());

  it('is at the newest schema version', async () => {
    expect(await store.schemaVersion()).toBeGreaterThan(0);
    if (engine === 'postgres') expect(await store.schemaVersion()).toBe(PG_MIGRATIONS.length);
  });

  it('keeps sensors whole, with their audit rows, in id order', async () => {
    const b = record('sensor-b', { lastSeen: T0 + 5, suspension: { reason: 'count-below-k', at: T0 + 9 } }, { retentionDays: 30, heartbeatSeconds: 600, areaId: 'plein' });
    const a = record('sensor-a');
    const seqs = await store.saveSensor(b, [{ sensorId: 'sensor-b', at: T0, action: 'register', fromOwner: null, toOwner: b.info.owner, note: 'first' }]);
    await store.saveSensor(a, [{ sensorId: 'sensor-a', at: T0, action: 'register', fromOwner: null, toOwner: a.info.owner, note: null }]);
    expect(seqs).toHaveLength(1);
    const all = await store.sensors();
    expect(all.map((r) => r.info.id)).toEqual(['sensor-a', 'sensor-b']);
    expect(all[1]).toEqual(b);
    expect(all[0]).toEqual(a);
    // update: same row, another audit row with a higher seq
    const retired = { ...b, lifecycle: 'retired' as const, retiredAt: T0 + 100, retireReason: 'moved' };
    const [seq2] = await store.saveSensor(retired, [{ sensorId: 'sensor-b', at: T0 + 100, action: 'retire', fromOwner: null, toOwner: null, note: 'moved' }]);
    expect(seq2!).toBeGreaterThan(seqs[0]!);
    expect((await store.sensors()).find((r) => r.info.id === 'sensor-b')).toEqual(retired);
    const audit = await store.audit('sensor-b');
    expect(audit.map((e) => [e.action, e.note])).toEqual([['register', 'first'], ['retire', 'moved']]);
    expect(audit[0]!.toOwner).toEqual(b.info.owner);
    expect(await store.appendAudit({ sensorId: 'sensor-a', at: T0 + 1, action: 'credential', fromOwner: null, toOwner: null, note: 'rotated' })).toBeGreaterThan(seq2!);
  });

  it('refuses to change or delete the audit log', async () => {
    if (engine === 'sqlite') {
      const db = (store as SqliteStore).db;
      expect(() => db.prepare("UPDATE register_audit SET note = 'x'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM register_audit').run()).toThrow(/append-only/);
    } else {
      const pool = (store as unknown as { pool: pg.Pool }).pool;
      await expect(pool.query("UPDATE register_audit SET note = 'x'")).rejects.toThrow(/append-only/);
      await expect(pool.query('DELETE FROM register_audit')).rejects.toThrow(/append-only/);
      await expect(pool.query('TRUNCATE register_audit')).rejects.toThrow(/append-only/);
    }
    expect(await store.audit('sensor-b')).toHaveLength(2);
  });

  it('keeps credentials by username', async () => {
    const hash = 'hmac-sha256$' + 'ab'.repeat(32);
    await store.setCredential({ username: 'sensor-a', role: 'sensor', hash, createdAt: T0, replacedHash: null });
    await store.setCredential({ username: 'feed', role: 'reader', hash, createdAt: T0 });
    expect(await store.credential('sensor-a')).toEqual({ username: 'sensor-a', role: 'sensor', hash, createdAt: T0, replacedHash: null });
    await store.setCredential({ username: 'sensor-a', role: 'sensor', hash: hash.replace('ab', 'cd'), createdAt: T0 + 1, replacedHash: 'old' });
    expect((await store.credential('sensor-a'))?.replacedHash).toBe('old');
    expect((await store.credentials()).map((c) => c.username)).toEqual(['feed', 'sensor-a']);
    expect(await store.deleteCredential('feed')).toBe(true);
    expect(await store.deleteCredential('feed')).toBe(false);
    expect(await store.credential('feed')).toBeUndefined();
  });

  it('stores a batch in one go; the same (sensor, window) again is a duplicate, not a second row', async () => {
    const batch = emptyBatch();
    for (let i = 0; i < 50; i++) batch.aggregates.push({ aggregate: agg('sensor-a', T0S + 60 * i), receivedAt: T0 + i });
    batch.aggregates.push({ aggregate: agg('sensor-a', T0S, { seq: 999, level: 4 }), receivedAt: T0 + 99 }); // redelivery within the batch
    const status: Status = { v: 1, sensor: 'sensor-a', state: 'starting', expiresAt: '2027-01-01', firmware: '0.1.0' } as unknown as Status;
    batch.statuses.push({ status, receivedAt: T0 }, { status: { ...status, state: 'fault' } as Status, receivedAt: T0 + 1 });
    batch.lastSeen.push({ sensorId: 'sensor-a', at: T0 + 50 });
    const r = await store.commit(batch);
    expect(r).toMatchObject({ stored: 50, duplicates: 1 });
    expect(r.fresh.slice(0, 50).every(Boolean)).toBe(true);
    expect(r.fresh[50]).toBe(false);
    // a whole batch redelivered (another gateway instance, a reconnect): nothing new
    const again = await store.commit({ ...emptyBatch(), aggregates: batch.aggregates.slice(10, 20) });
    expect(again).toMatchObject({ stored: 0, duplicates: 10 });
    expect(await store.aggregateAt('sensor-a', T0S)).toEqual(agg('sensor-a', T0S)); // the first one stays
    expect(await store.aggregateAt('sensor-a', T0S + 1)).toBeNull();
    const latest = await store.latestAggregates();
    expect(latest.get('sensor-a')).toEqual({ aggregate: agg('sensor-a', T0S + 60 * 49), receivedAt: T0 + 49 });
    const hist = await store.sensorHistory('sensor-a', T0S + 60 * 10 + 60, T0S + 60 * 12 + 60);
    expect(hist.map((a) => a.from)).toEqual([T0S + 600, T0S + 660, T0S + 720]);
    expect(await store.sensorHistory('sensor-a', 0, T0S * 2, 5)).toHaveLength(5);
    expect((await store.aggregatesSince(T0 + 45)).map((x) => x.receivedAt)).toEqual([T0 + 45, T0 + 46, T0 + 47, T0 + 48, T0 + 49]);
    expect((await store.statuses()).get('sensor-a')).toEqual({ status: { ...status, state: 'fault' }, receivedAt: T0 + 1 });
    expect((await store.sensors()).find((s) => s.info.id === 'sensor-a')?.lastSeen).toBe(T0 + 50);
  });

  it('keeps area densities in publication order', async () => {
    const d = (from: number, level: number): AreaDensity => ({ v: 1, area: 'plein', level: level as AreaDensity['level'], count: null, from, to: from + 60, sensors: ['sensor-b'] });
    await store.commit({ ...emptyBatch(), areaDensities: [{ density: d(T0S, 1), publishedAt: T0 }, { density: d(T0S + 60, 3), publishedAt: T0 + 60_000 }] });
    expect((await store.latestAreaDensities()).get('plein')).toEqual(d(T0S + 60, 3));
    expect(await store.areaHistory('plein', T0S, T0S + 1000)).toEqual([d(T0S, 1), d(T0S + 60, 3)]);
  });

  it('deletes history older than each sensor\'s retention, and nothing younger', async () => {
    // sensor-b keeps 30 days, sensor-a the default 400
    const day = 86_400;
    const old = T0S - 100 * day;
    await store.commit({ ...emptyBatch(), aggregates: [
      { aggregate: agg('sensor-b', old), receivedAt: T0 }, { aggregate: agg('sensor-b', T0S - 29 * day), receivedAt: T0 },
      { aggregate: agg('sensor-a', old), receivedAt: T0 }, { aggregate: agg('sensor-a', T0S - 401 * day), receivedAt: T0 },
    ] });
    const r = await store.purgeHistory(T0);
    expect(r.aggregates).toBe(2);
    expect(await store.aggregateAt('sensor-b', old)).toBeNull();
    expect(await store.aggregateAt('sensor-b', T0S - 29 * day)).not.toBeNull();
    expect(await store.aggregateAt('sensor-a', old)).not.toBeNull();
    expect(await store.aggregateAt('sensor-a', T0S - 401 * day)).toBeNull();
    // the area of sensor-b (30 days): its densities go 31 days later
    expect((await store.purgeHistory(T0 + 31 * day * 1000)).areaDensities).toBe(2);
    expect(await store.purgeHistory(T0 + 31 * day * 1000)).toEqual({ aggregates: 0, areaDensities: 0 });
  });
});
