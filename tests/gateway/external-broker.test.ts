/**
 * External-broker mode against a real mosquitto (started here on a free loopback port, with a password file and an
 * ACL that mirror the embedded broker's policy): the firmware publishes to mosquitto with its own credentials, the
 * gateway subscribes there, ingests (its independent second check), serves the API and publishes area densities.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { createLogger, memorySink, silentLogger } from '../../shared/log.ts';
import { FRUIN_WALKWAY } from '../../shared/density.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { encodeSensorPayload } from '../../shared/codec.ts';
import { RawFrame } from '../../hardware/frame.ts';
import { startSensor, type RunningSensor } from '../../firmware/sensor.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { ExternalBrokerError } from '../../gateway/mqtt/external-broker.ts';
import { rawCbor, sensorInfo, T0 } from './helpers.ts';
import { freePort, MOSQUITTO } from '../helpers/mosquitto.ts';

const ID = 'ext-sensor';
const PW = { gateway: 'gw-pass-81c2', [ID]: 'sensor-pass-19ab', reader: 'reader-pass-77de' } as const;

describe.skipIf(!MOSQUITTO)('gateway with an external mosquitto broker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drukte-mosquitto-'));
  const clock = new ManualClock(T0);
  const logs = memorySink();
  let broker: ChildProcess;
  let url: string;
  let gw: Gateway;
  let sensor: RunningSensor;

  beforeAll(async () => {
    const port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, pw] of Object.entries(PW)) spawnSync('mosquitto_passwd', ['-b', passwd, user, pw]);
    writeFileSync(join(dir, 'acl'), [
      'user gateway', 'topic read drukte/v1/sensors/+/aggregate', 'topic read drukte/v1/sensors/+/status', 'topic write drukte/v1/areas/#', '',
      'user reader', 'topic read drukte/v1/areas/#', '',
      '# every sensor: only its own two topics (username = sensor id)',
      'pattern write drukte/v1/sensors/%u/aggregate', 'pattern write drukte/v1/sensors/%u/status', '',
    ].join('\n'));
    // `user`: mosquitto started as root would otherwise drop to user 'mosquitto', who cannot read our temp dir.
    writeFileSync(join(dir, 'mosquitto.conf'), [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwd}`, `acl_file ${join(dir, 'acl')}`, 'persistence false', 'log_dest stderr'].join('\n'));
    broker = spawn(MOSQUITTO!, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const ok = await mqtt.connectAsync(url, { username: 'reader', password: PW.reader, reconnectPeriod: 0, connectTimeout: 500 }).then((c) => c.endAsync().then(() => true), () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    gw = await startGateway({
      externalBroker: { url, username: 'gateway', password: PW.gateway }, http: { port: 0 }, clock,
      logger: createLogger('ext', { destination: logs.stream, level: 'debug' }),
      sensors: [sensorInfo(ID, { driver: 'beam', areaId: 'ext-area', expiresAt: '2026-05-31', windowSeconds: 10, kFloor: 3, granularity: 1, area: { m2: 40 } })],
    });
    sensor = await startSensor({
      identity: { id: ID, expiresAt: '2026-05-31', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64) }, driver: 'beam',
      settings: { areaM2: 40, zone: null, scheme: FRUIN_WALKWAY, windowSeconds: 10, kFloor: 3, granularity: 1, output: 'level+count', heartbeatSeconds: 10 },
      broker: { url, username: ID, password: PW[ID] }, dataDir: join(dir, 'sensor'),
    }, { source: new PassThrough(), clock, logger: silentLogger(), tickMs: null });
    for (let i = 0; i < 200 && !sensor.egress.connected; i++) await new Promise((r) => setTimeout(r, 10));
  });

  afterAll(async () => {
    await sensor?.stop();
    await gw?.stop();
    broker?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries the firmware\'s aggregates through mosquitto into the gateway, and area densities back out', async () => {
    expect(gw.broker).toBeNull();
    expect(gw.urls.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+\/?$/);
    const reader = await mqtt.connectAsync(url, { username: 'reader', password: PW.reader, reconnectPeriod: 0 });
    const densities: unknown[] = [];
    reader.on('message', (_t, p) => densities.push(JSON.parse(p.toString())));
    await reader.subscribeAsync('drukte/v1/areas/+/density', { qos: 1 });

    // 6 people inside for a whole window through the real pipeline (a counter's occupancy frames: no zone needed).
    const start = Math.floor(T0 / 10_000) * 10_000;
    for (let i = 0; i < 10; i++) {
      clock.setWall(start + i * 1000);
      sensor.pipeline.input.write(RawFrame.fromOccupancy(6));
    }
    clock.setWall(start + 10_000);
    sensor.tick();
    await expect.poll(async () => ((await (await fetch(`${gw.urls.http}api/sensors/${ID}`)).json()) as { latest?: { count: number } }).latest?.count, { timeout: 5000 }).toBe(6);
    await expect.poll(() => densities.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(densities.at(-1)).toMatchObject({ v: 1, area: 'ext-area', count: 6, sensors: [ID] });
    const health = (await (await fetch(`${gw.urls.http}api/health`)).json()) as { broker: unknown };
    expect(health.broker).toEqual({ external: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+/), connected: true });
    await reader.endAsync();
  });

  it('mosquitto\'s ACL keeps a sensor to its own topics; what it lets through is still checked by ingest', async () => {
    const rogue = await mqtt.connectAsync(url, { username: ID, password: PW[ID], clientId: 'rogue', reconnectPeriod: 0 });
    await rogue.publishAsync(aggregateTopic('other-sensor'), rawCbor({ v: 1 }), { qos: 1 }); // dropped by mosquitto's ACL
    await rogue.publishAsync(aggregateTopic(ID), rawCbor({ v: 1, sensor: ID, seq: 99, x: 1, y: 2 }), { qos: 1 }); // own topic: ingest refuses
    await rogue.endAsync();
    await expect.poll(() => gw.ingest.stats().rejected['unexpected-key'] ?? 0, { timeout: 5000 }).toBe(1);
    expect(gw.ingest.stats().rejected['unknown-sensor'] ?? 0).toBe(0); // the foreign-topic publish never arrived
  });

  it('through mosquitto too, a QoS 0 aggregate is refused by ingest (QoS 1 only) and suspends the sensor', async () => {
    const rogue = await mqtt.connectAsync(url, { username: ID, password: PW[ID], clientId: 'rogue-2', reconnectPeriod: 0 });
    const before = gw.ingest.latest(ID).aggregate;
    const last = before?.to ?? Math.floor(clock.now() / 1000 / 10) * 10;
    const valid = { v: 1 as const, sensor: ID, seq: (before?.seq ?? 0) + 1, from: last, to: last + 10, level: 0 as const, count: null };
    await rogue.publishAsync(aggregateTopic(ID), encodeSensorPayload('aggregate', valid), { qos: 0 }); // mosquitto delivers it at QoS 0
    await expect.poll(() => gw.register.record(ID)?.suspension?.reason, { timeout: 5000 }).toBe('qos0-aggregate');
    await rogue.publishAsync(aggregateTopic(ID), encodeSensorPayload('aggregate', { ...valid, count: 1 }), { qos: 1 }); // k 3: below k
    await expect.poll(() => gw.ingest.stats().rejected['sensor-suspended'] ?? 0, { timeout: 5000 }).toBe(1);
    expect(gw.ingest.latest(ID).aggregate).toEqual(before);
    await rogue.endAsync();
  });

  it('a broker that is down or refuses the gateway gives a clear start-up error', async () => {
    const down = startGateway({ externalBroker: { url: `mqtt://127.0.0.1:${await freePort()}`, username: 'gateway', password: PW.gateway }, http: { port: 0 }, clock, logger: silentLogger() });
    await expect(down).rejects.toThrow(ExternalBrokerError);
    const refused = startGateway({ externalBroker: { url, username: 'gateway', password: 'wrong' }, http: { port: 0 }, clock, logger: silentLogger() });
    await expect(refused).rejects.toThrow(/cannot connect to the external broker mqtt:\/\/127\.0\.0\.1:\d+\/?: .*check that it runs/);
  });
});
