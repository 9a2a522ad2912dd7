/**
 * The Raspberry Pi deployment files (hardware/pi/): the install script parses and is strict, the units are valid for
 * systemd (`systemd-analyze verify`, where available) and carry the restart limits and the hardening they promise.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.ts';

const run = promisify(execFile);
const PI = join(REPO, 'hardware/pi');
const read = (f: string) => readFileSync(join(PI, f), 'utf8');
const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find(existsSync);

describe('hardware/pi', () => {
  it('install.sh is bash with set -euo pipefail, and parses', async () => {
    const script = read('install.sh');
    expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(script).toMatch(/^set -euo pipefail$/m);
    await run('bash', ['-n', join(PI, 'install.sh')]);
  });

  it('the sensor unit restarts with limits, refuses to restart a refused bundle, and is hardened', () => {
    const unit = read('drukte-sensor@.service');
    for (const line of [
      'User=drukte', 'SupplementaryGroups=dialout gpio', 'Restart=on-failure', 'StartLimitBurst=5', 'RestartPreventExitStatus=78',
      'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/drukte/%i', 'PrivateTmp=yes', 'ProtectHome=yes',
      'DevicePolicy=closed', 'DeviceAllow=char-ttyAMA rw', 'DeviceAllow=char-gpiochip rw',
    ]) expect(unit.split('\n')).toContain(line);
    expect(unit).not.toMatch(/^Environment/m); // nothing about identity or expiry can come from the environment
  });

  it.skipIf(!analyze)('systemd accepts both units', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drukte-units-'));
    writeFileSync(join(dir, 'drukte-sensor@test.service'), read('drukte-sensor@.service'));
    writeFileSync(join(dir, 'drukte-gateway.service'), read('drukte-gateway.service'));
    const { stdout, stderr } = await run(analyze!, ['verify', '--man=no', join(dir, 'drukte-sensor@test.service'), join(dir, 'drukte-gateway.service')]).catch((e: { stdout: string; stderr: string }) => e);
    expect(`${stdout}${stderr}`.split('\n').filter((l) => /drukte-(sensor|gateway)/.test(l) && !/Command .* is not executable/.test(l))).toEqual([]);
  });
});
