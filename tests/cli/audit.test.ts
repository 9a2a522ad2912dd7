import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.ts';
import { encodeSensorPayload } from '../../shared/codec.ts';
import { silentLogger } from '../../shared/log.ts';
import { FRUIN_WALKWAY } from '../../shared/density.ts';
import { statusTopic } from '../../shared/topics.ts';
import { REPO_ROOT } from '../../firmware/identity.ts';
import { minimiserHash } from '../../firmware/minimiser-hash.ts';
import { startSensor, type RunningSensor } from '../../firmware/sensor.ts';
import { startBareBroker, type BareBroker } from '../../simulator/bare-broker.ts';
import { passwordOf, READER, sensorInfo, startTestGateway } from '../gateway/helpers.ts';

const exec = promisify(execFile);
const audit = (args: string[]) => exec(process.execPath, ['bin/drukte.js', 'audit', ...args]).then((r) => ({ code: 0, ...r }), (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }));
const HASH = minimiserHash(REPO_ROOT);
const dir = mkdtempSync(join(tmpdir(), 'drukte-audit-'));

describe('drukte audit', () => {
  let broker: BareBroker;
  let sensor: RunningSensor;
  beforeAll(async () => {
    broker = await startBareBroker();
    // A live sensor running this checkout's firmware publishes its retained Status with the minimiser hash.
    sensor = await startSensor({
      identity: { id: 'audit-live', expiresAt: '2027-12-31', firmware: '0.1.0', minimiser: HASH, bundle: 'c'.repeat(64) },
      driver: 'ld2450',
      settings: { areaM2: 4, zone: null, scheme: FRUIN_WALKWAY, windowSeconds: 10, kFloor: 3, granularity: 1, output: 'level+count', heartbeatSeconds: 60 },
      broker: { url: broker.url }, dataDir: join(dir, 'sensor'),
    }, { source: new PassThrough(), clock: systemClock, logger: silentLogger(), tickMs: null });
    // A tampered device claims another minimiser.
    const c = await mqtt.connectAsync(broker.url);
    await c.publishAsync(statusTopic('audit-forged'), encodeSensorPayload('status', {
      v: 1, sensor: 'audit-forged', state: 'registering', expiresAt: '2027-12-31', firmware: '0.1.0', minimiser: 'f'.repeat(64), bundle: 'c'.repeat(64), since: 1_767_225_600,
    }), { qos: 1, retain: true });
    await c.endAsync();
  });
  afterAll(async () => {
    await sensor.stop();
    await broker.close();
  });

  it('prints the source hash and every file it covers', async () => {
    const r = await audit([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`minimiser hash from source:  ${HASH}`);
    expect(r.stdout).toContain('firmware/minimiser/minimiser.ts');
  });

  it('verifies a live sensor through its retained status: match → exit 0, forged → exit 1, absent → exit 3', async () => {
    const ok = await audit(['--broker', broker.url, '--sensor', 'audit-live', '--timeout', '5']);
    expect(ok.stdout).toMatch(/✓ MATCH/);
    expect(ok.code).toBe(0);
    const bad = await audit(['--broker', broker.url, '--sensor', 'audit-forged', '--timeout', '5']);
    expect(bad.stdout).toMatch(/✗ MISMATCH/);
    expect(bad.code).toBe(1);
    const none = await audit(['--broker', broker.url, '--sensor', 'audit-nobody', '--timeout', '1']);
    expect(none.stderr).toMatch(/no retained status/);
    expect(none.code).toBe(3);
  });

  it('a bundle that carries only a claimed hash (bundle.json) cannot be verified: exit 3, whatever it claims', async () => {
    const claim = join(dir, 'claim-only');
    await exec('mkdir', ['-p', claim]);
    writeFileSync(join(claim, 'bundle.json'), JSON.stringify({ format: 1, sensor: 'x', bundle: 'b'.repeat(64), minimiser: HASH }));
    const r = await audit(['--bundle', claim]);
    expect(r.stdout).toMatch(/ships no minimiser-source\//);
    expect(r.code).toBe(3);
    expect((await audit(['--bundle', dir])).code).toBe(3); // no bundle.json at all
    // Real bundles, tampered in the ways that matter: tests/lifecycle/bundle-arch.test.ts.
  });
});

describe('drukte audit against a running gateway (authentication on)', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let live: RunningSensor;
  const gwDir = mkdtempSync(join(tmpdir(), 'drukte-audit-gw-'));
  beforeAll(async () => {
    gw = await startTestGateway([sensorInfo('audit-gw', { expiresAt: '2027-12-31', minimiserHash: HASH })], { clock: systemClock as never });
    live = await startSensor({
      identity: { id: 'audit-gw', expiresAt: '2027-12-31', firmware: '0.1.0', minimiser: HASH, bundle: 'c'.repeat(64) },
      driver: 'ld2450',
      settings: { areaM2: 4, zone: null, scheme: FRUIN_WALKWAY, windowSeconds: 10, kFloor: 3, granularity: 1, output: 'level+count', heartbeatSeconds: 60 },
      broker: { url: gw.mqttUrl, username: 'audit-gw', password: passwordOf('audit-gw') }, dataDir: join(gwDir, 'sensor'),
    }, { source: new PassThrough(), clock: systemClock, logger: silentLogger(), tickMs: null });
    for (let i = 0; i < 200; i++) {
      const entry = (await (await fetch(`${gw.base}/api/sensors/audit-gw`)).json()) as { reported?: { minimiser?: string } | null };
      if (entry.reported?.minimiser === HASH) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await live.stop();
    await gw.gw.stop();
  });

  it('--gateway compares with what the live sensor reported to the register', async () => {
    const r = await audit(['--gateway', gw.base, '--sensor', 'audit-gw']);
    expect(r.stdout).toMatch(/✓ MATCH \(a claim\): the sensor reports the minimiser in this checkout/);
    // Says what it proves and what not: the hash is the sensor's word; the gateway's checks are what holds.
    expect(r.stdout).toMatch(/What this proves:[\s\S]*the gateway checks every aggregate against the register[\s\S]*What this does NOT prove:[\s\S]*a modified device can report any hash/);
    expect(r.code).toBe(0);
    expect((await audit(['--gateway', gw.base, '--sensor', 'nobody-here', '--timeout', '2'])).code).toBe(3);
  });

  it('--broker reads the retained status with feed-reader credentials; anonymous is refused', async () => {
    const pw = join(gwDir, 'reader.pw');
    writeFileSync(pw, passwordOf(READER));
    const r = await audit(['--broker', gw.mqttUrl, '--sensor', 'audit-gw', '--username', READER, '--password-file', pw, '--timeout', '5']);
    expect(r.stdout).toMatch(/✓ MATCH/);
    expect(r.code).toBe(0);
    const anon = await audit(['--broker', gw.mqttUrl, '--sensor', 'audit-gw', '--timeout', '3']);
    expect(anon.code).toBe(3);
  });

  it('--gateway shows the gateway\'s own verdict: a suspended sensor fails the audit whatever hash it reports', async () => {
    gw.gw.register.suspend('audit-gw', 'count-below-k');
    const r = await audit(['--gateway', gw.base, '--sensor', 'audit-gw']);
    expect(r.stdout).toMatch(/the gateway's own checks: state suspended — SUSPENDED since .* \(count-below-k\)/);
    expect(r.stdout).toMatch(/✗ SUSPENDED/);
    expect(r.code).toBe(1);
  });
});
