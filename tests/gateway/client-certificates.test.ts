/**
 * A credential that dies with the sensor (issue 9, item 5): the gateway CA (gateway/mqtt/ca.ts, system openssl) issues
 * each sensor a client certificate, CN = sensor id, notAfter = the end of its expiry day. The embedded broker's
 * mqtts listener and a real mosquitto (`require_certificate true`, `use_identity_as_username true`) both accept it
 * while valid and refuse it past its notAfter — TLS decides, by the server's own clock, not drukte code.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { FRUIN_WALKWAY } from '../../shared/density.ts';
import { silentLogger } from '../../shared/log.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { startSensor } from '../../firmware/sensor.ts';
import { GatewayCa, notAfterFor, type IssuedCertificate } from '../../gateway/mqtt/ca.ts';
import { aggregate, encodeAggregate, passwordOf, sensorInfo, startTestGateway, type TestGateway } from './helpers.ts';
import { freePort, MOSQUITTO } from '../helpers/mosquitto.ts';

const ID = 'cert-sensor';
const dir = mkdtempSync(join(tmpdir(), 'drukte-ca-'));
let ca: GatewayCa;
let valid: IssuedCertificate;
let expired: IssuedCertificate;
let revoked: IssuedCertificate;
let foreign: IssuedCertificate;
const server = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };

beforeAll(async () => {
  ca = await GatewayCa.open(join(dir, 'ca'));
  const now = Date.now();
  valid = await ca.issue(ID, { notAfter: new Date(now + 86_400_000) });
  // Past its notAfter: issued with explicit dates (openssl ca -startdate/-enddate), as a sensor after its expiry day.
  expired = await ca.issue(ID, { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: notAfterFor('2020-01-31') });
  revoked = await ca.issue('revoked-sensor', { notAfter: new Date(now + 86_400_000) });
  await ca.revoke('revoked-sensor');
  foreign = await (await GatewayCa.open(join(dir, 'other-ca'), 'someone else')).issue(ID, { notAfter: new Date(now + 86_400_000) });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', server.keyFile, '-out', server.certFile,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Connect and report whether the broker let the client in (a TLS refusal closes the socket without a CONNACK). */
function attempt(url: string, opts: mqtt.IClientOptions): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, opts);
    const done = (r: 'connected' | 'refused') => {
      c.end(true);
      resolve(r);
    };
    c.once('connect', () => done('connected'));
    c.once('error', () => done('refused'));
    c.once('close', () => done('refused'));
  });
}

const tlsOpts = (c: IssuedCertificate | null) => ({
  ca: readFileSync(server.certFile), ...(c ? { cert: c.cert, key: c.key } : {}), reconnectPeriod: 0, connectTimeout: 3000,
});

describe('the gateway CA', () => {
  it('issues a certificate with CN = sensor id and notAfter = the last second of the expiry day; keys 0600', async () => {
    const c = await ca.issue(ID, { expiresAt: '2027-03-31' });
    const x = new (await import('node:crypto')).X509Certificate(c.cert);
    expect(x.subject).toBe(`CN=${ID}`);
    expect(new Date(x.validTo).toISOString()).toBe('2027-03-31T23:59:59.000Z');
    expect(x.checkIssued(new (await import('node:crypto')).X509Certificate(ca.caCert))).toBe(true);
    expect(statSync(join(dir, 'ca', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ca')).mode & 0o777).toBe(0o700);
  });
});

describe('embedded broker: mqtts with client certificates', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway([sensorInfo(ID), sensorInfo('revoked-sensor')], {
      mqtts: { host: '127.0.0.1', port: 0, ...server, clientCaFile: join(dir, 'ca', 'ca.crt'), crlFile: join(dir, 'ca', 'crl.pem') },
    });
  });
  afterAll(() => t?.gw.stop());

  it('a valid certificate is the identity: no password, publishes like any sensor', async () => {
    const c = await mqtt.connectAsync(t.gw.urls.mqtts!, { ...tlsOpts(valid), clientId: `sensor-${ID}` });
    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)), { qos: 1 });
    await expect.poll(() => t.gw.ingest.latest(ID).aggregate?.seq).toBe(1);
    await c.endAsync();
  });

  it.each([
    ['past its notAfter', () => expired],
    ['revoked (CRL)', () => revoked],
    ['from another CA', () => foreign],
  ])('refuses a certificate %s, before MQTT starts, counted at /api/health', async (_what, cert) => {
    const before = t.gw.broker!.closedByLimits()['certificate-refused'] ?? 0;
    const id = cert() === revoked ? 'revoked-sensor' : ID;
    expect(await attempt(t.gw.urls.mqtts!, { ...tlsOpts(cert()), clientId: `sensor-${id}` })).toBe('refused');
    await expect.poll(() => t.gw.broker!.closedByLimits()['certificate-refused']).toBe(before + 1);
  });

  it('the firmware connects with its certificate alone (no password) and its status reaches the register', async () => {
    const sensor = await startSensor({
      identity: { id: ID, expiresAt: '2026-05-31', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64) }, driver: 'beam',
      settings: { areaM2: 12, zone: null, scheme: FRUIN_WALKWAY, windowSeconds: 60, kFloor: 5, granularity: 1, output: 'level+count', heartbeatSeconds: 60 },
      broker: { url: t.gw.urls.mqtts!, tls: { cert: Buffer.from(valid.cert), key: Buffer.from(valid.key), ca: readFileSync(server.certFile) } },
      dataDir: mkdtempSync(join(dir, 'sensor-')),
    }, { source: new PassThrough(), clock: t.clock, logger: silentLogger(), tickMs: null });
    try {
      await expect.poll(() => t.gw.ingest.latest(ID).status?.state).toBe('starting');
    } finally {
      await sensor.stop();
    }
  });

  it('a certificate cannot speak for another sensor; password login still works for development', async () => {
    expect(await attempt(t.gw.urls.mqtts!, { ...tlsOpts(valid), clientId: 'sensor-revoked-sensor', username: 'revoked-sensor' })).toBe('refused');
    const p = await mqtt.connectAsync(t.gw.urls.mqtts!, { ...tlsOpts(null), clientId: `sensor-${ID}`, username: ID, password: passwordOf(ID) });
    await p.endAsync();
  });
});

