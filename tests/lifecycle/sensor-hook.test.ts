/**
 * The lifecycle inside the sensor's composition root (firmware/sensor.ts, option `lifecycle`), in process, with a
 * manual clock, a spy device and a real aedes broker: expiring → expired on the retained status, the device stopped
 * at expiry, nothing published after it, and a sensor expired at start that never opens its device.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { validateManifest, type Manifest } from '../../shared/manifest.ts';
import type { DeviceSink, SensorDevice } from '../../firmware/device/index.ts';
import { DAY_MS } from '../../firmware/lifecycle/expiry.ts';
import { EXPIRED_REASON, Lifecycle } from '../../firmware/lifecycle/lifecycle.ts';
import { FileLifecycleStore } from '../../firmware/lifecycle/store.ts';
import { startSensor, type RunningSensor } from '../../firmware/sensor.ts';
import { settingsFromManifest } from '../../firmware/settings.ts';
import { encodeLd2450Report } from '../../simulator/encoders/ld2450.ts';
import { startAedes, until, watchStatus, type TestBroker } from './helpers.ts';

const BUILT = Date.parse('2026-01-10T09:00:00Z');
const END = Date.parse('2026-07-01T00:00:00Z');

function manifest(id: string): Manifest {
  const r = validateManifest({
    id, driver: 'ld2450', owner: { name: 'Test Owner', organisation: 'Gemeente Test', email: 'owner@test.example' },
    purpose: 'testing the sensor lifecycle', legalGround: 'AVG art. 6(1)(e)', dpiaRef: 'DPIA-TEST',
    location: { lat: 52, lon: 4, description: 'test bench' }, area: { m2: 2, zone: [[-1000, 0], [1000, 0], [1000, 3000], [-1000, 3000]] },
    minimisation: { windowSeconds: 10, kFloor: 3, granularity: 1 }, expiresAt: '2026-06-30',
    registerUrl: `https://register.test/sensors/${id}`, gatewayUrl: 'mqtt://localhost:1883',
  }, BUILT);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.manifest;
}

/** A device that records what the sensor does with it; bytes are pushed in by the test. */
class SpyDevice implements SensorDevice {
  readonly description = 'spy';
  started = 0;
  stopped = 0;
  sink: DeviceSink | null = null;
  start(sink: DeviceSink): void {
    this.started++;
    this.sink = sink;
    sink.up({ kind: 'stream', description: 'spy' });
  }
  async stop(): Promise<void> {
    this.stopped++;
  }
  /** Three people in the zone, `n` report frames. */
  frames(n: number): void {
    for (let i = 0; i < n; i++) this.sink?.data(encodeLd2450Report([{ xMm: 0, yMm: 1000 }, { xMm: 300, yMm: 1500 }, { xMm: -300, yMm: 2000 }]));
  }
}

async function start(id: string, clock: ManualClock, dataDir: string, broker: TestBroker, device: SpyDevice) {
  const m = manifest(id);
  const lifecycle = new Lifecycle({ sensorId: id, expiresAt: m.expiresAt, builtAtMs: BUILT, clock, store: new FileLifecycleStore(dataDir) });
  const identity = { id, expiresAt: m.expiresAt, firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64) };
  const sensor = await startSensor({ identity, driver: 'ld2450', settings: settingsFromManifest(m, 10), broker: { url: broker.url }, dataDir, silentAfterSeconds: 400 * 86_400 }, // days pass without frames here: not a silence test
    { device, clock: lifecycle.clock, logger: silentLogger(), tickMs: null, lifecycle });
  await until(() => sensor.egress.connected, 5000, 'the sensor to connect');
  return { sensor, lifecycle };
}

describe('startSensor with a lifecycle', () => {
  let broker: TestBroker;
  const running: RunningSensor[] = [];
  beforeAll(async () => {
    broker = await startAedes();
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await broker.close();
  });

  it('goes registering → expiring → expired on its retained status; at expiry the device stops and nothing more is published', async () => {
    const clock = new ManualClock(END - 31 * DAY_MS);
    const device = new SpyDevice();
    const watch = await watchStatus(broker.url, 'hook-expiring');
    const { sensor } = await start('hook-expiring', clock, mkdtempSync(join(tmpdir(), 'drukte-hook-')), broker, device);
    running.push(sensor);
    const published: number[] = [];
    sensor.onAggregate((a) => published.push(a.seq));

    device.frames(5);
    await watch.waitFor((s) => s.state === 'registering', 5000, "'registering'");
    clock.advance(DAY_MS);
    sensor.tick();
    await watch.waitFor((s) => s.state === 'expiring', 5000, "'expiring'");
    clock.setWall(END - 400 * DAY_MS); // someone sets the clock back: monotonic time still counts
    sensor.tick();
    expect(sensor.state).toBe('expiring');

    device.frames(5); // an open window with people in it …
    clock.advance(30 * DAY_MS - 5000);
    sensor.tick(); // … closes here (window end passed), the last aggregate before expiry
    const before = published.length;
    expect(before).toBeGreaterThan(0);
    device.frames(5);
    clock.advance(5000);
    sensor.tick(); // expiry
    const expired = await watch.waitFor((s) => s.state === 'expired', 5000, "'expired'");
    expect(expired).toMatchObject({ sensor: 'hook-expiring', expiresAt: '2026-06-30', reason: EXPIRED_REASON });
    await until(() => device.stopped === 1, 2000, 'the device to be stopped');

    device.frames(20); // a device that keeps talking after its stop changes nothing
    clock.advance(60_000);
    sensor.tick();
    expect(published.length).toBe(before);
    expect(sensor.state).toBe('expired');

    await sensor.stop(); // the final status stays `expired`, not `offline`
    const late = await watchStatus(broker.url, 'hook-expiring');
    expect((await late.waitFor(() => true, 5000, 'the retained status')).state).toBe('expired');
    await Promise.all([watch.close(), late.close()]);
  });

  it('expired at start: never opens its device, only announces `expired` (also after a clock set back)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drukte-hook-'));
    const first = await start('hook-restart', new ManualClock(END + DAY_MS), dir, broker, new SpyDevice());
    expect(first.sensor.state).toBe('expired');
    await first.sensor.stop();

    const device = new SpyDevice();
    const again = await start('hook-restart', new ManualClock(END - 100 * DAY_MS), dir, broker, device);
    running.push(again.sensor);
    expect(again.lifecycle.tombstoned).toBe(true);
    expect(again.sensor.state).toBe('expired');
    expect(device.started).toBe(0);
    const watch = await watchStatus(broker.url, 'hook-restart');
    expect((await watch.waitFor(() => true, 5000, 'the retained status')).state).toBe('expired');
    again.sensor.tick();
    await again.sensor.stop();
    expect(device.started).toBe(0);
    await watch.close();
  });
});
