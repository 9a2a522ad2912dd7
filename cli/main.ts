/**
 * `drukte <verb>`: one entry point for technicians, installers, auditors and the demo (contract: docs/PROTOCOL.md,
 * "CLI contract"). Each verb lives in its own module and is loaded only when used, so `drukte sensor` on a Pi does
 * not load the gateway.
 */
import { CliError } from '../shared/args.ts';

// `drukte provision … | head`, `drukte simulate … | xxd | head`: when the reader goes away, stop quietly, as Unix
// tools do, instead of dying with an unhandled EPIPE. Any other stdout error is still reported.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const VERBS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  demo: { summary: 'gateway with embedded broker + simulated sensors through the real firmware path', load: () => import('./demo.ts') },
  gateway: { summary: 'the gateway (embedded broker by default)', load: () => import('./gateway.ts') },
  sensor: { summary: 'the sensor firmware from source: a serial radar or a GPIO beam counter → aggregates over MQTT', load: () => import('./sensor.ts') },
  simulate: { summary: 'a simulated radar writing its real byte format to a PTY or stdout', load: () => import('./simulate.ts') },
  audit: { summary: 'recompute the minimiser hash from source and compare it with a bundle or a live sensor', load: () => import('./audit.ts') },
  replay: { summary: 'decode a raw capture and print frame counts and the aggregates that would be published', load: () => import('./replay.ts') },
  provision: { summary: 'technician: validate a manifest, create credentials, build the sensor bundle, register it', load: () => import('./provision.ts') },
  doctor: { summary: 'installer: check serial device, radar, Bluetooth, zone filter, clock, broker, days to expiry', load: () => import('../firmware/doctor/doctor.ts') },
  display: { summary: 'a public display for one sensor on a terminal or a character LCD, fed by the gateway', load: () => import('./display.ts') },
  sign: { summary: 'the printable sign for the pole (A4/A5 HTML, PDF with Chromium), Dutch and English', load: () => import('./sign.ts') },
  owner: { summary: 'hand a sensor over to a new owner (recorded in the gateway\'s audit log), or show its history', load: () => import('./owner.ts') },
};

function usage(): string {
  const lines = Object.entries(VERBS).map(([verb, v]) => `  ${verb.padEnd(10)} ${v.summary}`);
  return `usage: drukte <verb> [options]\n\nverbs:\n${lines.join('\n')}\n\n'drukte <verb> --help' shows a verb's options; 'drukte --version' the version.`;
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--version' || verb === '-v' || verb === 'version') {
    const { FIRMWARE_VERSION } = await import('../firmware/identity.ts');
    process.stdout.write(`drukte ${FIRMWARE_VERSION} (Node.js ${process.versions.node})\n`);
    return 0;
  }
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(`${usage()}\n`);
    return verb ? 0 : 2;
  }
  const entry = VERBS[verb];
  if (!entry) {
    process.stderr.write(`drukte: unknown verb '${verb}'\n\n${usage()}\n`);
    return 2;
  }
  const mod = await entry.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`drukte: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`drukte: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
