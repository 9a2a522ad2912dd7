/**
 * `drukte doctor`: the installer's checks, run against a fake LD2450 on the far end of a socat PTY pair (the
 * simulator's module, answering the same commands as a real one), the real gateway (aedes, per-sensor credentials)
 * on port 0 and a provisioned bundle. The checks are injected with an NTP answer and short timeouts; one run goes
 * through the bundle's own compiled `drukte doctor`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { formatResults, runChecks, type CheckResult, type DoctorEnv, type DoctorTarget } from '../../firmware/doctor/checks.ts';
import { provision } from '../../cli/provision.ts';
import { DataDirGateway } from '../../cli/provision-gateway.ts';
import { loadBundleIdentity, readCredentials, readDescriptor } from '../../firmware/bundle/identity.ts';
import { DAY_MS } from '../../firmware/lifecycle/expiry.ts';
import { LIFECYCLE_FILE, TOMBSTONE_FILE } from '../../firmware/lifecycle/store.ts';
import { openDatabase } from '../../gateway/store/db.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { realSerialBinding, type SerialPortLike } from '../../hardware/bindings/serial.ts';
import { FakeLd2450, type FakeLd2450Options } from '../../simulator/ld2450-device.ts';
import { openPtyPair, type PtyPair } from '../../simulator/pty.ts';
import { dayAfter, exampleManifest } from '../lifecycle/helpers.ts';

const run = promisify(execFile);
const NOW = Date.now();
const work = mkdtempSync(join(tmpdir(), 'drukte-doctor-'));

const byName = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r]));
const statuses = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r.status]));

describe('drukte doctor', () => {
  let gateway: Gateway;
  let pty: PtyPair;
  let radarPort: SerialPortLike;
  let radar: FakeLd2450;
  let target: DoctorTarget;
  const env: DoctorEnv = { clock: systemClock, serial: realSerialBinding, ntpSynchronized: async () => true, radarTimeoutMs: 300, brokerTimeoutMs: 3000 };

  /** A fresh fake LD2450 on the radar end of the PTY. */
  function plugRadar(options: FakeLd2450Options = { bluetooth: false }): FakeLd2450 {
    radarPort.off('data', receive);
    radar = new FakeLd2450((bytes) => void radarPort.write(bytes).catch(() => undefined), options);
    radarPort.on('data', receive);
    return radar;
  }
  const receive = (bytes: Buffer) => radar.receive(bytes);

  beforeAll(async () => {
    const gatewayDir = join(work, 'gateway');
    openDatabase(gatewayDir).close();
    const admin = new DataDirGateway(gatewayDir);
    const manifest = exampleManifest(work, { expiresAt: dayAfter(NOW, 200) });
    const { bundleDir } = await provision({ manifestPath: manifest, outDir: join(work, 'bundle'), gateway: admin, nowMs: NOW, print: () => undefined });
    admin.close();
    gateway = await startGateway({ dataDir: gatewayDir, mqtt: { port: 0 }, http: { port: 0 }, clock: systemClock, logger: silentLogger() });
    pty = await openPtyPair(work);
    radarPort = await realSerialBinding.open(pty.a, 256000);
    plugRadar();
    target = {
      bundleDir, identity: await loadBundleIdentity(bundleDir), descriptor: readDescriptor(bundleDir), credentials: readCredentials(bundleDir),
      device: pty.b, baud: 256000, brokerUrl: gateway.urls.mqtt, dataDir: mkdtempSync(join(work, 'data-')),
    };
  });

  afterEach(() => {
    plugRadar();
  });

  afterAll(async () => {
    await radarPort?.close();
    await pty?.close();
    await gateway?.stop();
  });

  it('a sensor installed right: every check ✓', async () => {
    const results = await runChecks(target, env);
    expect(statuses(results)).toEqual({ bundle: 'pass', 'native code': 'pass', 'serial device': 'pass', radar: 'pass', bluetooth: 'pass', 'zone filter': 'pass', clock: 'pass', broker: 'pass', expiry: 'pass' });
    const r = byName(results);
    expect(r.radar!.detail).toBe('HLK-LD2450 answers, firmware V2.04.23101915');
    expect(r['zone filter']!.detail).toContain('(-1000, 500)–(1000, 2000) mm');
    expect(r.expiry!.detail).toMatch(/^200 days left/);
    expect(r['native code']!.detail).toMatch(/^\d+ addon\(s\), all for (x64|arm64|armv7)$/);
    expect(formatResults(results)).toMatch(/all 9 checks passed$/);
  });

  it('radar Bluetooth on: ✗ with a fix; doctor switched it off, and the next run is ✓', async () => {
    plugRadar({ bluetooth: true });
    const first = byName(await runChecks(target, env));
    expect(first.bluetooth).toMatchObject({ status: 'fail', fix: expect.stringContaining('again') });
    expect(radar.bluetooth).toBe(false);
    expect(byName(await runChecks(target, env)).bluetooth!.status).toBe('pass');
  });

  it('a radar that does not answer, or no serial device at all', async () => {
    plugRadar({ deaf: true });
    const deaf = byName(await runChecks(target, env));
    expect(deaf.radar).toMatchObject({ status: 'fail', fix: expect.stringMatching(/GPIO14/) });
    expect([deaf.bluetooth!.status, deaf['zone filter']!.status]).toEqual(['skip', 'skip']);
    const gone = await runChecks({ ...target, device: join(work, 'no-radar') }, env);
    expect(statuses(gone)).toMatchObject({ 'serial device': 'fail', radar: 'skip', bluetooth: 'skip', 'zone filter': 'skip' });
    expect(formatResults(gone)).toMatch(/fix: enable the UART/);
  });

  it('the broker: wrong credentials and an unreachable gateway are ✗', async () => {
    const wrong = byName(await runChecks({ ...target, credentials: { ...target.credentials!, password: 'not-the-password' } }, env));
    expect(wrong.broker).toMatchObject({ status: 'fail', detail: expect.stringContaining('refuses this sensor') });
    const closed = byName(await runChecks({ ...target, brokerUrl: 'mqtt://127.0.0.1:1' }, env));
    expect(closed.broker).toMatchObject({ status: 'fail', detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('the clock: NTP not synchronised, or (without NTP status) behind the sensor\'s high-water mark', async () => {
    expect(byName(await runChecks(target, { ...env, ntpSynchronized: async () => false })).clock!.status).toBe('fail');
    const noNtp = { ...env, ntpSynchronized: async () => null };
    expect(byName(await runChecks(target, noNtp)).clock!.status).toBe('pass');
    const dataDir = mkdtempSync(join(work, 'data-'));
    writeFileSync(join(dataDir, LIFECYCLE_FILE), JSON.stringify({ v: 1, sensor: target.identity.manifest.id, highWaterMs: Date.now() + 3_600_000 }));
    expect(byName(await runChecks({ ...target, dataDir }, noNtp)).clock).toMatchObject({ status: 'fail', detail: expect.stringMatching(/60 min behind/) });
  });

  it('days to expiry: expiring is ✓ with a warning, expired (or a tombstone) is ✗', async () => {
    const later = { ...env, clock: { now: () => NOW + 180 * DAY_MS, monotonic: () => 0 } };
    expect(byName(await runChecks(target, later)).expiry!.detail).toMatch(/^20 days left: expiring/);
    const dataDir = mkdtempSync(join(work, 'data-'));
    writeFileSync(join(dataDir, TOMBSTONE_FILE), JSON.stringify({ v: 1, sensor: target.identity.manifest.id }));
    expect(byName(await runChecks({ ...target, dataDir }, env)).expiry).toMatchObject({ status: 'fail', detail: expect.stringContaining('tombstone') });
  });

  it('runs as the bundle\'s own compiled `drukte doctor`: exit 0 when all is well, 1 with a ✗', async () => {
    const args = [join(target.bundleDir, 'bin/drukte.js'), 'doctor', '--device', pty.b, '--broker', gateway.urls.mqtt, '--data-dir', target.dataDir];
    const ok = await run(process.execPath, args, { timeout: 15_000 });
    expect(ok.stdout).toMatch(/✓ radar +HLK-LD2450 answers/);
    expect(ok.stdout).toMatch(/✓ broker/);
    const bad = await run(process.execPath, [...args.slice(0, 3), join(work, 'no-radar'), ...args.slice(4)], { timeout: 15_000 }).catch((e: { code: number; stdout: string }) => e);
    expect(bad).toMatchObject({ code: 1, stdout: expect.stringMatching(/✗ serial device/) });
  });
});
