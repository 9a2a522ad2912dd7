/**
 * Every radar driver through the real firmware path over a real tty: socat makes a PTY pair, the simulator writes the
 * TI IWR6843 data-port frames / LD2410 report frames into one end at the device's baud rate, the firmware
 * (startSensor with a serial device) reads the other end and publishes aggregates through a real aedes broker.
 * The simulated LD2410 is a whole module (simulator/ld2410-device.ts): the firmware configures it at open (Bluetooth
 * off + restart) and its findings appear as the device's radar facts.
 * (The LD2450, with its configuration handshake, is in pty-sensor.test.ts; the beam counter is GPIO, not serial:
 * tests/hardware/beam-sensor.test.ts.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { decodeCbor } from '../../shared/codec.ts';
import { silentLogger } from '../../shared/log.ts';
import { AGGREGATE_KEYS, type Aggregate } from '../../shared/payloads.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { realSerialBinding } from '../../hardware/bindings/serial.ts';
import { startSensor } from '../../firmware/sensor.ts';
import { openPtyPair, portWire, SimulatedRadar, type RadarDriver } from '../../simulator/pty.ts';
import { startBareBroker } from '../../simulator/bare-broker.ts';
import { FLAT_SETTINGS, IDENTITY } from './fixtures.ts';
import { HAVE_SOCAT, tempDir, until } from './helpers.ts';

const T0 = Date.parse('2026-05-01T12:00:00Z');

const cases: { driver: RadarDriver; baud: number; people: number; expected: Partial<Aggregate>; radar?: object }[] = [
  // 12 people in view of the TI radar: every track counts (no zone), k 3, granularity 1 → 12; 12 / 2.4 m² → level F.
  { driver: 'ti-people', baud: 921600, people: 12, expected: { count: 12, level: 5 } },
  // The LD2410 reports presence only (occupancy 0/1): always below the k floor of 3, so level 0 and no count.
  // Configured at open: the real unit's firmware, Bluetooth switched off (factory default on), no zone filter.
  { driver: 'ld2410', baud: 256000, people: 1, expected: { count: null, level: 0 },
    radar: { model: 'HLK-LD2410', firmware: 'V1.07.22091516', bluetooth: 'switched-off', restarted: true, zoneFilter: { type: 'off' } } },
];

describe.skipIf(!HAVE_SOCAT)('radar drivers on a real PTY', () => {
  it.each(cases)('$driver: tty → parser → minimiser → MQTT', async ({ driver, baud, people, expected, radar: radarFacts }) => {
    const clock = new ManualClock(T0);
    const tmp = tempDir(`drukte-pty-${driver}-`);
    const broker = await startBareBroker();
    const mqtt = await connectAsync(broker.url, { reconnectPeriod: 0 });
    const received: Aggregate[] = [];
    await mqtt.subscribeAsync(aggregateTopic(IDENTITY.id), { qos: 1 });
    mqtt.on('message', (_t, payload) => received.push(decodeCbor(payload) as Aggregate));
    const pair = await openPtyPair(tmp.dir, ['radar', 'sensor']);
    const radarPort = await realSerialBinding.open(pair.a, baud);
    const crowd = { people: () => Array.from({ length: people }, (_, i) => ({ xMm: -2500 + 450 * i, yMm: 2000 + 150 * (i % 3), vxMmS: 0, vyMmS: 0 })) };
    const radar = new SimulatedRadar(portWire(radarPort), { driver, people: crowd, clock, clean: true });
    const sensor = await startSensor({
      identity: IDENTITY, driver, settings: FLAT_SETTINGS, broker: { url: broker.url }, dataDir: mkdtempSync(join(tmpdir(), 'drukte-pty-data-')),
    }, { device: { kind: 'serial', path: pair.b, baudRate: baud }, clock, logger: silentLogger(), tickMs: null });
    try {
      await until(() => sensor.device !== null && sensor.egress.connected, 'tty open and broker connected');
      if (radarFacts) {
        expect(sensor.device?.radar).toEqual(radarFacts);
        expect(radar.ld2410).toMatchObject({ bluetooth: false, restarts: 1, configMode: false });
      } else expect(sensor.device?.radar).toBeUndefined();
      clock.setWall(T0 + 9_000);
      radar.emitUntil(T0 + 9_000);
      await until(() => sensor.pipeline.frames >= 80, `${driver} frames parsed from the tty`);
      clock.setWall(T0 + 10_000);
      sensor.tick();
      await until(() => received.length > 0, 'an aggregate on the broker');
      expect(Object.keys(received[0]!).sort()).toEqual([...AGGREGATE_KEYS].sort());
      expect(received[0]).toMatchObject({ sensor: IDENTITY.id, from: T0 / 1000, to: T0 / 1000 + 10, ...expected });
      expect(sensor.state).toBe('registering');
    } finally {
      await sensor.stop();
      await radarPort.close();
      await pair.close();
      await mqtt.endAsync();
      await broker.close();
      tmp.remove();
    }
  });
});
