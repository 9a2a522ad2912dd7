/**
 * issue 14, must-have 1: a PUBACK means stored, under group commit and under load. Many sensors publish QoS 1
 * aggregates, 64 in flight each, to a real `drukte gateway` process on a file-backed SQLite; the gateway is killed
 * with SIGKILL at the moment a PUBACK arrives, again and again, and restarted on the same data directory. After each
 * kill the history must hold every (sensor, window) whose PUBACK any client received, exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { encodeSensorPayload } from '../../shared/codec.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { mulberry32 } from '../../simulator/random.ts';
import { DATABASE_FILE } from '../../gateway/store/db.ts';
import { startGatewayChild } from '../helpers/gateway-child.ts';

const PREFIX = 'killload';
const PASSWORD = 'kill-under-load-password-1';
const SENSORS = 16;
const IN_FLIGHT = 64;
const KILLS = 4;

const startChild = (dataDir: string, port: number) => startGatewayChild([dataDir, String(port), PREFIX, PASSWORD, String(SENSORS)]);

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** One sensor's publisher: consecutive 60 s windows from `next`, at most IN_FLIGHT unacknowledged. */
class Publisher {
  readonly client: MqttClient;
  inFlight = 0;
  stopped = false;

  constructor(readonly id: string, port: number, public next: number, private readonly t0: number, private readonly onAck: (id: string, from: number) => void) {
    this.client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `sensor-${id}`, username: id, password: PASSWORD, keepalive: 30, reconnectPeriod: 0, clean: true });
    this.client.on('error', () => {}); // the gateway is killed under it
    this.client.on('connect', () => this.fill());
  }

  private fill(): void {
    while (!this.stopped && this.client.connected && this.inFlight < IN_FLIGHT) {
      const k = this.next++;
      const from = this.t0 + 60 * k;
      const payload = encodeSensorPayload('aggregate', { v: 1, sensor: this.id, seq: k + 1, from, to: from + 60, level: 2, count: 7 });
      this.inFlight++;
      this.client.publish(aggregateTopic(this.id), payload, { qos: 1 }, (err) => {
        this.inFlight--;
        if (err) return; // not acknowledged: the gateway died first
        this.onAck(this.id, from);
        this.fill();
      });
    }
  }

  stop(): void {
    this.stopped = true;
    this.client.end(true);
  }
}

let current: ChildProcess | undefined;
let publishers: Publisher[] = [];
afterAll(async () => {
  for (const p of publishers) p.stop();
  if (current && current.exitCode === null && current.signalCode === null) {
    current.kill('SIGKILL');
    await exited(current);
  }
});

it(`${SENSORS} sensors, ${IN_FLIGHT} in flight each, gateway killed ${KILLS} times at a PUBACK: every acknowledged window stored exactly once`, async () => {
  const rand = mulberry32(14);
  const dir = mkdtempSync(join(tmpdir(), 'drukte-killload-'));
  const t0 = Math.floor(Date.now() / 1000 / 60) * 60 - 10 * 86_400; // windows in the past, on the 60 s grid
  const acked = new Map<string, Set<number>>(); // sensor → window starts acknowledged
  const next = new Map<string, number>();
  let port = 0;
  let total = 0;
  for (let round = 0; round < KILLS; round++) {
    const started = await startChild(dir, port);
    current = started.child;
    port = started.port;
    const child = started.child;
    // Kill at the moment the target-th PUBACK of this round arrives: more PUBACKs may still be on the wire.
    const target = 500 + Math.floor(rand() * 1500);
    let n = 0;
    const killed = new Promise<void>((resolve) => {
      const onAck = (id: string, from: number) => {
        let set = acked.get(id);
        if (!set) acked.set(id, (set = new Set()));
        set.add(from);
        total++;
        if (++n === target) {
          child.kill('SIGKILL');
          resolve();
        }
      };
      // Each round starts after the last window any earlier round sent: no window goes back.
      publishers = Array.from({ length: SENSORS }, (_, i) => new Publisher(`${PREFIX}-${i}`, port, next.get(`${PREFIX}-${i}`) ?? 0, t0, onAck));
    });
    await killed;
    await exited(child);
    for (const p of publishers) {
      next.set(p.id, p.next);
      p.stop();
    }
    publishers = [];

    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    const rows = db.prepare('SELECT sensor_id AS id, from_s AS "from", COUNT(*) AS n FROM aggregates GROUP BY sensor_id, from_s').all() as Array<{ id: string; from: number; n: number }>;
    db.close();
    const stored = new Map<string, Set<number>>();
    for (const r of rows) {
      expect(r.n).toBe(1);
      let set = stored.get(r.id);
      if (!set) stored.set(r.id, (set = new Set()));
      set.add(r.from);
    }
    const lost: string[] = [];
    for (const [id, froms] of acked) for (const from of froms) if (!stored.get(id)?.has(from)) lost.push(`${id}@${from}`);
    expect(lost).toEqual([]); // no acknowledged aggregate is missing after the kill
  }
  expect(total).toBeGreaterThan(KILLS * 500);
}, 120_000);
