/**
 * The SensorRegister contract, run against SQLite in memory and SQLite in a real file; the file survives a
 * restart (of the database and of the whole gateway); the audit trail is append-only; migrations are versioned.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { validateManifest } from '../../shared/manifest.ts';
import { DATABASE_FILE, MIGRATIONS, openDatabase } from '../../gateway/store/db.ts';
import { InvalidSensorInfo, RegisterError, registerStatus, sensorInfoFromManifest, SqliteSensorRegister, validateSensorInfo, type SensorRegister } from '../../gateway/register.ts';
import { aggregate, encodeAggregate, sensorInfo, startTestGateway, T0, T0S } from './helpers.ts';
import { aggregateTopic } from '../../shared/topics.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'drukte-register-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const implementations: Array<[string, () => SensorRegister]> = [
  ['sqlite in memory', () => new SqliteSensorRegister(openDatabase(null), new ManualClock(T0))],
  ['sqlite file', () => new SqliteSensorRegister(openDatabase(tempDir()), new ManualClock(T0))],
];

const NEW_OWNER = { name: 'Afdeling Evenementen', organisation: 'Veiligheidsregio Voorbeeld', email: 'events@vr-voorbeeld.nl' };

describe.each(implementations)('SensorRegister contract: %s', (_name, make) => {
  it('is empty at first', () => {
    const r = make();
    expect(r.list()).toEqual([]);
    expect(r.get('dam-noord')).toBeUndefined();
  });

  it('upserts, gets and lists by id, with every field as given', () => {
    const r = make();
    r.upsert(sensorInfo('dam-zuid'));
    r.upsert(sensorInfo('dam-noord', { areaId: 'dam', minimiserHash: 'c'.repeat(64) }));
    r.upsert(sensorInfo('dam-noord', { areaId: 'dam', minimiserHash: 'c'.repeat(64), purpose: 'Queue length at the tram stop' }));
    expect(r.list().map((s) => s.id)).toEqual(['dam-noord', 'dam-zuid']);
    expect(r.get('dam-noord')).toEqual(sensorInfo('dam-noord', { areaId: 'dam', minimiserHash: 'c'.repeat(64), purpose: 'Queue length at the tram stop' }));
    expect(r.get('dam-zuid')).toEqual(sensorInfo('dam-zuid'));
    r.upsert(sensorInfo('dam-zuid')); // unchanged (a restart with the same manifests): nothing to record
    expect(r.audit('dam-zuid').map((a) => a.action)).toEqual(['register']);
    expect(r.audit('dam-noord').map((a) => a.action)).toEqual(['register', 'update']);
  });

  it('hands out copies: callers cannot change the register behind its back', () => {
    const r = make();
    const info = sensorInfo('dam-noord');
    r.upsert(info);
    info.purpose = 'changed';
    r.get('dam-noord')!.owner.email = 'x@y.z';
    expect(r.get('dam-noord')?.purpose).toBe(sensorInfo('dam-noord').purpose);
    expect(r.get('dam-noord')?.owner.email).toBe('drukte@voorbeeld.nl');
  });

  it('refuses a sensor without owner, purpose, legal ground or expiry, naming every problem', () => {
    const r = make();
    const bad = { ...sensorInfo('dam-noord'), owner: { name: '', organisation: '', email: '' }, purpose: '', legalGround: ' ', expiresAt: '2025-13-01' };
    expect(() => r.upsert(bad)).toThrow(InvalidSensorInfo);
    try {
      r.upsert(bad);
    } catch (err) {
      expect((err as InvalidSensorInfo).errors).toEqual([
        'dam-noord: owner needs a name and an organisation',
        'dam-noord: purpose is required',
        'dam-noord: legalGround is required',
        'dam-noord: expiresAt must be a date YYYY-MM-DD',
      ]);
    }
    expect(r.list()).toEqual([]);
  });

  it('creates once, changes the owner only by a transfer, and keeps the handover in the audit trail', () => {
    const r = make();
    r.create(sensorInfo('dam-noord'));
    expect(() => r.create(sensorInfo('dam-noord'))).toThrow(RegisterError);
    expect(() => r.update(sensorInfo('dam-noord', { owner: NEW_OWNER }))).toThrow(expect.objectContaining({ code: 'owner-change' }));
    const t = r.transfer('dam-noord', NEW_OWNER, 'event season');
    expect(t).toMatchObject({ action: 'transfer', fromOwner: sensorInfo('dam-noord').owner, toOwner: NEW_OWNER, at: T0, note: 'event season' });
    expect(r.get('dam-noord')?.owner).toEqual(NEW_OWNER);
    expect(r.audit('dam-noord').map((a) => a.action)).toEqual(['register', 'transfer']);
  });

  it('retires: the record stays, marked retired; a retired sensor cannot be changed or re-registered', () => {
    const r = make();
    r.create(sensorInfo('dam-noord'));
    r.retire('dam-noord', 'lamp post replaced');
    expect(r.record('dam-noord')).toMatchObject({ lifecycle: 'retired', retiredAt: T0, retireReason: 'lamp post replaced' });
    expect(registerStatus(r.record('dam-noord')!, T0)).toBe('retired');
    expect(() => r.update(sensorInfo('dam-noord'))).toThrow(expect.objectContaining({ code: 'retired' }));
    expect(() => r.transfer('dam-noord', NEW_OWNER)).toThrow(expect.objectContaining({ code: 'retired' }));
    expect(() => r.create(sensorInfo('dam-noord'))).toThrow(expect.objectContaining({ code: 'exists' }));
    expect(() => r.retire('nope-nope', 'x')).toThrow(expect.objectContaining({ code: 'not-found' }));
  });
});

describe('SQLite register on disk', () => {
  it('survives closing and reopening the database, with its audit trail', () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const db = openDatabase(dir);
    const r = new SqliteSensorRegister(db, clock);
    r.create(sensorInfo('dam-noord', { areaId: 'dam' }));
    r.transfer('dam-noord', NEW_OWNER);
    r.markSeen('dam-noord', T0 + 5000);
    db.close();
    const again = new SqliteSensorRegister(openDatabase(dir), clock);
    expect(again.get('dam-noord')).toEqual(sensorInfo('dam-noord', { areaId: 'dam', owner: NEW_OWNER }));
    expect(again.record('dam-noord')).toMatchObject({ lifecycle: 'active', registeredAt: T0, lastSeen: T0 + 5000 });
    expect(again.audit('dam-noord').map((a) => a.action)).toEqual(['register', 'transfer']);
  });

  it('keeps a suspension across a restart; only resume() lifts it, both in the append-only audit trail', () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const r = new SqliteSensorRegister(openDatabase(dir), clock);
    r.create(sensorInfo('dam-noord'));
    expect(r.suspend('dam-noord', 'count-below-k')).toBe(true);
    expect(r.suspend('dam-noord', 'window-back')).toBe(false); // the first reason stays
    const again = new SqliteSensorRegister(openDatabase(dir), clock);
    expect(again.record('dam-noord')?.suspension).toEqual({ reason: 'count-below-k', at: T0 });
    expect(() => again.resume('dam-noord', ' ')).toThrow(/note/);
    again.resume('dam-noord', 'reflashed');
    expect(again.record('dam-noord')?.suspension).toBeNull();
    expect(() => again.resume('dam-noord', 'twice')).toThrow(expect.objectContaining({ code: 'not-suspended' }));
    expect(again.audit('dam-noord').map((a) => [a.action, a.note])).toEqual([['register', null], ['suspend', 'count-below-k'], ['resume', 'resumed after count-below-k: reflashed']]);
  });

  it('migrates a version 1 database: windows become the key (a forged repeat keeps the first), the audit trail keeps its rows', () => {
    const dir = tempDir();
    const v1 = new Database(join(dir, DATABASE_FILE));
    v1.exec(MIGRATIONS[0]!);
    v1.pragma('user_version = 1');
    // A v1 register row and its audit entry, as a v1 gateway wrote them (today's register writes later columns).
    const i = sensorInfo('dam-noord');
    v1.prepare(`INSERT INTO sensors (id, driver, owner_name, owner_organisation, owner_email, purpose, legal_ground, dpia_ref, lat, lon, location_description,
      area_m2, expires_at, register_url, k_floor, window_seconds, granularity, output, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(i.id, i.driver, i.owner.name, i.owner.organisation, i.owner.email, i.purpose, i.legalGround, i.dpiaRef, i.location.lat, i.location.lon, i.location.description,
        i.area.m2, i.expiresAt, i.registerUrl, i.kFloor, i.windowSeconds ?? null, i.granularity ?? null, i.output ?? null, T0, T0);
    v1.prepare("INSERT INTO register_audit (sensor_id, at, action, to_owner) VALUES (?, ?, 'register', ?)").run(i.id, T0, JSON.stringify(i.owner));
    const insert = v1.prepare('INSERT INTO aggregates (sensor_id, seq, from_s, to_s, level, count, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    insert.run('dam-noord', 1, T0S - 60, T0S, 3, 12, T0);
    insert.run('dam-noord', 2, T0S - 60, T0S, 0, 1, T0); // three aggregates for one window were all stored before
    insert.run('dam-noord', 3, T0S - 60, T0S, 0, 2, T0);
    v1.close();
    const db = openDatabase(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare('SELECT seq, count FROM aggregates').all()).toEqual([{ seq: 1, count: 12 }]);
    const r = new SqliteSensorRegister(db, new ManualClock(T0));
    expect(r.audit('dam-noord').map((a) => a.action)).toEqual(['register']);
    expect(r.record('dam-noord')?.suspension).toBeNull();
    expect(() => db.prepare('DELETE FROM register_audit').run()).toThrow(/append-only/);
  });

  it('uses WAL, records its schema version, and refuses a database from a newer gateway', () => {
    const dir = tempDir();
    const db = openDatabase(dir);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(dir)).toThrow(/newer than this gateway knows/);
  });

  it('keeps the audit trail append-only, even for SQL run by hand', () => {
    const dir = tempDir();
    const r = new SqliteSensorRegister(openDatabase(dir), new ManualClock(T0));
    r.create(sensorInfo('dam-noord'));
    const raw = new Database(join(dir, DATABASE_FILE));
    expect(() => raw.prepare('UPDATE register_audit SET note = ?').run('rewritten')).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM register_audit').run()).toThrow(/append-only/);
    raw.close();
  });

  it('a whole gateway restarted on the same data directory keeps sensors, credentials, history and seq', async () => {
    const dataDir = tempDir();
    const first = await startTestGateway([sensorInfo('dam-noord')], { dataDir });
    const c = await first.connectSensor('dam-noord');
    await c.publishAsync(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 4, { count: 15, level: 4 })), { qos: 1 });
    await expect.poll(() => first.gw.ingest.stats().accepted.aggregate).toBe(1);
    await c.endAsync();
    await first.gw.stop();

    const second = await startTestGateway([], { dataDir, credentials: [] }); // nothing passed in: all from the file
    try {
      expect(second.gw.register.get('dam-noord')).toEqual(sensorInfo('dam-noord'));
      expect(((await (await fetch(`${second.base}/api/sensors/dam-noord`)).json()) as { latest: unknown }).latest).toEqual(aggregate('dam-noord', 4, { count: 15, level: 4 }));
      const again = await second.connectSensor('dam-noord'); // the credential came from the file
      await again.publishAsync(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 4, { count: 15, level: 4 })), { qos: 1 });
      await expect.poll(() => second.gw.ingest.stats().rejected).toEqual({ duplicate: 1 });
      await again.endAsync();
    } finally {
      await second.gw.stop();
    }
  });
});

describe('sensorInfoFromManifest', () => {
  it('takes the public parts of a validated manifest', () => {
    const m = validateManifest(
      {
        id: 'dam-noord',
        driver: 'ld2450',
        owner: { name: 'Team OR', organisation: 'Gemeente Voorbeeld', email: 'drukte@voorbeeld.nl' },
        purpose: 'Crowd safety on the square during events',
        legalGround: 'AVG art. 6(1)(e)',
        dpiaRef: 'DPIA-1',
        location: { lat: 52.37, lon: 4.89, description: 'Dam north' },
        area: { m2: 40, zone: [[-2000, 0], [2000, 0], [2000, 6000], [-2000, 6000]] },
        expiresAt: '2026-01-01',
        registerUrl: 'https://register.voorbeeld.nl/sensors/dam-noord',
        gatewayUrl: 'mqtts://gateway.voorbeeld.nl:8883',
      },
      T0,
    );
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    const info = sensorInfoFromManifest(m.manifest);
    expect(validateSensorInfo(info)).toEqual([]);
    expect(info).toMatchObject({ id: 'dam-noord', area: { m2: 40 }, kFloor: 5, windowSeconds: 60, granularity: 5, output: 'level+count' });
    expect(JSON.stringify(info)).not.toContain('zone');
    expect(JSON.stringify(info)).not.toContain('gatewayUrl');
  });
});
