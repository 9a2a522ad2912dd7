/**
 * The fleet benchmark: what runs, side by side, in one run (`npm run bench`). Targets take turns, each in its own
 * process: a bare aedes relay (the baseline), a mosquitto relay (/usr/sbin/mosquitto, when installed), the drukte
 * gateway as `drukte gateway` runs it (file-backed SQLite, machine credentials, policy, ingest, group commit) and the
 * same with its sensors in areas of 10. The sensors are several load processes (bench/fleet/load.ts), each sensor
 * its own connection from its own loopback address. Phases (bench/fleet/phases.ts), each within its time limit:
 * throughput (all targets), memory and reconnect storms (aedes and drukte); then the sensor's footprint
 * (bench/footprint.ts). Prints a table of ratios to bare aedes and writes it into docs/BENCHMARKS.md (between the
 * bench markers) with the machine description. Asserts nothing: the machines are noisy, so only ratios measured in
 * the same run mean something.
 *
 *   node --import tsx bench/fleet/run.ts [--quick] [--sensors N] [--big M] [--storms 2000,10000] [--loaders K]
 *        [--rounds R] [--targets aedes,mosquitto,drukte,drukte-areas] [--phases throughput,memory,storm,footprint]
 *        [--profile DIR] [--out FILE|-]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { memory, storm, throughput, type Memory, type Sizes, type Storm, type Throughput } from './phases.ts';
import { PhaseTimeout, root, within, type Kind } from './procs.ts';

const { values: v } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false }, sensors: { type: 'string' }, big: { type: 'string' }, storms: { type: 'string' },
    loaders: { type: 'string', default: '3' }, rounds: { type: 'string' }, targets: { type: 'string' }, phases: { type: 'string' },
    profile: { type: 'string' }, out: { type: 'string', default: 'docs/BENCHMARKS.md' },
  },
});
const q = v.quick;
const z: Sizes = {
  sensors: Number(v.sensors ?? 1000), big: Number(v.big ?? (q ? 2000 : 10_000)), loaders: Number(v.loaders), rounds: Number(v.rounds ?? (q ? 1 : 3)),
  perSensor: q ? 20 : 60, single: q ? 3000 : 10_000, ...(v.profile ? { profileDir: resolve(v.profile) } : {}),
};
const storms = (v.storms ?? (q ? '2000' : '2000,10000')).split(',').map(Number);
const kinds = ((v.targets ?? 'aedes,mosquitto,drukte,drukte-areas').split(',') as Kind[]).filter((k) => k !== 'mosquitto' || existsSync('/usr/sbin/mosquitto'));
const phases = new Set((v.phases ?? 'throughput,memory,storm,footprint').split(','));
if (z.profileDir) mkdirSync(z.profileDir, { recursive: true });

type Outcome<T> = T | { dnf: string };
const failedWith = (err: unknown): { dnf: string } => ({ dnf: err instanceof PhaseTimeout ? err.message : `failed: ${(err as Error).message}` });
async function run<T>(label: string, seconds: number, phase: (cleanup: Array<() => unknown>) => Promise<T>): Promise<Outcome<T>> {
  process.stderr.write(`bench: ${label} (limit ${seconds} s)…\n`);
  try {
    return await within(seconds, phase);
  } catch (err) {
    process.stderr.write(`bench: ${label}: ${failedWith(err).dnf}\n`);
    return failedWith(err);
  }
}
const ok = <T extends object>(o: Outcome<T> | undefined): T | undefined => (o && !('dnf' in o) ? o : undefined);

const load0 = loadavg()[0]!;
const tp = new Map<Kind, Outcome<Throughput>>();
const mem = new Map<Kind, Outcome<Memory>>();
const st = new Map<string, Outcome<Storm>>();
if (phases.has('throughput')) for (const k of kinds) tp.set(k, await run(`throughput ${k}`, 240, (c) => throughput(k, z, c)));
const heavy = kinds.filter((k) => k === 'aedes' || k === 'drukte');
if (phases.has('memory')) for (const k of heavy) mem.set(k, await run(`memory ${k} (${z.big} connections)`, 60 + z.big / 50, (c) => memory(k, z, c)));
if (phases.has('storm')) for (const n of storms) for (const k of heavy) st.set(`${k}:${n}`, await run(`storm ${k} ${n}`, 120 + n / 50, (c) => storm(k, n, z, c)));
let footprint: Record<string, string> | { dnf: string } | undefined;
if (phases.has('footprint')) {
  process.stderr.write('bench: footprint (limit 300 s)…\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/footprint.ts'), '--json', ...(q ? ['--seconds', '20'] : [])], { cwd: root, timeout: 300_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  footprint = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()!) : { dnf: r.error ? 'did not finish in 300 s' : `failed (exit ${r.status})` };
}

// ---- the table
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const ratio = (x: number | undefined, b: number | undefined) => (x !== undefined && b !== undefined && Number.isFinite(x) && Number.isFinite(b) && b !== 0 ? `${(x / b).toFixed(2)}×` : '—');
function cell<T extends object>(o: Outcome<T> | undefined, show: (t: T) => string): string {
  if (!o) return '—';
  return 'dnf' in o ? o.dnf : show(o);
}
const others = kinds.filter((k) => k !== 'aedes');
function row<T extends object>(label: string, map: Map<string, Outcome<T>>, key: (k: Kind) => string, show: (t: T) => string, val: (t: T) => number): string[] {
  const base = ok(map.get(key('aedes')));
  return [label, ...kinds.map((k) => cell(map.get(key(k)), show)), ...others.map((k) => {
    const t = ok(map.get(key(k)));
    return ratio(t && val(t), base && val(base));
  })];
}
const id = (k: Kind) => k;
const spread = (xs: number[]) => (xs.length > 1 ? ` [${f0(Math.min(...xs))}–${f0(Math.max(...xs))}]` : '');
const rows: string[][] = [['Measure', ...kinds, ...others.map((k) => `${k} / aedes`)]];
if (tp.size) {
  rows.push(row(`connect ${z.sensors} sensors at once (s)`, tp, id, (t) => `${f2(t.connectMs / 1000)}${t.connectFailed ? ` (${t.connectFailed} failed)` : ''}`, (t) => t.connectMs));
  rows.push(row(`aggregates/s stored, ${z.sensors} sensors, 8 in flight each (median of ${z.rounds})`, tp, id, (t) => `${f0(t.rate)}${spread(t.rates)}`, (t) => t.rate));
  rows.push(row('target CPU per aggregate (µs), N sensors', tp, id, (t) => f1(t.cpuUs), (t) => t.cpuUs));
  rows.push(row('… of which its main thread (event loop)', tp, id, (t) => f1(t.mainUs), (t) => t.mainUs));
  rows.push(row('gateway: rows per SQLite transaction (median of the rounds)', tp, id, (t) => f0(t.rowsPerCommit), () => NaN));
  rows.push(row('busiest load process (% of a core)', tp, id, (t) => f0(t.loaderCpu), (t) => t.loaderCpu));
  rows.push(row(`aggregates/s stored, one sensor, 64 in flight (median of ${z.rounds})`, tp, id, (t) => `${f0(t.single)}${spread(t.singleRates)}`, (t) => t.single));
  rows.push(row('target CPU per aggregate (µs), one sensor', tp, id, (t) => f1(t.singleCpuUs), (t) => t.singleCpuUs));
  rows.push(row('publish → subscriber p50 (ms) at 2,000 msg/s (gateway: → SSE)', tp, id, (t) => f1(t.p50), (t) => t.p50));
  rows.push(row('publish → subscriber p99 (ms)', tp, id, (t) => f1(t.p99), (t) => t.p99));
}
if (mem.size) {
  rows.push(row(`RSS per idle connection at ${z.sensors} (KiB)`, mem, id, (m) => f1(m.perConn / 1024), (m) => m.perConn));
  rows.push(row(`RSS per idle connection at ${z.big} (KiB)`, mem, id, (m) => `${f1(m.perConnBig / 1024)}${m.failed ? ` (${m.failed} failed)` : ''}`, (m) => m.perConnBig));
}
for (const n of storms) {
  if (!phases.has('storm')) break;
  rows.push(row(`reconnect storm, ${n} sensors: listening again → all back (s)`, st, (k) => `${k}:${n}`, (s) => f1((s.ms - s.restartMs) / 1000), (s) => s.ms - s.restartMs));
  rows.push(row(`reconnect storm, ${n} sensors: kill → all back (s)`, st, (k) => `${k}:${n}`, (s) => `${f1(s.ms / 1000)} (restart ${f1(s.restartMs / 1000)}; ${f0(s.attempts)} attempts)`, (s) => s.ms));
}
const table = (rs: string[][]) => rs.map((r, i) => `| ${r.join(' | ')} |${i === 0 ? `\n|${r.map(() => '---').join('|')}|` : ''}`).join('\n');
const fp = footprint && !('dnf' in footprint) ? footprint : undefined;
const fpTable = !footprint ? '' : fp
  ? table([['Sensor footprint', 'bare Node + mqtt.js', 'drukte sensor bundle', 'bundle / bare', 'Goal'],
    ['steady-state RSS (MiB)', fp.baseRss!, fp.rss!, fp.rssRatio!, '≤ 1.15×'],
    ['CPU (% of one core)', fp.baseCpu!, fp.cpu!, '—', '≤ 0.25 %'],
    ['cold start → first CONNECT (ms)', fp.baseStart!, fp.start!, fp.startRatio!, '≤ 3×']])
  : `Sensor footprint: ${footprint.dnf as string}`;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}`;
const cmd = `node --import tsx bench/fleet/run.ts ${process.argv.slice(2).join(' ')}`.trim();
const stored = [...tp].flatMap(([k, o]) => (ok(o) ? [`${k}: ${ok(o)!.rates.map(f0).join(', ')} aggregates/s per round (N sensors); ${ok(o)!.singleRates.map(f0).join(', ')} (one sensor)`] : []));
const section = `## Latest run

Machine: ${machine}; load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (the two cores are shared
with other jobs). Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Command: \`${cmd}\` (${z.loaders} load processes).

${table(rows)}

${stored.map((s) => `- ${s}`).join('\n')}

${fpTable}
`;
console.log(`\n${section}`);

if (v.out !== '-') {
  const file = v.out.startsWith('/') ? v.out : join(root, v.out);
  const begin = '<!-- bench:begin (written by bench/fleet/run.ts) -->';
  const end = '<!-- bench:end -->';
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  writeFileSync(file, i >= 0 && j > i ? `${doc.slice(0, i + begin.length)}\n${section}\n${doc.slice(j)}` : `${doc.trimEnd()}\n\n${begin}\n${section}\n${end}\n`);
  console.log(`written to ${v.out}`);
}
