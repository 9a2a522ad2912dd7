/**
 * The installer's checks (`drukte doctor`), each a function of the target (an installed bundle + where its device
 * and broker are) and an environment of injected IO (clock, serial binding, NTP query, MQTT timeout), so tests run
 * the very same checks against a PTY fake radar and a real broker on port 0.
 *
 * Every result is ✓ pass, ✗ fail (with a one-line fix) or – skip (not applicable, or a check it depends on failed).
 * The radar is checked through the LD2450 driver's own start-up configuration (hardware/ld2450/driver.ts): doctor
 * configures it exactly as the sensor does at each start (Bluetooth off, zone filter) and reports what it found.
 */
import { execFile } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Clock } from '../../shared/clock.ts';
import { redactUrl } from '../egress/egress.ts';
import { hashBundle } from '../bundle/hash.ts';
import { foreignNativeFiles, hostArch, machineName, nativeFiles } from '../bundle/native.ts';
import type { BundleDescriptor, BundleIdentity, SensorCredentials } from '../bundle/identity.ts';
import { DAY_MS, daysLeft, expiryEndMs } from '../lifecycle/expiry.ts';
import { inspectLifecycle } from '../lifecycle/lifecycle.ts';
import { FileLifecycleStore } from '../lifecycle/store.ts';
import type { SerialBinding } from '../../hardware/bindings/serial.ts';
import { configureLd2450, type Ld2450Info } from '../../hardware/ld2450/driver.ts';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  status: CheckStatus;
  name: string;
  detail: string;
  /** One line: what to do about a failure. */
  fix?: string;
}

export interface DoctorTarget {
  bundleDir: string;
  identity: BundleIdentity;
  descriptor: BundleDescriptor;
  credentials: SensorCredentials | null;
  device: string;
  baud: number;
  brokerUrl: string;
  dataDir: string;
}

export interface DoctorEnv {
  clock: Clock;
  serial: SerialBinding;
  /** NTP state (`timedatectl show -p NTPSynchronized`): true/false, or null when it cannot be told. */
  ntpSynchronized(): Promise<boolean | null>;
  /** Per-step timeouts, ms. */
  radarTimeoutMs: number;
  brokerTimeoutMs: number;
  /** The machine, as process.arch (default: this one); tests pretend to be a Pi. */
  arch?: string;
}

export type Check = (t: DoctorTarget, env: DoctorEnv, previous: readonly CheckResult[]) => Promise<CheckResult[]>;

const pass = (name: string, detail: string): CheckResult => ({ status: 'pass', name, detail });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ status: 'fail', name, detail, fix });
const skip = (name: string, detail: string): CheckResult => ({ status: 'skip', name, detail });
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** timedatectl, where systemd is there to ask. */
export function timedatectlNtp(): Promise<boolean | null> {
  return new Promise((resolve) => {
    execFile('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 3000 }, (err, stdout) => {
      const v = String(stdout).trim();
      resolve(err ? null : v === 'yes' ? true : v === 'no' ? false : null);
    });
  });
}

export const checkBundle: Check = async (t) => {
  const { hash, files } = hashBundle(t.bundleDir);
  if (t.descriptor.sensor !== t.identity.manifest.id) return [fail('bundle', `bundle.json names ${t.descriptor.sensor}, the code is compiled for ${t.identity.manifest.id}`, 'reinstall the bundle from the provisioning machine')];
  if (hash !== t.descriptor.bundle) return [fail('bundle', `code changed since provisioning (sha256 ${hash.slice(0, 12)}…, provisioned ${t.descriptor.bundle.slice(0, 12)}…)`, 'reinstall the bundle (hardware/pi/install.sh); the sensor refuses to start like this')];
  if (!t.credentials) return [fail('bundle', 'credentials.json missing, unreadable or readable by others', 'reinstall the bundle; credentials.json must be mode 0600, owned by the drukte user')];
  return [pass('bundle', `sensor ${t.identity.manifest.id}, intact: sha256 ${hash.slice(0, 16)}… (${files} files)`)];
};

