/**
 * The Raspberry Pi deployment files (hardware/pi/): the install script parses and is strict, the units are valid for
 * systemd (`systemd-analyze verify`, where available) and carry the restart limits and the hardening they promise.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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
    // (the gateway unit's ExecStart names the checkout install-gateway.sh makes; only "not executable" is expected here)
    const { stdout, stderr } = await run(analyze!, ['verify', '--man=no', join(dir, 'drukte-sensor@test.service'), join(dir, 'drukte-gateway.service')]).catch((e: { stdout: string; stderr: string }) => e);
    expect(`${stdout}${stderr}`.split('\n').filter((l) => /drukte-(sensor|gateway)/.test(l) && !/Command .* is not executable/.test(l))).toEqual([]);
  });

  it('install-gateway.sh is bash with set -euo pipefail, and parses', async () => {
    const script = read('install-gateway.sh');
    expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(script).toMatch(/^set -euo pipefail$/m);
    await run('bash', ['-n', join(PI, 'install-gateway.sh')]);
  });

  it('the gateway unit serves HTTPS and MQTT over TLS, keeps plain MQTT on loopback, and takes the token as a credential', () => {
    const unit = read('drukte-gateway.service');
    const exec = unit.split('\n').find((l) => l.startsWith('ExecStart='))!;
    for (const flag of ['--https', '--mqtt-host 127.0.0.1', '--host 0.0.0.0', '--tls-cert /etc/drukte/tls/cert.pem', '--admin-token-file ${CREDENTIALS_DIRECTORY}/admin-token']) expect(exec).toContain(flag);
    for (const line of ['User=drukte', 'LoadCredential=admin-token:/etc/drukte/admin-token', 'StateDirectory=drukte/gateway', 'ProtectSystem=strict', 'NoNewPrivileges=yes']) expect(unit.split('\n')).toContain(line);
  });

  it('install-gateway.sh (dry run into a staging root): code without .git, an admin token made once (0600), a self-signed certificate, the public URLs in a drop-in', async () => {
    const root = mkdtempSync(join(tmpdir(), 'drukte-gw-root-'));
    const env = { ...process.env, DRUKTE_ROOT: root };
    const script = join(PI, 'install-gateway.sh');
    const first = await run('bash', [script, '--self-signed', 'drukte.example.nl', '--public-url', 'https://drukte.example.nl:8080/'], { env });
    expect(first.stdout).toContain('✓ admin token made');
    expect(existsSync(join(root, 'opt/drukte/gateway/bin/drukte.js'))).toBe(true);
    expect(existsSync(join(root, 'opt/drukte/gateway/.git'))).toBe(false);
    expect(existsSync(join(root, 'opt/drukte/gateway/node_modules'))).toBe(false); // npm ci --omit=dev runs on the real machine
    const token = readFileSync(join(root, 'etc/drukte/admin-token'), 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(root, 'etc/drukte/admin-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'etc/drukte/tls/key.pem')).mode & 0o777).toBe(0o640);
    const { stdout: subject } = await run('openssl', ['x509', '-in', join(root, 'etc/drukte/tls/cert.pem'), '-noout', '-subject', '-ext', 'subjectAltName']);
    expect(subject).toContain('DNS:drukte.example.nl');
    expect(readFileSync(join(root, 'etc/systemd/system/drukte-gateway.service'), 'utf8')).toBe(read('drukte-gateway.service'));
    expect(readFileSync(join(root, 'etc/systemd/system/drukte-gateway.service.d/public.conf'), 'utf8')).toContain('Environment=DRUKTE_PUBLIC_URL=https://drukte.example.nl:8080/\nEnvironment=DRUKTE_PUBLIC_MQTTS=mqtts://drukte.example.nl:8883\n');

    const again = await run('bash', [script], { env }); // a re-install keeps the token and the certificate
    expect(again.stdout).toContain('✓ admin token kept');
    expect(again.stdout).toContain('✓ TLS certificate kept');
    expect(readFileSync(join(root, 'etc/drukte/admin-token'), 'utf8').trim()).toBe(token);

    const refused = (args: string[], extra: Record<string, string> = {}) => run('bash', [script, ...args], { env: { ...env, ...extra } }).then(() => '', (e: { stderr: string }) => e.stderr);
    expect(await refused(['--public-url', 'drukte.example.nl'])).toContain('--public-url must be an http(s):// URL');
    expect(await refused([], { DRUKTE_ROOT: mkdtempSync(join(tmpdir(), 'drukte-gw-empty-')) })).toContain('no TLS certificate: give --tls-cert FILE --tls-key FILE, or --self-signed HOSTNAME');
  }, 60_000);
});
