/**
 * Canary: a unique marker is planted in the raw radar frames of a full run — simulator → sensor → broker → gateway
 * → display and API — and every log line, every file written, every byte of MQTT traffic (through a recording TCP
 * proxy) and every HTTP response is scanned. The marker appears in none of them.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import { validateManifest, type Manifest } from '../../shared/manifest.ts';
import { sourceIdentity } from '../../firmware/identity.ts';
import { startSensor, type RunningSensor } from '../../firmware/sensor.ts';
import { settingsFromManifest } from '../../firmware/settings.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { sensorInfoFromManifest } from '../../gateway/register.ts';
import { ld2450Frames } from '../../simulator/ld2450-stream.ts';
import { openSse, passwordOf, testCredentials, type SseReader } from '../gateway/helpers.ts';

// The marker: three people at x = ±7919 mm / 1013 mm, y = 13331 mm. Sign-magnitude on the wire: 7919 → EF 9E, 13331 → 13 B4.
const MARK = { x: 7919, y: 13331 };
const MARK_BYTES = Buffer.from([0xef, 0x9e, 0x13, 0xb4]);
const MARK_TEXT = /\b7919\b|\b13331\b|ef\s?9e\s?13\s?b4|ef9e13b4|EF9E13B4|-7919/i;
const T0 = Date.parse('2026-07-01T10:00:00Z');
const people = { people: () => [{ xMm: MARK.x, yMm: MARK.y, vxMmS: 0, vyMmS: 0 }, { xMm: -MARK.x, yMm: MARK.y, vxMmS: 0, vyMmS: 0 }, { xMm: 1013, yMm: MARK.y, vxMmS: 0, vyMmS: 0 }] };
const radar = { seed: 9, missProbability: 0, ghostProbability: 0, positionNoiseMm: 0, maxRangeMm: 20_000, halfFovDeg: 89 };

/** A TCP proxy on loopback that records every byte in both directions. */
async function recordingProxy(targetPort: number) {
  const recorded: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => recorded.push(Buffer.from(d)));
    upstream.on('data', (d) => recorded.push(Buffer.from(d)));
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    bytes: () => Buffer.concat(recorded),
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function manifest(): Manifest {
  const r = validateManifest({
    id: 'canary-sensor', areaId: 'canary-area', driver: 'ld2450', owner: { name: 'Canary Owner', organisation: 'Gemeente Test', email: 'canary@test.example' },
    purpose: 'canary test of every egress path', legalGround: 'AVG art. 6(1)(e)', dpiaRef: 'DPIA-CANARY',
    location: { lat: 52.1, lon: 5.1, description: 'test rig' },
    area: { m2: 50, zone: [[-9000, 10000], [9000, 10000], [9000, 16000], [-9000, 16000]] },
    minimisation: { windowSeconds: 10, kFloor: 3, granularity: 1 }, expiresAt: '2027-06-01',
    registerUrl: 'http://localhost/sensors/canary-sensor', gatewayUrl: 'mqtt://localhost:1883',
  }, T0);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.manifest;
}

