/**
 * issue 15, must-haves 2 and 3: a real mosquitto, two gateway instances (child processes, so SIGKILL is real) on one
 * real PostgreSQL, 200 simulated sensors. Ingest is a shared subscription, so the instances split the messages; a
 * live stream on instance B shows what instance A ingested; one instance is killed with SIGKILL mid-stream and
 * restarted under the same name (as its service manager would), and every aggregate a sensor got a PUBACK for is
 * then stored exactly once, with no sensor suspended for a redelivery.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeSensorPayload } from '../../shared/codec.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { freePort, MOSQUITTO, sseEvents } from '../../bench/harness/net.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

const PREFIX = 'two';
const SENSORS = 200;
const WINDOWS = 12; // per sensor in the kill phase
const IN_FLIGHT = 4; // per sensor
const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('../../bench/scale/instance.ts', import.meta.url));


const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

function startInstance(config: object): Promise<{ child: ChildProcess; httpPort: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve({ child, httpPort: Number(m[1]) });
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`gateway instance exited (${code}):\n${out}`)));
  });
}

let postgres: TestPostgres;
let dbUrl: string;
let brokerUrl: string;
let broker: ChildProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'drukte-two-'));
const instances = new Map<string, ChildProcess>();
let sensors: MqttClient[] = [];

beforeAll(async () => {
  if (!MOSQUITTO) throw new Error('mosquitto is not installed: this test needs it (apt-get install mosquitto; .ci/run does it)');
  postgres = await startPostgres();
  dbUrl = await postgres.createDatabase();
  const port = await freePort();
  brokerUrl = `mqtt://127.0.0.1:${port}`;
  // The broker of a city, reduced to what this test needs: anonymous on loopback (the ACLs are tested in
  // tests/gateway/external-broker.test.ts), an instance's queue unbounded while it restarts.
  writeFileSync(join(dir, 'mosquitto.conf'), [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false',
    'max_queued_messages 0', 'max_inflight_messages 200', 'log_dest none'].join('\n'));
  broker = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const c = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0, connectTimeout: 500 }).catch(() => null);
    if (c) {
      await c.endAsync();
      break;
    }
    await new Promise((r) => setTimeout(r, 50)); // mosquitto starting: not a timing assertion
  }
}, 60_000);

afterAll(async () => {
  for (const s of sensors) s.end(true);
  for (const child of instances.values()) {
    child.kill('SIGKILL');
    await exited(child);
  }
  broker?.kill();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const config = (instance: string) => ({ broker: brokerUrl, db: dbUrl, instance, prefix: PREFIX, sensors: SENSORS });

/** The aggregate events of GET /api/stream, as they come. */
async function stream(httpPort: number): Promise<{ events: Array<{ sensor: string; from: number }>; wait(sensor: string, from: number, ms: number): Promise<void>; close(): void }> {
  const events: Array<{ sensor: string; from: number }> = [];
  const waiters = new Set<() => void>();
  const close = await sseEvents(httpPort, (e) => {
    if (e.event !== 'aggregate') return;
    const data = JSON.parse(e.data) as { sensor: string; from: number };
    events.push({ sensor: data.sensor, from: data.from });
    for (const w of waiters) w();
  });
  return {
    events,
    close,
    wait: (sensor, from, ms) => new Promise<void>((ok, fail) => {
      const check = () => {
        if (!events.some((e) => e.sensor === sensor && e.from === from)) return;
        waiters.delete(check);
        clearTimeout(t);
        ok();
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        fail(new Error(`instance B did not show ${sensor}@${from} within ${ms} ms`));
      }, ms);
      waiters.add(check);
      check();
    }),
  };
}

