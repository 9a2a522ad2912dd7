/**
 * A load process of the fleet benchmark (bench/fleet/run.ts forks several): it owns a slice of the sensors, each an
 * MQTT connection from its own loopback source address (127.1.x.y), speaking raw MQTT 3.1.1 (./mqtt-wire.ts) so the
 * load side stays cheap. Driven by IPC commands, each answered by one message:
 *   {cmd:'connect', port, from, to, auth, batch}  open sensors from…to-1 (at most `batch` CONNECTs outstanding; 0 = all
 *                                                 at once); replies {ms, failed}
 *   {cmd:'prepare', perClient, only?}             encode each sensor's next `perClient` PUBLISH packets (or only
 *                                                 sensor `only`'s); replies {ready}
 *   {cmd:'go', inFlight}                          publish the prepared packets, QoS 1, `inFlight` per sensor;
 *                                                 replies {acked, endAt} (endAt: Date.now() at the last PUBACK)
 *   {cmd:'latency', rate, seconds, sse}           publish at `rate`/s over the sensors; time each aggregate from
 *                                                 publish to a subscriber (MQTT, or the gateway's SSE stream when
 *                                                 `sse` is its HTTP port); replies {p50, p99, n, sent}
 *   {cmd:'storm'}                                 from now on a sensor whose connection drops reconnects as the
 *                                                 firmware does (firmware/egress/egress.ts: decorrelated jitter 1…30 s,
 *                                                 10 s CONNACK timeout); replies, once every sensor has dropped and is
 *                                                 back, {lastAt, attempts, failedAttempts}
 *   {cmd:'close'}                                 end every connection; replies {closed}
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt from 'mqtt';
import { decodeSensorPayload } from '../../shared/codec.ts';
import { aggregateTopic, SENSOR_AGGREGATE_FILTER } from '../../shared/topics.ts';
import { CONNECT_TIMEOUT_MS, decorrelatedJitter, DEFAULT_RECONNECT } from '../../firmware/egress/egress.ts';
import { benchAggregate, benchSensorId, BENCH_PASSWORD, BENCH_T0, sourceAddress } from './fleet-data.ts';
import { connectPacket, PacketReader, packetId, publishPacket } from './mqtt-wire.ts';
import { sseEvents } from '../harness/net.ts';

const KEEPALIVE_S = 300; // the gateway's maximum: no PINGREQ needed within a phase (each is time-limited below that)

class Sensor {
  readonly id: string;
  readonly topic: string;
  socket: Socket | null = null;
  connected = false;
  /** Next window (and packet identifier) to publish. */
  k = 0;
  prepared: Buffer[] = [];
  sent = 0;
  acked = 0;
  onAck: ((n: number) => void) | null = null;
  /** Storm mode: reconnect after a drop with the firmware's backoff. */
  storm: { previous: number; dropped: boolean; back: () => void; attempts: number; failed: number } | null = null;
  private reader = new PacketReader();

  constructor(readonly index: number, private readonly port: number, private readonly auth: boolean) {
    this.id = benchSensorId(index);
    this.topic = aggregateTopic(this.id);
  }

  /** One connection attempt: true on CONNACK 0; false on refusal, error, close or no CONNACK in `timeoutMs`. */
  open(timeoutMs: number): Promise<boolean> {
    this.reader = new PacketReader();
    return new Promise((resolve) => {
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(ok);
      };
      const socket = tcpConnect({ port: this.port, host: '127.0.0.1', localAddress: sourceAddress(this.index) });
      this.socket = socket;
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(), timeoutMs);
      socket.once('connect', () => socket.write(connectPacket({ clientId: `sensor-${this.id}`, keepaliveS: KEEPALIVE_S, ...(this.auth ? { username: this.id, password: BENCH_PASSWORD } : {}) })));
      socket.on('data', (chunk: Buffer) => {
        let acks = 0;
        this.reader.push(chunk, (type, body) => {
          if (type === 2) {
            this.connected = body[1] === 0;
            settle(this.connected);
            if (!this.connected) socket.destroy();
          } else if (type === 4) acks++;
        });
        if (acks) {
          this.acked += acks;
          this.onAck?.(acks);
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        this.connected = false;
        if (this.socket === socket) this.socket = null;
        settle(false);
        this.dropped();
      });
    });
  }

  /** The connection went away: in storm mode, come back as the firmware does. */
  private dropped(): void {
    const s = this.storm;
    if (!s) return;
    s.dropped = true;
    const delay = decorrelatedJitter(s.previous, DEFAULT_RECONNECT, Math.random());
    s.previous = delay;
    setTimeout(() => {
      s.attempts++;
      void this.open(CONNECT_TIMEOUT_MS).then((ok) => {
        if (!ok) return void s.failed++; // 'close' schedules the next attempt
        s.previous = DEFAULT_RECONNECT.initialMs;
        s.back();
      });
    }, delay);
  }

  prepare(n: number): void {
    this.prepared = Array.from({ length: n }, () => {
      const k = this.k++;
      return publishPacket(this.topic, packetId(k), benchAggregate(this.id, BENCH_T0, k));
    });
    this.sent = 0;
    this.acked = 0;
  }

  /** Publish the prepared packets with `inFlight` unacknowledged at most; resolves at the last PUBACK. */
  run(inFlight: number): Promise<void> {
    const socket = this.socket;
    const total = this.prepared.length;
    if (!socket || total === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const send = (n: number) => {
        const end = Math.min(total, this.sent + n);
        if (end > this.sent) socket.write(end - this.sent === 1 ? this.prepared[this.sent]! : Buffer.concat(this.prepared.slice(this.sent, end)));
        this.sent = end;
      };
      this.onAck = (n) => {
        if (this.acked >= total) {
          this.onAck = null;
          resolve();
        } else send(n);
      };
      socket.once('close', () => resolve());
      send(inFlight);
    });
  }

  /** One publish of the next window, not tracked (latency phase). */
  publishOne(): number {
    const k = this.k++;
    this.socket?.write(publishPacket(this.topic, packetId(k), benchAggregate(this.id, BENCH_T0, k)));
    return k;
  }
}

