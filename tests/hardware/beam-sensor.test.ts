/**
 * Real crowd sizes through the real firmware path: the simulated event entrance (hundreds inside) pulses the fake
 * GPIO lines; the sensor's beam device counts, emits one occupancy frame per second, the minimiser windows them and
 * the egress publishes over a real aedes broker on port 0. One manual clock and ManualTimers drive it all.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { decodeCbor } from '../../shared/codec.ts';
import { LEVEL_SCHEMES } from '../../shared/density.ts';
import { silentLogger } from '../../shared/log.ts';
import type { Aggregate } from '../../shared/payloads.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { ManualTimers, settle } from '../../shared/timers.ts';
import { startSensor, type RunningSensor } from '../../firmware/sensor.ts';
import { EntranceScenario } from '../../simulator/beam-scenario.ts';
import { startSimulatedBeamCounter, type SimulatedBeamCounter } from '../../simulator/beam.ts';
import { startBareBroker, type BareBroker } from '../../simulator/bare-broker.ts';
import { until } from '../serial/helpers.ts';

const T0 = Date.parse('2026-06-01T18:00:00Z');

describe('beam counter sensor: an event entrance with hundreds inside', () => {
  const clock = new ManualClock(T0);
  const timers = new ManualTimers(clock);
  const scenario = new EntranceScenario({ seed: 11, peakInside: 500, cycleSeconds: 900 });
  let broker: BareBroker;
  let mqtt: MqttClient;
  let sim: SimulatedBeamCounter;
  let sensor: RunningSensor;
  const wire: Aggregate[] = [];

  beforeAll(async () => {
    broker = await startBareBroker();
    mqtt = await connectAsync(broker.url, { reconnectPeriod: 0 });
    await mqtt.subscribeAsync(aggregateTopic('hall-entrance'), { qos: 1 });
    mqtt.on('message', (_t, payload) => wire.push(decodeCbor(payload) as Aggregate));
    sim = startSimulatedBeamCounter({ scenario, clock, timers });
    sensor = await startSensor({
      identity: { id: 'hall-entrance', expiresAt: '2027-06-01', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64) },
      driver: 'beam',
      settings: { areaM2: 600, zone: null, scheme: LEVEL_SCHEMES['fruin-walkway']!, windowSeconds: 10, kFloor: 5, granularity: 5, output: 'level+count', heartbeatSeconds: 10 },
      broker: { url: broker.url },
      dataDir: mkdtempSync(join(tmpdir(), 'drukte-beam-')),
    }, { device: { kind: 'beam', beam: { ...sim.beam, debounceMs: 20 }, binding: sim.binding }, clock, timers, logger: silentLogger(), tickMs: null });
    await settle();
    await until(() => sensor.egress.connected, 'broker connection');
  });

  afterAll(async () => {
    sim?.stop();
    await sensor?.stop();
    await mqtt?.endAsync();
    await broker?.close();
  });

  it('publishes the occupancy of a whole event, following the ground truth to within the granularity', async () => {
    expect(sensor.device).toMatchObject({ kind: 'beam', beam: { pins: { a: { bcm: 17, line: 529 }, b: { bcm: 27, line: 539 } } } });
    const published: Aggregate[] = [];
    sensor.onAggregate((a) => published.push(a));
    for (let w = 0; w < 90; w++) {
      timers.advance(10_000);
      sensor.tick();
    }
    expect(sensor.state).toBe('registering');
    expect(published.length).toBeGreaterThanOrEqual(89);
    for (const a of published) {
      // The frames of a window sample the count once a second; the lower median lies between the extremes.
      const truths = Array.from({ length: 10 }, (_, i) => scenario.insideAt(a.from * 1000 + i * 1000 + 1000 - T0));
      const lo = Math.min(...truths);
      const hi = Math.max(...truths);
      if (hi < 5) expect(a.count).toBeNull();
      else if (lo >= 5) {
        expect(a.count).toBeGreaterThanOrEqual(Math.floor(lo / 5) * 5 - 5);
        expect(a.count).toBeLessThanOrEqual(hi);
      }
    }
    const peak = Math.max(...published.map((a) => a.count ?? 0));
    expect(peak).toBeGreaterThanOrEqual(Math.floor(scenario.peak / 5) * 5 - 10);
    expect(peak).toBeGreaterThan(400);
    expect(published.at(-1)).toMatchObject({ level: 0, count: null }); // the hall is empty again
    await until(() => wire.length === published.length, 'every aggregate over MQTT');
    expect(wire.map((a) => a.seq)).toEqual(published.map((a) => a.seq));
  });
});