describe.skipIf(!MOSQUITTO)('mosquitto with require_certificate and use_identity_as_username', () => {
  let broker: ChildProcess;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `mqtts://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'mosquitto.conf'), [
      `user ${userInfo().username}`, `listener ${port} 127.0.0.1`, `cafile ${join(dir, 'ca', 'ca.crt')}`, `certfile ${server.certFile}`, `keyfile ${server.keyFile}`,
      'require_certificate true', 'use_identity_as_username true', 'allow_anonymous false', 'persistence false', 'log_dest stderr',
    ].join('\n'));
    broker = spawn(MOSQUITTO!, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const ok = await mqtt.connectAsync(url, { ...tlsOpts(valid), connectTimeout: 500 }).then((c) => c.endAsync().then(() => true), () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 20_000);
  afterAll(() => {
    broker?.kill();
  });

  it('accepts the sensor certificate while valid, and refuses it past its notAfter', async () => {
    const ok = await mqtt.connectAsync(url, { ...tlsOpts(valid), clientId: `sensor-${ID}` });
    expect(ok.connected).toBe(true);
    await ok.endAsync();
    expect(await attempt(url, { ...tlsOpts(expired), clientId: `sensor-${ID}` })).toBe('refused');
    expect(await attempt(url, { ...tlsOpts(null), clientId: `sensor-${ID}`, username: ID, password: 'anything' })).toBe('refused');
  });
});

describe('provisioning issues the certificate into the bundle', () => {
  it('drukte provision --ca DIR: tls/client.crt (CN = id, notAfter = end of the expiry day), tls/client.key 0600, tls/ca.crt', async () => {
    const { provision } = await import('../../cli/provision.ts');
    const { exampleManifest } = await import('../lifecycle/helpers.ts');
    const { readClientCertificate } = await import('../../firmware/bundle/identity.ts');
    const { X509Certificate } = await import('node:crypto');
    const work = mkdtempSync(join(dir, 'prov-'));
    const manifest = exampleManifest(work, { expiresAt: '2027-09-30' });
    const build = async () => ({ descriptor: { bundle: 'b'.repeat(64), minimiser: 'a'.repeat(64), files: 1 } }) as never;
    const lines: string[] = [];
    const out = join(work, 'bundle');
    await provision({ manifestPath: manifest, outDir: out, gateway: null, nowMs: Date.parse('2026-12-01T00:00:00Z'), print: (l) => lines.push(l), build, caDir: join(dir, 'ca') });
    const tls = readClientCertificate(out)!;
    const x = new X509Certificate(tls.cert);
    expect(x.subject).toBe('CN=stadhuis-entrance');
    expect(new Date(x.validTo).toISOString()).toBe('2027-09-30T23:59:59.000Z');
    expect(statSync(join(out, 'tls', 'client.key')).mode & 0o777).toBe(0o600);
    expect(tls.ca?.toString()).toBe(ca.caCert);
    expect(lines).toContainEqual(expect.stringMatching(/^✓ client certificate CN=stadhuis-entrance from the gateway CA, valid until 2027-09-30T23:59:59.000Z/));
  });
});
