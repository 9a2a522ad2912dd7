/**
 * The admin API through its typed client (cli/admin-client.ts) and raw HTTP: nothing without the admin credential
 * (401 for every path, method and sensor, existing or not), rate-limited failures, then register (generated or
 * supplied credential), update, transfer (audit trail), retire (credential gone, session closed), readers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregateTopic } from '../../shared/topics.ts';
import { AdminApiError, AdminClient } from '../../cli/admin-client.ts';
import { hashSecret } from '../../gateway/credentials.ts';
import { ADMIN_TOKEN, aggregate, connectClient, encodeAggregate, passwordOf, sensorInfo, startTestGateway, T0, TEST_HASH, testManifest as manifest, type TestGateway } from './helpers.ts';

let t: TestGateway;
beforeEach(async () => {
  t = await startTestGateway([sensorInfo('dam-noord')], { loginLimits: { perAddress: { capacity: 1000, refillPerSecond: 0.1 } } });
});
afterEach(() => t.gw.stop());

const raw = (path: string, init: RequestInit = {}) => fetch(`${t.base}${path}`, init);

describe('admin API: authentication comes first', () => {
  it('answers 401 to everything without a valid credential, and never says whether a sensor exists', async () => {
    const AUTHS: Array<Record<string, string>> = [
      {}, { Authorization: 'Bearer wrong-token-wrong-token' }, { Authorization: `Basic ${Buffer.from(`root:${ADMIN_TOKEN}`).toString('base64')}` }, { Authorization: `Token ${ADMIN_TOKEN}` },
      { Authorization: `Bearer ${ADMIN_TOKEN}x` },
    ];
    const requests: Array<[string, string, Record<string, string>]> = [];
    for (const path of ['/api/admin/sensors', '/api/admin/sensors/dam-noord', '/api/admin/sensors/no-such-sensor', '/api/admin/sensors/dam-noord/retire', '/api/admin/sensors/no-such-sensor/audit', '/api/admin/nope', '/api/admin', '/api/admin/readers/x-y-z']) {
      for (const method of ['GET', 'POST', 'PUT', 'DELETE']) requests.push([method, path, AUTHS[requests.length % AUTHS.length]!]);
    }
    const bodies = new Set<string>();
    for (const [method, path, headers] of requests) {
      const res = await raw(path, { method, headers: { ...headers, 'Content-Type': 'application/json' }, ...(method === 'GET' ? {} : { body: '{}' }) });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      bodies.add(await res.text());
    }
    expect([...bodies]).toEqual([`${JSON.stringify({ error: 'authentication required' }, null, 2)}\n`]);
    expect(t.gw.register.record('dam-noord')?.lifecycle).toBe('active');
    expect(t.logs.text()).not.toContain('wrong-token-wrong-token');
  });

  it('accepts Bearer and Basic (user admin) with the token', async () => {
    expect((await raw('/api/admin/sensors/dam-noord/audit', { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    expect((await raw('/api/admin/sensors/dam-noord/audit', { headers: { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` } })).status).toBe(200);
  });

  it('rate-limits failed attempts per address (429), then lets the right token in again after a while', async () => {
    await t.gw.stop();
    t = await startTestGateway([sensorInfo('dam-noord')], { loginLimits: { perAddress: { capacity: 3, refillPerSecond: 0.1 } } });
    const wrong = new AdminClient({ baseUrl: t.base, token: 'not-the-admin-token' });
    for (let i = 0; i < 3; i++) await expect(wrong.audit('dam-noord')).rejects.toMatchObject({ status: 401 });
    await expect(t.admin.audit('dam-noord')).rejects.toMatchObject({ status: 429 });
    t.clock.advance(10_000);
    expect((await t.admin.audit('dam-noord')).entries[0]).toMatchObject({ action: 'register' });
  });

  it('is refused entirely when the gateway has no admin credential', async () => {
    await t.gw.stop();
    t = await startTestGateway([sensorInfo('dam-noord')], { admin: undefined });
    await expect(t.admin.audit('dam-noord')).rejects.toMatchObject({ status: 401 });
  });
});

describe('admin API: the register', () => {
  it('registers a sensor with a generated password, shown once; the sensor connects with it', async () => {
    const res = await t.admin.registerSensor({ manifest: manifest('kiosk-queue'), minimiserHash: 'd'.repeat(64) });
    expect(res.sensor).toMatchObject({ id: 'kiosk-queue', areaId: 'station-square', kFloor: 3, windowSeconds: 10, minimiserHash: 'd'.repeat(64) });
    expect(JSON.stringify(res.sensor)).not.toContain('zone');
    expect(res.mqtt).toEqual({ username: 'kiosk-queue', clientId: 'sensor-kiosk-queue', password: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) }); // 256 bits
    const c = await connectClient(t.mqttUrl, { clientId: res.mqtt.clientId, username: res.mqtt.username, password: res.mqtt.password! });
    await c.publishAsync(aggregateTopic('kiosk-queue'), encodeAggregate(aggregate('kiosk-queue', 1, { count: 3, level: 3, from: 1_748_779_190 })), { qos: 1 });
    await expect.poll(() => t.gw.ingest.latest('kiosk-queue').aggregate?.count).toBe(3);
    await c.endAsync();
    expect(t.gw.credentials.get('kiosk-queue')?.hash).toMatch(/^hmac-sha256\$/); // only the hash is kept
    expect(t.logs.text()).not.toContain(res.mqtt.password!);
    expect((await t.admin.audit('kiosk-queue')).entries.map((e) => [e.action, e.note])).toEqual([
      ['register', 'registered through the admin API'],
      ['credential', 'password generated by the gateway'],
    ]);
  });

  it('registers with a password hash made elsewhere (the password never travels)', async () => {
    const res = await t.admin.registerSensor({ manifest: manifest('bench-east'), credential: await hashSecret('made-by-the-technician', TEST_HASH) });
    expect(res.mqtt.password).toBeUndefined();
    const c = await connectClient(t.mqttUrl, { clientId: 'sensor-bench-east', username: 'bench-east', password: 'made-by-the-technician' });
    await c.endAsync();
  });

  it('refuses invalid manifests with every problem named, duplicates and bad hashes', async () => {
    const err = await t.admin.registerSensor({ manifest: manifest('x-1', { purpose: '', legalGround: undefined, expiresAt: '2030-01-01' }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect(err).toMatchObject({ status: 422, body: { error: 'invalid manifest' } });
    expect((err as AdminApiError).body.errors?.join('\n')).toMatch(/purpose[\s\S]*legalGround[\s\S]*expiresAt/);
    await expect(t.admin.registerSensor({ manifest: manifest('dam-noord') })).rejects.toMatchObject({ status: 409 });
    await expect(t.admin.registerSensor({ manifest: manifest('x-2'), credential: 'scrypt$N=1073741824,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).rejects.toMatchObject({ status: 422 });
    const notJson = await raw('/api/admin/sensors', { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    const tooBig = await raw('/api/admin/sensors', { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ manifest: 'x'.repeat(70_000) }) });
    expect(tooBig.status).toBe(413);
    expect(t.gw.register.list().map((s) => s.id)).toEqual(['dam-noord']);
  });

  it('updates details, but changes the owner only by a transfer that records the handover', async () => {
    await t.admin.registerSensor({ manifest: manifest('kiosk-queue') });
    const updated = await t.admin.updateSensor('kiosk-queue', { manifest: manifest('kiosk-queue', { purpose: 'Spread travellers over the two kiosks' }) });
    expect(updated.sensor.purpose).toBe('Spread travellers over the two kiosks');
    const newOwner = { name: 'Stationsbeheer', organisation: 'Vervoerder BV', email: 'beheer@vervoerder.example' };
    await expect(t.admin.updateSensor('kiosk-queue', { manifest: manifest('kiosk-queue', { owner: newOwner }) })).rejects.toMatchObject({ status: 409 });
    await expect(t.admin.updateSensor('kiosk-queue', { manifest: manifest('other-id') })).rejects.toMatchObject({ status: 422 });
    t.clock.advance(60_000);
    const { transfer } = await t.admin.transferOwner('kiosk-queue', newOwner, 'station concession');
    expect(transfer).toMatchObject({ action: 'transfer', at: new Date(T0 + 60_000).toISOString(), from: { organisation: 'Gemeente Voorbeeld' }, to: newOwner, note: 'station concession' });
    await expect(t.admin.transferOwner('kiosk-queue', { name: '', organisation: 'x', email: 'nope' })).rejects.toMatchObject({ status: 422 });
    expect((await t.admin.audit('kiosk-queue')).entries.map((e) => e.action)).toEqual(['register', 'credential', 'update', 'transfer']);
    const page = await (await raw('/sensors/kiosk-queue')).text();
    expect(page).toContain('Vervoerder BV');
    expect(page).toContain('Gemeente Voorbeeld → Vervoerder BV');
    await expect(t.admin.transferOwner('no-such-sensor', newOwner)).rejects.toMatchObject({ status: 404 });
  });

  it('retires a sensor: its credential is removed, its session closed, its record stays public as retired', async () => {
    const c = await t.connectSensor('dam-noord');
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    const res = await t.admin.retireSensor('dam-noord', 'lamp post replaced');
    expect(res.lifecycle).toBe('retired');
    await closed;
    await c.endAsync(true);
    await expect(connectClient(t.mqttUrl, { clientId: 'sensor-dam-noord', username: 'dam-noord', password: passwordOf('dam-noord') })).rejects.toMatchObject({ code: 4 });
    const page = await (await raw('/sensors/dam-noord')).text();
    expect(page).toContain('buiten gebruik / retired');
    expect(page).toContain('lamp post replaced');
    await expect(t.admin.retireSensor('dam-noord', 'again')).rejects.toMatchObject({ status: 409 });
    await expect(t.admin.replaceSensorCredential('dam-noord')).rejects.toMatchObject({ status: 409 });
    await expect(t.admin.registerSensor({ manifest: manifest('dam-noord') })).rejects.toMatchObject({ status: 409 });
  });

  it('replaces a sensor password: the old one stops working, the connected session is closed', async () => {
    const c = await t.connectSensor('dam-noord');
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    const { mqtt } = await t.admin.replaceSensorCredential('dam-noord');
    await closed;
    await c.endAsync(true);
    await expect(connectClient(t.mqttUrl, { clientId: 'sensor-dam-noord', username: 'dam-noord', password: passwordOf('dam-noord') })).rejects.toMatchObject({ code: 4 });
    const again = await connectClient(t.mqttUrl, { clientId: mqtt.clientId, username: mqtt.username, password: mqtt.password! });
    await again.endAsync();
  });

  it('creates and removes feed readers', async () => {
    const { mqtt, topics } = await t.admin.createReader('verkeerscentrale');
    expect(topics).toBe('drukte/v1/areas/#');
    const r = await connectClient(t.mqttUrl, { clientId: 'verkeerscentrale-1', username: mqtt.username, password: mqtt.password! });
    const closed = new Promise<void>((resolve) => r.once('close', () => resolve()));
    await expect(t.admin.createReader('verkeerscentrale')).rejects.toMatchObject({ status: 409 });
    await expect(t.admin.createReader('dam-noord')).rejects.toMatchObject({ status: 409 }); // a sensor's name
    await t.admin.deleteReader('verkeerscentrale');
    await closed;
    await r.endAsync(true);
    await expect(t.admin.deleteReader('verkeerscentrale')).rejects.toMatchObject({ status: 404 });
  });
});
