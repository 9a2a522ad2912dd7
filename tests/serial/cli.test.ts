/**
 * The two CLI verbs on a real PTY pair: `drukte simulate --driver D --pty A` writes each driver's real byte format
 * (the LD2450 answers configuration commands), and `drukte sensor --device B` runs the firmware on the other end
 * against a real broker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeCbor } from '../../shared/codec.ts';
import type { Status } from '../../shared/payloads.ts';
import { statusTopic } from '../../shared/topics.ts';
import { createReportParser, type DriverEvent } from '../../hardware/drivers.ts';
import { realSerialBinding } from '../../hardware/bindings/serial.ts';
import { configureLd2450 } from '../../hardware/ld2450/driver.ts';
import { openPtyPair, type PtyPair, type RadarDriver } from '../../simulator/pty.ts';
import { startBareBroker } from '../../simulator/bare-broker.ts';
import { HAVE_SOCAT, tempDir, until } from './helpers.ts';

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const f of cleanups.splice(0).reverse()) await f();
});

function drukte(args: string[]): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, ['bin/drukte.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DRUKTE_LOG_LEVEL: 'info' } });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => void (out += d.toString()));
  children.push(child);
  return Object.assign(child, { output: () => out });
}

async function pty(): Promise<PtyPair> {
  const tmp = tempDir('drukte-cli-pty-');
  const pair = await openPtyPair(tmp.dir);
  cleanups.push(() => tmp.remove(), () => pair.close());
  return pair;
}

const exited = (c: ChildProcess): Promise<number | null> => (c.exitCode !== null ? Promise.resolve(c.exitCode) : new Promise((r) => c.once('exit', (code) => r(code))));

describe.skipIf(!HAVE_SOCAT)(`drukte simulate / sensor on a PTY${HAVE_SOCAT ? '' : ' — skipped: socat is not installed'}`, () => {
  it('simulate --driver ld2450 answers the configuration like the module and then streams report frames', async () => {
    const pair = await pty();
    const sim = drukte(['simulate', '--driver', 'ld2450', '--pty', pair.a]);
    const port = await realSerialBinding.open(pair.b, 256000);
    cleanups.push(() => port.close());
    const info = await configureLd2450(port, [[-500, 400], [500, 400], [500, 3000]], { timeoutMs: 3000 });
    expect(info).toMatchObject({ firmware: 'V2.04.23101915', bluetooth: 'switched-off', zoneFilter: { type: 'inside', rectMm: [-500, 400, 500, 3000] } });
    const parser = createReportParser('ld2450');
    let reports = 0;
    parser.on('data', (e: DriverEvent) => void (e.type === 'report' && reports++));
    port.on('data', (b) => parser.write(b));
    await until(() => reports >= 5, 'report frames after configuration');
    sim.kill('SIGTERM');
    expect(await exited(sim)).toBe(0);
  });

  it.each(['ld2410', 'ti-people'] as RadarDriver[])('simulate --driver %s streams that radar’s real frames', async (driver) => {
    const pair = await pty();
    const sim = drukte(['simulate', '--driver', driver, '--pty', pair.a]);
    const port = await realSerialBinding.open(pair.b, driver === 'ti-people' ? 921600 : 256000);
    cleanups.push(() => port.close());
    const parser = createReportParser(driver);
    let reports = 0;
    parser.on('data', (e: DriverEvent) => void (e.type === 'report' && reports++));
    port.on('data', (b) => parser.write(b));
    await until(() => reports >= 5, `${driver} report frames`);
    sim.kill('SIGTERM');
    expect(await exited(sim)).toBe(0);
  });

  it('sensor --device PTY configures the simulated radar and announces itself registering over MQTT', async () => {
    const pair = await pty();
    const broker = await startBareBroker();
    cleanups.push(() => broker.close());
    const tmp = tempDir('drukte-cli-sensor-');
    cleanups.push(() => tmp.remove());
    const expiresAt = new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10);
    const manifest = join(tmp.dir, 'sensor.yaml');
    writeFileSync(manifest, stringify({
      id: 'cli-pty-door', driver: 'ld2450',
      owner: { name: 'Test Owner', organisation: 'Gemeente Test', email: 'owner@test.example' },
      purpose: 'test of drukte sensor on a PTY', legalGround: 'AVG art. 6(1)(e)', dpiaRef: 'DPIA-TEST',
      location: { lat: 52.37, lon: 4.89, description: 'test doorway' },
      area: { m2: 2.4, zone: [[-800, 500], [800, 500], [800, 2000], [-800, 2000]] },
      minimisation: { windowSeconds: 10, kFloor: 3, granularity: 1 },
      expiresAt, registerUrl: 'http://localhost/sensors/cli-pty-door', gatewayUrl: broker.url,
    }));
    const mqtt = await connectAsync(broker.url, { reconnectPeriod: 0 });
    cleanups.push(() => mqtt.endAsync());
    const statuses: Status[] = [];
    mqtt.on('message', (_t, payload) => statuses.push(decodeCbor(payload) as Status));
    await mqtt.subscribeAsync(statusTopic('cli-pty-door'), { qos: 1 });

    drukte(['simulate', '--driver', 'ld2450', '--pty', pair.a, '--peak', '3']);
    const sensor = drukte(['sensor', '--manifest', manifest, '--device', pair.b, '--data-dir', join(tmp.dir, 'data')]);
    await until(() => statuses.some((s) => s.state === 'registering'), 'status registering', 15_000);
    expect(sensor.output()).toContain('LD2450 configured');
    expect(sensor.output()).toContain('V2.04.23101915');
    sensor.kill('SIGTERM');
    expect(await exited(sensor)).toBe(0);
    await until(() => statuses.at(-1)?.state === 'offline', 'status offline after stop');
  }, 30_000);

  it('sensor refuses a beam manifest without --device gpio:A,B', async () => {
    const tmp = tempDir('drukte-cli-bad-');
    cleanups.push(() => tmp.remove());
    const manifest = join(tmp.dir, 'm.yaml');
    writeFileSync(manifest, stringify({
      id: 'cli-beam', driver: 'beam', owner: { name: 'Test Owner', organisation: 'Gemeente Test', email: 'owner@test.example' },
      purpose: 'count visitors at the hall entrance', legalGround: 'AVG art. 6(1)(e)', dpiaRef: 'DPIA-TEST',
      location: { lat: 52.37, lon: 4.89, description: 'hall door' }, area: { m2: 600 },
      expiresAt: new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10), registerUrl: 'http://localhost/sensors/cli-beam', gatewayUrl: 'mqtt://127.0.0.1:1',
    }));
    const bad = drukte(['sensor', '--manifest', manifest, '--device', '/dev/ttyAMA0', '--data-dir', tmp.dir]);
    expect(await exited(bad)).toBe(2);
    expect(bad.output()).toContain("driver 'beam' needs --device gpio:A,B");
  }, 20_000);
});
