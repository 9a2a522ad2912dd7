/**
 * A provisioned sensor, from its bundle: the composition root's caller on a device (`drukte sensor` in a bundle).
 *
 *   compiled-in identity ─► bundle checks (bundle.json agrees, code hash, credentials) ─► lifecycle (data dir)
 *     ├─ expired (tombstone or effective time) ─► never opens the device; announces `expired`, then ends
 *     └─ otherwise ─► open the device ─► startSensor(…, lifecycle) ─► … ─► at expiry: device stopped, `expired`
 *
 * Everything that can refuse is checked before the device is opened; a refusal is a BundleRefused (exit 78, which
 * the systemd unit does not restart: hardware/pi/drukte-sensor@.service).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../shared/clock.ts';
import { systemTimers, type TimerHandle, type Timers } from '../../shared/timers.ts';
import { createLogger, type Logger } from '../../shared/log.ts';
import { DataDirMismatch, Lifecycle, LifecycleRefused } from '../lifecycle/lifecycle.ts';
import { FileLifecycleStore } from '../lifecycle/store.ts';
import type { DeviceSpec, SensorDevice } from '../device/index.ts';
import { DEFAULT_BAUD } from '../device/serial.ts';
import { startSensor, type RunningSensor } from '../sensor.ts';
import { settingsFromManifest } from '../settings.ts';
import { BUNDLE_IDENTITY } from '../generated/identity.ts';
import { redactUrl } from '../egress/egress.ts';
import { hashBundle } from './hash.ts';
import { foreignNativeFiles, hostArch, machineName } from './native.ts';
import { BundleError, readClientCertificate, readCredentials, readDescriptor, sensorIdentity, type BundleIdentity } from './identity.ts';

/** Exit status for "will not run as installed" (EX_CONFIG): systemd's RestartPreventExitStatus. */
export const EXIT_REFUSED = 78;

export class BundleRefused extends Error {
  override name = 'BundleRefused';
  readonly exitCode = EXIT_REFUSED;
}

export interface RunBundleOptions {
  bundleDir: string;
  dataDir: string;
  /** The radar: a serial device spec (e.g. { kind: 'serial', path: '/dev/serial0' }), or any SensorDevice (tests). */
  device: DeviceSpec | SensorDevice;
  /** The system clock; tests inject a manual one. The sensor itself runs on the lifecycle's effective clock. */
  clock?: Clock;
  /** The system timers; tests inject manual ones (the sensor's ticks, the expiry announcement's poll). */
  timers?: Timers;
  logger?: Logger;
  tickMs?: number | null;
  /** Default: the compiled-in identity. */
  identity?: BundleIdentity | null;
  /** The broker, when the gateway moved after provisioning (`drukte sensor --broker`); default: the compiled-in one. */
  brokerUrl?: string;
  /**
   * Once expired, how long to try to reach the broker to announce `expired` before ending anyway, ms (default
   * 60 000). The gateway may refuse an expired sensor's login; it shows the expiry from its own register then.
   */
  announceTimeoutMs?: number;
}

export interface RunningBundle {
  sensor: RunningSensor;
  lifecycle: Lifecycle;
  /** Resolves once the sensor has expired and announced `expired` (or could not within announceTimeoutMs). */
  finished: Promise<void>;
  stop(): Promise<void>;
}

export { DEFAULT_BAUD };

/** Everything that must hold before the device may be opened. Throws BundleRefused with the fix in the message. */
export function checkBundle(bundleDir: string, identity: BundleIdentity | null): { identity: BundleIdentity; hash: string; username: string; password: string; certificate: ReturnType<typeof readClientCertificate> } {
  if (!identity) throw new BundleRefused('this is not a provisioned sensor bundle (no compiled-in identity); build one with `drukte provision`');
  try {
    const descriptor = readDescriptor(bundleDir);
    const id = identity.manifest.id;
    if (descriptor.sensor !== id) throw new BundleRefused(`bundle.json describes sensor '${descriptor.sensor}' but this code is compiled for '${id}': reinstall the bundle`);
    const { hash } = hashBundle(bundleDir);
    if (hash !== descriptor.bundle) throw new BundleRefused(`the bundle's code was changed after provisioning (hash ${hash.slice(0, 12)}…, provisioned ${descriptor.bundle.slice(0, 12)}…): reinstall it`);
    nativeCheck(bundleDir, descriptor.deviceBuild ?? [], identity.manifest.driver === 'beam');
    const creds = readCredentials(bundleDir);
    if (creds.username !== id) throw new BundleRefused(`credentials.json belongs to '${creds.username}', not to '${id}': reinstall the bundle`);
    return { identity, hash, ...creds, certificate: readClientCertificate(bundleDir) };
  } catch (err) {
    if (err instanceof BundleError) throw new BundleRefused(err.message);
    throw err;
  }
}

