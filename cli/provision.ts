/**
 * `drukte provision --manifest sensor.yaml --out DIR [--gateway-data DIR | --gateway URL --admin-token-file F]`
 *
 * The one path from a filled-in form to a sensor bundle that is registered at the gateway:
 *
 *   ✓ manifest valid (every problem listed at once)  ─► ✓ credentials (random password; the gateway gets its scrypt hash)
 *   ─► ✓ firmware compiled with identity + expiry (firmware/bundle/build.ts) ─► ✓ bundle hashed
 *   ─► ✓ registered at the gateway  +  rename <out>.tmp-… → <out>  (together: if the rename fails, the registration
 *      is undone) ─► the text for the sign under the sensor
 *
 * Everything is built in a temporary directory next to --out; on any failure it is removed, so a failed run leaves
 * neither a half-made bundle nor a registration behind.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ARCHES, minimisationWarnings, type Arch, type Manifest } from '../shared/manifest.ts';
import { hostArch } from '../firmware/bundle/native.ts';
import { generateSecret, hashSecret } from '../gateway/credentials.ts';
import { buildBundle } from '../firmware/bundle/build.ts';
import { signSensorFromManifest, signText as sharedSignText } from '../shared/sign-text.ts';
import { BundleError, CREDENTIALS_FILE, SIGN_FILE, TLS_DIR, type BundleDescriptor } from '../firmware/bundle/identity.ts';
import { GatewayCa } from '../gateway/mqtt/ca.ts';
import { daysLeft } from '../firmware/lifecycle/expiry.ts';
import { CliError, parse } from '../shared/args.ts';
import { loadManifest } from './manifest-file.ts';
import { applyWhereabouts } from './provision-whereabouts.ts';
import { gatewayFromFlags, type GatewayAdmin } from './provision-gateway.ts';

const HELP = `usage: drukte provision --manifest sensor.yaml --out DIR [--arch arm64|armv7|x64] (--gateway-data DIR | --gateway URL --admin-token-file FILE | --no-register)

  --manifest          the sensor's manifest (YAML or JSON), see examples/
  --out               the bundle directory to create (must not exist yet)
  --arch              the device's machine: arm64 (Raspberry Pi OS 64-bit), armv7 (32-bit) or x64
                      (default: this machine's; a warning when the manifest's board says otherwise)
  --gateway-data      register in the gateway's data directory (its SQLite database)
  --gateway           register through the gateway's admin API, e.g. https://gateway.example.nl/
  --admin-token-file  file holding the admin token (one line)
  --no-register       build only; the gateway refuses the sensor until it is registered
  --ca DIR            the gateway CA (created on first use): issue the sensor a client certificate, CN = its id,
                      valid until the end of its expiry day, into the bundle's tls/ (key 0600)`;

export interface ProvisionOptions {
  manifestPath: string;
  outDir: string;
  /** null = do not register (--no-register). */
  gateway: GatewayAdmin | null;
  nowMs: number;
  /** One progress line. */
  print: (line: string) => void;
  /** Issue a client certificate from this gateway CA directory (gateway/mqtt/ca.ts). */
  caDir?: string;
  /** The bundle builder (default firmware/bundle/build.ts; tests of the failure paths pass a quick fake). */
  build?: typeof buildBundle;
  /** The device's machine (default: this machine's). */
  arch?: Arch;
}

export interface ProvisionResult {
  bundleDir: string;
  manifest: Manifest;
  descriptor: BundleDescriptor;
  sign: string;
}

/**
 * The text for the sign under the sensor (SIGN.txt), in Dutch and English: the same words as `drukte sign`
 * (shared/sign-text.ts), ending with the register URL framed on a line of its own, to be printed large.
 */
export function signText(m: Manifest): string {
  return sharedSignText(signSensorFromManifest(m)).trimEnd();
}

/** The machine to build for: --arch, else this machine's; a warning when the manifest's board disagrees. */
export function targetArch(manifest: Manifest, requested: Arch | undefined, print: (line: string) => void): Arch {
  const arch = requested ?? hostArch();
  if (!arch) throw new CliError(`this machine (${process.arch}) is not a bundle target; say which the device is with --arch ${ARCHES.join('|')}`);
  if (manifest.board && manifest.board.arch !== arch) {
    print(`! building for ${arch}${requested ? '' : ' (this machine)'}, but the manifest's board is ${manifest.board.arch}${manifest.board.model ? ` (${manifest.board.model})` : ''}: the bundle will not run there; use --arch ${manifest.board.arch}`);
  }
  return arch;
}