/** Every native addon is for this machine, and the ones install.sh compiles on the device are there. */
export const checkNative: Check = async (t, env) => {
  const arch = env.arch ?? process.arch;
  const here = hostArch(arch);
  if (!here) return [fail('native code', `this machine (${arch}) is not a drukte target`, 'use Raspberry Pi OS 64-bit (arm64) or 32-bit (armv7), or an x64 machine')];
  const foreign = foreignNativeFiles(t.bundleDir, here);
  if (foreign.length) return [fail('native code', `${foreign.length} addon(s) built for another machine, e.g. ${foreign[0]!.path} (${machineName(foreign[0]!.machine)}); this machine is ${here}`, `provision the bundle again with \`drukte provision --arch ${here}\`, then reinstall it with install/install.sh`)];
  const missing = (t.descriptor.deviceBuild ?? []).filter((p) => !existsSync(join(t.bundleDir, p, 'build', 'Release')));
  if (missing.length && t.identity.manifest.driver === 'beam') return [fail('native code', `not compiled on this device yet: ${missing.join(', ')}`, 'install the bundle with install/install.sh (it runs npm rebuild; needs build-essential and python3)')];
  return [pass('native code', `${nativeFiles(t.bundleDir).length} addon(s), all for ${here}`)];
};

export const checkSerialDevice: Check = async (t) => {
  try {
    const st = statSync(t.device);
    if (!st.isCharacterDevice()) return [fail('serial device', `${t.device} is not a serial device`, 'point --device at the radar\'s UART, e.g. /dev/serial0 or /dev/ttyUSB0')];
    const real = realpathSync(t.device);
    return [pass('serial device', `${t.device} present${real !== t.device ? ` (→ ${real})` : ''}`)];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return [fail('serial device', `${t.device}: ${code === 'ENOENT' ? 'not there' : code}`, code === 'EACCES' ? 'run as a user in the dialout group' : 'enable the UART (enable_uart=1, serial console off: hardware/pi/README.md) and check the cable')];
  }
};

/** Radar answers, Bluetooth off, zone filter set: one configuration session through the driver. */
export const checkRadar: Check = async (t, env, previous) => {
  const names = ['radar', 'bluetooth', 'zone filter'];
  const driver = t.identity.manifest.driver;
  if (driver !== 'ld2450') return names.map((n) => skip(n, `not checked for driver ${driver} in this build`));
  if (previous.some((r) => r.name === 'serial device' && r.status === 'fail')) return names.map((n) => skip(n, 'no serial device'));
  let info: Ld2450Info;
  let port;
  try {
    port = await env.serial.open(t.device, t.baud);
    info = await configureLd2450(port, t.identity.manifest.area.zone ?? null, { timeoutMs: env.radarTimeoutMs, tries: 2 });
  } catch (err) {
    const busy = /EBUSY/.test((err as Error).message);
    return [
      fail('radar', (err as Error).message, busy ? `stop the sensor first: sudo systemctl stop drukte-sensor@${t.identity.manifest.id}` : 'check the wires: Pi TX (GPIO14) → radar RX, Pi RX (GPIO15) ← radar TX, 5 V and GND; 256000 baud'),
      skip('bluetooth', 'the radar did not answer'),
      skip('zone filter', 'the radar did not answer'),
    ];
  } finally {
    await port?.close();
  }
  const zf = info.zoneFilter;
  return [
    pass('radar', `${info.model} answers, firmware ${info.firmware}`),
    info.bluetooth === 'off'
      ? pass('bluetooth', 'off')
      : fail('bluetooth', 'was ON (any phone nearby could see live positions); doctor switched it off and restarted the radar', 'run `drukte doctor` again to confirm it stays off'),
    zf.type === 'inside'
      ? pass('zone filter', `radar reports only inside (${zf.rectMm[0]}, ${zf.rectMm[1]})–(${zf.rectMm[2]}, ${zf.rectMm[3]}) mm, the manifest zone's bounding box`)
      : fail('zone filter', 'off: the manifest has no zone', 'provision the sensor with area.zone (a polygon in the radar\'s coordinates, mm)'),
  ];
};

export const checkClock: Check = async (t, env) => {
  const ntp = await env.ntpSynchronized();
  if (ntp === true) return [pass('clock', 'synchronised (NTP)')];
  if (ntp === false) return [fail('clock', 'not synchronised (NTP)', 'give the device network time: sudo timedatectl set-ntp true, and check it reaches an NTP server')];
  const wall = env.clock.now();
  const seen = inspectLifecycle(new FileLifecycleStore(t.dataDir), t.identity.manifest.expiresAt, t.identity.builtAtMs, wall);
  if (wall < t.identity.builtAtMs) return [fail('clock', `the clock (${new Date(wall).toISOString()}) is before the bundle was built`, 'set the time (NTP); the sensor counts from its build time meanwhile')];
  const behind = seen.highWaterMs === null ? 0 : seen.highWaterMs - wall;
  if (behind > 120_000) return [fail('clock', `${Math.round(behind / 60_000)} min behind the latest time this sensor recorded`, 'set the time (NTP): a clock set back cannot postpone expiry, but it stamps the windows wrong')];
  return [pass('clock', `NTP status unavailable; the clock is not behind the sensor's high-water mark${seen.highWaterMs === null ? ' (none yet)' : ''}`)];
};

