/**
 * The external-broker connection of a shared ingest (gateway/external-broker.ts), against a real mosquitto: the PUBACK
 * to the broker waits for the handler's promise (the commit); a rejected promise withholds it and reconnects, and the
 * broker, holding the message in the persistent session, delivers it again; nothing is acknowledged unread.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../shared/log.ts';
import { ExternalBroker } from '../../gateway/mqtt/external-broker.ts';

const MOSQUITTO = ['/usr/sbin/mosquitto', 'mosquitto'].find((m) => spawnSync(m, ['-h'], { stdio: 'ignore' }).error === undefined);
const dir = mkdtempSync(join(tmpdir(), 'drukte-acks-'));
let broker: ChildProcess | undefined;
let url: string;

beforeAll(async () => {
  if (!MOSQUITTO) throw new Error('mosquitto is not installed: this test needs it (apt-get install mosquitto; .ci/run does it)');
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  url = `mqtt://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'mosquitto.conf'), [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest none'].join('\n'));
  broker = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 }).catch(() => null);
    if (c) {
      await c.endAsync();
      break;
    }
    await new Promise((r) => setTimeout(r, 50)); // mosquitto starting
  }
});

afterAll(() => {
  broker?.kill();
  rmSync(dir, { recursive: true, force: true });
});

it('withholds the PUBACK of a message whose commit failed; the broker sends it again; then it is acknowledged once', async () => {
  const ext = new ExternalBroker({ url, clientId: 'drukte-gateway-acks', shared: { sessionExpirySeconds: 600 }, logger: silentLogger() });
  await ext.start();
  const seen: string[] = [];
  let failNext = true;
  const settled: Array<() => void> = [];
  ext.intercept('drukte/v1/sensors/+/aggregate', (m) => {
    seen.push(m.payload.toString());
    if (failNext) {
      failNext = false;
      return Promise.reject(new Error('commit failed (disk full)'));
    }
    return new Promise<void>((resolve) => settled.push(resolve)); // the commit, released by the test
  });
  await ext.ready();
  const sensor = await mqtt.connectAsync(url, { clientId: 'sensor-acks', reconnectPeriod: 0 });
  await sensor.publishAsync('drukte/v1/sensors/acks/aggregate', 'one', { qos: 1 });
  // The first delivery fails to commit: no PUBACK; the gateway reconnects and mosquitto sends the message again.
  for (let i = 0; i < 200 && settled.length === 0; i++) await new Promise((r) => setTimeout(r, 25)); // bounded wait for the redelivery
  expect(seen).toEqual(['one', 'one']);
  expect(ext.withheld).toBe(1);
  settled[0]!(); // the commit of the second delivery: now its PUBACK leaves
  await ext.stop(); // a clean stop waits for the PUBACKs in flight

  // The same session again: had the PUBACK not been sent, mosquitto would deliver 'one' a third time, before 'two'.
  const again = new ExternalBroker({ url, clientId: 'drukte-gateway-acks', shared: { sessionExpirySeconds: 600 }, logger: silentLogger() });
  await again.start();
  const next = new Promise<void>((resolve) => again.intercept('drukte/v1/sensors/+/aggregate', (m) => {
    seen.push(m.payload.toString());
    if (m.payload.toString() === 'two') resolve();
  }));
  await again.ready();
  await sensor.publishAsync('drukte/v1/sensors/acks/aggregate', 'two', { qos: 1 });
  await next;
  expect(seen).toEqual(['one', 'one', 'two']);
  await sensor.endAsync();
  await again.stop();
}, 30_000);