async function health(httpPort: number): Promise<{ store: { adopted?: number; duplicates: number } }> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/api/health`);
  return (await res.json()) as { store: { adopted?: number; duplicates: number } };
}

it.skipIf(!MOSQUITTO)(`two instances on one PostgreSQL, ${SENSORS} sensors: B streams what A ingested; kill -9 of A loses and doubles nothing`, async () => {
  const a = await startInstance(config('a'));
  instances.set('a', a.child);
  const b = await startInstance(config('b'));
  instances.set('b', b.child);
  const t0 = Math.floor(Date.now() / 1000 / 60) * 60 - 2 * 86_400; // windows in the past, on the 60 s grid
  const acked = new Set<string>();
  sensors = await Promise.all(Array.from({ length: SENSORS }, (_, i) => mqtt.connectAsync(brokerUrl, { clientId: `sensor-${PREFIX}-${i}`, reconnectPeriod: 500, clean: true })));
  const publish = (i: number, k: number) => {
    const id = `${PREFIX}-${i}`;
    const from = t0 + 60 * k;
    return sensors[i]!.publishAsync(aggregateTopic(id), encodeSensorPayload('aggregate', { v: 1, sensor: id, seq: k + 1, from, to: from + 60, level: 2, count: 7 }), { qos: 1 })
      .then(() => void acked.add(`${id}@${from}`));
  };

  // 3: a live stream on B shows each aggregate within 1 s of its PUBACK, whichever instance ingested it.
  const live = await stream(b.httpPort);
  for (let i = 0; i < 20; i++) {
    await publish(i, 0);
    await live.wait(`${PREFIX}-${i}`, t0, 1000);
  }
  live.close();
  expect((await health(b.httpPort)).store.adopted).toBeGreaterThan(0); // some of them came from A

  // 2: every sensor publishes WINDOWS more windows, IN_FLIGHT at a time; A is killed at the 800th PUBACK.
  let n = 0;
  let killA!: () => void;
  const killed = new Promise<void>((r) => (killA = r));
  const runSensor = async (i: number) => {
    let k = 1;
    const inFlight = new Set<Promise<void>>();
    while (k <= WINDOWS) {
      while (inFlight.size < IN_FLIGHT && k <= WINDOWS) {
        const p = publish(i, k++).then(() => {
          inFlight.delete(p);
          if (++n === 800) killA();
        });
        inFlight.add(p);
      }
      await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  };
  const all = Promise.all(Array.from({ length: SENSORS }, (_, i) => runSensor(i)));
  await killed;
  a.child.kill('SIGKILL');
  await exited(a.child);
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const storedNow = async () => new Set((await client.query<{ sensor_id: string; from_s: string }>('SELECT sensor_id, from_s FROM aggregates')).rows.map((r) => `${r.sensor_id}@${r.from_s}`));
  // While A is down, the broker holds A's share (in flight when it died, and new) in A's session: acknowledged to
  // the sensors, not yet stored. The restart under the same name is what brings them in.
  const beforeRestart = await storedNow();
  expect([...acked].filter((k) => !beforeRestart.has(k)).length).toBeGreaterThan(0);
  const a2 = await startInstance(config('a')); // the same name: the broker's session with A's unacknowledged messages
  instances.set('a', a2.child);
  await all;
  expect(acked.size).toBe(20 + SENSORS * WINDOWS);

  // Every acknowledged aggregate reaches the store, once (the store converges as A's queue drains: polled, bounded).
  try {
    let stored = new Set<string>();
    for (let tries = 0; tries < 300; tries++) {
      const rows = (await client.query<{ sensor_id: string; from_s: string; n: string }>('SELECT sensor_id, from_s, COUNT(*) AS n FROM aggregates GROUP BY sensor_id, from_s')).rows;
      for (const r of rows) expect(Number(r.n)).toBe(1);
      stored = new Set(rows.map((r) => `${r.sensor_id}@${r.from_s}`));
      if ([...acked].every((k) => stored.has(k))) break;
      await new Promise((r) => setTimeout(r, 200)); // convergence wait, not a timing assertion
    }
    expect([...acked].filter((k) => !stored.has(k))).toEqual([]);
    expect(stored.size).toBe(acked.size);
    // A redelivery is a duplicate at the store's key, never a violation: no sensor was suspended.
    const suspended = (await client.query("SELECT id FROM sensors WHERE suspended_at IS NOT NULL")).rows;
    expect(suspended).toEqual([]);
  } finally {
    await client.end();
  }
}, 240_000);
