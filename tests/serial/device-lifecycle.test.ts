/**
 * The device lifecycle (firmware/device/: reconnect.ts, serial.ts) on the fake serial binding with ManualTimers:
 * open → configure → data; a missing or vanished port → fault with a clear reason → exponential back-off → reopen;
 * and, through startSensor, that no data from before a gap is mixed into the window after it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import type { Aggregate } from '../../shared/payloads.ts';
import { fakeSerialBinding, type FakeSerialHub } from '../../hardware/bindings/serial-fake.ts';
import type { SerialBinding } from '../../hardware/bindings/serial.ts';
import { ManualTimers, settle } from '../../shared/timers.ts';
import type { DeviceInfo } from '../../firmware/device/index.ts';
import { backoffDelay, DEFAULT_BACKOFF } from '../../firmware/device/index.ts';
import { serialDevice } from '../../firmware/device/serial.ts';
import { startSensor, statusReason, type RunningSensor } from '../../firmware/sensor.ts';
import { validateStatus } from '../../shared/payloads.ts';
import { encodeLd2450Report } from '../../simulator/encoders/ld2450.ts';
import { FakeLd2450, type FakeLd2450Options } from '../../simulator/ld2450-device.ts';
import { FakeLd2410 } from '../../simulator/ld2410-device.ts';
import { FLAT_SETTINGS, IDENTITY } from './fixtures.ts';

const T0 = Date.parse('2026-05-01T12:00:00Z');
const PATH = '/dev/ttyUSB0';

/** Plug an LD2450 module into the fake hub at PATH. */
function plugModule(hub: FakeSerialHub, options: FakeLd2450Options = {}): FakeLd2450 {
  const wire = hub.plug(PATH);
  const module = new FakeLd2450((b) => wire.send(b), options);
  wire.on('data', (b: Buffer) => module.receive(b));
  return module;
}

function recorder() {
  const events: string[] = [];
  let bytes = 0;
  let info: DeviceInfo | null = null;
  return {
    events,
    bytes: () => bytes,
    info: () => info,
    sink: {
      data: (c: Buffer | object) => void (bytes += Buffer.isBuffer(c) ? c.length : 1),
      up: (i: DeviceInfo) => {
        info = i;
        events.push(`up ${i.description}`);
      },
      fault: (r: string) => void events.push(`fault ${r}`),
    },
  };
}

