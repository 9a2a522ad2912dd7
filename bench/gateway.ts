/**
 * Gateway ingest throughput against its baseline, in one run: `node --import tsx bench/gateway.ts [--messages N]`.
 *
 * One sensor client publishes N contract aggregates (QoS 1, CBOR, seq 1…N) as fast as PUBACKs allow, over loopback,
 * to (a) a bare aedes broker — the baseline — and (b) the full gateway: authentication (scrypt, at connect),
 * the policy hook (schema check per publish), ingest (second validation, dedupe), the SQLite history (in memory)
 * and the live event fan-out. Prints messages/s of each and the ratio gateway / bare aedes. Asserts nothing: these
 * machines are noisy, so only the ratio measured in the same run means something.
 */
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { ManualClock } from '../shared/clock.ts';
import { encodeSensorPayload } from '../shared/codec.ts';
import { silentLogger } from '../shared/log.ts';
import { aggregateTopic } from '../shared/topics.ts';
import { hashSecret } from '../gateway/credentials.ts';
import { startGateway } from '../gateway/gateway.ts';
import { startBareBroker } from '../simulator/bare-broker.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '20000' } } });
const N = Number(values.messages);
const ID = 'bench-sensor';
const PASSWORD = 'bench-password-3f9a';
const T0 = Date.parse('2026-06-01T12:00:00Z');

// Two runs per target (warm-up, timed) with fresh sequence numbers and windows each, so the gateway stores every
// timed message: consecutive 60 s windows on the grid ending at T0, each obeying the registered rules (k 5,
// granularity 5, 15 people on 40 m² = level B), so ingest runs every check and the insert, not a refusal.
const payloads = Array.from({ length: 2 * N }, (_, i) => {
  const from = T0 / 1000 - 60 * (2 * N - i);
  return encodeSensorPayload('aggregate', { v: 1, sensor: ID, seq: i + 1, from, to: from + 60, level: 1, count: 15 });
});

/** Publish all payloads with at most `window` in flight; resolves with messages/s. */
async function run(url: string, auth: { username?: string; password?: string }, offset: number): Promise<number> {
  const client = await mqtt.connectAsync(url, { clientId: `sensor-${ID}`, ...auth, reconnectPeriod: 0 });
  const window = 64;
  let next = 0;
  let acked = 0;
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const send = (): void => {
      const i = next++;
      if (i >= N) return;
      client.publish(aggregateTopic(ID), payloads[offset + i]!, { qos: 1 }, (err) => {
        if (err) return reject(err);
        if (++acked === N) resolve();
        else send();
      });
    };
    for (let k = 0; k < window; k++) send();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await client.endAsync();
  return N / seconds;
}

const bare = await startBareBroker();
await run(bare.url, {}, 0); // warm-up
const bareRate = await run(bare.url, {}, N);
await bare.close();

const clock = new ManualClock(T0);
const gw = await startGateway({
  mqtt: { port: 0 }, http: { port: 0 }, clock, logger: silentLogger(),
  credentials: [{ username: ID, role: 'sensor', hash: await hashSecret(PASSWORD) }],
  sensors: [{
    id: ID, driver: 'ld2450', owner: { name: 'Bench', organisation: 'Bench', email: 'bench@example.org' }, purpose: 'benchmark of the gateway',
    legalGround: 'n/a (benchmark)', dpiaRef: 'n/a', location: { lat: 52, lon: 4, description: 'loopback' }, area: { m2: 40 },
    expiresAt: '2027-01-01', registerUrl: 'http://localhost/sensors/bench-sensor', kFloor: 5, windowSeconds: 60, granularity: 5, output: 'level+count',
  }],
});
const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
await run(url, { username: ID, password: PASSWORD }, 0); // warm-up
const before = gw.ingest.stats();
const gwRate = await run(url, { username: ID, password: PASSWORD }, N);
const after = gw.ingest.stats();
await gw.stop();

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`messages per run: ${N} (QoS 1, ${payloads[0]!.length}-byte CBOR aggregates, 64 in flight, loopback)`);
console.log(`bare aedes           ${fmt(bareRate).padStart(8)} msg/s`);
console.log(`gateway (auth+policy+ingest+SQLite) ${fmt(gwRate).padStart(8)} msg/s`);
console.log(`ratio gateway / bare aedes: ${(gwRate / bareRate).toFixed(2)}`);
console.log(`ingest accepted ${after.accepted.aggregate - before.accepted.aggregate} and rejected ${after.rejectedTotal - before.rejectedTotal} of the timed messages`);
