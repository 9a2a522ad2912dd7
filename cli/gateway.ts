/**
 * `drukte gateway`: the municipality's gateway with its embedded MQTT broker, public pages and API.
 * Sensors are registered from manifest files (`--manifests DIR`, every *.yaml / *.yml / *.json in it).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../shared/clock.ts';
import { createLogger } from '../shared/log.ts';
import { startGateway } from '../gateway/gateway.ts';
import { ListenError } from '../gateway/listen.ts';
import { sensorInfoFromManifest } from '../gateway/register.ts';
import { CliError, parse, port } from './args.ts';
import { loadManifest } from './manifest-file.ts';

const HELP = `usage: drukte gateway [--manifests DIR] [--http-port N] [--mqtt-port N] [--host ADDRESS]

  --manifests  register the sensors described by the manifests in this directory
  --http-port  public pages and API (default 8080, env DRUKTE_HTTP_PORT)
  --mqtt-port  embedded MQTT broker (default 1883, env DRUKTE_MQTT_PORT)
  --host       address to listen on (default 127.0.0.1, env DRUKTE_HOST)`;

export async function run(argv: string[]): Promise<number> {
  const o = parse('gateway', argv, { manifests: { type: 'string' }, 'http-port': { type: 'string' }, 'mqtt-port': { type: 'string' }, host: { type: 'string' } }, HELP);
  if (!o) return 0;
  const logger = createLogger('drukte');
  const host = o.host ?? process.env.DRUKTE_HOST ?? '127.0.0.1';
  const sensors = [];
  if (o.manifests) {
    let files: string[];
    try {
      files = readdirSync(o.manifests).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    } catch (err) {
      throw new CliError(`cannot read manifest directory ${o.manifests}: ${(err as NodeJS.ErrnoException).code}`);
    }
    for (const f of files) sensors.push(sensorInfoFromManifest(loadManifest(join(o.manifests, f), null)));
  }
  let gateway;
  try {
    gateway = await startGateway({
      mqtt: { host, port: port(o['mqtt-port'], 'DRUKTE_MQTT_PORT', 1883, 'MQTT') },
      http: { host, port: port(o['http-port'], 'DRUKTE_HTTP_PORT', 8080, 'HTTP') },
      clock: systemClock,
      logger,
      sensors,
    });
  } catch (err) {
    if (err instanceof ListenError) throw new CliError(err.message, 1);
    throw err;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await gateway.stop();
  return 0;
}