describe('device lifecycle: serial', () => {
  it('retries a missing port with exponential back-off, then configures the radar and streams', async () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const binding = fakeSerialBinding();
    const rec = recorder();
    const device = serialDevice({ path: PATH, driver: 'ld2450', zone: [[-800, 500], [800, 500], [800, 2000]] }, { clock, timers, binding });
    device.start(rec.sink);
    await settle();
    expect(rec.events).toEqual([`fault cannot open serial device ${PATH}: no such device: check the path and the cable (on a Pi enable the UART with raspi-config) (ENOENT)`]);
    expect(device.nextRetryMs).toBe(1000);
    await timers.advanceAsync(1000);
    expect(device.nextRetryMs).toBe(2000);
    await timers.advanceAsync(2000);
    expect(device.nextRetryMs).toBe(4000);

    const module = plugModule(binding.hub, { bluetooth: false });
    await timers.advanceAsync(4000);
    expect(rec.events.at(-1)).toBe(`up ${PATH} @ 256000 baud`);
    expect(rec.info()?.radar).toMatchObject({ firmware: 'V2.04.23101915', bluetooth: 'off', zoneFilter: { type: 'inside', rectMm: [-800, 500, 800, 2000] } });
    expect(rec.events.filter((e) => e.startsWith('fault'))).toHaveLength(3); // one per failed open, same reason
    module.report(encodeLd2450Report([{ xMm: 0, yMm: 1000 }]));
    await settle();
    expect(rec.bytes()).toBe(30);
    await device.stop();
    expect(binding.hub.device(PATH)?.hostOpen).toBe(false);
  });

  it('holds reads once configured (LD2450: 250 ms; TI: none; readHoldMs overrides); the configuration is not held', async () => {
    for (const [driver, config, expected] of [['ld2450', {}, 250], ['ld2450', { readHoldMs: 0 }, 0], ['ti-people', {}, 0]] as const) {
      const clock = new ManualClock(T0);
      const timers = new ManualTimers(clock);
      const fake = fakeSerialBinding();
      if (driver === 'ld2450') plugModule(fake.hub, { bluetooth: false });
      else fake.hub.plug(PATH);
      const log: string[] = [];
      const binding: SerialBinding = {
        name: 'spy',
        async open(path, baudRate) {
          const port = await fake.open(path, baudRate);
          const [hold, write] = [port.holdReads.bind(port), port.write.bind(port)];
          port.holdReads = (ms) => (log.push(`hold ${ms}`), hold(ms));
          port.write = (bytes) => (log.push('write'), write(bytes));
          return port;
        },
      };
      const device = serialDevice({ path: PATH, driver, ...config }, { clock, timers, binding });
      device.start(recorder().sink);
      await timers.advanceAsync(10);
      expect(device.up).toBe(true);
      expect(log.filter((e) => e.startsWith('hold'))).toEqual([`hold ${expected}`]);
      expect(log.lastIndexOf('write')).toBeLessThan(log.indexOf(`hold ${expected}`)); // every command before the hold
      if (driver === 'ld2450') expect(log).toContain('write');
      await device.stop();
    }
  });

  it('a vanished port is a fault with a clear reason; it is reopened when it is back', async () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const binding = fakeSerialBinding();
    plugModule(binding.hub, { bluetooth: false });
    const rec = recorder();
    const device = serialDevice({ path: PATH, driver: 'ld2450' }, { clock, timers, binding });
    device.start(rec.sink);
    await timers.advanceAsync(10);
    expect(device.up).toBe(true);

    binding.hub.unplug(PATH);
    await timers.advanceAsync(10);
    expect(rec.events.at(-1)).toBe(`fault serial device ${PATH} vanished (unplugged?)`);
    expect(device.up).toBe(false);
    await timers.advanceAsync(1000); // reopen fails: not there
    expect(rec.events.at(-1)).toMatch(/^fault cannot open serial device .*\(ENOENT\)$/);

    plugModule(binding.hub, { bluetooth: false });
    await timers.advanceAsync(2000);
    expect(device.up).toBe(true);
    expect(device.stats).toEqual({ opens: 2, faults: 2 });
    await device.stop();
  });

  it('a radar that does not answer is a fault (with the driver’s reason); the port is released between tries', async () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const binding = fakeSerialBinding();
    plugModule(binding.hub, { deaf: true });
    const rec = recorder();
    const device = serialDevice({ path: PATH, driver: 'ld2450', ackTimeoutMs: 200 }, { clock, timers, binding });
    device.start(rec.sink);
    await timers.advanceAsync(700);
    expect(rec.events).toEqual(["fault LD2450 did not acknowledge 'enable configuration' after 3 tries: check TX/RX wiring and 256000 baud"]);
    expect(binding.hub.device(PATH)?.hostOpen).toBe(false);
    await device.stop();
    await timers.advanceAsync(60_000);
    expect(rec.events).toHaveLength(1); // stopped: no more tries
  });

  it('stop() while configuring closes the port at once', async () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const binding = fakeSerialBinding();
    plugModule(binding.hub, { deaf: true });
    const device = serialDevice({ path: PATH, driver: 'ld2450' }, { clock, timers, binding });
    device.start(recorder().sink);
    await timers.advanceAsync(10);
    expect(binding.hub.device(PATH)?.hostOpen).toBe(true);
    await device.stop();
    expect(binding.hub.device(PATH)?.hostOpen).toBe(false);
  });

  it('LD2410: configured at open by default (Bluetooth off + restart); configure: false sends nothing', async () => {
    for (const configure of [undefined, false]) {
      const clock = new ManualClock(T0);
      const timers = new ManualTimers(clock);
      const binding = fakeSerialBinding();
      const wire = binding.hub.plug(PATH);
      const module = new FakeLd2410((b) => wire.send(b));
      wire.on('data', (b: Buffer) => module.receive(b));
      const rec = recorder();
      const device = serialDevice({ path: PATH, driver: 'ld2410', ...(configure === false ? { configure } : {}) }, { clock, timers, binding });
      device.start(rec.sink);
      await timers.advanceAsync(100);
      expect(rec.events.at(-1)).toBe(`up ${PATH} @ 256000 baud`);
      if (configure === false) {
        expect(rec.info()?.radar).toBeUndefined();
        expect(module.received).toEqual([]);
      } else {
        expect(rec.info()?.radar).toEqual({ model: 'HLK-LD2410', firmware: 'V1.07.22091516', bluetooth: 'switched-off', restarted: true, zoneFilter: { type: 'off' } });
        expect(module.bluetooth).toBe(false);
      }
      await device.stop();
    }
  });

  it('back-off doubles up to a minute', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, DEFAULT_BACKOFF))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });
});

