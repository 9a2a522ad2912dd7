/**
 * `drukte` inside a sensor bundle (bin/drukte.js): only what a device needs.
 *
 *   drukte sensor [--data-dir DIR] [--device PATH] [--baud N] [--broker URL]   the sensor firmware (systemd runs this)
 *   drukte doctor [--device PATH] [--broker URL] …                  the installer's checks (firmware/doctor/)
 *
 * Identity, purpose, expiry and minimisation are compiled in (firmware/generated/identity.ts); the flags only say
 * where this device keeps its data, where its radar is plugged in, and (--broker) where a moved gateway's broker now is.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, parse } from '../../shared/args.ts';
import { BUNDLE_IDENTITY } from '../generated/identity.ts';
import { BundleRefused, DEFAULT_BAUD, runBundle } from './main.ts';

/** This bundle's directory: dist/firmware/bundle/cli.js → three levels up. */
export const BUNDLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const HELP = `usage: drukte sensor [--data-dir DIR] [--device PATH] [--baud N] [--pin-a BCM --pin-b BCM] [--broker URL]

  --data-dir  where this sensor keeps its sequence number, queue, time high-water mark and tombstone
              (default /var/lib/drukte/<sensor id>)
  --device    the radar's serial port (default /dev/serial0, the Raspberry Pi's UART on GPIO14/15)
  --baud      serial speed (default: the driver's, ${DEFAULT_BAUD.ld2450} for the LD2450)
  --pin-a/-b  beam counter only: BCM GPIO numbers of the outer (A) and inner (B) beam
  --broker    the gateway's broker, when it moved after provisioning (default: the one compiled in,
              ${BUNDLE_IDENTITY?.manifest.gatewayUrl ?? 'none: not provisioned'}); identity, credentials and expiry stay compiled in`;

function isBrokerUrl(v: string): boolean {
  try {
    return ['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

function pin(v: string | undefined, name: string): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 0 || n > 53) throw new CliError(`sensor: a beam counter needs --${name} (a BCM GPIO number 0–53)`);
  return n;
}

async function sensor(argv: string[]): Promise<number> {
  const o = parse('sensor', argv, { 'data-dir': { type: 'string' }, device: { type: 'string' }, baud: { type: 'string' }, 'pin-a': { type: 'string' }, 'pin-b': { type: 'string' }, broker: { type: 'string' } }, HELP);
  if (!o) return 0;
  if (o.broker !== undefined && !isBrokerUrl(o.broker)) throw new CliError(`sensor: --broker must be an mqtt://, mqtts://, ws:// or wss:// URL, got '${o.broker}'`);
  const baud = o.baud === undefined ? undefined : Number(o.baud);
  if (baud !== undefined && !(Number.isInteger(baud) && baud > 0)) throw new CliError(`sensor: --baud must be a positive integer, got '${o.baud}'`);
  const id = BUNDLE_IDENTITY?.manifest.id ?? 'unprovisioned';
  let running;
  try {
    const device = BUNDLE_IDENTITY?.manifest.driver === 'beam' ? { kind: 'beam' as const, beam: { pinA: pin(o['pin-a'], 'pin-a'), pinB: pin(o['pin-b'], 'pin-b') } }
      : { kind: 'serial' as const, path: o.device ?? '/dev/serial0', ...(baud ? { baudRate: baud } : {}) };
    running = await runBundle({ bundleDir: BUNDLE_DIR, dataDir: o['data-dir'] ?? `/var/lib/drukte/${id}`, device, ...(o.broker ? { brokerUrl: o.broker } : {}) });
  } catch (err) {
    if (err instanceof BundleRefused) throw new CliError(`sensor ${id} refuses to start: ${err.message}`, err.exitCode);
    throw err;
  }
  const signal = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await Promise.race([running.finished, signal]);
  await running.stop();
  return 0;
}

const VERBS: Record<string, (argv: string[]) => Promise<number>> = {
  sensor,
  doctor: async (argv) => (await import('../doctor/doctor.ts')).run(argv),
};

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--version' || verb === '-v' || verb === 'version') {
    const i = BUNDLE_IDENTITY;
    process.stdout.write(i ? `drukte ${i.firmware}, sensor ${i.manifest.id}, expires ${i.manifest.expiresAt}, minimiser sha256 ${i.minimiser}\n` : 'drukte (not a provisioned bundle)\n');
    return 0;
  }
  const run = verb ? VERBS[verb] : undefined;
  if (!run) {
    process.stderr.write(`usage: drukte sensor|doctor [options]   (sensor ${BUNDLE_IDENTITY?.manifest.id ?? '?'}; 'drukte <verb> --help')\n`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(err instanceof CliError ? `drukte: ${err.message}\n` : `drukte: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  },
);
