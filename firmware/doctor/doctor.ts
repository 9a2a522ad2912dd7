/**
 * `drukte doctor [--bundle DIR] [--device PATH] [--broker URL] [--data-dir DIR]` — for the installer, on the device:
 * is this sensor installed right? Each check prints ✓ or ✗ with a one-line fix; the exit status is 1 when any
 * check failed. Run it with the sensor service stopped (it needs the serial port and the sensor's MQTT client id).
 *
 * Inside a bundle (`/opt/drukte/<id>/bin/drukte.js doctor`) --bundle defaults to that bundle. The checks are in
 * firmware/doctor/checks.ts.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../shared/clock.ts';
import { BUNDLE_FILE, BundleError, loadBundleIdentity, readCredentials, readDescriptor } from '../bundle/identity.ts';
import { realSerialBinding } from '../../hardware/bindings/serial.ts';
import { CliError, parse } from '../../shared/args.ts';
import { formatResults, runChecks, timedatectlNtp, type DoctorTarget } from './checks.ts';

const HELP = `usage: drukte doctor [--bundle DIR] [--device PATH] [--baud N] [--broker URL] [--data-dir DIR]

  --bundle    the installed bundle (default: the bundle this command runs from, e.g. /opt/drukte/<id>)
  --device    the radar's serial port (default /dev/serial0)
  --baud      serial speed (default 256000)
  --broker    the broker to try the sensor's credentials on (default: the gateway URL compiled into the bundle)
  --data-dir  the sensor's data directory (default /var/lib/drukte/<id>)
Checks: bundle intact, serial device present, radar answers (firmware), Bluetooth off, zone filter set, clock
synchronised, broker reachable with the bundle's credentials, days to expiry. Stop the sensor service first.`;

/** The bundle this code runs from, when it runs from one (dist/firmware/doctor/doctor.js → three levels up). */
function ownBundle(): string | null {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  return existsSync(join(dir, BUNDLE_FILE)) ? dir : null;
}

export async function run(argv: string[]): Promise<number> {
  const o = parse('doctor', argv, { bundle: { type: 'string' }, device: { type: 'string' }, baud: { type: 'string' }, broker: { type: 'string' }, 'data-dir': { type: 'string' } }, HELP);
  if (!o) return 0;
  const bundleDir = o.bundle ? resolve(o.bundle) : ownBundle();
  if (!bundleDir) throw new CliError(`doctor: --bundle DIR is required outside a sensor bundle\n\n${HELP}`);
  const baud = o.baud === undefined ? 256_000 : Number(o.baud);
  if (!Number.isInteger(baud) || baud <= 0) throw new CliError(`doctor: --baud must be a positive integer`);

  let target: DoctorTarget;
  try {
    const identity = await loadBundleIdentity(bundleDir);
    let credentials = null;
    try {
      credentials = readCredentials(bundleDir);
    } catch { /* reported by the bundle check */ }
    target = {
      bundleDir, identity, descriptor: readDescriptor(bundleDir), credentials,
      device: o.device ?? '/dev/serial0', baud, brokerUrl: o.broker ?? identity.manifest.gatewayUrl,
      dataDir: o['data-dir'] ?? `/var/lib/drukte/${identity.manifest.id}`,
    };
  } catch (err) {
    if (err instanceof BundleError) throw new CliError(`doctor: ${err.message}`, 1);
    throw err;
  }

  process.stdout.write(`drukte doctor — sensor ${target.identity.manifest.id}, bundle ${bundleDir}\n`);
  const results = await runChecks(target, { clock: systemClock, serial: realSerialBinding, ntpSynchronized: timedatectlNtp, radarTimeoutMs: 1000, brokerTimeoutMs: 5000 });
  process.stdout.write(`${formatResults(results)}\n`);
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