describe('canary: the raw marker never leaves the sensor', () => {
  const clock = new ManualClock(T0);
  const sink = memorySink();
  const logger = createLogger('canary', { destination: sink.stream, level: 'trace' });
  const sensorDir = mkdtempSync(join(tmpdir(), 'drukte-canary-sensor-'));
  const gatewayDir = mkdtempSync(join(tmpdir(), 'drukte-canary-gateway-'));
  const m = manifest();
  const source = new PassThrough();
  const input: Buffer[] = [];
  let gateway: Gateway;
  let sensor: RunningSensor;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let sse: SseReader;
  const published: number[] = [];

  beforeAll(async () => {
    gateway = await startGateway({ mqtt: { port: 0 }, http: { port: 0 }, clock, logger, sensors: [sensorInfoFromManifest(m)], credentials: await testCredentials([m.id]), dataDir: gatewayDir });
    proxy = await recordingProxy(gateway.mqttPort);
    sse = await openSse(`${gateway.urls.http}api/stream`);
    sensor = await startSensor({ identity: sourceIdentity(m), driver: 'ld2450', settings: settingsFromManifest(m, 10), broker: { url: `mqtt://127.0.0.1:${proxy.port}`, username: m.id, password: passwordOf(m.id) }, dataDir: sensorDir },
      { source, clock, logger, tickMs: null });
    sensor.onAggregate((a) => published.push(a.count ?? -1));
    for (let i = 0; i < 200 && !sensor.egress.connected; i++) await new Promise((r) => setTimeout(r, 10));
    for (let w = 0; w < 3; w++) {
      for (const f of ld2450Frames(people, T0 + w * 10_000, T0 + (w + 1) * 10_000, radar)) {
        input.push(f.bytes);
        clock.setWall(f.atMs);
        source.write(f.bytes);
        await new Promise(setImmediate);
      }
      clock.setWall(T0 + (w + 1) * 10_000);
      sensor.tick();
    }
    await sse.next((e) => e.event === 'aggregate');
    for (let i = 0; i < 200 && sensor.egress.queued > 0; i++) await new Promise((r) => setTimeout(r, 10));
  });

  afterAll(async () => {
    sse?.close();
    await sensor?.stop();
    await proxy?.close();
    await gateway?.stop();
  });

  it('the marker was really in the raw input and the people really were counted', () => {
    expect(Buffer.concat(input).includes(MARK_BYTES)).toBe(true);
    expect(published[0]).toBe(3);
  });

  it('appears in no MQTT packet (every byte between sensor and broker, both directions)', () => {
    const traffic = proxy.bytes();
    expect(traffic.length).toBeGreaterThan(100);
    expect(traffic.includes(MARK_BYTES)).toBe(false);
    expect(traffic.toString('latin1')).not.toMatch(MARK_TEXT);
  });

  it('appears in no log line (sensor and gateway, at trace level)', () => {
    expect(sink.lines().length).toBeGreaterThan(5);
    expect(sink.text()).not.toMatch(MARK_TEXT);
  });

  it('appears in no file the sensor or the gateway wrote (queue, seq, SQLite register and history)', () => {
    const files = [...filesUnder(sensorDir), ...filesUnder(gatewayDir)];
    expect(files.some((f) => f.startsWith(gatewayDir))).toBe(true);
    expect(files.some((f) => f.startsWith(sensorDir))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.includes(MARK_BYTES), f).toBe(false);
      expect(bytes.toString('latin1'), f).not.toMatch(MARK_TEXT);
    }
  });

  it('appears in no HTTP response: pages, API, charts, overview, open standards, exports, static files and the event stream', async () => {
    const base = gateway.urls.http;
    const paths = ['', 'sensors/canary-sensor', 'display/canary-sensor', 'api/sensors', 'api/sensors/canary-sensor', 'api/health', 'static/display.js', 'static/style.css',
      'api/sensors/canary-sensor/history', 'api/areas', 'api/areas/canary-area/history', 'areas', 'areas/canary-area', 'health', 'api/overview',
      'api/sensors/canary-sensor/chart?range=24h', 'api/areas/canary-area/chart?range=7d', 'static/charts.js', 'static/uplot.js', 'static/pages.css',
      'sta/v1.1/Things?$expand=Locations,HistoricalLocations,Datastreams($expand=Sensor,ObservedProperty)', 'sta/v1.1/Observations?$expand=FeatureOfInterest&$top=1000',
      'ngsi-ld/v1/entities?type=CrowdFlowObserved', 'ngsi-ld/v1/entities?type=CrowdFlowObserved&options=keyValues', 'api/export/sensrnet', 'api/export/amsterdam'];
    for (const p of paths) {
      const res = await fetch(`${base}${p}`);
      const text = await res.text();
      expect(res.status, p).toBeLessThan(500);
      expect(text, p).not.toMatch(MARK_TEXT);
    }
    expect(sse.raw()).toMatch(/event: aggregate/);
    expect(sse.raw()).not.toMatch(MARK_TEXT);
  });
});
