/**
 * The kiosk display in a real (headless) Chromium: it shows the count, and a new aggregate published over MQTT
 * shows up live, without a reload; an offline status shows the stale indicator. The page must run under its own
 * CSP without violations or console errors.
 */
import type { Browser, Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { hasChromium, launchChromium } from '../helpers/browser.ts';
import { aggregate, encodeAggregate, encodeStatus, fetchJson, sensorInfo, startTestGateway, status, T0S, type TestGateway } from './helpers.ts';

const ID = 'dam-noord';

describe.skipIf(!hasChromium())('display page in Chromium', () => {
  let browser: Browser;
  let t: TestGateway;
  let sensor: MqttClient;

  beforeAll(async () => {
    [browser, t] = await Promise.all([launchChromium(), startTestGateway([sensorInfo(ID)])]);
    sensor = await t.connectSensor(ID);
  });

  afterAll(async () => {
    await sensor?.endAsync(true);
    await browser?.close();
    await t?.gw.stop();
  });

  const text = (page: Page, id: string) => page.locator(`#${id}`).textContent();

  it('shows the count and updates live when a new aggregate arrives over MQTT', async () => {
    await sensor.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { count: 12, level: 3 })), { qos: 1 });
    await expect.poll(async () => (await fetchJson(`${t.base}/api/health`)).ingest.accepted.aggregate).toBe(1);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${t.base}/display/${ID}`);
    expect(await text(page, 'big')).toBe('12');
    expect(await text(page, 'line-nl')).toBe('12 mensen · druk');
    expect(await text(page, 'line-en')).toBe('12 people · busy');
    expect(await text(page, 'letter')).toBe('D');
    expect(await page.locator('#state').isHidden()).toBe(true);

    await page.evaluate(() => ((globalThis as Record<string, unknown>).sameDocument = true));
    await expect.poll(async () => (await fetchJson(`${t.base}/api/health`)).streams).toBe(1); // the page's EventSource

    await sensor.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 2, { from: T0S, to: T0S + 60, count: 25, level: 4 })), { qos: 1 });
    await expect.poll(() => text(page, 'big')).toBe('25');
    expect(await text(page, 'line-nl')).toBe('25 mensen · erg druk');
    expect(await text(page, 'line-en')).toBe('25 people · very busy');
    expect(await text(page, 'letter')).toBe('E');
    expect(await page.locator('#display').getAttribute('class')).toContain('level-4');
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).sameDocument)).toBe(true); // no reload

    // Below the k floor: "fewer than k", live too.
    await sensor.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 3, { from: T0S + 60, to: T0S + 120, count: null, level: 0 })), { qos: 1 });
    await expect.poll(() => text(page, 'line-en')).toBe('fewer than 5 people · quiet');
    expect(await text(page, 'big')).toBe('<5');

    // The sensor goes offline (its status, or its last will): the page says so.
    await sensor.publishAsync(statusTopic(ID), encodeStatus(status(ID, 'offline')), { qos: 1, retain: true });
    await expect.poll(() => page.locator('#state').isVisible()).toBe(true);
    expect(await text(page, 'state')).toContain('OFFLINE');
    expect(await page.locator('#display').getAttribute('class')).toContain('mode-offline');
    expect(await text(page, 'line-nl')).toBe('sensor offline — telt nu niet');

    expect(problems).toEqual([]);
    await page.close();
  });

  it('says when the connection is lost, and reconnects when the gateway is back', async () => {
    const first = await startTestGateway([sensorInfo(ID)]);
    const page = await browser.newPage();
    try {
      await page.goto(`${first.base}/display/${ID}`);
      await expect.poll(async () => (await fetchJson(`${first.base}/api/health`)).streams).toBe(1);
      await first.gw.stop();
      await expect.poll(() => page.locator('#conn').isVisible()).toBe(true);
      expect(await text(page, 'conn')).toBe('Verbinding met de gateway verbroken / connection to the gateway lost');

      // The gateway restarts on the same HTTP port; the browser retries after the stream's `retry:` (3 s).
      const again = await startTestGateway([sensorInfo(ID)], { http: { host: '127.0.0.1', port: first.gw.httpPort } });
      try {
        const c = await again.connectSensor(ID);
        await c.publishAsync(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { count: 30, level: 5 })), { qos: 1 });
        await c.endAsync(true);
        await expect.poll(() => text(page, 'big'), { timeout: 15_000 }).toBe('30');
        await expect.poll(() => page.locator('#state').isHidden()).toBe(true);
        expect(await page.locator('#conn').isHidden()).toBe(true);
      } finally {
        await again.gw.stop();
      }
    } finally {
      await page.close();
      await first.gw.stop();
    }
  });
});
