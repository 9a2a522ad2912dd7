/** Start-up failures: busy ports give one clear sentence, a failed start undoes itself, bad config lists all errors. */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { GatewayConfigError, startGateway } from '../../gateway/gateway.ts';
import { ListenError } from '../../gateway/listen.ts';
import { sensorInfo, T0 } from './helpers.ts';

const blockers: Server[] = [];

/** Occupy a free port on 127.0.0.1 and return it. */
async function occupyPort(): Promise<number> {
  const s = createServer();
  blockers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

/** Whether a port can be bound right now. */
async function isFree(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

afterEach(async () => {
  await Promise.all(blockers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const base = () => ({ clock: new ManualClock(T0), logger: silentLogger(), sensors: [sensorInfo('dam-noord')] });

describe('start-up failures', () => {
  it('names a busy MQTT port and how to choose another', async () => {
    const port = await occupyPort();
    const start = startGateway({ ...base(), mqtt: { host: '127.0.0.1', port }, http: { host: '127.0.0.1', port: 0 } });
    await expect(start).rejects.toThrow(new ListenError(`MQTT port ${port} is already in use: stop the other broker or pass --mqtt-port / DRUKTE_MQTT_PORT`, 'EADDRINUSE', 'MQTT', port));
    await expect(start).rejects.toMatchObject({ name: 'ListenError', code: 'EADDRINUSE', port });
  });

  it('closes the broker again when the HTTP port is busy', async () => {
    const httpPort = await occupyPort();
    const mqttPort = await occupyPort();
    await new Promise((r) => blockers.pop()!.close(r)); // free, known port for MQTT
    await expect(startGateway({ ...base(), mqtt: { host: '127.0.0.1', port: mqttPort }, http: { host: '127.0.0.1', port: httpPort } })).rejects.toThrow(
      `HTTP port ${httpPort} is already in use: stop the other server or pass --http-port / DRUKTE_HTTP_PORT`,
    );
    expect(await isFree(mqttPort)).toBe(true);
  });

  it('can be aborted, and then leaves nothing listening', async () => {
    const controller = new AbortController();
    const mqttPort = await occupyPort();
    await new Promise((r) => blockers.pop()!.close(r));
    const start = startGateway({ ...base(), mqtt: { host: '127.0.0.1', port: mqttPort }, http: { host: '127.0.0.1', port: 0 }, signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(start).rejects.toThrow('shutting down');
    expect(await isFree(mqttPort)).toBe(true);
  });

  it('reports every configuration error at once', async () => {
    const bad = { ...sensorInfo('dam-zuid'), purpose: '', dpiaRef: '' };
    const start = startGateway({ ...base(), sensors: [sensorInfo('dam-noord'), sensorInfo('dam-noord'), bad], mqtt: { port: 70000 }, http: { port: -1 } });
    await expect(start).rejects.toBeInstanceOf(GatewayConfigError);
    await expect(start).rejects.toMatchObject({
      errors: [
        'mqtt.port must be a port number 0–65535 (0 = any free port)',
        'http.port must be a port number 0–65535 (0 = any free port)',
        'sensor dam-noord: listed twice',
        'sensor dam-zuid: purpose is required',
        'sensor dam-zuid: dpiaRef is required',
      ],
    });
  });

  it('names a busy WebSocket port, and closes the MQTT listener it had opened', async () => {
    const wsPort = await occupyPort();
    const mqttPort = await occupyPort();
    await new Promise((r) => blockers.pop()!.close(r));
    await expect(startGateway({ ...base(), mqtt: { host: '127.0.0.1', port: mqttPort }, ws: { host: '127.0.0.1', port: wsPort }, http: { host: '127.0.0.1', port: 0 } })).rejects.toThrow(
      `MQTT over WebSocket port ${wsPort} is already in use: stop the other broker or pass --ws-port / DRUKTE_WS_PORT`,
    );
    expect(await isFree(mqttPort)).toBe(true);
  });

  it('reports admin, credential and limit errors together', async () => {
    const start = startGateway({
      ...base(), admin: { token: 'short' }, credentials: [{ username: 'dam-noord', role: 'sensor', hash: 'plaintext-password' }],
      limits: { maxPacketBytes: 0, keepaliveMin: 600 }, ws: { tls: true },
    });
    await expect(start).rejects.toMatchObject({
      errors: [
        'ws.tls needs the mqtts certificate and key (mqtts.certFile, mqtts.keyFile)',
        'admin.token must be 16–256 characters without spaces',
        'credential dam-noord: needs an id as username, role sensor or reader, and a stored scrypt hash',
        'limits.maxPacketBytes must be a positive integer',
        'limits.keepaliveMin must not exceed limits.keepaliveMax',
      ],
    });
  });

  it('says which data directory cannot be used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drukte-ports-'));
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, 'x');
    try {
      await expect(startGateway({ ...base(), dataDir: file, mqtt: { port: 0 }, http: { port: 0 } })).rejects.toThrow(`cannot open the database in data directory ${file}: EEXIST`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
