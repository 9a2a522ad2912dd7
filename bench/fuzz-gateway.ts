/**
 * MQTT fuzzing of a real gateway on loopback (the `gateway` target of bench/fuzz.ts).
 *
 * Starts a gateway in this process (embedded aedes, port 0, in-memory history), an honest sensor transport (the
 * firmware's queue, seq and mqtt.js egress) publishing one aggregate every 20 ms, and `workers` concurrent fuzz
 * clients. Each fuzz connection sends a burst of 1–24 malformed packets, chosen at random from:
 *   random bytes · mutated CONNECTs (bit flips, truncation, bad protocol names/levels/flags) · bad remaining lengths
 *   (5-byte lengths, announced > limit, announced ≠ sent) · after a valid login: PUBLISHes with CBOR garbage, empty
 *   payloads, huge payloads, empty topics, 101-level topics, `#`/`+` in topics, another sensor's topic, SUBSCRIBEs
 *   with hostile filters, unknown packet types, QoS 3.
 * Every burst ends when the gateway closes the connection or after a short idle time.
 *
 * Reported: packets and connections sent, crashes (uncaught exceptions / unhandled rejections in the gateway's
 * process: must be 0), the gateway's RSS before and after, and the honest sensor's deliveries during the run: it
 * must keep getting PUBACKs throughout (checked per second) and every aggregate must be in the history once.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../shared/clock.ts';
import { encodeSensorPayload } from '../shared/codec.ts';
import { levelFor } from '../shared/density.ts';
import { silentLogger } from '../shared/log.ts';
import { Egress } from '../firmware/egress/egress.ts';
import { openSensorStorage } from '../firmware/sensor.ts';
import { hashSecret, type ScryptParams } from '../gateway/credentials.ts';
import { startGateway } from '../gateway/gateway.ts';
import { connectPacket, packet, publishPacket, remainingLength, subscribePacket } from '../simulator/mqtt-packets.ts';
import { mulberry32 } from '../simulator/random.ts';

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const bytes = (r: Rand, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(r, 0, 255)));

const HASH: ScryptParams = { N: 1024, r: 8, p: 1, keyLength: 32 };
const HONEST = 'fuzz-honest';
/** Each fuzz worker logs in as its own sensor (a shared client id would only make them take over each other's session). */
const fuzzer = (worker: number) => `fuzz-client-${worker}`;
const PASSWORD = 'fuzz-password-0123456789';

function mutate(r: Rand, p: Buffer): Buffer {
  const b = Buffer.from(p);
  switch (int(r, 0, 4)) {
    case 0: for (let i = int(r, 1, 4); i > 0; i--) b[int(r, 0, b.length - 1)]! ^= 1 << int(r, 0, 7); return b;
    case 1: return b.subarray(0, int(r, 0, b.length - 1));
    case 2: return Buffer.concat([b, bytes(r, int(r, 1, 32))]);
    case 3: b[int(r, 0, b.length - 1)] = int(r, 0, 255); return b;
    default: return Buffer.concat([b.subarray(0, 1), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]), b.subarray(2)]); // 5-byte length
  }
}

const hostileTopics = (r: Rand, FUZZER: string): Array<string | Buffer> => [
  '', '#', '+', `drukte/v1/sensors/${FUZZER}/#`, `drukte/v1/sensors/+/aggregate`, Array.from({ length: 101 }, (_, i) => `l${i}`).join('/'),
  `drukte/v1/sensors/${HONEST}/aggregate`, `drukte/v1/sensors/${FUZZER}/aggregate`, `drukte/v1/sensors/${FUZZER}/status`, '$SYS/broker',
  'drukte/v1/areas/x', Buffer.from([0xc3, 0x28, 0x00]), '/'.repeat(int(r, 1, 50)), 'a'.repeat(int(r, 1, 3000)),
];
const hostilePayloads = (r: Rand, FUZZER: string): Buffer[] => [
  Buffer.alloc(0), bytes(r, int(r, 1, 64)), Buffer.from([0xbf]), Buffer.from([0xa1, 0x61]), Buffer.alloc(int(r, 1025, 3900), 0x41), Buffer.from([0xa2, 0x61, 0x76, 0x01, 0x62, 0x78, 0x79, 0x00]),
  encodeSensorPayload('aggregate', { v: 1, sensor: FUZZER, seq: int(r, 0, 2 ** 32 - 1), from: 1_750_000_000, to: 1_750_000_060, level: 1, count: 3 }).subarray(0, int(r, 1, 30)),
];