export async function provision(opts: ProvisionOptions): Promise<ProvisionResult> {
  const { print } = opts;
  const out = resolve(opts.outDir);
  if (existsSync(out)) throw new CliError(`--out ${out} already exists; choose a new directory (a bundle is never overwritten)`);

  const where = await opts.gateway?.whereabouts?.();
  const manifest = loadManifest(opts.manifestPath, opts.nowMs, where ? (raw) => applyWhereabouts(raw, where, opts.gateway!.where) : undefined);
  print(`✓ manifest ${opts.manifestPath}: sensor ${manifest.id} (${manifest.driver}), expires ${manifest.expiresAt} (${daysLeft(opts.nowMs, manifest.expiresAt)} days)`);
  if (where) print(`✓ from the gateway: register ${manifest.registerUrl}, broker ${manifest.gatewayUrl}`);
  for (const w of minimisationWarnings(manifest)) print(`! ${w}`);
  await opts.gateway?.preflight(manifest.id);
  const arch = targetArch(manifest, opts.arch, print);

  const password = generateSecret();
  const credentialHash = await hashSecret(password);
  print(`✓ MQTT credentials for ${manifest.id}: a random password for the bundle; the gateway gets only its scrypt hash`);

  mkdirSync(dirname(out), { recursive: true });
  const tmp = mkdtempSync(join(dirname(out), `.${basename(out)}.tmp-`));
  try {
    const { descriptor } = await (opts.build ?? buildBundle)({ manifest, outDir: tmp, builtAtMs: opts.nowMs, arch });
    print(`✓ firmware compiled for ${arch} with its identity and expiry built in (minimiser sha256 ${descriptor.minimiser})`);
    if (descriptor.deviceBuild?.length) print(`  native code compiled on the device by install/install.sh: ${descriptor.deviceBuild.map((p) => p.replace(/^.*node_modules\//, '')).join(', ')}`);
    print(`✓ bundle sha256 ${descriptor.bundle} (${descriptor.files} files)`);
    writeFileSync(join(tmp, CREDENTIALS_FILE), `${JSON.stringify({ username: manifest.id, password })}\n`, { mode: 0o600 });
    if (opts.caDir) {
      const issued = await (await GatewayCa.open(opts.caDir)).issue(manifest.id, { expiresAt: manifest.expiresAt });
      mkdirSync(join(tmp, TLS_DIR), { mode: 0o700 });
      writeFileSync(join(tmp, TLS_DIR, 'client.crt'), issued.cert);
      writeFileSync(join(tmp, TLS_DIR, 'client.key'), issued.key, { mode: 0o600 });
      writeFileSync(join(tmp, TLS_DIR, 'ca.crt'), issued.ca);
      print(`✓ client certificate CN=${manifest.id} from the gateway CA, valid until ${issued.notAfter.toISOString()} (serial ${issued.serial})`);
    }
    const sign = signText(manifest);
    writeFileSync(join(tmp, SIGN_FILE), `${sign}\n`);

    let committed = false;
    const commit = () => {
      renameSync(tmp, out);
      committed = true;
    };
    if (opts.gateway) {
      try {
        await opts.gateway.register({ manifest, bundleHash: descriptor.bundle, minimiserHash: descriptor.minimiser, credentialHash }, commit);
      } catch (err) {
        if (committed) rmSync(out, { recursive: true, force: true }); // renamed, then the registration failed to commit
        throw err;
      }
      print(`✓ registered at the gateway (${opts.gateway.where})`);
    } else {
      commit();
      print('! not registered (--no-register): the gateway refuses this sensor until it is');
    }
    print(`✓ bundle ready: ${out}  (credentials in ${CREDENTIALS_FILE}, mode 0600)`);
    return { bundleDir: out, manifest, descriptor, sign };
  } finally {
    rmSync(tmp, { recursive: true, force: true }); // gone already after a successful rename
  }
}

export async function run(argv: string[]): Promise<number> {
  const o = parse('provision', argv, {
    manifest: { type: 'string' }, out: { type: 'string' }, 'gateway-data': { type: 'string' }, gateway: { type: 'string' },
    'admin-token-file': { type: 'string' }, 'no-register': { type: 'boolean' }, arch: { type: 'string' }, ca: { type: 'string' },
  }, HELP);
  if (!o) return 0;
  if (!o.manifest || !o.out) throw new CliError(`provision: --manifest and --out are required\n\n${HELP}`);
  const gateway = gatewayFromFlags('provision', o);
  if (!gateway && !o['no-register']) throw new CliError(`provision: say where to register the sensor (--gateway-data or --gateway), or --no-register\n\n${HELP}`);
  if (gateway && o['no-register']) throw new CliError('provision: --no-register contradicts --gateway/--gateway-data');
  if (o.arch !== undefined && !ARCHES.includes(o.arch as Arch)) throw new CliError(`provision: --arch must be one of ${ARCHES.join(', ')}, got '${o.arch}'`);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const result = await provision({ manifestPath: o.manifest, outDir: o.out, gateway, nowMs: Date.now(), print, ...(o.arch ? { arch: o.arch as Arch } : {}), ...(o.ca ? { caDir: o.ca } : {}) });
    print(`\nText for the sign under the sensor (also in ${join(result.bundleDir, SIGN_FILE)}; print the framed URL large, at least three times the text size):\n\n${result.sign}\n`);
    print(`Next: copy the bundle to the device and install it (hardware/pi/README.md), then run \`drukte doctor\` there.`);
    return 0;
  } catch (err) {
    if (err instanceof CliError || err instanceof BundleError) throw new CliError(`✗ provisioning stopped, nothing was left behind:\n${err.message}`, err instanceof CliError ? err.exitCode : 1);
    throw err;
  } finally {
    gateway?.close();
  }
}
