/**
 * The broker's listeners and limits: MQTT over TLS (a self-signed certificate made with the openssl CLI at test
 * time: node:crypto cannot issue X.509), MQTT over WebSocket (mqtt.js over ws), and the limits on packet size,
 * topic levels, connections per address and the time to CONNECT.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { aggregateTopic } from '../../shared/topics.ts';
import { GatewayConfigError } from '../../gateway/gateway.ts';
import { MqttFrameScanner } from '../../gateway/mqtt/packet-guard.ts';
import { packet } from '../../simulator/mqtt-packets.ts';
import { ADMIN_TOKEN, aggregate, connectClient, encodeAggregate, passwordOf, READER, sensorInfo, startTestGateway, type TestGateway } from './helpers.ts';

const ID = 'dam-noord';
let t: TestGateway | null = null;
afterEach(async () => {
  await t?.gw.stop();
  t = null;
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tlsDir = mkdtempSync(join(tmpdir(), 'drukte-tls-'));
afterAll(() => rmSync(tlsDir, { recursive: true, force: true }));

/** A throw-away self-signed certificate for 127.0.0.1 / localhost. */
function selfSigned(): { certFile: string; keyFile: string; cert: Buffer } {
  const certFile = join(tlsDir, 'cert.pem');
  const keyFile = join(tlsDir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { certFile, keyFile, cert: readFileSync(certFile) };
}

const sensorLogin = { clientId: `sensor-${ID}`, username: ID, password: passwordOf(ID) };

describe.skipIf(!hasOpenssl())('MQTT over TLS', () => {
  it('accepts a sensor that trusts the certificate, over mqtts and wss; refuses clients that do not', async () => {
    const { certFile, keyFile, cert } = selfSigned();
    t = await startTestGateway([sensorInfo(ID)], { mqtts: { host: '127.0.0.1', port: 0, certFile, keyFile }, ws: { host: '127.0.0.1', port: 0, tls: true } });
    expect(t.gw.urls.mqtts).toBe(`mqtts://127.0.0.1:${t.gw.mqttsPort}`);
    expect(t.gw.urls.ws).toBe(`wss://127.0.0.1:${t.gw.wsPort}/mqtt`);

    const c = await connectClient(t.gw.urls.mqtts!, { ...sensorLogin, ca: cert });
    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)), { qos: 1 });
    await c.endAsync();
    const w = await connectClient(t.gw.urls.ws!, { ...sensorLogin, ca: cert });
    await w.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 2)), { qos: 1 });
    await w.endAsync();
    await expect.poll(() => t!.gw.ingest.stats().accepted.aggregate).toBe(2);

    await expect(connectClient(t.gw.urls.mqtts!, sensorLogin)).rejects.toThrow(/self[- ]signed/i); // no trust, no connection
    const plain = await rawSocket(t.gw.mqttsPort!); // plain MQTT on the TLS port: the handshake fails, the socket closes
    plain.socket.write(Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]));
    await plain.closed;
  });

  it('serves the pages, API and admin API over HTTPS with the same certificate; plain HTTP is not answered', async () => {
    const { certFile, keyFile, cert } = selfSigned();
    t = await startTestGateway([sensorInfo(ID)], { mqtts: { host: '127.0.0.1', port: 0, certFile, keyFile }, http: { host: '127.0.0.1', port: 0, tls: true } });
    expect(t.gw.urls.http).toBe(`https://127.0.0.1:${t.gw.httpPort}/`);
    const get = (path: string, headers: Record<string, string> = {}, ca?: Buffer) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      httpsGet(`https://127.0.0.1:${t!.gw.httpPort}${path}`, { headers, ...(ca ? { ca } : {}) }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    expect((await get('/api/sensors', {}, cert)).status).toBe(200);
    expect((await get(`/api/admin/sensors/${ID}/audit`, { authorization: `Bearer ${ADMIN_TOKEN}` }, cert)).status).toBe(200);
    expect((await get(`/api/admin/sensors/${ID}/audit`, {}, cert)).status).toBe(401);
    await expect(get('/api/sensors')).rejects.toThrow(/self[- ]signed/i); // untrusted certificate: no connection
    await expect(fetch(`http://127.0.0.1:${t.gw.httpPort}/api/sensors`)).rejects.toThrow(); // plain HTTP on the TLS port
  });

  it('refuses HTTPS without a certificate', async () => {
    await expect(startTestGateway([sensorInfo(ID)], { http: { port: 0, tls: true } })).rejects.toMatchObject({ errors: [expect.stringMatching(/^http\.tls needs the mqtts certificate/)] });
  });

  it('reports unreadable certificate files with the other configuration errors', async () => {
    const start = startTestGateway([sensorInfo(ID)], { mqtts: { port: 0, certFile: join(tlsDir, 'missing.pem'), keyFile: join(tlsDir, 'missing-key.pem') } });
    await expect(start).rejects.toBeInstanceOf(GatewayConfigError);
    await expect(start).rejects.toMatchObject({ errors: [expect.stringMatching(/^mqtts\.certFile: cannot read .*missing\.pem \(ENOENT\)$/), expect.stringMatching(/^mqtts\.keyFile/)] });
  });
});

