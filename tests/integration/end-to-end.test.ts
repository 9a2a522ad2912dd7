/**
 * The walking skeleton end to end, all real parts: simulator LD2450 bytes → firmware (parser → minimiser →
 * egress, mqtt.js) → embedded aedes on port 0 → gateway ingest → SSE client and /api/sensors.
 * One manual clock drives sensor and gateway, so windows close without sleeping.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { decodeCbor } from '../../shared/codec.ts';
import { memorySink, createLogger } from '../../shared/log.ts';
import { validateManifest, type Manifest } from '../../shared/manifest.ts';
import { AGGREGATE_KEYS, type Aggregate } from '../../shared/payloads.ts';
import { SENSOR_AGGREGATE_FILTER } from '../../shared/topics.ts';
import { sourceIdentity } from '../../firmware/identity.ts';
import { startSensor, type RunningSensor } from '../../firmware/sensor.ts';
import { settingsFromManifest } from '../../firmware/settings.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { sensorInfoFromManifest } from '../../gateway/register.ts';
import { ld2450Frames } from '../../simulator/ld2450-stream.ts';
import { CrowdScenario } from '../../simulator/scenario.ts';
import { getJson, openSse, passwordOf, testCredentials, type SseReader } from '../gateway/helpers.ts';

const T0 = Date.parse('2026-05-01T12:00:00Z');
const ZONE = [[-800, 500], [800, 500], [800, 2000], [-800, 2000]] as const;

function manifest(): Manifest {
  const r = validateManifest({
    id: 'e2e-doorway', driver: 'ld2450',
    owner: { name: 'Test Owner', organisation: 'Gemeente Test', email: 'owner@test.example' },
    purpose: 'end-to-end test of the walking skeleton', legalGround: 'AVG art. 6(1)(e)', dpiaRef: 'DPIA-TEST',
    location: { lat: 52.37, lon: 4.89, description: 'test doorway' },
    area: { m2: 2.4, zone: ZONE }, minimisation: { windowSeconds: 10, kFloor: 3, granularity: 1 },
    expiresAt: '2027-01-01', registerUrl: 'http://localhost/sensors/e2e-doorway', gatewayUrl: 'mqtt://localhost:1883',
  }, T0);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.manifest;
}

describe('end to end: simulator → firmware → aedes → gateway → SSE', () => {
  const clock = new ManualClock(T0);
  const sink = memorySink();
  const logger = createLogger('e2e', { destination: sink.stream, level: 'debug' });
  const m = manifest();
  const scenario = new CrowdScenario({ seed: 5, zone: ZONE, cycleSeconds: 60, peakPeople: 4, quietPeople: 0, peakAt: 0.5, peakWidth: 0.5, passersPerMinute: 0 });
  // A clean radar (no misses, ghosts or noise) so each frame shows min(3, people in the zone): exact expectations.
  const radar = { seed: 3, missProbability: 0, ghostProbability: 0, positionNoiseMm: 0 };
  const source = new PassThrough();
  let gateway: Gateway;
  let sensor: RunningSensor;
  let sse: SseReader;
  let unsniff: () => Promise<void>;
  const wire: Buffer[] = [];

  beforeAll(async () => {
    gateway = await startGateway({ mqtt: { port: 0 }, http: { port: 0 }, clock, logger, sensors: [sensorInfoFromManifest(m)], credentials: await testCredentials([m.id]) });
    // What crossed the wire, seen inside the broker (no MQTT client may read sensor topics).
    unsniff = await gateway.broker!.subscribe(SENSOR_AGGREGATE_FILTER, (msg) => wire.push(Buffer.from(msg.payload)));
    sse = await openSse(`${gateway.urls.http}api/stream`);
    sensor = await startSensor({
      identity: sourceIdentity(m), driver: 'ld2450', settings: settingsFromManifest(m, 10),
      broker: { url: gateway.urls.mqtt, username: m.id, password: passwordOf(m.id) }, dataDir: mkdtempSync(join(tmpdir(), 'drukte-e2e-')),
    }, { source, clock, logger, tickMs: null });
    await new Promise<void>((resolve) => (sensor.egress.connected ? resolve() : setTimeout(function wait() { sensor.egress.connected ? resolve() : setTimeout(wait, 5); }, 5)));
  });

  afterAll(async () => {
    sse?.close();
    await unsniff?.();
    await sensor?.stop();
    await gateway?.stop();
  });

  /** Play the radar's bytes for [from, to) in real frame order, moving the shared clock with them. */
  async function play(fromMs: number, toMs: number) {
    for (const f of ld2450Frames(scenario, fromMs, toMs, radar)) {
      clock.setWall(f.atMs);
      source.write(f.bytes);
      await new Promise(setImmediate);
    }
    clock.setWall(toMs);
    sensor.tick();
  }

  it('delivers every window as a 7-key aggregate matching the ground truth', async () => {
    const published: Aggregate[] = [];
    sensor.onAggregate((a) => published.push(a));
    // One full 60 s cycle: quiet → peak → quiet, six 10 s windows.
    for (let w = 0; w < 6; w++) await play(T0 + w * 10_000, T0 + (w + 1) * 10_000);
    expect(published.length).toBeGreaterThanOrEqual(2);

    // Expected from the simulator's ground truth: the lower median of min(3, people in the zone) per frame.
    for (const a of published) {
      const truths = [...ld2450Frames(scenario, a.from * 1000, a.to * 1000, radar)].map((f) => Math.min(3, scenario.groundTruth(f.atMs))).sort((x, y) => x - y);
      const median = truths[Math.floor((truths.length - 1) / 2)]!;
      expect(a).toMatchObject(median < 3 ? { level: 0, count: null } : { count: median });
    }
    expect(published.some((a) => a.count !== null)).toBe(true); // the peak is visible
    expect(published.some((a) => a.count === null)).toBe(true); // quiet times are below k

    // The gateway received them all; SSE carried them; /api/sensors shows the latest with exactly 7 keys.
    const last = published.at(-1)!;
    const event = await sse.next((e) => e.event === 'aggregate' && (JSON.parse(e.data) as Aggregate).seq === last.seq);
    expect(JSON.parse(event.data)).toEqual(last);
    const { body } = await getJson(`${gateway.urls.http}api/sensors`);
    const entry = body.find((s: { id: string }) => s.id === 'e2e-doorway');
    expect(entry.latest).toEqual(last);
    expect(Object.keys(entry.latest).sort()).toEqual([...AGGREGATE_KEYS].sort());

    // On the wire: CBOR maps with exactly the 7 contract keys, nothing else.
    await expect.poll(() => wire.length).toBe(published.length);
    for (const bytes of wire) expect(Object.keys(decodeCbor(bytes) as object).sort()).toEqual([...AGGREGATE_KEYS].sort());
    expect(published.map((a) => a.seq)).toEqual(published.map((_, i) => i + 1));
  });

  it('shows the sensor registering with its status, and the logs hold no positions', async () => {
    const { body } = await getJson(`${gateway.urls.http}api/sensors`);
    expect(body.find((s: { id: string }) => s.id === 'e2e-doorway').state).toBe('registering');
    expect(sink.text()).not.toMatch(/xMm|yMm|"x":|"y":/);
  });
});