describe('sensor on a serial device: status and gaps', () => {
  let sensor: RunningSensor | null = null;
  afterEach(async () => {
    await sensor?.stop();
    sensor = null;
  });

  it('registering → fault (reason) on unplug → registering again; the window after the gap holds no frames from before it', async () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const binding = fakeSerialBinding();
    let module = plugModule(binding.hub, { bluetooth: false });
    const sink = memorySink();
    sensor = await startSensor({
      identity: IDENTITY, driver: 'ld2450', settings: FLAT_SETTINGS, broker: { url: 'mqtt://127.0.0.1:1' },
      dataDir: mkdtempSync(join(tmpdir(), 'drukte-gap-')),
    }, { device: { kind: 'serial', path: PATH, binding }, clock, timers, logger: createLogger('gap', { destination: sink.stream }), tickMs: null });
    const published: Aggregate[] = [];
    sensor.onAggregate((a) => published.push(a));
    await timers.advanceAsync(10);
    expect(sensor.device?.radar?.firmware).toBe('V2.04.23101915');
    expect(sensor.state).toBe('starting');

    const frames = async (n: number, people: number) => {
      const targets = Array.from({ length: people }, (_, i) => ({ xMm: -300 + 300 * i, yMm: 1000 }));
      for (let i = 0; i < n; i++) {
        module.report(encodeLd2450Report(targets));
        await timers.advanceAsync(100);
      }
    };
    await frames(30, 3); // 3 s of three people, window [T0, T0 + 10 s)
    expect(sensor.state).toBe('registering');

    binding.hub.unplug(PATH);
    await timers.advanceAsync(10);
    expect(sensor.state).toBe('fault');
    expect(sensor.reason).toBe(`serial device ${PATH} vanished (unplugged?)`);

    module = plugModule(binding.hub, { bluetooth: false });
    await timers.advanceAsync(1000); // back-off, reopen, configure
    expect(sensor.state).toBe('fault'); // until the first frame
    await frames(10, 0); // 1 s of nobody, same window
    expect(sensor.state).toBe('registering');

    clock.setWall(T0 + 10_000);
    sensor.tick();
    // Mixed with the 30 frames from before the gap, the lower median would be 3 (count 3). Only the 10 after it count.
    expect(published).toEqual([expect.objectContaining({ from: T0 / 1000, to: T0 / 1000 + 10, level: 0, count: null })]);
    expect(sink.text()).toContain('"firmware":"V2.04.23101915"');
  });

  it('any device reason becomes a status reason the contract accepts (plain text, ≤ 160 characters)', async () => {
    const clock = new ManualClock(T0);
    let fault: (r: string) => void = () => undefined;
    sensor = await startSensor({
      identity: IDENTITY, driver: 'ld2450', settings: FLAT_SETTINGS, broker: { url: 'mqtt://127.0.0.1:1' },
      dataDir: mkdtempSync(join(tmpdir(), 'drukte-reason-')),
    }, {
      device: { description: 'custom', start: (sink) => void (fault = sink.fault), stop: async () => undefined },
      clock, logger: createLogger('reason', { destination: memorySink().stream }), tickMs: null,
    });
    fault('GPIO 529 failed: EIO <kernel> x=1+2\nsecond line');
    expect(sensor.state).toBe('fault');
    expect(sensor.reason).toBe('GPIO 529 failed: EIO kernel x 1 2 second line');
    const long = statusReason('x'.repeat(500));
    expect(long).toHaveLength(160);
    expect(long.endsWith('…')).toBe(true);
    const status = { v: 1, sensor: 'serial-test', state: 'fault', expiresAt: '2027-01-01', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64), since: T0 / 1000 };
    for (const reason of [sensor.reason!, long, statusReason("LD2450 did not acknowledge 'enable configuration' after 3 tries: check TX/RX wiring and 256000 baud; reports arrive, so check the wire from the host's TX to the module's RX")]) {
      expect(validateStatus({ ...status, reason }).ok, reason).toBe(true);
    }
  });
});