/** One burst of malformed packets for one connection. */
function burst(r: Rand, FUZZER: string): { packets: Buffer[]; login: boolean } {
  const out: Buffer[] = [];
  const login = r() < 0.3;
  const mode = int(r, 0, 3);
  if (login) out.push(connectPacket(`sensor-${FUZZER}`, FUZZER, PASSWORD));
  else if (mode === 0) return { packets: Array.from({ length: int(r, 1, 40) }, () => bytes(r, int(r, 1, 64))), login };
  else if (mode === 1) return { packets: [mutate(r, connectPacket(`sensor-${FUZZER}`, FUZZER, PASSWORD, int(r, 0, 65535)))], login };
  else if (mode === 2) return { packets: [Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]), bytes(r, 16)], login };
  else {
    out.push(connectPacket(`x${int(r, 0, 1e6)}`, r() < 0.5 ? undefined : 'nobody', r() < 0.5 ? undefined : 'bad'));
    for (let i = int(r, 0, 30); i > 0; i--) out.push(publishPacket(`drukte/v1/sensors/${FUZZER}/aggregate`, hostilePayloads(r, FUZZER)[int(r, 0, 6)]!, int(r, 0, 1)));
    return { packets: out, login };
  }
  for (let i = int(r, 1, 40); i > 0; i--) {
    const k = int(r, 0, 9);
    const topics = hostileTopics(r, FUZZER);
    const payloads = hostilePayloads(r, FUZZER);
    if (k <= 3) out.push(publishPacket(topics[int(r, 0, topics.length - 1)]!, payloads[int(r, 0, payloads.length - 1)]!, int(r, 0, 1), int(r, 1, 65535)));
    else if (k === 4) out.push(mutate(r, publishPacket(`drukte/v1/sensors/${FUZZER}/aggregate`, payloads[1]!)));
    else if (k === 5) out.push(subscribePacket(String(topics[int(r, 0, topics.length - 2)]), int(r, 0, 3)));
    else if (k === 6) out.push(packet(int(r, 0, 15) << 4 | int(r, 0, 15), bytes(r, int(r, 0, 40))));
    else if (k === 7 && r() < 0.3) out.push(Buffer.concat([Buffer.from([0x32]), remainingLength(int(r, 5000, 1_000_000)), bytes(r, 64)])); // announced > limit
    else if (k === 8) out.push(publishPacket(`drukte/v1/sensors/${FUZZER}/aggregate`, payloads[int(r, 0, payloads.length - 1)]!, 3));
    else out.push(bytes(r, int(r, 1, 64)));
  }
  return { packets: out, login };
}

/** CONNACKs the fuzz clients' logins got, by outcome. */
const connacks: Record<string, number> = {};

/**
 * Send a burst; resolves when the gateway closed the connection or it stayed idle for a moment. After a login the
 * rest waits for the CONNACK, so the packets meet the policy (not only the byte-level guards, which would otherwise
 * close the connection on an oversized packet before the login is even decided).
 */
function send(port: number, packets: Buffer[], login: boolean): Promise<void> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host: '127.0.0.1', port });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      s.destroy();
      resolve();
    };
    s.on('error', finish);
    s.on('close', finish);
    let rest = login ? packets.slice(1) : [];
    s.on('data', (d) => {
      if (!rest.length) return;
      const key = d[3] === 0 ? 'accepted' : `refused-${d[3]}`;
      connacks[key] = (connacks[key] ?? 0) + 1;
      for (const p of rest) s.write(p);
      rest = [];
      setTimeout(finish, 100);
    });
    s.on('connect', () => {
      for (const p of login ? packets.slice(0, 1) : packets) s.write(p);
      setTimeout(finish, login ? 3000 : 100); // a login waits for scrypt (slow on a loaded machine)
    });
  });
}

export interface GatewayFuzzResult {
  packets: number;
  connections: number;
  crashes: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** V8 heap in use after a full GC (when run with --expose-gc), before and after: a leak in JS shows here. */
  heapBeforeMiB: number;
  heapAfterMiB: number;
  honest: { published: number; acked: number; inHistory: number; secondsWithoutAck: number; seconds: number };
  /** The fuzz clients' own logins, by CONNACK outcome. */
  logins: Record<string, number>;
  /** Publishes refused by the policy, connections refused at CONNECT, connections closed by the listeners' limits. */
  refused: Record<string, number>;
  connectionsRefused: Record<string, number>;
  closedByLimits: Record<string, number>;
  ms: number;
}

