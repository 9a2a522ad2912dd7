/**
 * `drukte sign --sensor ID`: from the gateway's public register entry (or a manifest), the sign for the pole as an
 * A4/A5 HTML page, its text (the same words as SIGN.txt: shared/sign-text.ts) and a PDF printed by headless
 * Chromium. The rendered page is checked in Chromium (the URL in the largest type after the title, it fits one page)
 * and saved as a screenshot in test-artifacts/sign/.
 */
/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSensorFromRegister, signText } from '../../shared/sign-text.ts';
import { hasChromium, launchChromium } from '../helpers/browser.ts';
import { sensorInfo, startTestGateway, type TestGateway } from '../gateway/helpers.ts';

const run = promisify(execFile);
const BIN = resolve('bin', 'drukte.js');
const drukte = (...args: string[]) => run(process.execPath, [BIN, ...args], { timeout: 90_000 });
const failed = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the command to fail'); }, (e: { code: number; stdout: string; stderr: string }) => e);
const ARTIFACTS = resolve('test-artifacts', 'sign');

describe('drukte sign', () => {
  let t: TestGateway;
  const out = mkdtempSync(join(tmpdir(), 'drukte-sign-'));

  beforeAll(async () => {
    t = await startTestGateway([sensorInfo('dam-noord', { area: { m2: 40 } })]);
  });

  afterAll(async () => {
    await t?.gw.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('writes the A4 page, the text and (with Chromium) the PDF from the register entry', async () => {
    const { stdout } = await drukte('sign', '--sensor', 'dam-noord', '--gateway', t.base, '--out', out);
    const html = readFileSync(join(out, 'sign-dam-noord-a4.html'), 'utf8');
    const text = readFileSync(join(out, 'sign-dam-noord.txt'), 'utf8');
    const detail = await (await fetch(`${t.base}/api/sensors/dam-noord`)).json();
    expect(text).toBe(signText(signSensorFromRegister(detail)));
    for (const words of ['Hier wordt drukte gemeten', 'This sensor measures how busy it is here', 'Crowd safety on the square during events',
      'Deze sensor stopt op 31 mei 2026.', 'This sensor stops on 31 May 2026.', 'Wat NIET wordt gemeten', 'What is NOT measured',
      'Geen camera, geen beelden, geen geluid.', 'Gemeente Voorbeeld (Team Openbare Ruimte) · drukte@voorbeeld.nl · +31 20 123 4567']) {
      expect(html).toContain(words);
      expect(text).toContain(words);
    }
    expect(html).toContain('<p class="big" id="register-url">https://register.voorbeeld.nl/<wbr>sensors/<wbr>dam-noord</p>');
    expect(html).toContain('@page{size:A4 portrait');
    expect(html).not.toMatch(/<script|https?:\/\/(?!register\.voorbeeld\.nl)/); // self-contained, no QR code service
    if (hasChromium()) {
      expect(stdout).toContain(join(out, 'sign-dam-noord-a4.pdf'));
      expect(readFileSync(join(out, 'sign-dam-noord-a4.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    }
  }, 120_000);

  it.skipIf(!hasChromium())('A4 and A5 render on one page with the register URL in the largest type after the title', async () => {
    await drukte('sign', '--sensor', 'dam-noord', '--gateway', t.base, '--out', out, '--size', 'a5', '--no-pdf');
    mkdirSync(ARTIFACTS, { recursive: true });
    const browser = await launchChromium();
    try {
      for (const [size, mm] of [['a4', { w: 210, h: 297 }], ['a5', { w: 148, h: 210 }]] as const) {
        // 96 px per inch: the page box without the 12 mm margins (scaled for A5).
        const k = size === 'a4' ? 1 : 0.71;
        const px = (v: number) => Math.floor((v / 25.4) * 96);
        const page = await browser.newPage({ viewport: { width: px(mm.w - 24 * k), height: px(mm.h - 24 * k) } });
        await page.goto(pathToFileURL(join(out, `sign-dam-noord-${size}.html`)).href);
        const shot = join(ARTIFACTS, `sign-dam-noord-${size}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        console.log(`screenshot: ${shot}`);
        const m = await page.evaluate(() => {
          const sizeOf = (el: Element) => parseFloat(getComputedStyle(el).fontSize);
          const url = document.getElementById('register-url')!;
          const others = [...document.querySelectorAll('p, h2')].filter((e) => e !== url).map(sizeOf);
          return { url: sizeOf(url), others: Math.max(...others), h1: sizeOf(document.querySelector('h1')!), scroll: document.documentElement.scrollHeight, height: innerHeight };
        });
        expect(await page.locator('#register-url').innerText()).toBe('https://register.voorbeeld.nl/sensors/dam-noord');
        expect(m.url).toBeGreaterThan(m.others);
        expect(m.h1).toBeGreaterThan(m.url);
        expect(m.scroll).toBeLessThanOrEqual(m.height + 1);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('says what is wrong: an unknown sensor, a bad size', async () => {
    const unknown = await failed(drukte('sign', '--sensor', 'bestaat-niet', '--gateway', t.base, '--out', out, '--no-pdf'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`drukte: sign: sensor 'bestaat-niet' is not in the register at ${t.base}`);
    const size = await failed(drukte('sign', '--sensor', 'dam-noord', '--size', 'a3'));
    expect(size.code).toBe(2);
    expect(size.stderr).toContain("--size must be a4 or a5, got 'a3'");
  }, 60_000);
});
