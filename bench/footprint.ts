/**
 * The sensor's footprint (issue 14, item 8): `node --import tsx bench/footprint.ts [--seconds S] [--json]`.
 *
 * A bundle provisioned from examples/sensor.yaml (compiled JavaScript, as shipped: `drukte provision --no-register`)
 * runs as `node BUNDLE/bin/drukte.js sensor`, reading a simulated LD2450 over a real PTY (a socat pair, as
 * tests/serial does; the simulated module answers the firmware's configuration commands and then sends ~10.6
 * frames/s) and publishing to an aedes broker in this process. The baseline is bare Node with mqtt.js publishing the
 * same: a retained status at connect and one aggregate-sized message per window (it reads no radar).
 * Measured for both: cold start (spawn → the broker sees CONNECT), then, after a 5 s settle, RSS (mean of 1 s
 * samples) and CPU (% of one core) over S seconds (default 60), twice: from /proc/PID/stat in 10 ms ticks (`cpu`, as
 * the fleet bench measures) and from the scheduler's count in ns, /proc/PID/task/{every thread}/schedstat (`cpuSched`;
 * `cpuMainSched` is the main thread alone, the rest is V8's and libuv's threads). Both fall as a process ages (code
 * tiers up, start-up garbage is collected): bare Node reads ~0.1 % in its first minute and ~0.02 % after four. Baseline first, then the bundle,
 * then both measured side by side. Asserts nothing; prints a table (or one JSON line with --json). --profile DIR
 * takes a CPU profile of the bundle (`node --cpu-prof`; summarise with bench/fleet/profile-summary.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import { provision } from '../cli/provision.ts';
import { systemClock } from '../shared/clock.ts';
import { systemTimers } from '../shared/timers.ts';
import { realSerialBinding } from '../hardware/bindings/serial.ts';
import { openPtyPair, portWire, SimulatedRadar, type PtyPair } from '../simulator/pty.ts';
import { cpuMsOfPid, rssOfPid } from './fleet/procs.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, json: { type: 'boolean', default: false }, profile: { type: 'string' } } });
const SECONDS = Number(values.seconds);
const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'drukte-footprint-'));
const say = (s: string) => process.stderr.write(`footprint: ${s}\n`);

/** CPU time the scheduler counted for a process, ns: all its threads, or its main thread (first field of schedstat). */
function cpuNsOfPid(pid: number, mainOnly = false): number {
  const tids = mainOnly ? [String(pid)] : readdirSync(`/proc/${pid}/task`);
  return tids.reduce((sum, tid) => {
    try {
      return sum + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      return sum; // a thread that ended meanwhile
    }
  }, 0);
}

// The broker: timestamps the first CONNECT of each client id.
const connects = new Map<string, number>();
const aedes = await Aedes.createBroker({
  preConnect: (_client, packet, done) => {
    const id = (packet as { clientId?: string }).clientId ?? '';
    if (!connects.has(id)) connects.set(id, performance.now());
    done(null, true);
  },
});
const server = createServer(aedes.handle);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const brokerUrl = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;

// The bundle, as `drukte provision --no-register` makes it.
const manifestPath = join(work, 'sensor.yaml');
writeFileSync(manifestPath, `${readFileSync(join(root, 'examples/sensor.yaml'), 'utf8')}\nregisterUrl: http://127.0.0.1/sensors/stadhuis-entrance\ngatewayUrl: ${brokerUrl}\n`);
say('provisioning a bundle…');
const { bundleDir, manifest } = await provision({ manifestPath, outDir: join(work, 'bundle'), nowMs: Date.now(), print: () => undefined, gateway: null });

const crowd = { people: () => [{ xMm: 0, yMm: 1000, vxMmS: 0, vyMmS: 0 }, { xMm: 400, yMm: 1200, vxMmS: 0, vyMmS: 0 }] };
async function radarOn(name: string): Promise<{ pair: PtyPair; radar: SimulatedRadar; close(): Promise<void> }> {
  const pair = await openPtyPair(work, [`${name}-radar`, `${name}-sensor`]);
  const port = await realSerialBinding.open(pair.a, 256000);
  const radar = new SimulatedRadar(portWire(port), { driver: 'ld2450', people: crowd, clock: systemClock, clean: true });
  radar.start(systemTimers, 100);
  return { pair, radar, close: async () => (radar.stop(), await port.close().catch(() => undefined), await pair.close()) };
}

