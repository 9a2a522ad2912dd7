/**
 * The load client of the fleet benchmark, in its own process (bench/fleet/run.ts forks it): many MQTT sensor
 * clients (mqtt.js), each from its own loopback source address group, driven by IPC commands:
 *   {cmd:'connect', port, count, auth}     open `count` more clients at once; replies {ms, failed}
 *   {cmd:'publish', perClient, inFlight}    every client publishes its next windows, QoS 1; replies {ms, acked}
 *   {cmd:'latency', rate, seconds, sse}     publish at `rate`/s spread over the clients; time each aggregate from
 *                                           publish to its arrival at a subscriber (MQTT, or the SSE stream when
 *                                           `sse` is the gateway's HTTP port); replies {p50, p99, n}
 *   {cmd:'close'}                           end every client
 */
import { request } from 'node:http';
import { createConnection } from 'node:net';
import mqtt, { MqttClient } from 'mqtt';
import { aggregateTopic, SENSOR_AGGREGATE_FILTER } from '../../shared/topics.ts';
import { decodeSensorPayload } from '../../shared/codec.ts';
import { benchAggregate, benchSensorId, BENCH_PASSWORD, sourceAddress } from './fleet-data.ts';

interface Sensor { id: string; client: MqttClient; k: number }
const t0 = Math.floor(Date.now() / 1000 / 60) * 60 - 30 * 86_400;
let sensors: Sensor[] = [];
let port = 0;

function open(i: number, auth: boolean): Promise<Sensor | null> {
  const id = benchSensorId(i);
  const client = new MqttClient(() => createConnection({ port, host: '127.0.0.1', localAddress: sourceAddress(i) }), {
    clientId: `sensor-${id}`, ...(auth ? { username: id, password: BENCH_PASSWORD } : {}), keepalive: 60, reconnectPeriod: 0,
    connectTimeout: 120_000, clean: true, protocolVersion: 4,
  });
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ id, client, k: 0 }));
    client.once('error', () => resolve(null));
    client.once('close', () => resolve(null));
  });
}

function publishNext(s: Sensor): Promise<void> {
  const payload = benchAggregate(s.id, t0, s.k++);
  return new Promise((resolve, reject) => s.client.publish(aggregateTopic(s.id), payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

process.on('message', async (m: any) => {
  if (m.cmd === 'connect') {
    port = m.port;
    const start = performance.now();
    const base = sensors.length;
    const opened = await Promise.all(Array.from({ length: m.count }, (_, j) => open(base + j, m.auth)));
    const ms = performance.now() - start;
    sensors.push(...opened.filter((s): s is Sensor => s !== null));
    process.send!({ ms, failed: opened.filter((s) => s === null).length });
  } else if (m.cmd === 'publish') {
    const start = performance.now();
    let acked = 0;
    await Promise.all(sensors.map(async (s) => {
      const end = s.k + m.perClient;
      const lanes = Array.from({ length: m.inFlight }, async () => {
        while (s.k < end) {
          await publishNext(s);
          acked++;
        }
      });
      await Promise.all(lanes);
    }));
    process.send!({ ms: performance.now() - start, acked });
  } else if (m.cmd === 'latency') {
    const sent = new Map<string, number>();
    const lat: number[] = [];
    const seen = (sensor: string, from: number) => {
      const at = sent.get(`${sensor}:${from}`);
      if (at !== undefined) lat.push(performance.now() - at);
    };
    let stop: () => void;
    if (m.sse) {
      const req = request({ host: '127.0.0.1', port: m.sse, path: '/api/stream', headers: { accept: 'text/event-stream' } });
      await new Promise<void>((resolve) => {
        req.on('response', (res) => {
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let i;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n');
              if (!data) continue;
              try {
                const d = JSON.parse(data);
                const a = d.aggregate ?? d;
                if (typeof a.from === 'number') seen(a.sensor ?? d.sensor ?? d.sensorId, a.from);
              } catch { /* not an aggregate event */ }
            }
          });
          resolve();
        });
        req.end();
      });
      stop = () => req.destroy();
    } else {
      const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-subscriber', reconnectPeriod: 0 });
      await sub.subscribeAsync(SENSOR_AGGREGATE_FILTER, { qos: 0 });
      sub.on('message', (_t, p) => {
        const d = decodeSensorPayload('aggregate', p);
        if (d.ok) seen(d.value.sensor, d.value.from);
      });
      stop = () => void sub.end(true);
    }
    const interval = 1000 / m.rate;
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < m.seconds * 1000) {
      const due = Math.floor((performance.now() - start) / interval);
      while (n < due) {
        const s = sensors[n % sensors.length]!;
        sent.set(`${s.id}:${t0 + 60 * s.k}`, performance.now());
        void publishNext(s).catch(() => {});
        n++;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 500));
    stop!();
    lat.sort((a, b) => a - b);
    process.send!({ p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length, sent: n });
  } else if (m.cmd === 'close') {
    await Promise.all(sensors.map((s) => s.client.endAsync(true).catch(() => {})));
    sensors = [];
    process.send!({ closed: true });
  }
});
process.send!({ up: true });
