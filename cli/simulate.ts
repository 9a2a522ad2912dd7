/**
 * `drukte simulate --driver ld2450 [--pty PATH] [--seed N] [--peak N] [--cycle S]`
 *
 * A simulated radar writing its real byte format in real time: to stdout (binary; pipe it somewhere) or into a
 * PTY/serial path (e.g. one end of a `socat -d -d pty,raw,echo=0 pty,raw,echo=0` pair; the firmware reads the other).
 */
import { createWriteStream } from 'node:fs';
import { systemClock } from '../shared/clock.ts';
import { LiveLd2450Source } from '../simulator/live-source.ts';
import { CrowdScenario } from '../simulator/scenario.ts';
import { CliError, parse } from './args.ts';

const HELP = `usage: drukte simulate --driver ld2450 [--pty PATH] [--seed N] [--peak N] [--cycle SECONDS]

  --pty    write into this PTY or serial device instead of stdout
  --seed   scenario seed (default 1)
  --peak   mean number of people in the zone at the peak (default 4)
  --cycle  length of one busy/quiet cycle in seconds (default 120)
The monitored zone is 2 m wide and 1.5 m deep, 0.5–2 m in front of the radar.`;

export async function run(argv: string[]): Promise<number> {
  const o = parse('simulate', argv, { driver: { type: 'string' }, pty: { type: 'string' }, seed: { type: 'string' }, peak: { type: 'string' }, cycle: { type: 'string' } }, HELP);
  if (!o) return 0;
  if (o.driver !== 'ld2450') throw new CliError(`simulate: --driver must be ld2450 in this build\n\n${HELP}`);
  const num = (v: string | undefined, d: number, name: string) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new CliError(`simulate: --${name} must be a number`);
    return n;
  };
  const scenario = new CrowdScenario({
    seed: Math.trunc(num(o.seed, 1, 'seed')),
    zone: { xMinMm: -1000, xMaxMm: 1000, yMinMm: 500, yMaxMm: 2000 },
    peakPeople: num(o.peak, 4, 'peak'),
    cycleSeconds: num(o.cycle, 120, 'cycle'),
  });
  const source = new LiveLd2450Source(scenario, systemClock);
  const out = o.pty ? createWriteStream(o.pty, { flags: 'w' }) : process.stdout;
  out.on('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`drukte: simulate: cannot write to ${o.pty ?? 'stdout'}: ${err.code ?? err.message}\n`);
    source.destroy();
    process.exitCode = 1;
  });
  source.pipe(out);
  const stop = () => source.destroy();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise<void>((resolve) => source.once('close', () => resolve()));
  return Number(process.exitCode ?? 0);
}
