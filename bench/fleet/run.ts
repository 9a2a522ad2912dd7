/**
 * The fleet benchmark: what runs, side by side, in one run (`npm run bench`; `--sensors N --big M` to change sizes).
 *
 * Targets take turns, each in its own process: a bare aedes relay, a mosquitto relay (/usr/sbin/mosquitto, when
 * installed), the drukte gateway (file-backed SQLite, machine credentials, policy, ingest, group commit) and the
 * same with its sensors in areas of 10. The load client is its own process too (bench/fleet/load.ts), its clients
 * spread over 127.1.x.y source addresses. Per target:
 *   connect     N sensors connecting at once (a reconnect storm after a restart), time until all are connected
 *   ingest      every sensor publishes 20 QoS 1 aggregates, 8 in flight: acknowledged aggregates/s (gateway:
 *               each acknowledged one is committed to the history)
 *   latency     publish → subscriber (gateway: → the SSE stream /api/stream) at 2,000 msg/s, p50/p99
 *   memory      target RSS (after GC) per connection at N and at M (idle connections)
 * Prints a table with the ratios to bare aedes and writes it to docs/BENCHMARKS.md with the machine description.
 * Asserts nothing: these machines are noisy, so only ratios measured in the same run mean something.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem, tmpdir, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { sensors: { type: 'string', default: '1000' }, big: { type: 'string', default: '10000' }, out: { type: 'string', default: 'docs/BENCHMARKS.md' } } });
const N = Number(values.sensors);
const BIG = Number(values.big);
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const root = here('../..');

type Kind = 'aedes' | 'mosquitto' | 'drukte' | 'drukte-areas';
interface Result { kind: Kind; connectMs: number; connectFailed: number; rate: number; p50: number; p99: number; rssPerConn: number; rssPerConnBig: number; bigFailed: number; stored?: number }

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg);
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function rssOfPid(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function startTarget(kind: Kind, dir: string): Promise<{ port: number; http: number; rss(): Promise<number>; stats(): Promise<any>; stop(): void }> {
  if (kind === 'mosquitto') {
    const port = await freePort();
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_connections -1\nmax_inflight_messages 0\nmax_queued_messages 100000\npersistence false\n`);
    const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    return { port, http: 0, rss: async () => rssOfPid(child.pid!), stats: async () => ({}), stop: () => void child.kill('SIGKILL') };
  }
  const child = fork(here('./target.ts'), [kind, dir, String(BIG)], { execArgv: ['--expose-gc', '--import', 'tsx'], cwd: root, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const [port, http] = await new Promise<[number, number]>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ready (\d+) (\d+)/.exec(out);
      if (m) resolve([Number(m[1]), Number(m[2])]);
    });
  });
  return {
    port, http,
    rss: async () => (await ask<{ rss: number }>(child, { cmd: 'rss' })).rss,
    stats: async () => (await ask<{ stats: any }>(child, { cmd: 'stats' })).stats,
    stop: () => void child.kill('SIGKILL'),
  };
}

async function measure(kind: Kind): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), `drukte-bench-${kind}-`));
  const target = await startTarget(kind, dir);
  const load = fork(here('./load.ts'), [], { execArgv: ['--import', 'tsx'], cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((r) => load.once('message', r));
  const auth = kind === 'drukte' || kind === 'drukte-areas';
  await new Promise((r) => setTimeout(r, 300));
  const rss0 = await target.rss();
  const c = await ask<{ ms: number; failed: number }>(load, { cmd: 'connect', port: target.port, count: N, auth });
  const rssN = await target.rss();
  const p = await ask<{ ms: number; acked: number }>(load, { cmd: 'publish', perClient: 20, inFlight: 8 });
  const l = await ask<{ p50: number; p99: number }>(load, { cmd: 'latency', rate: 2000, seconds: 3, sse: auth ? target.http : 0 });
  const stats = await target.stats();
  const big = await ask<{ ms: number; failed: number }>(load, { cmd: 'connect', port: target.port, count: BIG - N, auth });
  const rssBig = await target.rss();
  await ask(load, { cmd: 'close' });
  load.kill();
  target.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    kind, connectMs: c.ms, connectFailed: c.failed, rate: (p.acked / p.ms) * 1000, p50: l.p50, p99: l.p99,
    rssPerConn: (rssN - rss0) / (N - c.failed), rssPerConnBig: (rssBig - rss0) / (BIG - c.failed - big.failed), bigFailed: big.failed,
    ...(stats?.ingest ? { stored: stats.ingest.accepted.aggregate } : {}),
  };
}

const kinds: Kind[] = ['aedes', ...(existsSync('/usr/sbin/mosquitto') ? ['mosquitto' as const] : []), 'drukte', 'drukte-areas'];
const results: Result[] = [];
for (const kind of kinds) {
  process.stderr.write(`bench: ${kind}…\n`);
  results.push(await measure(kind));
}

const base = results[0]!;
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const ratio = (x: number, b: number) => (Number.isFinite(x) && Number.isFinite(b) && b !== 0 ? `${(x / b).toFixed(2)}×` : '—');
const rows = [
  ['Measure', ...results.map((r) => r.kind), ...results.slice(1).map((r) => `${r.kind} / aedes`)],
  [`connect ${N} sensors at once (s)`, ...results.map((r) => `${(r.connectMs / 1000).toFixed(2)}${r.connectFailed ? ` (${r.connectFailed} failed)` : ''}`), ...results.slice(1).map((r) => ratio(r.connectMs, base.connectMs))],
  [`aggregates/s, ${N} sensors, QoS 1, 8 in flight each`, ...results.map((r) => f0(r.rate)), ...results.slice(1).map((r) => ratio(r.rate, base.rate))],
  ['publish → subscriber p50 (ms) at 2,000 msg/s (gateway: → SSE)', ...results.map((r) => f1(r.p50)), ...results.slice(1).map((r) => ratio(r.p50, base.p50))],
  ['publish → subscriber p99 (ms)', ...results.map((r) => f1(r.p99)), ...results.slice(1).map((r) => ratio(r.p99, base.p99))],
  [`RSS per idle connection at ${N} (KiB)`, ...results.map((r) => f1(r.rssPerConn / 1024)), ...results.slice(1).map((r) => ratio(r.rssPerConn, base.rssPerConn))],
  [`RSS per idle connection at ${BIG} (KiB)`, ...results.map((r) => `${f1(r.rssPerConnBig / 1024)}${r.bigFailed ? ` (${r.bigFailed} failed)` : ''}`), ...results.slice(1).map((r) => ratio(r.rssPerConnBig, base.rssPerConnBig))],
];
const table = rows.map((r, i) => `| ${r.join(' | ')} |${i === 0 ? `\n|${r.map(() => '---').join('|')}|` : ''}`).join('\n');
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}`;
console.log(`\n${machine}\n\n${table}\n`);
for (const r of results) if (r.stored !== undefined) console.log(`${r.kind}: ${r.stored} aggregates stored (each acknowledged only after its commit)`);

const doc = `# Benchmarks

\`npm run bench\` (bench/fleet/run.ts) measures what runs, side by side in one run, and writes this file. The targets
take turns, each in its own process; the load client is its own process, its ${N} MQTT clients spread over 127.1.x.y
loopback source addresses (at most 16 per address: the gateway's per-address limit, 32, stays as shipped).

- **aedes**: a bare aedes 1.2 relay: no authentication, no checks, no storage. The baseline.
- **mosquitto**: a mosquitto relay (anonymous, no persistence).
- **drukte**: the gateway as \`drukte gateway\` runs it: file-backed SQLite (WAL), machine credentials under the keyed
  hash, the broker policy, ingest's checks against the register, group commit; a PUBACK is sent only after the
  aggregate's transaction committed.
- **drukte-areas**: the same with the sensors in areas of 10 (area densities computed at most once per second per area).

Connect is ${N} sensors connecting at once, as after a gateway restart. Aggregates/s: every sensor publishes 20 QoS 1
aggregates with 8 in flight (gateway: every acknowledged aggregate is in the history). Latency: publish to a
subscriber (relays: an MQTT subscriber on drukte/v1/sensors/+/aggregate; gateway: the public SSE stream /api/stream)
at 2,000 aggregates/s. Memory: RSS of the target after a full GC, per idle connection, at ${N} and ${BIG} connections.
Nothing is asserted: the machines are noisy; the ratios to bare aedes measured in the same run are the figures.
Read the aggregates/s row with the load client in mind: one Node process drives all sensor clients, and on a small
machine it saturates first (then every target shows about the same rate, and the ratio only says that the gateway
is not the bottleneck at that rate). RSS per connection is noisy at 1,000 (allocator and GC timing): the larger size is
the better figure.

## Latest run

Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)}.

${table}

${results.filter((r) => r.stored !== undefined).map((r) => `- ${r.kind}: ${r.stored} aggregates stored.`).join('\n')}

## Durability: what a PUBACK promises

See docs/PROTOCOL.md §3 ("Durability"). In short: the PUBACK of an aggregate is sent after the SQLite transaction that
holds it committed (group commit: all aggregates of one event-loop turn, at most 2,000, in one transaction). The
database runs in WAL mode with \`synchronous=NORMAL\`: a committed transaction is in the WAL file in the operating
system's page cache, so it survives the gateway process being killed (kill -9, OOM killer, a crash) — proven by
tests/integration/kill-under-load.test.ts. It does not necessarily survive a power loss or kernel crash: the last
transactions since the WAL was last synced may be lost. That is the promise: **stored against a process crash**.
`;
writeFileSync(values.out.startsWith("/") ? values.out : join(root, values.out), doc);
console.log(`written to ${values.out}`);
