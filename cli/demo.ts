/**
 * `drukte demo` (= `npm start`): the gateway with its embedded broker, plus three simulated LD2450 sensors, each
 * running the real firmware path: simulator bytes → LD2450 parser → minimiser → egress → MQTT → gateway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../shared/clock.ts';
import { createLogger } from '../shared/log.ts';
import { sourceIdentity } from '../firmware/identity.ts';
import { startSensor, type RunningSensor } from '../firmware/sensor.ts';
import { settingsFromManifest } from '../firmware/settings.ts';
import { startGateway } from '../gateway/gateway.ts';
import { ListenError } from '../gateway/listen.ts';
import { sensorInfoFromManifest } from '../gateway/register.ts';
import { LiveLd2450Source } from '../simulator/live-source.ts';
import { CrowdScenario } from '../simulator/scenario.ts';
import { CliError, parse, port } from './args.ts';
import { demoSensors } from './demo-sensors.ts';

const HELP = `usage: drukte demo [--http-port N] [--mqtt-port N] [--host ADDRESS] [--data-dir DIR]

  --http-port  public pages and API (default 8080, env DRUKTE_HTTP_PORT; 0 = any free port)
  --mqtt-port  embedded MQTT broker (default 1883, env DRUKTE_MQTT_PORT; 0 = any free port)
  --host       address to listen on (default 127.0.0.1, env DRUKTE_HOST)
  --data-dir   where the simulated sensors keep their sequence numbers and queues (default: a temporary directory)`;

/** Re-publish an unchanged result at least this often, so the displays show the sensors are alive. */
const DEMO_HEARTBEAT_SECONDS = 30;

export async function run(argv: string[]): Promise<number> {
  const o = parse('demo', argv, { 'http-port': { type: 'string' }, 'mqtt-port': { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } }, HELP);
  if (!o) return 0;
  const httpPort = port(o['http-port'], 'DRUKTE_HTTP_PORT', 8080, 'HTTP');
  const mqttPort = port(o['mqtt-port'], 'DRUKTE_MQTT_PORT', 1883, 'MQTT');
  const host = o.host ?? process.env.DRUKTE_HOST ?? '127.0.0.1';
  const ownDataDir = !o['data-dir'];
  const dataDir = o['data-dir'] ?? mkdtempSync(join(tmpdir(), 'drukte-demo-'));
  const logger = createLogger('drukte');
  const clock = systemClock;

  const shownHost = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const sensors = demoSensors(clock.now(), `http://${shownHost}:${httpPort}`, `mqtt://${shownHost}:${mqttPort}`);
  let gateway;
  try {
    gateway = await startGateway({ mqtt: { host, port: mqttPort }, http: { host, port: httpPort }, clock, logger, sensors: sensors.map((s) => sensorInfoFromManifest(s.manifest)) });
  } catch (err) {
    if (err instanceof ListenError) throw new CliError(err.message, 1);
    throw err;
  }

  const running: RunningSensor[] = [];
  const sources: LiveLd2450Source[] = [];
  for (const { manifest, scenario } of sensors) {
    const source = new LiveLd2450Source(new CrowdScenario({ ...scenario, zone: manifest.area.zone! }), clock, { seed: scenario.seed });
    sources.push(source);
    running.push(await startSensor({
      identity: sourceIdentity(manifest),
      driver: manifest.driver,
      settings: settingsFromManifest(manifest, DEMO_HEARTBEAT_SECONDS),
      broker: { url: `mqtt://127.0.0.1:${gateway.mqttPort}` },
      dataDir: join(dataDir, manifest.id),
    }, { source, clock, logger: logger.child({ sensor: manifest.id }) }));
  }

  const base = gateway.urls.http.replace(/\/$/, '').replace('127.0.0.1', 'localhost');
  logger.info(`register (all sensors):  ${base}/`);
  for (const { manifest } of sensors) logger.info(`display ${manifest.id.padEnd(18)} ${base}/display/${manifest.id}`);
  logger.info(`live data: ${base}/api/sensors and ${base}/api/stream · MQTT broker: ${gateway.urls.mqtt} · Ctrl-C stops`);

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.once('SIGINT', () => process.exit(130)); // a second Ctrl-C does not wait
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  logger.info('stopping: sensors announce offline, then the gateway closes');
  for (const s of sources) s.destroy();
  await Promise.all(running.map((s) => s.stop()));
  await gateway.stop();
  if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  logger.flush?.();
  return 0;
}