let sensors: Sensor[] = [];
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

async function connectAll(m: { port: number; from: number; to: number; auth: boolean; batch: number }): Promise<{ ms: number; failed: number }> {
  const start = performance.now();
  const fresh = Array.from({ length: m.to - m.from }, (_, j) => new Sensor(m.from + j, m.port, m.auth));
  let failed = 0;
  let next = 0;
  const lanes = m.batch > 0 ? m.batch : fresh.length;
  await Promise.all(Array.from({ length: Math.min(lanes, fresh.length) }, async () => {
    while (next < fresh.length) {
      const s = fresh[next++]!;
      if (await s.open(600_000)) sensors.push(s);
      else failed++;
    }
  }));
  return { ms: performance.now() - start, failed };
}

async function latency(m: { rate: number; seconds: number; sse: number; port: number }): Promise<object> {
  const sent = new Map<string, number>();
  const lat: number[] = [];
  const seen = (sensor: string, from: number) => {
    const at = sent.get(`${sensor}:${from}`);
    if (at !== undefined) lat.push(performance.now() - at);
  };
  let stop: () => void;
  if (m.sse) {
    stop = await sseEvents(m.sse, (e) => {
      try {
        const d = JSON.parse(e.data);
        const a = d.aggregate ?? d;
        if (typeof a.from === 'number') seen(a.sensor ?? d.sensor ?? d.sensorId, a.from);
      } catch { /* not an aggregate event */ }
    });
  } else {
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${m.port}`, { clientId: 'bench-subscriber', reconnectPeriod: 0 });
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
      const at = performance.now();
      const k = s.publishOne();
      sent.set(`${s.id}:${BENCH_T0 + 60 * k}`, at);
      n++;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise((r) => setTimeout(r, 500));
  stop();
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length, sent: n };
}

/** Storm mode: resolves once every sensor has dropped and come back. */
function storm(): Promise<object> {
  let waiting = sensors.length;
  let lastAt = Date.now();
  return new Promise((resolve) => {
    const done = () => resolve({ lastAt, attempts: sensors.reduce((a, s) => a + (s.storm?.attempts ?? 0), 0), failedAttempts: sensors.reduce((a, s) => a + (s.storm?.failed ?? 0), 0) });
    if (waiting === 0) return done();
    for (const s of sensors) {
      s.storm = {
        previous: DEFAULT_RECONNECT.initialMs, dropped: false, attempts: 0, failed: 0,
        back: () => {
          lastAt = Date.now();
          if (--waiting === 0) done();
        },
      };
    }
  });
}

/** The commands of run.ts / phases.ts (the file comment lists them). */
type Command =
  | ({ cmd: 'connect' } & Parameters<typeof connectAll>[0])
  | { cmd: 'prepare'; perClient: number; only?: number }
  | { cmd: 'go'; inFlight: number }
  | ({ cmd: 'latency' } & Parameters<typeof latency>[0])
  | { cmd: 'storm' }
  | { cmd: 'close' };

process.on('message', (m: Command) => {
  void (async () => {
    if (m.cmd === 'connect') process.send!(await connectAll(m));
    else if (m.cmd === 'prepare') {
      for (const s of sensors) if (m.only === undefined || s.index === m.only) s.prepare(m.perClient);
      process.send!({ ready: true });
    } else if (m.cmd === 'go') {
      const active = sensors.filter((s) => s.prepared.length > 0);
      await Promise.all(active.map((s) => s.run(m.inFlight)));
      const acked = active.reduce((a, s) => a + s.acked, 0);
      for (const s of active) s.prepared = [];
      process.send!({ acked, endAt: Date.now() });
    } else if (m.cmd === 'latency') process.send!(await latency(m));
    else if (m.cmd === 'storm') process.send!(await storm());
    else if (m.cmd === 'close') {
      for (const s of sensors) {
        s.storm = null;
        s.socket?.destroy();
      }
      sensors = [];
      process.send!({ closed: true });
    }
  })();
});
process.send!({ up: true });
