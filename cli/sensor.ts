/**
 * `drukte sensor --manifest M --device /dev/ttyAMA0|gpio:A,B --broker URL --data-dir DIR [--username U --password-file F]`
 *
 * The sensor firmware run from a source checkout (a provisioned bundle carries its identity and credentials
 * instead). The device is a serial path for the radars (the LD2450 is configured at each open: Bluetooth off,
 * multi-target, zone filter) or `gpio:A,B` for a two-beam counter on BCM pins A (outside) and B (inside).
 * A vanished device is reopened with back-off; the sensor's status says `fault` with the reason meanwhile.
 */
import { readFileSync } from 'node:fs';
import { systemClock } from '../shared/clock.ts';
import { createLogger } from '../shared/log.ts';
import type { DeviceSpec } from '../firmware/device/index.ts';
import { sourceIdentity } from '../firmware/identity.ts';
import { startSensor } from '../firmware/sensor.ts';
import { settingsFromManifest } from '../firmware/settings.ts';
import { CliError, parse } from '../shared/args.ts';
import { loadManifest } from './manifest-file.ts';

const HELP = `usage: drukte sensor --manifest FILE --device PATH|gpio:A,B --data-dir DIR [--broker URL]
                    [--username NAME --password-file FILE] [--baud N] [--no-configure]
                    [--ti-cli PATH --ti-cfg FILE] [--silent-after SECONDS]

  --manifest       the sensor's manifest (YAML or JSON)
  --device         serial device of the radar (e.g. /dev/ttyAMA0, /dev/ttyUSB0, a PTY from 'drukte simulate'),
                   or gpio:A,B for a two-beam counter on BCM pins A (outside) and B (inside), e.g. gpio:17,27
  --data-dir       where the sequence number and the outbound queue are kept
  --broker         MQTT broker URL (default: the manifest's gatewayUrl)
  --username       MQTT user name (default with --password-file: the sensor id)
  --password-file  a file holding the MQTT password (never on the command line)
  --baud           serial speed (default: the driver's, 256000 for the LD2450)
  --no-configure   do not configure the LD2450 at start (Bluetooth, tracking mode, zone filter stay as they are)
  --ti-cli         TI people counting: the board's CLI port (e.g. /dev/ttyUSB0; --device is then the data port)
  --ti-cfg         TI people counting: the .cfg file sent over the CLI port at each start (sensorStop at stop)
  --silent-after   a device that sends no frame for this long is a fault (default: 3 windows)`;

/** `gpio:17,27` → the two BCM pins, else null. */
export function parseGpioDevice(device: string): { pinA: number; pinB: number } | null {
  const m = /^gpio:(\d{1,2}),(\d{1,2})$/.exec(device);
  return m ? { pinA: Number(m[1]), pinB: Number(m[2]) } : null;
}

export async function run(argv: string[]): Promise<number> {
  const o = parse('sensor', argv, {
    manifest: { type: 'string' }, device: { type: 'string' }, broker: { type: 'string' }, 'data-dir': { type: 'string' },
    username: { type: 'string' }, 'password-file': { type: 'string' }, baud: { type: 'string' }, 'no-configure': { type: 'boolean' },
    'ti-cli': { type: 'string' }, 'ti-cfg': { type: 'string' }, 'silent-after': { type: 'string' },
  }, HELP);
  if (!o) return 0;
  for (const k of ['manifest', 'device', 'data-dir'] as const) if (!o[k]) throw new CliError(`sensor: --${k} is required\n\n${HELP}`);
  const silentAfter = o['silent-after'] === undefined ? undefined : Number(o['silent-after']);
  if (silentAfter !== undefined && !(Number.isFinite(silentAfter) && silentAfter > 0)) throw new CliError('sensor: --silent-after must be a number of seconds > 0');
  const clock = systemClock;
  const manifest = loadManifest(o.manifest!, null);
  const today = new Date(clock.now()).toISOString().slice(0, 10);
  if (manifest.expiresAt <= today) throw new CliError(`sensor: ${manifest.id} expired on ${manifest.expiresAt}; an expired sensor does not sense`, 1);

  let password: string | undefined;
  if (o['password-file']) {
    try {
      password = readFileSync(o['password-file'], 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CliError(`sensor: cannot read --password-file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const baud = o.baud === undefined ? undefined : Number(o.baud);
  if (baud !== undefined && !(Number.isInteger(baud) && baud > 0)) throw new CliError('sensor: --baud must be a positive integer');

  const gpio = parseGpioDevice(o.device!);
  let device: DeviceSpec;
  if (manifest.driver === 'beam') {
    if (!gpio) throw new CliError(`sensor: driver 'beam' needs --device gpio:A,B (BCM pins of the outer and inner beam), got '${o.device}'`);
    device = { kind: 'beam', beam: gpio };
  } else {
    if (gpio) throw new CliError(`sensor: driver '${manifest.driver}' reads a serial device, not ${o.device}`);
    if (Boolean(o['ti-cli']) !== Boolean(o['ti-cfg'])) throw new CliError('sensor: --ti-cli and --ti-cfg go together (the CLI port and the .cfg to send over it)');
    if (o['ti-cli'] && manifest.driver !== 'ti-people') throw new CliError(`sensor: --ti-cli is for driver 'ti-people', the manifest says '${manifest.driver}'`);
    let tiCli: { path: string; cfg: string } | undefined;
    if (o['ti-cli'] && o['ti-cfg']) {
      try {
        tiCli = { path: o['ti-cli'], cfg: readFileSync(o['ti-cfg'], 'utf8') };
      } catch (err) {
        throw new CliError(`sensor: cannot read --ti-cfg ${o['ti-cfg']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    device = { kind: 'serial', path: o.device!, ...(baud ? { baudRate: baud } : {}), ...(o['no-configure'] ? { configure: false } : {}), ...(tiCli ? { tiCli } : {}) };
  }

  const logger = createLogger('drukte-sensor');
  const sensor = await startSensor({
    identity: sourceIdentity(manifest),
    driver: manifest.driver,
    settings: settingsFromManifest(manifest),
    // The gateway knows each sensor by its id: that is the user name unless --username says otherwise.
    broker: { url: o.broker ?? manifest.gatewayUrl, ...(password !== undefined ? { username: o.username ?? manifest.id, password } : o.username ? { username: o.username } : {}) },
    dataDir: o['data-dir']!,
    ...(silentAfter !== undefined ? { silentAfterSeconds: silentAfter } : {}),
  }, { device, clock, logger });

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  logger.info('stopping: the sensor announces offline');
  await sensor.stop();
  logger.flush?.();
  return 0;
}
