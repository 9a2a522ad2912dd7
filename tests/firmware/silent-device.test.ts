/**
 * issue 10, must-have 7: a device that stays silent is a fault. No frames for `silentAfterSeconds` (default 3
 * windows) → status `fault` with a reason, on the retained status too; frames again → `registering`. A manual
 * clock drives it; a real aedes broker carries the statuses.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { startSensor, type RunningSensor } from '../../firmware/sensor.ts';
import { encodeLd2450Report } from '../../simulator/encoders/ld2450.ts';
import { startAedes, watchStatus, type TestBroker } from '../lifecycle/helpers.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const settings = { areaM2: 2, zone: [[-1000, 0], [1000, 0], [1000, 3000], [-1000, 3000]], scheme: 'crowd-v1', windowSeconds: 10, kFloor: 3, granularity: 1, output: 'level+count', heartbeatSeconds: 60 } as const;
const identity = (id: string) => ({ id, expiresAt: '2026-12-31', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64) });

let broker: TestBroker;
const running: RunningSensor[] = [];
beforeAll(async () => {
  broker = await startAedes();
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  await broker.close();
});

async function start(id: string, silentAfterSeconds?: number) {
  const clock = new ManualClock(T0);
  const source = new PassThrough();
  const frame = () => source.write(encodeLd2450Report([{ xMm: 0, yMm: 1000 }]));
  const sensor = await startSensor(
    { identity: identity(id), driver: 'ld2450', settings: settings as never, broker: { url: broker.url }, dataDir: mkdtempSync(join(tmpdir(), 'drukte-silent-')), ...(silentAfterSeconds ? { silentAfterSeconds } : {}) },
    { source, clock, logger: silentLogger(), tickMs: null },
  );
  running.push(sensor);
  return { clock, sensor, frame };
}

it('no frames for 3 windows → fault with a reason (retained), frames again → registering', async () => {
  const watch = await watchStatus(broker.url, 'silent-a');
  const { clock, sensor, frame } = await start('silent-a');
  frame();
  expect(sensor.state).toBe('registering');
  clock.advance(29_000);
  sensor.tick();
  expect(sensor.state).toBe('registering'); // 29 s < 3 windows of 10 s
  clock.advance(1_000);
  sensor.tick();
  expect(sensor.state).toBe('fault');
  expect(sensor.reason).toBe('no frames from the device for 30 s; check its power and wiring');
  await watch.waitFor((s) => s.state === 'fault' && s.reason === sensor.reason, 5000, "'fault' on the broker");
  frame();
  expect(sensor.state).toBe('registering');
  await watch.waitFor((s) => s.state === 'registering', 5000, "'registering' on the broker");
});

it('the time is configurable', async () => {
  const { clock, sensor, frame } = await start('silent-b', 120);
  frame();
  clock.advance(100_000);
  sensor.tick();
  expect(sensor.state).toBe('registering');
  clock.advance(20_000);
  sensor.tick();
  expect(sensor.reason).toContain('120 s');
});

it('a device that never sends a frame is a fault too (not "starting" for ever)', async () => {
  const { clock, sensor } = await start('silent-c');
  expect(sensor.state).toBe('starting');
  clock.advance(30_000);
  sensor.tick();
  expect(sensor.state).toBe('fault');
});
