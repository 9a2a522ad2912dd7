/**
 * issue 10, must-have 4 (gateway side): the gateway killed with SIGKILL mid-stream, again and again, while a real
 * sensor transport (firmware queue + seq + mqtt.js egress) keeps publishing; each time it is restarted on the same
 * data directory and port. Afterwards the gateway's SQLite history holds every aggregate exactly once: the PUBACK is
 * only sent after ingest stored the message (broker interceptors), so nothing acknowledged is lost, and duplicates
 * from re-sends are dropped.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { mulberry32 } from '../../simulator/random.ts';
import { DATABASE_FILE } from '../../gateway/store/db.ts';
import { startGatewayChild } from '../helpers/gateway-child.ts';
import { openSensorLink, until, windowK, type SensorLink } from './sensor-link.ts';

const ID = 'kill-gw';
const PASSWORD = 'kill-gateway-password-1';
const KILLS = 3;

const startChild = (dataDir: string, port: number) => startGatewayChild([dataDir, String(port), ID, PASSWORD]);

const kill = (child: ChildProcess) => new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.kill('SIGKILL');
});

let link: SensorLink | undefined;
let current: ChildProcess | undefined;
afterAll(async () => {
  await link?.egress.stop();
  if (current && current.exitCode === null && current.signalCode === null) await kill(current);
});

it(`gateway killed ${KILLS} times mid-stream: every aggregate in its history exactly once`, async () => {
  const rand = mulberry32(42);
  const gwDir = mkdtempSync(join(tmpdir(), 'drukte-killgw-'));
  let { child, port } = await startChild(gwDir, 0);
  current = child;
  link = openSensorLink(mkdtempSync(join(tmpdir(), 'drukte-killgw-sensor-')), ID, `mqtt://127.0.0.1:${port}`, { password: PASSWORD });
  const { egress } = link;
  const nowS = Math.floor(Date.now() / 1000 / 60) * 60;
  let k = 0;
  // A steady stream: one aggregate every few ms, whether the gateway is up or not (the queue holds them).
  const pump = setInterval(() => void egress.publishAggregate(windowK(nowS - 86_400, k++)), 3);
  try {
    for (let i = 0; i < KILLS; i++) {
      const target = egress.stats.acked + 20 + Math.floor(rand() * 60);
      await until(() => egress.stats.acked >= target, `${target} acknowledged aggregates`, 20_000);
      await kill(child); // mid-stream: publishes in flight, some acknowledged, some not
      ({ child } = await startChild(gwDir, port));
      current = child;
    }
  } finally {
    clearInterval(pump);
  }
  await until(() => egress.connected && egress.queued === 0, 'the queue to drain', 20_000);
  await kill(child);
  const db = new Database(join(gwDir, DATABASE_FILE), { readonly: true });
  const rows = db.prepare('SELECT seq, from_s FROM aggregates WHERE sensor_id = ? ORDER BY seq').all(ID) as Array<{ seq: number; from_s: number }>;
  db.close();
  expect(rows.length).toBe(k);
  expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: k }, (_, i) => i + 1));
  expect(new Set(rows.map((r) => r.from_s)).size).toBe(k); // every window once
  expect(egress.stats.connects).toBeGreaterThanOrEqual(KILLS + 1);
}, 90_000);