/**
 * Every native addon in the bundle must be for this machine: a bundle built for another one fails at the first
 * import with "invalid ELF header". `needsDeviceBuild`: the addons install.sh compiles here must be there (the beam
 * counter's GPIO watcher, epoll; the radars do not load it).
 */
export function nativeCheck(bundleDir: string, deviceBuild: readonly string[], needsDeviceBuild: boolean, arch: string = process.arch): void {
  const here = hostArch(arch);
  if (!here) throw new BundleRefused(`this machine (${arch}) cannot run a drukte bundle; drukte bundles are built for arm64, armv7 or x64`);
  const foreign = foreignNativeFiles(bundleDir, here);
  if (foreign.length) {
    throw new BundleRefused(`the bundle's native code is for another machine: ${foreign.map((f) => `${f.path} is ${machineName(f.machine)}`).join('; ')}; this machine is ${here}. Provision the bundle again with \`drukte provision --arch ${here}\` (or re-run install/install.sh, which compiles the addons without a prebuild on the device)`);
  }
  if (needsDeviceBuild) {
    const missing = deviceBuild.filter((p) => !existsSync(join(bundleDir, p, 'build', 'Release')));
    if (missing.length) throw new BundleRefused(`native code not compiled on this device yet: ${missing.join(', ')}; install the bundle with install/install.sh (it runs npm rebuild), or run \`npm rebuild\` in ${bundleDir}`);
  }
}

export async function runBundle(opts: RunBundleOptions): Promise<RunningBundle> {
  const logger = opts.logger ?? createLogger('drukte-sensor', { pretty: false });
  const { identity, hash, username, password, certificate } = checkBundle(opts.bundleDir, opts.identity === undefined ? BUNDLE_IDENTITY : opts.identity);
  const m = identity.manifest;
  let lifecycle: Lifecycle;
  try {
    lifecycle = new Lifecycle({ sensorId: m.id, expiresAt: m.expiresAt, builtAtMs: identity.builtAtMs, clock: opts.clock ?? systemClock, store: new FileLifecycleStore(opts.dataDir), logger });
  } catch (err) {
    if (err instanceof DataDirMismatch || err instanceof LifecycleRefused) throw new BundleRefused(err.message);
    throw err;
  }

  if (opts.brokerUrl && opts.brokerUrl !== m.gatewayUrl) logger.info({ broker: redactUrl(opts.brokerUrl), compiledIn: redactUrl(m.gatewayUrl) }, 'broker given with --broker, not the compiled-in one (identity, credentials and expiry stay compiled in)');
  if (lifecycle.phase === 'expired') logger.warn({ expiresAt: m.expiresAt, tombstone: lifecycle.tombstoned }, 'sensor expired: the device stays closed; announcing expired only');

  const sensor = await startSensor({
    identity: sensorIdentity(identity, hash),
    driver: m.driver,
    settings: settingsFromManifest(m),
    // With a gateway-CA certificate the sensor proves its identity by TLS; the password stays as a fallback.
    // The server certificate is trusted as any TLS client does (system roots, NODE_EXTRA_CA_CERTS): the gateway CA
    // only signs client certificates.
    broker: { url: opts.brokerUrl ?? m.gatewayUrl, username, password, ...(certificate ? { tls: { cert: certificate.cert, key: certificate.key } } : {}) },
    dataDir: opts.dataDir,
  }, {
    device: opts.device,
    clock: lifecycle.clock,
    logger,
    ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
    ...(opts.timers ? { timers: opts.timers } : {}),
    lifecycle, // expired at start: startSensor never opens the device
  });

  const timers = opts.timers ?? systemTimers;
  const clock = opts.clock ?? systemClock;
  let poll: TimerHandle | null = null;
  const finished = new Promise<void>((resolve) => {
    const finish = () => {
      // Announce `expired` (retained) once the broker is reachable, then disconnect cleanly (no last will).
      const deadline = clock.monotonic() + (opts.announceTimeoutMs ?? 60_000);
      poll ??= timers.setInterval(() => {
        const connected = sensor.egress.connected;
        if (!connected && clock.monotonic() < deadline) return;
        timers.clearInterval(poll);
        if (!connected) logger.warn('expired, but the broker could not be reached to announce it; the gateway shows the expiry from its register');
        void sensor.stop().then(() => resolve());
      }, 100);
    };
    if (sensor.state === 'expired') finish();
    else lifecycle.onPhase((phase) => phase === 'expired' && finish());
  });

  return {
    sensor,
    lifecycle,
    finished,
    async stop() {
      timers.clearInterval(poll);
      lifecycle.persist();
      await sensor.stop();
    },
  };
}
