/**
 * `drukte sign --sensor ID`: the sign for the pole, from the gateway's public register entry (or a manifest):
 * sign-ID-SIZE.html (A4 or A5), sign-ID.txt (the same words as SIGN.txt, shared/sign-text.ts) and, when Chromium is
 * installed, sign-ID-SIZE.pdf printed by it headless.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { signSensorFromManifest, signSensorFromRegister, signText, type SignSensor } from '../shared/sign-text.ts';
import { signPage, type SignSize } from '../display/sign-page.ts';
import { CliError, parse } from '../shared/args.ts';
import { loadManifest } from './manifest-file.ts';

const HELP = `usage: drukte sign --sensor ID [--gateway URL | --manifest FILE] [--size a4|a5] [--out DIR] [--no-pdf]

  --sensor    the sensor (its entry is read from the gateway's public register)
  --gateway   the gateway's public URL (default http://localhost:8080)
  --manifest  read the sensor from a manifest instead (before it is registered)
  --size      a4 (default) or a5
  --out       directory for sign-ID-SIZE.html, sign-ID.txt and sign-ID-SIZE.pdf (default: the current directory)
  --no-pdf    skip the PDF (otherwise printed with Chromium when installed: DRUKTE_CHROMIUM or /usr/bin/chromium)`;

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | null {
  const own = process.env.DRUKTE_CHROMIUM;
  if (own) return existsSync(own) ? own : null;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Print `htmlPath` to `pdfPath` with headless Chromium; resolves when the PDF is written. */
export function printPdf(chromium: string, htmlPath: string, pdfPath: string, timeoutMs = 60_000): Promise<void> {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
    '--no-pdf-header-footer', `--print-to-pdf=${pdfPath}`, pathToFileURL(htmlPath).href];
  return new Promise((done, fail) => {
    const child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(new Error(`cannot run ${chromium}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const ok = existsSync(pdfPath) && readFileSync(pdfPath).subarray(0, 5).toString() === '%PDF-';
      if (ok) done();
      else fail(new Error(`Chromium did not write a PDF (exit ${code}): ${stderr.trim().split('\n').slice(-2).join(' ')}`));
    });
  });
}

async function fromGateway(base: string, id: string): Promise<SignSensor> {
  let res: Response;
  try {
    res = await fetch(new URL(`/api/sensors/${encodeURIComponent(id)}`, base));
  } catch (err) {
    throw new CliError(`sign: cannot reach the gateway at ${base}: ${(err as Error).message} (or use --manifest FILE)`, 1);
  }
  if (res.status === 404) throw new CliError(`sign: sensor '${id}' is not in the register at ${base}`, 1);
  if (!res.ok) throw new CliError(`sign: the gateway answered ${res.status}`, 1);
  return signSensorFromRegister((await res.json()) as Parameters<typeof signSensorFromRegister>[0]);
}

export async function run(argv: string[]): Promise<number> {
  const o = parse('sign', argv, { sensor: { type: 'string' }, gateway: { type: 'string' }, manifest: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' }, 'no-pdf': { type: 'boolean' } }, HELP);
  if (!o) return 0;
  const size = (o.size ?? 'a4').toLowerCase();
  if (size !== 'a4' && size !== 'a5') throw new CliError(`sign: --size must be a4 or a5, got '${o.size}'`);
  if (!o.sensor && !o.manifest) throw new CliError(`sign: --sensor ID is required\n\n${HELP}`);
  let sensor: SignSensor;
  if (o.manifest) {
    const m = loadManifest(o.manifest, null);
    if (o.sensor && o.sensor !== m.id) throw new CliError(`sign: --sensor ${o.sensor} does not match the manifest's id ${m.id}`);
    sensor = signSensorFromManifest(m);
  } else sensor = await fromGateway(o.gateway ?? 'http://localhost:8080', o.sensor!);

  const out = resolve(o.out ?? '.');
  mkdirSync(out, { recursive: true });
  const htmlPath = join(out, `sign-${sensor.id}-${size}.html`);
  const txtPath = join(out, `sign-${sensor.id}.txt`);
  writeFileSync(htmlPath, signPage(sensor, size as SignSize));
  writeFileSync(txtPath, signText(sensor));
  process.stdout.write(`✓ ${htmlPath}\n✓ ${txtPath}\n`);
  if (o['no-pdf']) return 0;
  const chromium = findChromium();
  if (!chromium) {
    process.stdout.write('  no Chromium found (DRUKTE_CHROMIUM, /usr/bin/chromium): print the HTML page from a browser instead\n');
    return 0;
  }
  const pdfPath = join(out, `sign-${sensor.id}-${size}.pdf`);
  try {
    await printPdf(chromium, htmlPath, pdfPath);
  } catch (err) {
    throw new CliError(`sign: ${(err as Error).message}; the HTML page is written, print it from a browser`, 1);
  }
  process.stdout.write(`✓ ${pdfPath}\n`);
  return 0;
}
