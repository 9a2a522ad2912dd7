/**
 * `drukte simulate --driver ld2450|ld2410|ti-people [--pty PATH] [--seed N] [--peak N] [--cycle S]`
 *
 * A simulated radar writing its real byte format in real time: to stdout (binary; pipe it somewhere) or into a
 * PTY/serial path, e.g. one end of a socat PTY pair while `drukte sensor --device` reads the other. On a PTY the
 * simulated LD2450 also answers the firmware's configuration commands (simulator/ld2450-device.ts).
 */
import { systemClock } from '../shared/clock.ts';
import { realSerialBinding, type SerialPortLike } from '../hardware/bindings/serial.ts';
import { systemTimers } from '../shared/timers.ts';
import { DEFAULT_BAUD } from '../firmware/device/serial.ts';
import { portWire, RADAR_DRIVERS, SimulatedRadar, type RadarDriver, type RadarWire } from '../simulator/pty.ts';
import { CrowdScenario } from '../simulator/scenario.ts';
import { CliError, parse } from '../shared/args.ts';

const HELP = `usage: drukte simulate --driver ${RADAR_DRIVERS.join('|')} [--pty PATH] [--seed N] [--peak N] [--cycle SECONDS]

  --driver  the radar to simulate (its real byte format; the LD2450 also answers configuration commands)
  --pty     write into this PTY or serial device instead of stdout
  --seed    scenario seed (default 1)
  --peak    mean number of people in the zone at the peak (default 4)
  --cycle   length of one busy/quiet cycle in seconds (default 120)
The monitored zone is 2 m wide and 1.5 m deep, 0.5–2 m in front of the radar.

A PTY pair for a sensor on this machine:
  socat -d -d pty,raw,echo=0,link=/tmp/radar pty,raw,echo=0,link=/tmp/sensor &
  drukte simulate --driver ld2450 --pty /tmp/radar &
  drukte sensor --manifest sensor.yaml --device /tmp/sensor --broker mqtt://localhost:1883 --data-dir /tmp/drukte`;

export async function run(argv: string[]): Promise<number> {
  const o = parse('simulate', argv, { driver: { type: 'string' }, pty: { type: 'string' }, seed: { type: 'string' }, peak: { type: 'string' }, cycle: { type: 'string' } }, HELP);
  if (!o) return 0;
  if (!o.driver || !(RADAR_DRIVERS as readonly string[]).includes(o.driver)) throw new CliError(`simulate: --driver must be one of ${RADAR_DRIVERS.join(', ')}\n\n${HELP}`);
  const driver = o.driver as RadarDriver;
  const num = (v: string | undefined, d: number, name: string) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new CliError(`simulate: --${name} must be a number`);
    return n;
  };
  const seed = Math.trunc(num(o.seed, 1, 'seed'));
  let scenario: CrowdScenario;
  try {
    scenario = new CrowdScenario({
      seed,
      zone: { xMinMm: -1000, xMaxMm: 1000, yMinMm: 500, yMaxMm: 2000 },
      peakPeople: num(o.peak, 4, 'peak'),
      cycleSeconds: num(o.cycle, 120, 'cycle'),
    });
  } catch (err) {
    throw new CliError(`simulate: ${(err as Error).message}`);
  }

  if (!o.pty && process.stdout.isTTY) throw new CliError(`simulate: the simulated radar writes binary frames and stdout is a terminal: redirect them (drukte simulate --driver ${driver} > capture.bin, or | drukte replay --driver ${driver} --input -) or give --pty PATH`);
  let port: SerialPortLike | null = null;
  let wire: RadarWire;
  if (o.pty) {
    try {
      port = await realSerialBinding.open(o.pty, DEFAULT_BAUD[driver]);
    } catch (err) {
      throw new CliError(`simulate: ${(err as Error).message}`, 1);
    }
    wire = portWire(port);
  } else {
    wire = { send: (bytes) => void process.stdout.write(bytes) };
  }
  const radar = new SimulatedRadar(wire, { driver, people: scenario, clock: systemClock, seed });
  radar.start(systemTimers, 100);
  // What goes where, on stderr: stdout may be the byte stream itself.
  process.stderr.write(`simulate: a simulated ${driver} writes its raw report frames (${DEFAULT_BAUD[driver]} baud format, ~10 frames/s, seed ${seed}, peak ${num(o.peak, 4, 'peak')} people) ${o.pty ? `into ${o.pty}` : 'to stdout'}; Ctrl-C stops\n`);

  const code = await new Promise<number>((resolve) => {
    const stop = (c: number) => () => resolve(c);
    process.once('SIGINT', stop(0));
    process.once('SIGTERM', stop(0));
    process.stdout.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') return resolve(0); // the reader went away (… | head): a normal end
      process.stderr.write(`drukte: simulate: cannot write to stdout: ${err.code ?? err.message}\n`);
      resolve(1);
    });
    port?.on('close', (info) => {
      if (!info.disconnected) return;
      process.stderr.write(`drukte: simulate: ${o.pty} went away (${info.reason ?? 'closed'})\n`);
      resolve(1);
    });
  });
  radar.stop();
  await port?.close();
  return code;
}
