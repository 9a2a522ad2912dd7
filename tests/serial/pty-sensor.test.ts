/**
 * A real serial path end to end: socat makes a PTY pair; the simulated LD2450 (answering commands like the real
 * module) writes its real bytes into one end; the firmware (startSensor with a serial device) opens the other end as
 * a tty, configures the radar, and publishes through a real aedes broker on port 0, where an MQTT client reads
 * the CBOR aggregates and statuses. Killing socat is the USB adapter pulled out; zeros are a wrong baud rate.
 * One manual clock stamps frames and closes windows; device timeouts and back-off run on real (short) timers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { decodeCbor } from '../../shared/codec.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import { AGGREGATE_KEYS, type Aggregate, type Status } from '../../shared/payloads.ts';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { realSerialBinding, type SerialPortLike } from '../../hardware/bindings/serial.ts';
import { NOISE_ZERO_RUN_REASON } from '../../hardware/ld2450/decoder.ts';
import { startSensor, type RunningSensor } from '../../firmware/sensor.ts';
import type { PeopleSource } from '../../simulator/ld2450-stream.ts';
import { openPtyPair, portWire, SimulatedRadar, type PtyPair } from '../../simulator/pty.ts';
import { startBareBroker, type BareBroker } from '../../simulator/bare-broker.ts';
import { FLAT_SETTINGS, IDENTITY } from './fixtures.ts';
import { HAVE_SOCAT, tempDir, until } from './helpers.ts';

const T0 = Date.parse('2026-05-01T12:00:00Z');
const T0S = T0 / 1000;

/** N people standing 1 m in front of the radar (the clean radar reports min(3, N) targets per frame). */
const crowd = (n: number): PeopleSource => ({
  people: () => Array.from({ length: n }, (_, i) => ({ xMm: -400 + 400 * i, yMm: 1000, vxMmS: 0, vyMmS: 0 })),
});