export async function fuzzGateway(opts: { packets: number; seed: number; maxSeconds: number; workers?: number }): Promise<GatewayFuzzResult> {
  const r = mulberry32(opts.seed);
  const fuzzers = Array.from({ length: opts.workers ?? 32 }, (_, i) => fuzzer(i));
  let crashes = 0;
  const onCrash = (err: unknown) => {
    crashes++;
    process.stderr.write(`fuzz: gateway crash: ${(err as Error)?.stack ?? String(err)}\n`);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const sensor = (id: string) => ({
    id, driver: 'ld2450' as const, owner: { name: 'Fuzz', organisation: 'Fuzz org', email: 'fuzz@example.nl' }, purpose: 'fuzz target',
    legalGround: 'test', dpiaRef: 'none', location: { lat: 0, lon: 0, description: 'loopback' }, area: { m2: 10 }, expiresAt: '2099-01-01',
    registerUrl: 'https://example.nl/r', kFloor: 5, windowSeconds: 60, granularity: 5, output: 'level+count' as const,
  });
  const gw = await startGateway({
    mqtt: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, clock: systemClock, logger: silentLogger(), hashParams: HASH,
    sensors: [sensor(HONEST), ...fuzzers.map(sensor)],
    credentials: await Promise.all([HONEST, ...fuzzers].map(async (u) => ({ username: u, role: 'sensor' as const, hash: await hashSecret(PASSWORD, HASH) }))),
    limits: { maxConnectionsPerAddress: 1024 }, // every fuzz client is 127.0.0.1; the per-address cap is tested elsewhere
    // Every fuzz client is 127.0.0.1 too: without this the honest sensor's logins would be held (rate-limit.ts) and the
    // fuzz bursts would end before their login is decided. Throttling is tested in tests/integration/lockout.test.ts.
    loginLimits: { perAddress: { capacity: 1e9, refillPerSecond: 1 }, holdMs: 20 },
  });
  // The honest sensor shares this process: its data directory on tmpfs when there is one, so its synchronous fsyncs
  // do not stall the gateway's event loop (on a device they run in another process).
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'drukte-fuzz-'));
  const storage = openSensorStorage(dataDir, HONEST, silentLogger());
  const egress = new Egress({
    sensorId: HONEST, brokerUrl: `mqtt://127.0.0.1:${gw.mqttPort}`, username: HONEST, password: PASSWORD, seq: storage.seq, queue: storage.queue, logger: silentLogger(),
    willStatus: { v: 1, sensor: HONEST, state: 'offline', expiresAt: '2099-01-01', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64), since: 1_750_000_000 },
    reconnect: { initialMs: 50, maxMs: 500 },
  });
  egress.start();
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const startS = Math.floor(Date.now() / 1000) - 30 * 86_400;
  let k = 0;
  // An aggregate the register's rules allow (k 5, granularity 5, 10 m², 60 s windows on the grid): the gateway checks them.
  const startGrid = startS - (startS % 60);
  const pump = setInterval(() => void egress.publishAggregate({ from: startGrid + 60 * k, to: startGrid + 60 * ++k, level: levelFor(5, 10), count: 5 }), 20);
  let seconds = 0;
  let secondsWithoutAck = 0;
  let lastAcked = 0;
  const watch = setInterval(() => {
    seconds++;
    if (egress.stats.acked === lastAcked) secondsWithoutAck++;
    lastAcked = egress.stats.acked;
  }, 1000);

  let packets = 0;
  let connections = 0;
  const deadline = started + opts.maxSeconds * 1000;
  const worker = async (me: string) => {
    while (packets < opts.packets && performance.now() < deadline) {
      const b = burst(r, me);
      packets += b.packets.length;
      connections++;
      await send(gw.mqttPort, b.packets, b.login);
    }
  };
  await Promise.all(fuzzers.map(worker));
  clearInterval(pump);
  const drainBy = performance.now() + 10_000;
  while ((egress.queued > 0 || !egress.connected) && performance.now() < drainBy) await new Promise((res) => setTimeout(res, 50));
  clearInterval(watch);
  globalThis.gc?.();
  const rssAfter = process.memoryUsage().rss;
  const heapAfter = process.memoryUsage().heapUsed;
  const health = (await (await fetch(`http://127.0.0.1:${gw.httpPort}/api/health`)).json()) as { broker: { refused: Record<string, number>; connectionsRefused: Record<string, number>; closedByLimits: Record<string, number> } };
  const inHistory = gw.history.sensorHistory(HONEST, 0, Math.floor(Date.now() / 1000) + 60).length;
  await egress.stop();
  await gw.stop();
  rmSync(dataDir, { recursive: true, force: true });
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  return {
    packets, connections, crashes, rssBeforeMiB: rssBefore / 2 ** 20, rssAfterMiB: rssAfter / 2 ** 20,
    heapBeforeMiB: heapBefore / 2 ** 20, heapAfterMiB: heapAfter / 2 ** 20,
    honest: { published: k, acked: egress.stats.acked, inHistory, secondsWithoutAck, seconds },
    logins: { ...connacks }, refused: health.broker.refused, connectionsRefused: health.broker.connectionsRefused, closedByLimits: health.broker.closedByLimits, ms: performance.now() - started,
  };
}