// Bare Node + mqtt.js: plain JavaScript (no tsx), publishing what the sensor publishes.
const mqttPath = createRequire(join(root, 'package.json')).resolve('mqtt');
const baselineFile = join(work, 'baseline.mjs');
writeFileSync(baselineFile, `import mqtt from ${JSON.stringify(mqttPath)};
const [url] = process.argv.slice(2);
const client = mqtt.connect(url, { clientId: 'sensor-baseline', keepalive: 30, reconnectPeriod: 1000 });
const payload = Buffer.alloc(60, 1);
client.on('connect', () => client.publish('drukte/v1/sensors/baseline/status', Buffer.alloc(200, 1), { qos: 1, retain: true }));
setInterval(() => client.publish('drukte/v1/sensors/baseline/aggregate', payload, { qos: 1 }), ${manifest.minimisation.windowSeconds * 1000});
`);

interface Run {
  child: ChildProcess;
  startMs: number;
  close(): Promise<void>;
}
async function launch(name: string, clientId: string, args: (device: string) => string[], radar: boolean): Promise<Run> {
  const r = radar ? await radarOn(name) : null;
  const t0 = performance.now();
  const child = spawn(process.execPath, args(r?.pair.b ?? ''), { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 60_000;
  while (!connects.has(clientId)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name}: no CONNECT within 60 s (exit ${child.exitCode})`);
    await new Promise((res) => setTimeout(res, 2));
  }
  return { child, startMs: connects.get(clientId)! - t0, close: async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((res) => child.once('exit', res));
    await r?.close();
  } };
}

say('baseline: bare Node + mqtt.js…');
const base = await launch('baseline', 'sensor-baseline', () => [baselineFile, brokerUrl], false);
say('the provisioned bundle…');
const dataDir = join(work, 'data');
const bundle = await launch('bundle', `sensor-${manifest.id}`, (device) => [...(values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : []), join(bundleDir, 'bin/drukte.js'), 'sensor', '--data-dir', dataDir, '--device', device, '--broker', brokerUrl], true);

say(`settling 5 s, then measuring both for ${SECONDS} s…`);
await new Promise((r) => setTimeout(r, 5000));
const pids = [base.child.pid!, bundle.child.pid!];
const cpu0 = pids.map(cpuMsOfPid);
const sched0 = pids.map((p) => cpuNsOfPid(p));
const main0 = cpuNsOfPid(bundle.child.pid!, true);
const t0 = performance.now();
const rss: number[][] = [[], []];
while (performance.now() - t0 < SECONDS * 1000) {
  await new Promise((r) => setTimeout(r, 1000));
  pids.forEach((p, i) => rss[i]!.push(rssOfPid(p)));
}
const elapsed = performance.now() - t0;
const cpu = pids.map((p, i) => ((cpuMsOfPid(p) - cpu0[i]!) / elapsed) * 100);
const sched = pids.map((p, i) => ((cpuNsOfPid(p) - sched0[i]!) / 1e6 / elapsed) * 100);
const mainSched = ((cpuNsOfPid(bundle.child.pid!, true) - main0) / 1e6 / elapsed) * 100;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const mib = rss.map((xs) => mean(xs) / 2 ** 20);
await base.close();
await bundle.close();
await aedes.close();
server.close();
rmSync(work, { recursive: true, force: true });

const out = {
  baseRss: mib[0]!.toFixed(1), rss: mib[1]!.toFixed(1), rssRatio: `${(mib[1]! / mib[0]!).toFixed(2)}×`,
  baseCpu: cpu[0]!.toFixed(2), cpu: cpu[1]!.toFixed(2),
  baseCpuSched: sched[0]!.toFixed(3), cpuSched: sched[1]!.toFixed(3), cpuMainSched: mainSched.toFixed(3),
  baseStart: base.startMs.toFixed(0), start: bundle.startMs.toFixed(0), startRatio: `${(bundle.startMs / base.startMs).toFixed(2)}×`,
};
if (values.json) console.log(JSON.stringify(out));
else {
  console.log(`                      bare Node + mqtt.js   bundle    bundle/bare   goal
steady RSS (MiB)      ${out.baseRss.padStart(8)}          ${out.rss.padStart(8)}   ${out.rssRatio.padStart(8)}     ≤ 1.15×
CPU (% of a core)     ${out.baseCpu.padStart(8)}          ${out.cpu.padStart(8)}                ≤ 0.25 %
  schedstat (ns)      ${out.baseCpuSched.padStart(8)}          ${out.cpuSched.padStart(8)}                (main thread ${out.cpuMainSched})
cold start (ms)       ${out.baseStart.padStart(8)}          ${out.start.padStart(8)}   ${out.startRatio.padStart(8)}     ≤ 3×`);
}
process.exit(0);
