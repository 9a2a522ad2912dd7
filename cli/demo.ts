/**
 * `drukte demo` (= `npm start`): the gateway with its embedded broker, plus five simulated sensors — three HLK-LD2450
 * radars, a TI people-counting radar and a two-beam entrance counter — each running the real firmware path:
 * simulated device bytes/pulses → driver → minimiser → egress → MQTT (own credentials) → gateway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../shared/clock.ts';
import { createLogger } from '../shared/log.ts';
import { sourceIdentity } from '../firmware/identity.ts';
import { startSensor, type RunningSensor } from '../firmware/sensor.ts';
import { settingsFromManifest } from '../firmware/settings.ts';
import { generateSecret } from '../gateway/credentials.ts';
import { startGateway } from '../gateway/gateway.ts';
import { ListenError } from '../gateway/listen.ts';
import type { SensorDeps } from '../firmware/sensor.ts';
import { systemTimers } from '../shared/timers.ts';
import { startSimulatedBeamCounter } from '../simulator/beam.ts';
import { EntranceScenario } from '../simulator/beam-scenario.ts';
import { ld2450Bytes } from '../simulator/ld2450-stream.ts';
import { LiveByteSource } from '../simulator/live-source.ts';
import { CrowdScenario } from '../simulator/scenario.ts';
import { tiPeopleBytes } from '../simulator/ti-people-stream.ts';
import { AdminClient } from './admin-client.ts';
import { CliError, parse, port } from '../shared/args.ts';
import { demoSensors, type DemoSensor } from './demo-sensors.ts';

const HELP = `usage: drukte demo [--http-port N] [--mqtt-port N] [--host ADDRESS] [--data-dir DIR]

  --http-port  public pages and API (default 8080, env DRUKTE_HTTP_PORT; 0 = any free port)
  --mqtt-port  embedded MQTT broker (default 1883, env DRUKTE_MQTT_PORT; 0 = any free port)
  --host       address to listen on (default 127.0.0.1, env DRUKTE_HOST)
  --data-dir   where the simulated sensors keep their sequence numbers and queues (default: a temporary directory)`;

/**
 * What feeds one demo sensor, in its device's real format: radar bytes on a live stream (read like a serial port),
 * or beam pulses on a simulated GPIO chip (read through the same GPIO binding interface as onoff).
 */
function feedFor({ manifest, feed }: DemoSensor): { deps: Pick<SensorDeps, 'source' | 'device'>; stop(): void } {
  const clock = systemClock;
  if (feed.kind === 'beam') {
    const sim = startSimulatedBeamCounter({ scenario: new EntranceScenario(feed.entrance), clock, timers: systemTimers });
    return { deps: { device: { kind: 'beam', beam: { ...sim.beam, debounceMs: 20 }, binding: sim.binding } }, stop: () => sim.stop() };
  }
  const people = new CrowdScenario({ ...feed.scenario, zone: manifest.area.zone! });
  const seed = feed.scenario.seed;
  const bytes = feed.kind === 'ld2450'
    ? (from: number, to: number) => ld2450Bytes(people, from, to, { seed })
    : (from: number, to: number) => tiPeopleBytes(people, from, to, { seed });
  const source = new LiveByteSource(bytes, clock);
  return { deps: { source }, stop: () => source.destroy() };
}

