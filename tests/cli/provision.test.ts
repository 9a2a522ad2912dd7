/**
 * `drukte provision` as a technician runs it: refusals with every problem at once, and a registration through the
 * gateway's authenticated admin API (the other path, the gateway's data directory, is in tests/lifecycle/).
 * The registered credentials then work on the gateway's broker, with the sensor's fixed client id.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { provision, run as runProvision } from '../../cli/provision.ts';
import { AdminApiGateway } from '../../cli/provision-gateway.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { dayAfter, exampleManifest, REPO } from '../lifecycle/helpers.ts';

const run = promisify(execFile);
const drukte = (...args: string[]) => run(process.execPath, [join(REPO, 'bin/drukte.js'), ...args], { timeout: 30_000 });
const failed = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the command to fail'); }, (e: { code: number; stdout: string; stderr: string }) => e);
const TOKEN = 'admin-token-for-tests-0123456789';

describe('drukte provision', () => {
  const work = mkdtempSync(join(tmpdir(), 'drukte-provision-'));
  const tokenFile = join(work, 'admin-token');
  let gateway: Gateway;

  beforeAll(async () => {
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    gateway = await startGateway({ dataDir: join(work, 'gateway'), admin: { token: TOKEN }, mqtt: { port: 0 }, http: { port: 0 }, clock: systemClock, logger: silentLogger() });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('lists every problem of a manifest at once, in plain words, and makes nothing', async () => {
    const dir = mkdtempSync(join(work, 'bad-'));
    const manifest = exampleManifest(dir, { owner: { name: 'X', organisation: 'Gemeente', email: 'not-an-address' }, dpiaRef: undefined, expiresAt: dayAfter(Date.now(), 800), k: 2 });
    const e = await failed(drukte('provision', '--manifest', manifest, '--out', join(dir, 'out'), '--no-register'));
    expect(e.code).toBe(2);
    for (const line of ['✗ owner.name:', '✗ owner.email: required: a reachable e-mail address', '✗ dpiaRef:', '✗ expiresAt:', 'more than 2 years after provisioning', "✗ k: 'k' is not a manifest key"]) expect(e.stderr).toContain(line);
    expect(e.stderr).toContain('nothing was left behind');
    expect(readdirSync(dir)).toEqual(['sensor.yaml']);
  });

  it('insists on saying where to register, and on a new --out', async () => {
    const dir = mkdtempSync(join(work, 'flags-'));
    const manifest = exampleManifest(dir, { expiresAt: dayAfter(Date.now(), 30) });
    await expect(runProvision(['--manifest', manifest, '--out', join(dir, 'out')])).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--no-register') });
    await expect(runProvision(['--manifest', manifest, '--out', dir, '--no-register'])).rejects.toThrow(/already exists/);
    await expect(runProvision(['--manifest', manifest, '--out', join(dir, 'out'), '--gateway', 'http://127.0.0.1:1/'])).rejects.toThrow(/--admin-token-file/);
    await expect(runProvision(['--manifest', manifest, '--out', join(dir, 'out'), '--gateway-data', join(dir, 'nowhere')])).rejects.toThrow(/no gateway database/);
    expect(readdirSync(dir)).toEqual(['sensor.yaml']);
  });

  it('registers through the admin API; the gateway stores the hashes and accepts the sensor\'s credentials', async () => {
    const dir = mkdtempSync(join(work, 'api-'));
    // No URLs in the manifest: the register URL (sign, display) and the broker come from the gateway itself.
    const manifest = exampleManifest(dir, { id: 'api-provisioned', expiresAt: dayAfter(Date.now(), 90), registerUrl: undefined, gatewayUrl: undefined });
    const out = join(dir, 'bundle');
    const { stdout } = await drukte('provision', '--manifest', manifest, '--out', out, '--gateway', gateway.urls.http, '--admin-token-file', tokenFile);
    expect(stdout).toContain(`✓ registered at the gateway (${gateway.urls.http})`);
    expect(stdout).toContain(`✓ from the gateway: register ${gateway.urls.http}sensors/api-provisioned, broker ${gateway.urls.mqtt}`);
    expect(readFileSync(join(out, 'SIGN.txt'), 'utf8')).toContain(`${gateway.urls.http}sensors/api-provisioned`);
    expect(readFileSync(join(out, 'dist/firmware/generated/identity.js'), 'utf8')).toContain(`"gatewayUrl": "${gateway.urls.mqtt}"`);
    expect(gateway.register.get('api-provisioned')).toMatchObject({ registerUrl: `${gateway.urls.http}sensors/api-provisioned` });
    const descriptor = JSON.parse(readFileSync(join(out, 'bundle.json'), 'utf8'));
    expect(gateway.register.get('api-provisioned')).toMatchObject({ bundleHash: descriptor.bundle, minimiserHash: descriptor.minimiser, expiresAt: dayAfter(Date.now(), 90) });
    const { username, password } = JSON.parse(readFileSync(join(out, 'credentials.json'), 'utf8'));
    const client = await connectAsync(gateway.urls.mqtt, { clientId: 'sensor-api-provisioned', username, password, reconnectPeriod: 0 });
    await client.endAsync();
    await expect(connectAsync(gateway.urls.mqtt, { clientId: 'sensor-api-provisioned', username, password: 'guess', reconnectPeriod: 0 })).rejects.toThrow();
  });

  it('a manifest whose URLs disagree with the gateway is refused with the fix, and nothing is made or registered', async () => {
    const dir = mkdtempSync(join(work, 'where-'));
    const manifest = exampleManifest(dir, { id: 'wrong-urls', expiresAt: dayAfter(Date.now(), 90), registerUrl: 'http://localhost:8080/sensors/wrong-urls', gatewayUrl: 'mqtt://localhost:1883' });
    const e = await failed(drukte('provision', '--manifest', manifest, '--out', join(dir, 'out'), '--gateway', gateway.urls.http, '--admin-token-file', tokenFile));
    expect(e.code).toBe(1);
    expect(e.stderr).toContain(`the manifest disagrees with the gateway at ${gateway.urls.http}`);
    expect(e.stderr).toContain(`✗ registerUrl: the manifest says http://localhost:8080/sensors/wrong-urls, the gateway's register is ${gateway.urls.http}sensors/wrong-urls. Remove registerUrl from the manifest (provisioning fills it in)`);
    expect(e.stderr).toContain(`✗ gatewayUrl: the manifest says mqtt://localhost:1883, the gateway's broker is ${gateway.urls.mqtt}`);
    expect(readdirSync(dir)).toEqual(['sensor.yaml']);
    expect(gateway.register.get('wrong-urls')).toBeUndefined();
  });

  it('GET /api/admin/whereabouts: only with the admin token; public URLs as the gateway was told (--public-url …)', async () => {
    expect((await fetch(new URL('/api/admin/whereabouts', gateway.urls.http))).status).toBe(401);
    const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };
    expect(await (await fetch(new URL('/api/admin/whereabouts', gateway.urls.http), auth)).json()).toEqual({ http: gateway.urls.http, registerUrl: `${gateway.urls.http}sensors/{id}`, mqtt: gateway.urls.mqtt, mqtts: null });
    const published = await startGateway({ admin: { token: TOKEN }, mqtt: { port: 0 }, http: { port: 0 }, clock: systemClock, logger: silentLogger(), publicUrls: { http: 'https://drukte.example.nl', mqtts: 'mqtts://mqtt.drukte.example.nl:8883' } });
    try {
      expect(await (await fetch(new URL('/api/admin/whereabouts', published.urls.http), auth)).json()).toEqual({ http: 'https://drukte.example.nl/', registerUrl: 'https://drukte.example.nl/sensors/{id}', mqtt: published.urls.mqtt, mqtts: 'mqtts://mqtt.drukte.example.nl:8883' });
    } finally {
      await published.stop();
    }
  });

  it('a step failing after an API registration retires the registration again (the API never deletes)', async () => {
    const dir = mkdtempSync(join(work, 'undo-'));
    const out = join(dir, 'out');
    const manifest = exampleManifest(dir, { id: 'undone-by-api', expiresAt: dayAfter(Date.now(), 90), registerUrl: undefined, gatewayUrl: undefined });
    const build = async (o: { outDir: string }) => {
      writeFileSync(join(o.outDir, 'package.json'), '{}');
      mkdirSync(join(out, 'in-the-way'), { recursive: true }); // appears while building: the final rename fails
      return { descriptor: { bundle: 'b'.repeat(64), minimiser: 'a'.repeat(64), files: 1 } } as never;
    };
    const admin = new AdminApiGateway(gateway.urls.http, tokenFile);
    await expect(provision({ manifestPath: manifest, outDir: out, gateway: admin, nowMs: Date.now(), print: () => undefined, build })).rejects.toThrow(/ENOTEMPTY|EEXIST/);
    expect(gateway.register.record('undone-by-api')!.lifecycle).toBe('retired');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a wrong admin token: refused, and nothing is left behind', async () => {
    const dir = mkdtempSync(join(work, 'token-'));
    writeFileSync(join(dir, 'wrong-token'), 'not-the-admin-token-at-all');
    const manifest = exampleManifest(dir, { id: 'wrong-token', expiresAt: dayAfter(Date.now(), 90) });
    const build = async (o: { outDir: string }) => {
      writeFileSync(join(o.outDir, 'package.json'), '{}');
      return { descriptor: { bundle: 'b'.repeat(64), minimiser: 'a'.repeat(64), files: 1 } } as never;
    };
    const admin = new AdminApiGateway(gateway.urls.http, join(dir, 'wrong-token'));
    await expect(provision({ manifestPath: manifest, outDir: join(dir, 'out'), gateway: admin, nowMs: Date.now(), print: () => undefined, build })).rejects.toThrow(/admin token is not accepted/);
    expect(readdirSync(dir).sort()).toEqual(['sensor.yaml', 'wrong-token']);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(gateway.register.get('wrong-token')).toBeUndefined();
  });
});