describe('MQTT over WebSocket', () => {
  it('serves the same broker and policy at ws://…/mqtt', async () => {
    t = await startTestGateway([sensorInfo(ID, { areaId: 'dam' })], { ws: { host: '127.0.0.1', port: 0 } });
    expect(t.gw.urls.ws).toBe(`ws://127.0.0.1:${t.gw.wsPort}/mqtt`);
    const reader = await connectClient(t.gw.urls.ws!, { clientId: READER, username: READER, password: passwordOf(READER) });
    const got = new Promise<any>((resolve) => reader.once('message', (_topic, payload) => resolve(JSON.parse(payload.toString()))));
    await reader.subscribeAsync('drukte/v1/areas/#', { qos: 1 });
    const sensor = await connectClient(t.gw.urls.ws!, sensorLogin);
    await sensor.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { count: 20, level: 4 })), { qos: 1 });
    expect(await got).toMatchObject({ area: 'dam', count: 20 });
    await expect(connectClient(t.gw.urls.ws!, { clientId: 'sensor-x', username: 'x-sensor', password: 'nope' })).rejects.toMatchObject({ code: 4 });
    await Promise.all([reader.endAsync(), sensor.endAsync()]);
    const other = await fetch(`http://127.0.0.1:${t.gw.wsPort}/`);
    expect(other.status).toBe(404);
  });
});

/** A raw TCP connection to the broker, resolved once connected, with a promise for its close. */
async function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = netConnect(port, '127.0.0.1');
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  return { socket, closed };
}

const closedByLimits = async () => ((await (await fetch(`${t!.base}/api/health`)).json()) as { broker: { closedByLimits: Record<string, number> } }).broker.closedByLimits;

describe('limits', () => {
  it('closes a connection as soon as a packet header announces more than maxPacketBytes', async () => {
    t = await startTestGateway([sensorInfo(ID)]);
    const { socket, closed } = await rawSocket(t.gw.mqttPort);
    socket.write(Buffer.from([0x10, 0xc0, 0x84, 0x3d])); // CONNECT, remaining length 1 000 000
    await closed;
    // An authenticated sensor sending a 5 KB publish is closed too; its data never arrives.
    const c = await t.connectSensor(ID);
    const gone = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(aggregateTopic(ID), Buffer.alloc(5000, 0xa0), { qos: 1 });
    await gone;
    await c.endAsync(true);
    expect(await closedByLimits()).toEqual({ 'packet-too-large': 2 });
    expect(t.gw.ingest.stats().rejectedTotal).toBe(0);
  });

  it('closes a publish with more topic levels than maxTopicLevels', async () => {
    t = await startTestGateway([sensorInfo(ID)]);
    const c = await t.connectSensor(ID);
    const gone = new Promise<void>((r) => c.once('close', () => r()));
    c.publish('a/b/c/d/e/f/g/h/i/j', Buffer.from('x'), { qos: 1 });
    await gone;
    await c.endAsync(true);
  });

  it('limits connections per address, and frees the slot when one closes', async () => {
    t = await startTestGateway([sensorInfo(ID)], { limits: { maxConnectionsPerAddress: 2 } });
    const a = await rawSocket(t.gw.mqttPort);
    const b = await rawSocket(t.gw.mqttPort);
    const c = await rawSocket(t.gw.mqttPort);
    await c.closed; // the third one
    expect(await closedByLimits()).toEqual({ 'too-many-connections': 1 });
    a.socket.destroy();
    await a.closed;
    await expect.poll(async () => {
      const d = await rawSocket(t!.gw.mqttPort);
      const stillOpen = await Promise.race([d.closed.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 100))]);
      d.socket.destroy();
      return stillOpen;
    }).toBe(true);
    b.socket.destroy();
  });

  it('closes connections that do not send CONNECT within connectTimeoutMs', async () => {
    t = await startTestGateway([sensorInfo(ID)], { limits: { connectTimeoutMs: 200 } });
    const { closed } = await rawSocket(t.gw.mqttPort);
    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('MqttFrameScanner', () => {
  const publish = (bodyBytes: number) => packet(0x32, Buffer.alloc(bodyBytes, 7));

  it('follows packets split anywhere and packed together, and accepts exactly the maximum', () => {
    const s = new MqttFrameScanner(200);
    const stream = Buffer.concat([publish(10), publish(197), Buffer.from([0xc0, 0x00]), publish(0)]); // 197 + 3 header bytes = 200
    for (let i = 0; i < stream.length; i += 3) expect(s.push(stream.subarray(i, i + 3))).toEqual({ ok: true });
  });

  it('refuses one byte over the maximum, whatever follows, and a remaining length of more than 4 bytes', () => {
    const s = new MqttFrameScanner(200);
    expect(s.push(publish(198))).toEqual({ ok: false, reason: 'packet-too-large', announced: 201 });
    expect(s.push(publish(1))).toEqual({ ok: false, reason: 'packet-too-large', announced: 201 });
    expect(new MqttFrameScanner(200).push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff]))).toEqual({ ok: false, reason: 'malformed-length' });
  });
});