/** The demo's last lines on a terminal: where to look, and how to stop. */
export function banner(base: string, ids: readonly string[], mqttUrl: string): string {
  const rows: [string, string][] = [
    ['register (all sensors)', `${base}/`],
    ...ids.map((id): [string, string] => [`display ${id}`, `${base}/display/${id}`]),
    ['live data', `${base}/api/sensors  ·  ${base}/api/stream`],
    ['MQTT broker', mqttUrl],
  ];
  const w = Math.max(...rows.map(([label]) => label.length));
  return [
    '',
    `drukte demo: ${ids.length} simulated sensors through the real firmware, authentication on`,
    '',
    ...rows.map(([label, url]) => `  ${label.padEnd(w)}  ${url}`),
    '',
    'Ctrl-C stops. Only warnings are logged here; DRUKTE_LOG_LEVEL=info shows every line.',
    '',
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const o = parse('demo', argv, { 'http-port': { type: 'string' }, 'mqtt-port': { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } }, HELP);
  if (!o) return 0;
  const httpPort = port(o['http-port'], 'DRUKTE_HTTP_PORT', 8080, 'HTTP');
  const mqttPort = port(o['mqtt-port'], 'DRUKTE_MQTT_PORT', 1883, 'MQTT');
  const host = o.host ?? process.env.DRUKTE_HOST ?? '127.0.0.1';
  const ownDataDir = !o['data-dir'];
  const dataDir = o['data-dir'] ?? mkdtempSync(join(tmpdir(), 'drukte-demo-'));
  // On a terminal: warnings only while it runs, so the banner with the URLs stays the last thing on screen
  // (DRUKTE_LOG_LEVEL=info shows everything). Piped: every line, as JSON, for tools.
  const tty = Boolean(process.stdout.isTTY);
  const logger = createLogger('drukte', tty && !process.env.DRUKTE_LOG_LEVEL ? { level: 'warn' } : {});
  const clock = systemClock;

  const shownHost = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  // Authentication is on, as in production: the demo registers each sensor through the same authenticated admin
  // API that `drukte provision` uses, and each sensor connects with its own credentials.
  const adminToken = generateSecret(); // lives only in this process, never printed
  let gateway;
  try {
    gateway = await startGateway({ mqtt: { host, port: mqttPort }, http: { host, port: httpPort }, admin: { token: adminToken }, clock, logger });
  } catch (err) {
    if (err instanceof ListenError) throw new CliError(err.message, 1);
    throw err;
  }

  const running: RunningSensor[] = [];
  const feeds: { stop(): void }[] = [];
  const sensors = demoSensors(clock.now(), `http://${shownHost}:${gateway.httpPort}`, `mqtt://${shownHost}:${gateway.mqttPort}`);
  const admin = new AdminClient({ baseUrl: gateway.urls.http, token: adminToken });
  const stopAll = async () => {
    for (const f of feeds) f.stop();
    await Promise.all(running.map((s) => s.stop()));
    await gateway.stop();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (const sensor of sensors) {
      const { manifest } = sensor;
      const identity = sourceIdentity(manifest);
      const { mqtt } = await admin.registerSensor({ manifest, minimiserHash: identity.minimiser, bundleHash: identity.bundle });
      const feed = feedFor(sensor);
      feeds.push(feed);
      running.push(await startSensor({
        identity,
        driver: manifest.driver,
        settings: settingsFromManifest(manifest),
        broker: { url: `mqtt://127.0.0.1:${gateway.mqttPort}`, username: mqtt.username, password: mqtt.password! },
        dataDir: join(dataDir, manifest.id),
      }, { ...feed.deps, clock, logger: logger.child({ sensor: manifest.id }) }));
    }
  } catch (err) {
    await stopAll(); // a failed start leaves nothing running
    throw err;
  }

  const base = `http://${shownHost}:${gateway.httpPort}`;
  if (tty) process.stdout.write(banner(base, sensors.map((x) => x.manifest.id), gateway.urls.mqtt));
  else {
    logger.info(`register (all sensors):  ${base}/`);
    for (const { manifest } of sensors) logger.info(`display ${manifest.id.padEnd(21)} ${base}/display/${manifest.id}`);
    logger.info(`live data: ${base}/api/sensors and ${base}/api/stream · MQTT broker: ${gateway.urls.mqtt} · Ctrl-C stops`);
  }

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.once('SIGINT', () => process.exit(130)); // a second Ctrl-C does not wait
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  logger.info('stopping: sensors announce offline, then the gateway closes');
  await stopAll();
  logger.flush?.();
  return 0;
}
