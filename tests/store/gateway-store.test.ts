/**
 * The gateway on each store engine: retention per purpose runs on the injected clock and timers and deletes, on
 * SQLite and on PostgreSQL (and its working copy), exactly the history past each sensor's retentionDays; the
 * register page and the API state the retention. On PostgreSQL, a register change made on one instance reaches
 * another instance's register (and its audit log, with the store's sequence numbers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { ManualTimers } from '../../shared/timers.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { aggregate, sensorInfo, T0, T0S } from '../gateway/helpers.ts';

const DAY = 86_400;
let postgres: TestPostgres;
const dirs: string[] = [];
const gateways: Gateway[] = [];
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const g of gateways) await g.stop();
  await postgres?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function gateway(store: { db: string } | { dataDir: string }, clock: ManualClock, timers: ManualTimers, sensors = [sensorInfo('keep-30', { retentionDays: 30, areaId: 'plein' }), sensorInfo('keep-default')], instance = 'one'): Promise<Gateway> {
  const gw = await startGateway({ ...store, instance, mqtt: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, clock, timers, logger: silentLogger(), sensors, retention: { intervalMs: 3_600_000 } });
  gateways.push(gw);
  return gw;
}

describe.each(['sqlite', 'postgres'] as const)('retention per purpose on %s', (engine) => {
  it('deletes what is past each sensor\'s retention, on the job\'s own schedule, and says so on the register page', async () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    let store: { db: string } | { dataDir: string };
    if (engine === 'postgres') store = { db: await postgres.createDatabase() };
    else {
      const dir = mkdtempSync(join(tmpdir(), 'drukte-retention-'));
      dirs.push(dir);
      store = { dataDir: dir };
    }
    const gw = await gateway(store, clock, timers);
    await gw.retention.run(); // the run at start (PostgreSQL: maybe still in flight; never two at once)
    const runs = gw.retention.totals.runs;
    const at = (sensor: string, daysAgo: number) => aggregate(sensor, 1, { from: T0S - daysAgo * DAY, to: T0S - daysAgo * DAY + 60 });
    await Promise.all([at('keep-30', 29), at('keep-30', 31), at('keep-default', 31), at('keep-default', 399)].map((a) => gw.history.addAggregate(a, T0)));
    gw.history.flush();
    await gw.history.commits.pending();
    expect(gw.history.sensorHistory('keep-30', 0, T0S)).toHaveLength(2);

    // The next run comes from the job's interval on the injected timers (no sleeping): 31 days is past 30.
    timers.advance(3_600_000);
    const r = await gw.retention.run();
    expect(gw.retention.totals.runs).toBe(runs + 1); // the hourly one
    expect(r).toEqual({ aggregates: 1, areaDensities: 0 });
    expect(gw.retention.totals.aggregates).toBe(1);
    expect(gw.history.sensorHistory('keep-30', 0, T0S).map((a) => a.from)).toEqual([T0S - 29 * DAY]);
    expect(gw.history.sensorHistory('keep-default', 0, T0S)).toHaveLength(2);
    if (engine === 'postgres') {
      const c = new pg.Client({ connectionString: (store as { db: string }).db });
      await c.connect();
      const rows = (await c.query('SELECT sensor_id, from_s FROM aggregates ORDER BY sensor_id, from_s')).rows.map((x) => `${x.sensor_id}@${(T0S - Number(x.from_s)) / DAY}`);
      await c.end();
      expect(rows).toEqual(['keep-30@29', 'keep-default@399', 'keep-default@31']);
    }
    // a day later the 399-day-old window of the default (400 days) goes too
    clock.advance(2 * DAY * 1000);
    await gw.retention.run();
    expect(gw.history.sensorHistory('keep-default', 0, T0S).map((a) => a.from)).toEqual([T0S - 31 * DAY]);

    const page = await (await fetch(`http://127.0.0.1:${gw.httpPort}/sensors/keep-30`)).text();
    expect(page).toMatch(/id="retention">30 dagen/);
    const list = (await (await fetch(`http://127.0.0.1:${gw.httpPort}/api/sensors`)).json()) as Array<{ id: string; retentionDays: number }>;
    expect(Object.fromEntries(list.map((s) => [s.id, s.retentionDays]))).toEqual({ 'keep-30': 30, 'keep-default': 400 });
  });
});

describe('two instances on one PostgreSQL', () => {
  it('a register change on one instance reaches the other: new sensor, suspension, audit log', async () => {
    const url = await postgres.createDatabase();
    const clock = new ManualClock(T0);
    const a = await gateway({ db: url }, clock, new ManualTimers(clock), [sensorInfo('reg-a')], 'a');
    const b = await gateway({ db: url }, clock, new ManualTimers(clock), [], 'b');
    expect(b.register.get('reg-a')?.id).toBe('reg-a'); // read from PostgreSQL at start
    const until = async (what: string, ok: () => boolean) => {
      for (let i = 0; i < 250 && !ok(); i++) await new Promise((r) => setTimeout(r, 20)); // NOTIFY is asynchronous: bounded wait
      if (!ok()) throw new Error(`instance B never saw ${what}`);
    };
    a.register.create(sensorInfo('reg-b', { retentionDays: 90 }));
    await until('the new sensor', () => b.register.get('reg-b') !== undefined);
    expect(b.register.get('reg-b')?.retentionDays).toBe(90);
    expect(a.register.suspend('reg-a', 'count-below-k')).toBe(true);
    await until('the suspension', () => b.register.view('reg-a')?.suspension !== null);
    expect(b.register.view('reg-a')?.suspension?.reason).toBe('count-below-k');
    await until('the audit row', () => b.register.audit('reg-a').length === 2);
    expect(b.register.audit('reg-a').map((e) => e.action)).toEqual(['register', 'suspend']);
    expect(b.register.audit('reg-a')).toEqual(a.register.audit('reg-a')); // the store's seqs on both
  });
});
