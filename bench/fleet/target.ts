/**
 * A benchmark target in its own process (bench/fleet/run.ts starts it with --expose-gc):
 *   node --expose-gc --import tsx bench/fleet/target.ts aedes|drukte|drukte-areas <dataDir> <sensors> [port] [restart]
 * aedes: a bare aedes relay (no authentication, no checks, no store). drukte: the gateway as `drukte gateway` runs
 * it: file-backed SQLite in <dataDir>, <sensors> registered sensors with machine credentials (keyed hash), the
 * broker policy, ingest, group commit; drukte-areas: the same with the sensors in areas of 10. MQTT on `port`
 * (0: any free one). `restart`: start on an existing <dataDir> as a restarted `drukte gateway` does (the register
 * and credentials are already in it).
 * Prints "ready <mqttPort> <httpPort>"; answers IPC messages: {cmd:'rss'} → RSS after a full GC, bytes;
 * {cmd:'stats'} → what the target stored; {cmd:'exit'} → exit (writes a --cpu-prof profile).
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { systemClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { CredentialHasher, loadCredentialKey } from '../../gateway/credentials.ts';
import { DEFAULT_LIMITS } from '../../gateway/mqtt/broker.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { benchSensor, BENCH_PASSWORD, benchSensorId } from './fleet-data.ts';

const [kind, dataDir, n, portArg, mode] = process.argv.slice(2) as ['aedes' | 'drukte' | 'drukte-areas', string, string, string?, string?];
const sensors = Number(n);
const mqttPort = Number(portArg ?? 0);
const restart = mode === 'restart';
let stats: () => unknown = () => ({});

if (kind === 'aedes') {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(mqttPort, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  process.stdout.write(`ready ${port} 0\n`);
} else {
  // Credentials as the admin API makes them: 256-bit secrets under the gateway's keyed hash (credential.key).
  const hasher = new CredentialHasher(loadCredentialKey(dataDir));
  const hash = hasher.hash(BENCH_PASSWORD);
  const ids = restart ? [] : Array.from({ length: sensors }, (_, i) => benchSensorId(i));
  const gw: Gateway = await startGateway({
    dataDir, clock: systemClock, logger: silentLogger(),
    mqtt: { host: '127.0.0.1', port: mqttPort }, http: { host: '127.0.0.1', port: 0 },
    // The per-address limit stays as shipped: the load client spreads over many 127.x.y.z source addresses.
    limits: { ...DEFAULT_LIMITS },
    sensors: ids.map((id, i) => benchSensor(id, kind === 'drukte-areas' ? `area-${Math.floor(i / 10)}` : undefined)),
    credentials: ids.map((username) => ({ username, role: 'sensor' as const, hash })),
  } as Parameters<typeof startGateway>[0]);
  stats = () => ({ ingest: gw.ingest.stats(), commits: gw.history.commits.stats });
  process.stdout.write(`ready ${gw.mqttPort} ${gw.httpPort}\n`);
}

process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'rss') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ rss: process.memoryUsage().rss });
  } else if (m.cmd === 'stats') process.send!({ stats: stats() });
  else if (m.cmd === 'exit') process.exit(0); // a clean exit writes the --cpu-prof profile
});
