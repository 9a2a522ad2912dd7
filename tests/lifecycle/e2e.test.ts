/**
 * The technician's whole path, end to end, with real processes: `drukte provision` from examples/sensor.yaml (short
 * expiry, registered in a gateway data directory) → the bundle's compiled sensor (plain node) on one end of a socat
 * PTY pair → `drukte simulate --driver ld2450 --pty` on the other end (it answers the LD2450 configuration) → a real
 * aedes broker, where the sensor's retained status goes `expiring` → `expired`. Time is moved by an injected clock
 * (fixtures/bundle-harness.mjs), never by sleeping. A restart of the real `drukte sensor` afterwards never opens the
 * radar and only re-announces `expired`.
 */
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../simulator/pty.ts';
import { DAY_MS } from '../../firmware/lifecycle/expiry.ts';
import { openDatabase } from '../../gateway/store/db.ts';
import { dayAfter, exampleManifest, REPO, startAedes, until, watchStatus, type StatusWatcher, type TestBroker } from './helpers.ts';

const run = promisify(execFile);
const ID = 'stadhuis-entrance';

describe('provision → run against the simulator over a PTY → watch it expire', () => {
  const work = mkdtempSync(join(tmpdir(), 'drukte-e2e-'));
  const bundle = join(work, 'bundle');
  const dataDir = join(work, 'data');
  let broker: TestBroker;
  let pty: PtyPair;
  let simulator: ChildProcess;
  let watch: StatusWatcher;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    broker = await startAedes();
    pty = await openPtyPair(work);
    simulator = spawn(process.execPath, [join(REPO, 'bin/drukte.js'), 'simulate', '--driver', 'ld2450', '--pty', pty.a, '--peak', '3'], { stdio: 'ignore' });
    children.push(simulator);
    watch = await watchStatus(broker.url, ID);
    openDatabase(join(work, 'gateway')).close(); // the gateway's data directory
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await watch?.close();
    await pty?.close();
    await broker?.close();
  });

  it('provisions from the example manifest: every step ✓, then the text for the sign', async () => {
    const manifest = exampleManifest(work, { expiresAt: dayAfter(Date.now(), 10), gatewayUrl: broker.url });
    const { stdout } = await run(process.execPath, [join(REPO, 'bin/drukte.js'), 'provision', '--manifest', manifest, '--out', bundle, '--gateway-data', join(work, 'gateway')], { timeout: 30_000 });
    expect(stdout.match(/^✓ .*/gm)).toHaveLength(6);
    expect(stdout).toContain(`##    http://localhost:8080/sensors/${ID}    ##`);
    expect(stdout).toMatch(/Deze sensor stopt op \d{1,2} \S+ \d{4}\./);
    expect(stdout).toMatch(/This sensor stops on \d{1,2} \S+ \d{4}\./);
    expect(stdout).not.toContain(JSON.parse(readFileSync(join(bundle, 'credentials.json'), 'utf8')).password);
  });

  it('runs the compiled bundle against the simulated radar: expiring, then expired at the end of the day (injected clock)', async () => {
    const harness = fork(join(REPO, 'tests/lifecycle/fixtures/bundle-harness.mjs'), [bundle, dataDir, pty.b], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    children.push(harness);
    let log = '';
    harness.stdout!.on('data', (d: Buffer) => void (log += d.toString()));
    harness.stderr!.on('data', (d: Buffer) => void (log += d.toString()));
    const messages: Array<Record<string, unknown>> = [];
    harness.on('message', (m) => messages.push(m as Record<string, unknown>));
    const exited = new Promise<number | null>((resolve) => harness.once('exit', (code) => resolve(code)));

    const early = exited.then((code) => Promise.reject(new Error(`the sensor exited early (${code}):\n${log.slice(-3000)}`)));
    const expiring = await Promise.race([early, watch.waitFor((s) => s.state === 'expiring', 15_000, "'expiring' (radar configured, frames flowing)")]).catch((err: Error) => {
      throw new Error(`${err.message}\n${log.slice(-3000)}`);
    });
    early.catch(() => undefined);
    expect(expiring).toMatchObject({ sensor: ID, expiresAt: dayAfter(Date.now(), 10), firmware: '0.1.0' });
    expect(expiring.bundle).toBe(JSON.parse(readFileSync(join(bundle, 'bundle.json'), 'utf8')).bundle);
    expect(log).toContain('LD2450 configured');

    harness.send({ advance: 11 * DAY_MS });
    const expired = await watch.waitFor((s) => s.state === 'expired', 10_000, "'expired'");
    expect(expired.reason).toMatch(/expiry date passed/);
    expect(await exited).toBe(0);
    expect(messages.some((m) => m.finished === true && m.state === 'expired')).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, 'tombstone.json'), 'utf8'))).toMatchObject({ sensor: ID });

    const late = await watchStatus(broker.url, ID); // what anyone subscribing now sees: retained `expired`
    expect((await late.waitFor(() => true, 5000, 'the retained status')).state).toBe('expired');
    await late.close();
  });

  it('restarted after expiry (real `drukte sensor`, real clock): never opens the radar, only re-announces `expired`', async () => {
    expect(existsSync(join(dataDir, 'tombstone.json'))).toBe(true);
    const seen = watch.statuses.length;
    const child = spawn(process.execPath, [join(bundle, 'bin/drukte.js'), 'sensor', '--data-dir', dataDir, '--device', pty.b], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toContain('the device stays closed');
    expect(out).not.toMatch(/LD2450 configured|device up|device ready/);
    await until(() => watch.statuses.length > seen, 5000, 'the re-announcement');
    expect(new Set(watch.statuses.slice(seen).map((s) => s.state))).toEqual(new Set(['expired']));
  });
});
