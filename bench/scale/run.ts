/**
 * Stored aggregates per second with one and with two gateway instances on PostgreSQL, in the same run, against a
 * real mosquitto (docs/SCALING.md uses these figures):
 *   node --import tsx bench/scale/run.ts [--sensors N] [--windows W] [--in-flight F]
 * A throw-away PostgreSQL cluster (bench/harness/postgres.ts) and mosquitto on loopback; per case a fresh database,
 * 1 or 2 instances (child processes, bench/scale/instance.ts) in external-broker mode on the shared subscription,
 * N sensors (mqtt.js clients) each publishing W consecutive 60 s windows, F unacknowledged at a time. The clock runs
 * from the first publish until PostgreSQL holds all N·W aggregates. Prints a table with the ratio to one instance;
 * asserts nothing. Every instance shares the machine's cores with the others, mosquitto, PostgreSQL and the sensors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { GATEWAY_NODE_FLAGS } from '../../gateway/node-flags.ts';
import { encodeSensorPayload } from '../../shared/codec.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { startPostgres } from '../harness/postgres.ts';
import { freePort, MOSQUITTO } from '../harness/net.ts';

const { values } = parseArgs({ options: { sensors: { type: 'string', default: '200' }, windows: { type: 'string', default: '100' }, 'in-flight': { type: 'string', default: '8' } } });
const SENSORS = Number(values.sensors);
const WINDOWS = Number(values.windows);
const IN_FLIGHT = Number(values['in-flight']);
const root = fileURLToPath(new URL('../..', import.meta.url));
const instanceScript = fileURLToPath(new URL('./instance.ts', import.meta.url));
if (!MOSQUITTO) throw new Error('bench/scale needs mosquitto (apt-get install mosquitto)');


function startInstance(config: object): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, '--import', 'tsx', instanceScript, JSON.stringify(config)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (/ready \d+/.test(out)) resolve(child);
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`instance exited (${code}):\n${out}`)));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'drukte-bench-scale-'));
const postgres = await startPostgres();
const port = await freePort();
writeFileSync(join(dir, 'mosquitto.conf'), [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false',
  'max_queued_messages 0', 'max_inflight_messages 1000', 'log_dest none'].join('\n'));
const broker = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
const brokerUrl = `mqtt://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  const c = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0, connectTimeout: 500 }).catch(() => null);
  if (c) {
    await c.endAsync();
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}

interface Row { instances: number; aggregates: number; seconds: number; perSecond: number }

async function runCase(instances: number, prefix: string): Promise<Row> {
  const db = await postgres.createDatabase(`scale_${prefix}`);
  const children: ChildProcess[] = [];
  for (let i = 0; i < instances; i++) children.push(await startInstance({ broker: brokerUrl, db, instance: `${prefix}-${i}`, prefix, sensors: SENSORS }));
  const sensors: MqttClient[] = await Promise.all(Array.from({ length: SENSORS }, (_, i) => mqtt.connectAsync(brokerUrl, { clientId: `sensor-${prefix}-${i}`, reconnectPeriod: 0 })));
  const t0 = Math.floor(Date.now() / 1000 / 60) * 60 - 2 * 86_400;
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  const start = process.hrtime.bigint();
  const publishAll = Promise.all(sensors.map(async (s, i) => {
    const id = `${prefix}-${i}`;
    let k = 0;
    const inFlight = new Set<Promise<unknown>>();
    while (k < WINDOWS) {
      while (inFlight.size < IN_FLIGHT && k < WINDOWS) {
        const from = t0 + 60 * k;
        const p = s.publishAsync(aggregateTopic(id), encodeSensorPayload('aggregate', { v: 1, sensor: id, seq: k + 1, from, to: from + 60, level: 2, count: 7 }), { qos: 1 });
        k++;
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }));
  const total = SENSORS * WINDOWS;
  let stored = 0;
  for (;;) {
    stored = Number((await client.query('SELECT COUNT(*) AS n FROM aggregates')).rows[0].n);
    if (stored >= total) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await publishAll;
  await client.end();
  for (const s of sensors) s.end(true);
  for (const c of children) {
    c.kill('SIGTERM');
    await new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)));
  }
  return { instances, aggregates: stored, seconds, perSecond: stored / seconds };
}

try {
  const one = await runCase(1, 'one');
  const two = await runCase(2, 'two');
  console.log(`\nstored aggregates/s on PostgreSQL via mosquitto (shared subscription), ${SENSORS} sensors × ${WINDOWS} windows, ${IN_FLIGHT} in flight each; ${cpus().length} cores shared by all`);
  console.log('instances  aggregates  seconds  stored/s  ratio to 1');
  for (const r of [one, two]) console.log(`${String(r.instances).padStart(9)}  ${String(r.aggregates).padStart(10)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.perSecond.toFixed(0).padStart(8)}  ${(r.perSecond / one.perSecond).toFixed(2).padStart(10)}`);
} finally {
  broker.kill();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
