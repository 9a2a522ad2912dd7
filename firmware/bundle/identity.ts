/**
 * A provisioned sensor bundle: what is compiled into it and what lies next to it.
 *
 *   <bundle>/
 *     bundle.json         BundleDescriptor: sensor, expiry, build time, firmware, minimiser hash, bundle hash
 *     credentials.json    0600, the sensor's MQTT username and password (a secret: not part of the hashed code)
 *     SIGN.txt            the text for the sign under the sensor
 *     package.json  bin/drukte.js  dist/…  install/…  minimiser-source/…  node_modules/…
 *                         the hashed code (firmware/bundle/hash.ts); install/ = hardware/pi/ (install.sh, unit, notes);
 *                         minimiser-source/ = the minimiser's sources, which `drukte audit --bundle` recompiles
 *
 * The identity (id, purpose, expiry, minimisation, broker URL) lives only in the generated module
 * dist/firmware/generated/identity.js, compiled from firmware/generated/identity.ts at provisioning. The sensor
 * never reads it from the environment, a flag or a file at run time; bundle.json is a description for people and
 * tools (doctor, audit), and the sensor only checks it agrees.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Arch, Manifest } from '../../shared/manifest.ts';
import type { SensorIdentity } from '../sensor.ts';

export interface BundleIdentity {
  format: 1;
  /** The validated manifest at provisioning (the current owner is the gateway register's: owners transfer). */
  manifest: Manifest;
  /** Build (= provisioning) time, ms: the floor of the sensor's effective time. */
  builtAtMs: number;
  firmware: string;
  /** sha256 of the minimiser sources the bundle was compiled from (firmware/minimiser-hash.ts). */
  minimiser: string;
}

/** bundle.json */
export interface BundleDescriptor {
  format: 1;
  sensor: string;
  expiresAt: string;
  builtAt: string;
  builtAtMs: number;
  firmware: string;
  minimiser: string;
  /** sha256 over the hashed code (firmware/bundle/hash.ts). */
  bundle: string;
  hashed: readonly string[];
  files: number;
  registerUrl: string;
  /** The source the bundle was built from, when known (git). */
  source: { commit: string | null; dirty: boolean | null };
  /** The machine the bundle was built for (`drukte provision --arch`). */
  arch?: Arch;
  /** Native addons shipped (`.node` files, all for `arch`). */
  native?: string[];
  /** Packages whose native addon install.sh compiles on the device (no prebuild for `arch`), e.g. node_modules/epoll. */
  deviceBuild?: string[];
}

export interface SensorCredentials {
  username: string;
  password: string;
}

export const BUNDLE_FILE = 'bundle.json';
export const CREDENTIALS_FILE = 'credentials.json';
export const SIGN_FILE = 'SIGN.txt';
/** Where the minimiser's TypeScript sources travel in a bundle (the files of MINIMISER_SOURCES, same paths). */
export const MINIMISER_SOURCE_DIR = 'minimiser-source';
/** Where the compiled identity module sits inside a bundle. */
export const IDENTITY_MODULE = 'dist/firmware/generated/identity.js';

export class BundleError extends Error {
  override name = 'BundleError';
}

/** Freeze an object and everything in it (the compiled-in identity cannot be changed at run time either). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function readDescriptor(bundleDir: string): BundleDescriptor {
  let data: Partial<BundleDescriptor>;
  try {
    data = JSON.parse(readFileSync(join(bundleDir, BUNDLE_FILE), 'utf8')) as Partial<BundleDescriptor>;
  } catch (err) {
    throw new BundleError(`${join(bundleDir, BUNDLE_FILE)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'not JSON'}): is this a drukte sensor bundle?`);
  }
  if (data.format !== 1 || typeof data.sensor !== 'string' || typeof data.bundle !== 'string') throw new BundleError(`${BUNDLE_FILE} is not a drukte bundle descriptor (format 1)`);
  return data as BundleDescriptor;
}

/**
 * The sensor's X.509 client certificate from the gateway CA (docs/PROTOCOL.md, "Client certificates"), if the bundle
 * was provisioned with one: tls/client.crt, tls/client.key (0600, refused otherwise) and tls/ca.crt. Not hashed
 * (a secret and its certificate, not code), like credentials.json.
 */
export const TLS_DIR = 'tls';
export function readClientCertificate(bundleDir: string): { cert: Buffer; key: Buffer; ca?: Buffer } | null {
  const dir = join(bundleDir, TLS_DIR);
  if (!existsSync(join(dir, 'client.crt'))) return null;
  const keyPath = join(dir, 'client.key');
  try {
    if ((statSync(keyPath).mode & 0o077) !== 0) throw new BundleError(`${keyPath} is readable by others; run: chmod 600 ${keyPath}`);
    return { cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(keyPath), ...(existsSync(join(dir, 'ca.crt')) ? { ca: readFileSync(join(dir, 'ca.crt')) } : {}) };
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`${dir} cannot be read (${(err as NodeJS.ErrnoException).code}): reinstall the bundle`);
  }
}

/** The sensor's MQTT credentials; refuses a file that others than its owner can read. */
export function readCredentials(bundleDir: string): SensorCredentials {
  const path = join(bundleDir, CREDENTIALS_FILE);
  let data: Partial<SensorCredentials>;
  try {
    if ((statSync(path).mode & 0o077) !== 0) throw new BundleError(`${path} is readable by others; run: chmod 600 ${path}`);
    data = JSON.parse(readFileSync(path, 'utf8')) as Partial<SensorCredentials>;
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'not JSON'})`);
  }
  if (typeof data.username !== 'string' || typeof data.password !== 'string') throw new BundleError(`${path} must hold a username and a password`);
  return { username: data.username, password: data.password };
}

/** The identity the sensor announces in its Status. `bundleHash` is recomputed from the files at start. */
export function sensorIdentity(identity: BundleIdentity, bundleHash: string): SensorIdentity {
  return { id: identity.manifest.id, expiresAt: identity.manifest.expiresAt, firmware: identity.firmware, minimiser: identity.minimiser, bundle: bundleHash };
}

/** The compiled-in identity of the bundle in `bundleDir`, loaded from its compiled module (doctor, audit, tests). */
export async function loadBundleIdentity(bundleDir: string): Promise<BundleIdentity> {
  let mod: { BUNDLE_IDENTITY?: BundleIdentity | null };
  try {
    mod = (await import(pathToFileURL(join(bundleDir, IDENTITY_MODULE)).href)) as typeof mod;
  } catch (err) {
    throw new BundleError(`${join(bundleDir, IDENTITY_MODULE)} cannot be loaded (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): is this a drukte sensor bundle?`);
  }
  if (!mod.BUNDLE_IDENTITY) throw new BundleError(`${bundleDir} holds no compiled-in identity: provision a bundle with \`drukte provision\``);
  return mod.BUNDLE_IDENTITY;
}