describe.skipIf(!HAVE_SOCAT)(`firmware on a real PTY${HAVE_SOCAT ? '' : ' — skipped: socat is not installed'}`, () => {
  const clock = new ManualClock(T0);
  const tmp = tempDir('drukte-pty-e2e-');
  const logs = memorySink();
  let broker: BareBroker;
  let mqtt: MqttClient;
  let pair: PtyPair;
  let radarPort: SerialPortLike;
  let radar: SimulatedRadar;
  let sensor: RunningSensor;
  let people: PeopleSource = crowd(3);
  const aggregates: Aggregate[] = [];
  const statuses: Status[] = [];

  /** The radar end: open it and put a simulated module on it (Bluetooth as the module has it stored). */
  async function plugRadar(bluetooth: boolean): Promise<void> {
    pair = await openPtyPair(tmp.dir, ['radar', 'sensor']);
    radarPort = await realSerialBinding.open(pair.a, 256000);
    radar = new SimulatedRadar(portWire(radarPort), { driver: 'ld2450', people: { people: (t) => people.people(t) }, clock, clean: true, ld2450: { bluetooth } });
  }

  /** Emit the radar's frames of [from, to) at once, stamped inside the window, and wait until the firmware parsed them. */
  async function play(fromMs: number, toMs: number): Promise<void> {
    const before = sensor.pipeline.frames;
    clock.setWall(fromMs);
    radar.emitUntil(fromMs); // the radar's stream position
    clock.setWall(toMs - 1);
    radar.emitUntil(toMs);
    const expected = Math.round((toMs - fromMs) / 94);
    await until(() => sensor.pipeline.frames - before >= expected - 1, `${expected} frames parsed`);
  }

  beforeAll(async () => {
    broker = await startBareBroker();
    mqtt = await connectAsync(broker.url, { reconnectPeriod: 0 });
    await mqtt.subscribeAsync([aggregateTopic(IDENTITY.id), statusTopic(IDENTITY.id)], { qos: 1 });
    mqtt.on('message', (topic, payload) => {
      const value = decodeCbor(payload);
      if (topic.endsWith('/aggregate')) aggregates.push(value as Aggregate);
      else statuses.push(value as Status);
    });
    await plugRadar(true);
    sensor = await startSensor({
      identity: IDENTITY, driver: 'ld2450', settings: FLAT_SETTINGS, broker: { url: broker.url },
      dataDir: mkdtempSync(join(tmpdir(), 'drukte-pty-data-')),
    }, {
      device: { kind: 'serial', path: pair.b, ackTimeoutMs: 300 },
      clock, logger: createLogger('pty', { destination: logs.stream, level: 'debug' }), tickMs: null,
      backoff: { initialMs: 50, maxMs: 400, stableMs: 60_000 },
    });
    await until(() => sensor.device !== null && sensor.egress.connected, 'the radar configured and the broker connected');
  });

  afterAll(async () => {
    await sensor?.stop();
    await radarPort?.close();
    await pair?.close();
    await mqtt?.endAsync();
    await broker?.close();
    tmp.remove();
  });

  it('opens the tty, configures the LD2450 (firmware read, Bluetooth off + restart, zone filter) and publishes aggregates', async () => {
    expect(sensor.device).toMatchObject({ kind: 'serial', description: `${pair.b} @ 256000 baud`, radar: { firmware: 'V2.04.23101915', bluetooth: 'switched-off', restarted: true, zoneFilter: { type: 'off' } } });
    expect(radar.module?.bluetooth).toBe(false);
    expect(logs.text()).toContain('"firmware":"V2.04.23101915"');
    // The configuration results go into the sensor's retained status: radar firmware, Bluetooth off, zone filter.
    await until(() => statuses.some((s) => s.radar !== undefined), 'a status with the radar facts over MQTT');
    expect(statuses.find((s) => s.radar)?.radar).toEqual({ firmware: 'V2.04.23101915', bluetooth: 'off', zoneFilter: 'off' });

    people = crowd(3);
    await play(T0, T0 + 10_000);
    people = crowd(0);
    await play(T0 + 10_000, T0 + 20_000);
    clock.setWall(T0 + 20_000);
    sensor.tick();
    await until(() => aggregates.length >= 2, 'two aggregates over MQTT');
    expect(aggregates.map(({ from, level, count }) => ({ from, level, count }))).toEqual([
      { from: T0S, level: expect.any(Number), count: 3 },
      { from: T0S + 10, level: 0, count: null },
    ]);
    for (const a of aggregates) expect(Object.keys(a).sort()).toEqual([...AGGREGATE_KEYS].sort());
    expect(sensor.state).toBe('registering');
  });

  it('a vanished port (socat killed) is a fault with a clear reason; reopened with back-off; no data from before the gap', async () => {
    people = crowd(3);
    await play(T0 + 20_000, T0 + 23_000); // 3 s of three people in window [20, 30)
    await radarPort.close();
    await pair.close(); // the adapter is pulled: both PTY ends vanish
    await until(() => sensor.state === 'fault', 'fault');
    expect(sensor.reason).toBe(`serial device ${pair.b} vanished (unplugged?)`);
    await until(() => statuses.some((s) => s.state === 'fault' && s.reason === sensor.reason), 'the fault status over MQTT');

    await plugRadar(false); // plugged back in; the module kept Bluetooth off
    await until(() => sensor.device?.radar?.bluetooth === 'off' && radar.module!.received.some((c) => c.command === 0x00fe), 'reopened and configured', 10_000);
    people = crowd(0);
    await play(T0 + 25_000, T0 + 26_000); // 1 s of nobody, same window
    expect(sensor.state).toBe('registering');
    clock.setWall(T0 + 30_000);
    sensor.tick();
    await until(() => aggregates.length >= 3, 'the window after the gap');
    // With the 3 s before the gap mixed in, the lower median would be 3. Only the frames after it count.
    expect(aggregates[2]).toMatchObject({ from: T0S + 20, level: 0, count: null });
    expect(statuses.at(-1)?.state).toBe('registering');
  });

  it('a wrong baud rate (a long run of 0x00) is a fault with the parser’s reason; frames again → registering', async () => {
    radar.inject(Buffer.alloc(200));
    await until(() => sensor.state === 'fault', 'fault on zeros');
    expect(sensor.reason).toBe(NOISE_ZERO_RUN_REASON);
    await until(() => statuses.some((s) => s.state === 'fault' && s.reason === NOISE_ZERO_RUN_REASON), 'the noise status over MQTT');
    people = crowd(1);
    await play(T0 + 30_000, T0 + 31_000);
    expect(sensor.state).toBe('registering');
  });
});