export const checkBroker: Check = async (t, env) => {
  if (!t.credentials) return [skip('broker', 'no credentials to try')];
  const id = t.identity.manifest.id;
  const where = redactUrl(t.brokerUrl);
  const client = mqtt.connect(t.brokerUrl, { clientId: `sensor-${id}`, username: t.credentials.username, password: t.credentials.password, clean: true, keepalive: 30, reconnectPeriod: 0, connectTimeout: env.brokerTimeoutMs });
  const outcome = await new Promise<CheckResult>((resolve) => {
    const timer = setTimeout(() => resolve(fail('broker', `${where}: no answer within ${env.brokerTimeoutMs / 1000} s`, 'check the network path and firewall to the gateway (port in the URL)')), env.brokerTimeoutMs);
    const done = (r: CheckResult) => {
      clearTimeout(timer);
      resolve(r);
    };
    client.once('connect', () => done(pass('broker', `${where} accepts this sensor's credentials`)));
    client.once('error', (err: Error & { code?: string | number }) => {
      if (err.code === 4 || err.code === 5 || err.code === 135 || err.code === 134) done(fail('broker', `${where} refuses this sensor (${err.message})`, 'check that the sensor is registered, not retired or expired, at the gateway (drukte provision registers it)'));
      else done(fail('broker', `${where}: ${err.code ?? err.message}`, 'check the gateway URL in the manifest, the network and the firewall'));
    });
  });
  await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  return [outcome];
};

export const checkExpiry: Check = async (t, env) => {
  const m = t.identity.manifest;
  const seen = inspectLifecycle(new FileLifecycleStore(t.dataDir), m.expiresAt, t.identity.builtAtMs, env.clock.now());
  if (seen.owner && seen.owner !== m.id) return [fail('expiry', `the data directory ${t.dataDir} belongs to sensor ${seen.owner}`, 'use this sensor\'s own data directory (/var/lib/drukte/<id>); the sensor refuses another\'s')];
  if (seen.phase === 'expired') return [fail('expiry', `expired${seen.tombstoned ? ' (tombstone present)' : ''}: ${m.expiresAt} has passed`, 'the sensor has stopped for good: take it down, or provision a new bundle (a new, deliberate, audited decision)')];
  const days = daysLeft(seen.effectiveMs, m.expiresAt);
  if (seen.phase === 'expiring') return [pass('expiry', `${days} days left: expiring, it stops after ${m.expiresAt} (from ${iso(expiryEndMs(m.expiresAt))}); plan removal or a new provisioning`)];
  return [pass('expiry', `${days} days left (until ${m.expiresAt}; expiring from ${iso(expiryEndMs(m.expiresAt) - 30 * DAY_MS)})`)];
};

export const DEFAULT_CHECKS: readonly Check[] = [checkBundle, checkNative, checkSerialDevice, checkRadar, checkClock, checkBroker, checkExpiry];

/** Run the checks in order; a check that throws is reported as a failure, never as a crash. */
export async function runChecks(t: DoctorTarget, env: DoctorEnv, checks: readonly Check[] = DEFAULT_CHECKS): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      results.push(...(await check(t, env, results)));
    } catch (err) {
      results.push(fail(check.name.replace(/^check/, '').toLowerCase() || 'check', `failed unexpectedly: ${(err as Error).message}`, 'report this with the output of drukte doctor'));
    }
  }
  return results;
}

export function formatResults(results: readonly CheckResult[]): string {
  const mark = { pass: '✓', fail: '✗', skip: '–' } as const;
  const lines = results.flatMap((r) => [`  ${mark[r.status]} ${r.name.padEnd(14)} ${r.detail}`, ...(r.fix ? [`      fix: ${r.fix}`] : [])]);
  const failed = results.filter((r) => r.status === 'fail').length;
  return `${lines.join('\n')}\n\n${failed ? `${failed} of ${results.length} checks failed` : `all ${results.filter((r) => r.status === 'pass').length} checks passed`}`;
}
