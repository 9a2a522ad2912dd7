/**
 * The public register in a real (headless) Chromium: a visitor filters the index, follows the link to a sensor's
 * page and finds every part of the register there, on a phone-sized screen, without CSP violations or errors.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { hasChromium, launchChromium } from '../helpers/browser.ts';
import { aggregate, encodeAggregate, encodeStatus, sensorInfo, startTestGateway, status, type TestGateway } from './helpers.ts';

describe.skipIf(!hasChromium())('register pages in Chromium', () => {
  let browser: Browser;
  let t: TestGateway;

  beforeAll(async () => {
    [browser, t] = await Promise.all([
      launchChromium(),
      startTestGateway([
        sensorInfo('dam-noord', { minimiserHash: 'a'.repeat(64), location: { lat: 52.3731, lon: 4.8922, description: 'Dam, north side, lamp post 12' } }),
        sensorInfo('oude-markt', { expiresAt: '2025-05-31' }),
      ]),
    ]);
    t.gw.ingest.handle(statusTopic('dam-noord'), encodeStatus(status('dam-noord', 'registering')));
    t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 1, { count: 20, level: 4 })));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.gw.stop();
  });

  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${t.base}${path}`);
    return { page, problems };
  }

  it('filters the index and leads to a complete register page', async () => {
    const { page, problems } = await open('/');
    expect(await page.locator('li.card').count()).toBe(2);
    await page.getByRole('link', { name: /Verlopen \/ Expired \(1\)/ }).click();
    await page.waitForURL(/filter=expired/);
    expect(await page.locator('li.card h2').allTextContents()).toEqual(['oude-markt']);
    await page.getByRole('link', { name: /Actief \/ Active/ }).click();
    await page.waitForURL(/filter=active/);
    await page.getByRole('link', { name: 'dam-noord', exact: true }).click();
    await page.waitForURL(/\/sensors\/dam-noord$/);

    expect(await page.locator('h1').textContent()).toBe('Sensor dam-noord');
    expect(await page.locator('#purpose').textContent()).toBe('Crowd safety on the square during events');
    expect(await page.locator('#owner').textContent()).toBe('Team Openbare Ruimte, Gemeente Voorbeeld');
    expect(await page.locator('#expires').textContent()).toContain('2026-05-31');
    expect(await page.locator('#state').textContent()).toBe('meet / measuring');
    expect(await page.locator('#latest').textContent()).toContain('20 people · very busy');
    expect(await page.locator('#minimiser').textContent()).toContain('a'.repeat(64));
    expect(await page.locator('.not li').allTextContents()).toEqual([
      expect.stringContaining('No images or sound.'),
      expect.stringContaining('No identities'),
      expect.stringContaining('No positions or paths'),
    ]);
    expect(await page.getByRole('link', { name: 'drukte@voorbeeld.nl' }).first().getAttribute('href')).toBe('mailto:drukte@voorbeeld.nl');
    // Readable on a phone: nothing wider than the screen (long hashes wrap).
    const fits = await page.evaluate(() => {
      const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return g.document.documentElement.scrollWidth <= g.innerWidth;
    });
    expect(fits).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an expired sensor as "verlopen — wordt verwijderd / expired — to be removed"', async () => {
    const { page, problems } = await open('/sensors/oude-markt');
    expect(await page.locator('.banner').textContent()).toContain('verlopen — wordt verwijderd / expired — to be removed');
    expect(await page.locator('#state').textContent()).toBe('verlopen — wordt verwijderd / expired — to be removed');
    expect(problems).toEqual([]);
    await page.close();
  });
});
