/**
 * The register's pictures in a real headless Chromium: charts on a sensor page, a level-only sensor page, an area
 * page and the areas index, and the operator's overview; uPlot is served by the gateway (no other host is asked
 * for anything), the CSP holds (no console errors), the "fewer than k" band and the gaps are there. Screenshots
 * go to test-artifacts/ (not committed) for people to look at.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/browser.ts';
import { seedChartGateway } from './chart-seed.ts';
import type { TestGateway } from './helpers.ts';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

describe.skipIf(!hasChromium())('charts and overview in Chromium', () => {
  let browser: Browser;
  let t: TestGateway;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [browser, t] = await Promise.all([launchChromium(), seedChartGateway()]);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.gw.stop();
  });

  async function open(path: string, width = 1000): Promise<{ page: Page; problems: string[]; foreign: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => !r.url().startsWith(t.base) && foreign.push(r.url()));
    await page.goto(`${t.base}${path}`);
    return { page, problems, foreign };
  }

  /** Wait until every chart on the page is drawn; return each figure's data attributes. */
  async function charts(page: Page) {
    await page.waitForFunction(() => {
      const figs = [...(globalThis as any).document.querySelectorAll('figure.chart')];
      return figs.length > 0 && figs.every((f: any) => f.dataset.state === 'ready' || f.dataset.state === 'error');
    });
    return page.$$eval('figure.chart', (figs) => figs.map((f) => ({ ...(f as any).dataset, legend: (f.querySelector('.u-legend')?.textContent ?? '') as string, summary: f.querySelector('.chart-summary')?.textContent ?? '' })));
  }

  /** Non-background pixels on the first chart's canvas: something was drawn. */
  async function inkOnFirstCanvas(page: Page): Promise<number> {
    return page.$eval('figure.chart canvas', (c) => {
      const canvas = c as any;
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray;
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) ink++;
      return ink;
    });
  }

  it('draws 24 hours and 7 days on a sensor page: people, level, "fewer than 5" band and the gap', async () => {
    const { page, problems, foreign } = await open('/sensors/dam-noord');
    const figs = await charts(page);
    expect(figs.map((f) => [f.src, f.state])).toEqual([['/api/sensors/dam-noord/chart?range=24h', 'ready'], ['/api/sensors/dam-noord/chart?range=7d', 'ready']]);
    expect(figs[0]!.legend).toContain('fewer than 5');
    expect(figs[0]!.legend).toContain('people');
    expect(figs[0]!.legend).toContain('level');
    expect(Number(figs[0]!.belowK)).toBeGreaterThan(0);
    expect(Number(figs[0]!.gaps)).toBeGreaterThan(0);
    expect(figs[0]!.summary).toContain('with fewer than 5 people');
    expect(await inkOnFirstCanvas(page)).toBeGreaterThan(1000);
    expect(await page.getByRole('link', { name: 'dam', exact: true }).getAttribute('href')).toBe('/areas/dam');
    await page.screenshot({ path: join(ARTIFACTS, 'sensor-dam-noord.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it('shows a level-only sensor without counts or a k band', async () => {
    const { page, problems } = await open('/sensors/kiosk-level', 400);
    const figs = await charts(page);
    expect(figs[0]!.state).toBe('ready');
    expect(figs[0]!.legend).toContain('level');
    expect(figs[0]!.legend).not.toContain('people');
    expect(figs[0]!.legend).not.toContain('fewer than');
    await page.screenshot({ path: join(ARTIFACTS, 'sensor-kiosk-level-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an area: its density, its members with the missing one, its charts and data links', async () => {
    const { page, problems } = await open('/areas/dam');
    expect(await page.locator('h1').textContent()).toContain('dam');
    expect(await page.locator('#members tr[data-sensor]').evaluateAll((rows) => rows.map((r) => [(r as any).dataset.sensor, (r as any).dataset.counted]))).toEqual([
      ['dam-noord', 'yes'], ['dam-zuid', 'yes'],
    ]);
    expect(await page.locator('#density').textContent()).toContain('mensen / people');
    const figs = await charts(page);
    expect(figs.map((f) => f.state)).toEqual(['ready', 'ready']);
    expect(Number(figs[0]!.measured)).toBeGreaterThan(0);
    expect(await page.getByRole('link', { name: 'CSV' }).evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['/api/areas/dam/history?format=csv', '/api/areas/dam/history?format=csv']);
    await page.screenshot({ path: join(ARTIFACTS, 'area-dam.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists the areas with their density now and a chart each', async () => {
    t.clock.setWall(t.clock.now() + 30 * 60_000); // dam-zuid's last window is now older than its heartbeat + window
    const { page, problems } = await open('/areas');
    const rows = await page.locator('#areas tbody tr').evaluateAll((rs) => rs.map((r) => [(r as any).dataset.area, r.querySelectorAll('td')[3]!.textContent]));
    expect(rows).toEqual([['dam', 'dam-noord, dam-zuid'], ['kiosk', 'kiosk-level']]);
    const figs = await charts(page);
    expect(figs.map((f) => f.state)).toEqual(['ready', 'ready']);
    await page.screenshot({ path: join(ARTIFACTS, 'areas-index.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('puts what needs a person first on the operator overview', async () => {
    const { page, problems } = await open('/health');
    const rows = await page.locator('#overview tbody tr').evaluateAll((rs) => rs.map((r) => [(r as any).dataset.sensor, (r as any).dataset.attention]));
    expect(rows[0]).toEqual(['kiosk-level', 'fault silent']);
    expect(rows.map((r) => r[0])).toEqual(['kiosk-level', 'dam-noord', 'dam-zuid', 'dam-oud']);
    expect(await page.locator('tr[data-sensor="kiosk-level"]').textContent()).toContain('radar not answering');
    await page.screenshot({ path: join(ARTIFACTS, 'operator-overview.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
