/**
 * The gateway enforces a sensor's identity independently of the sensor (issue: lifecycle; guard (c) alerts):
 * a status reporting another bundle, minimiser or expiry than the register holds quarantines the sensor — its
 * aggregates are refused until a matching status arrives — and raises an alert on its register page. A sensor
 * that publishes off-contract is refused by the broker AND flagged on its register page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { aggregate, encodeAggregate, encodeStatus, getJson, rawCbor, sensorInfo, startTestGateway, status, type TestGateway } from './helpers.ts';

const ID = 'dam-noord';
const BUNDLE = 'b'.repeat(64);
const MINIMISER = 'a'.repeat(64);
let t: TestGateway;
const clients: MqttClient[] = [];
const health = async () => (await getJson(`${t.base}/api/health`)).body;
const latest = async () => (await getJson(`${t.base}/api/sensors/${ID}`)).body;
const page = async () => (await fetch(`${t.base}/sensors/${ID}`)).text();

beforeEach(async () => {
  t = await startTestGateway([sensorInfo(ID, { bundleHash: BUNDLE, minimiserHash: MINIMISER })]);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await t.gw.stop();
});

async function sensor(): Promise<MqttClient> {
  const c = await t.connectSensor(ID);
  clients.push(c);
  return c;
}

describe('identity enforced by the gateway', () => {
  it.each([
    ['bundle-mismatch', { bundle: 'c'.repeat(64) }],
    ['minimiser-mismatch', { minimiser: 'd'.repeat(64) }],
    ['expiry-mismatch', { expiresAt: '2030-01-01' }],
  ] as const)('%s: the status is refused, the sensor quarantined and flagged; a matching status lifts it', async (reason, change) => {
    const c = await sensor();
    await c.publishAsync(statusTopic(ID), encodeStatus(status(ID, 'registering', change)), { qos: 1, retain: true });
    await expect.poll(async () => (await health()).ingest.rejected[reason]).toBe(1);

    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)), { qos: 1 });
    await expect.poll(async () => (await health()).ingest.rejected['identity-mismatch']).toBe(1);
    expect((await latest()).latest ?? null).toBeNull();
    expect(await page()).toMatch(/id="alert"/);
    expect(t.logs.text()).toMatch(/ALERT: sensor needs attention/);

    await c.publishAsync(statusTopic(ID), encodeStatus(status(ID, 'registering')), { qos: 1, retain: true });
    await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 2)), { qos: 1 });
    await expect.poll(async () => (await latest()).latest?.seq).toBe(2);
  });

  it('guard (c): an off-contract publish by a sensor is refused by the broker and raises an alert on its register page', async () => {
    const c = await sensor();
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(aggregateTopic(ID), rawCbor({ ...aggregate(ID, 1), x: 987654 }), { qos: 1 });
    await closed; // [MQTT-3.3.5-2]: the broker closes the connection of a refused publish
    await expect.poll(async () => (await health()).broker.refused['unexpected-key']).toBe(1);
    const html = await page();
    expect(html).toMatch(/id="alert"/);
    expect(html).toMatch(/unexpected-key/);
    expect(html).not.toMatch(/987654/);
    expect((await latest()).latest ?? null).toBeNull();
  });
});

describe('the minimiser hash is public', () => {
  it('the display shows the minimiser hash the sensor reports (before its first status: the registered one)', async () => {
    const before = await (await fetch(`${t.base}/display/${ID}`)).text();
    expect(before).toContain(MINIMISER);
    const c = await sensor();
    const reported = 'f'.repeat(64); // even when it differs from the register (then the sensor is also quarantined)
    await c.publishAsync(statusTopic(ID), encodeStatus(status(ID, 'registering', { minimiser: reported })), { qos: 1, retain: true });
    await expect.poll(async () => (await fetch(`${t.base}/display/${ID}`)).text()).toContain(`<code class="hash" id="minimiser">${reported}</code>`);
  });
});

describe('an expired sensor on the public pages', () => {
  it('register page and display both say "expired — to be removed"', async () => {
    const e = await startTestGateway([sensorInfo('oude-markt', { expiresAt: '2025-05-31' })]); // T0 is 2025-06-01
    try {
      const display = await (await fetch(`${e.base}/display/oude-markt`)).text();
      const register = await (await fetch(`${e.base}/sensors/oude-markt`)).text();
      expect(display).toContain('verlopen — meet niet meer, wordt verwijderd');
      expect(display).toContain('expired — no longer measures, to be removed');
      expect(register).toMatch(/verlopen — wordt verwijderd/);
      expect(register).toMatch(/expired — to be removed/);
    } finally {
      await e.gw.stop();
    }
  });
});
