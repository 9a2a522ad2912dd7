/** `drukte display` refuses what it cannot do with a clear message and the right exit code. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sensorInfo, startTestGateway, type TestGateway } from '../gateway/helpers.ts';

const run = promisify(execFile);
const BIN = resolve('bin', 'drukte.js');
const failed = (...args: string[]) => run(process.execPath, [BIN, 'display', ...args], { timeout: 30_000 }).then(
  () => { throw new Error('expected the command to fail'); },
  (e: { code: number; stderr: string }) => e,
);

describe('drukte display: clear refusals', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway([sensorInfo('dam-noord')]);
  });
  afterAll(() => t?.gw.stop());

  it('an unknown sensor, an unreachable gateway, a wrong display type', async () => {
    const unknown = await failed('--tty', '--gateway', t.base, '--sensor', 'bestaat-niet');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`drukte: display: sensor 'bestaat-niet' is not in the gateway's register (${t.base}/api/sensors)`);
    const down = await failed('--tty', '--gateway', 'http://127.0.0.1:9', '--sensor', 'dam-noord');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('drukte: display: cannot reach the gateway at http://127.0.0.1:9');
    const type = await failed('--lcd', 'st7920', '--sensor', 'dam-noord');
    expect(type.code).toBe(2);
    expect(type.stderr).toContain("--lcd supports 'hd44780' only, got 'st7920'");
    const both = await failed('--lcd', 'hd44780', '--tty', '--sensor', 'dam-noord');
    expect(both.stderr).toContain('choose one of --tty or --lcd hd44780');
  }, 60_000);

  it.skipIf(existsSync('/sys/class/gpio'))('--lcd hd44780 without GPIO says so, and checks --pins first', async () => {
    const pins = await failed('--lcd', 'hd44780', '--gateway', t.base, '--sensor', 'dam-noord', '--pins', 'rs=25,e=24');
    expect(pins.code).toBe(1);
    expect(pins.stderr).toContain('--pins: missing d4, d5, d6, d7');
    const gpio = await failed('--lcd', 'hd44780', '--gateway', t.base, '--sensor', 'dam-noord');
    expect(gpio.code).toBe(1);
    expect(gpio.stderr).toContain('drukte: display: no sysfs GPIO at /sys/class/gpio');
  }, 60_000);
});
