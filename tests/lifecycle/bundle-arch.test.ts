/**
 * Bundles for the machine they go to, reproducible, and auditable from their own files (issue 11 must-have 2,
 * issue 9 item 8): an arm64 bundle built on this (x64) machine carries no x86 code; the sensor and doctor refuse
 * native code for another machine with the fix; the same source and manifest give the same bytes; and
 * `drukte audit --bundle` recomputes the minimiser hash from the sources the bundle ships, and catches a minimiser
 * edited in the compiled code (the tampered-bundle case of issue 9: reduce.js with the k floor lowered).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditBundle } from '../../cli/audit-bundle.ts';
import { checkNative } from '../../firmware/doctor/checks.ts';
import { buildBundle } from '../../firmware/bundle/build.ts';
import { hashBundle } from '../../firmware/bundle/hash.ts';
import { readDescriptor } from '../../firmware/bundle/identity.ts';
import { BundleRefused, nativeCheck } from '../../firmware/bundle/main.ts';
import { ARCH_MACHINE, elfMachine, nativeFiles } from '../../firmware/bundle/native.ts';
import { minimiserHash, MINIMISER_SOURCES } from '../../firmware/minimiser-hash.ts';
import { systemClock } from '../../shared/clock.ts';
import { validateManifest, type Manifest } from '../../shared/manifest.ts';
import { parse } from 'yaml';
import { REPO } from './helpers.ts';

const run = promisify(execFile);
/** npm rebuild (node-gyp) needs a C++ toolchain, as on a Pi after `apt-get install build-essential`. */
const HAVE_COMPILER = ['/usr/bin/g++', '/usr/bin/make'].every((f) => existsSync(f));
const work = mkdtempSync(join(tmpdir(), 'drukte-arch-'));
const BUILT = Date.UTC(2026, 5, 1);

function manifest(over: Partial<Manifest> = {}): Manifest {
  const urls = { registerUrl: 'http://localhost:8080/sensors/stadhuis-entrance', gatewayUrl: 'mqtt://localhost:1883' };
  const r = validateManifest({ ...urls, ...parse(readFileSync(join(REPO, 'examples/sensor.yaml'), 'utf8')) }, null);
  if (!r.ok) throw new Error('examples/sensor.yaml is invalid');
  return { ...r.manifest, ...over };
}

async function build(name: string, arch: 'arm64' | 'x64' | 'armv7', builtAtMs = BUILT, m = manifest()): Promise<string> {
  const out = join(work, name);
  mkdirSync(out);
  await buildBundle({ manifest: m, outDir: out, builtAtMs, arch });
  return out;
}

/** Every file of a directory tree, relative, sorted. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

describe('a bundle built here for arm64', () => {
  let arm: string;
  beforeAll(async () => {
    arm = await build('arm64', 'arm64');
  }, 60_000);

  it('carries no x86 code: every ELF file in it is arm64, and the addons without an arm64 prebuild are left to the device', () => {
    const elves = allFiles(arm).map((f) => ({ f, m: elfMachine(join(arm, f)) })).filter((e) => e.m !== null);
    expect(elves.length).toBeGreaterThan(0); // serialport's arm64 prebuild
    expect(elves.filter((e) => e.m !== ARCH_MACHINE.arm64)).toEqual([]);
    expect(elves.map((e) => e.f)).toContain('node_modules/@serialport/bindings-cpp/prebuilds/linux-arm64/@serialport+bindings-cpp.armv8.glibc.node');
    const d = readDescriptor(arm);
    expect(d.arch).toBe('arm64');
    expect(d.deviceBuild).toEqual(['node_modules/epoll']); // onoff's GPIO watcher: node-gyp, compiled by install.sh
    expect(allFiles(join(arm, 'node_modules/epoll'))).toEqual(expect.arrayContaining(['binding.gyp', 'src/epoll.cc']));
    expect(allFiles(arm).filter((f) => f.includes('/prebuilds/') && !f.includes('/prebuilds/linux-arm64/'))).toEqual([]);
  });

  it('refuses to start on x64 (and doctor says so), with the command that fixes it', async () => {
    expect(() => nativeCheck(arm, ['node_modules/epoll'], false, 'x64')).toThrow(BundleRefused);
    expect(() => nativeCheck(arm, ['node_modules/epoll'], false, 'x64')).toThrow(/is arm64; this machine is x64\. Provision the bundle again with `drukte provision --arch x64`/);
    expect(() => nativeCheck(arm, ['node_modules/epoll'], false, 'arm64')).not.toThrow();
    // A beam counter needs epoll compiled on the device first.
    expect(() => nativeCheck(arm, ['node_modules/epoll'], true, 'arm64')).toThrow(/not compiled on this device yet: node_modules\/epoll; install the bundle with install\/install\.sh/);
    const target = { bundleDir: arm, identity: { format: 1 as const, manifest: manifest(), builtAtMs: BUILT, firmware: '0', minimiser: '' }, descriptor: readDescriptor(arm), credentials: null, device: '', baud: 0, brokerUrl: '', dataDir: '' };
    const env = { clock: systemClock, serial: {} as never, ntpSynchronized: async () => null, radarTimeoutMs: 1, brokerTimeoutMs: 1 };
    const [onX64] = await checkNative(target, { ...env, arch: 'x64' }, []);
    expect(onX64).toMatchObject({ status: 'fail', fix: expect.stringContaining('drukte provision --arch x64') });
    const [onPi] = await checkNative(target, { ...env, arch: 'arm64' }, []);
    expect(onPi).toMatchObject({ status: 'pass', detail: '2 addon(s), all for arm64' });
  });

  it.skipIf(!HAVE_COMPILER)('keeps its hash when install.sh compiles the addon on the device (npm rebuild), which then has the device\'s machine', async () => {
    const copy = join(work, 'arm64-installed');
    cpSync(arm, copy, { recursive: true });
    const before = hashBundle(copy).hash;
    await run('npm', ['rebuild', 'epoll', '--no-audit', '--no-fund'], { cwd: copy }); // here the "device" is x64
    expect(elfMachine(join(copy, 'node_modules/epoll/build/Release/epoll.node'))).toBe(ARCH_MACHINE.x64);
    expect(hashBundle(copy).hash).toBe(before);
    expect(nativeFiles(copy).map((f) => f.path)).toContain('node_modules/epoll/build/Release/epoll.node');
  }, 120_000);
});

describe('reproducible bundles and drukte audit --bundle', () => {
  let a: string;
  let b: string;
  let c: string;
  beforeAll(async () => {
    a = await build('x64-a', 'x64');
    b = await build('x64-b', 'x64');
    c = await build('x64-c', 'x64', BUILT + 86_400_000, manifest({ id: 'another-sensor' }));
  }, 90_000);

  it('the same source and manifest give a byte-identical bundle; another build time or sensor leaves the minimiser files identical', () => {
    expect(hashBundle(a).hash).toBe(hashBundle(b).hash);
    const files = allFiles(a).filter((f) => !f.startsWith('node_modules/epoll/build/'));
    expect(allFiles(b).filter((f) => !f.startsWith('node_modules/epoll/build/'))).toEqual(files);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    const minimiserFiles = MINIMISER_SOURCES.flatMap((f) => [`minimiser-source/${f}`, `dist/${f.replace(/\.ts$/, '.js')}`]).filter((f) => files.includes(f));
    expect(minimiserFiles.length).toBeGreaterThanOrEqual(MINIMISER_SOURCES.length + 3);
    for (const f of minimiserFiles) expect(readFileSync(join(c, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    expect(hashBundle(c).hash).not.toBe(hashBundle(a).hash); // the identity differs
  });

  it('audit recomputes the hash from the shipped sources and checks the compiled code against them', () => {
    const r = auditBundle(a, minimiserHash(REPO));
    expect(r.shipped).toBe(minimiserHash(REPO));
    expect(r.lines.filter((l) => l.startsWith('✗'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.lines.join('\n')).toMatch(/Not proven by a bundle alone/);
  });

  it('catches the minimiser edited in the compiled code, in its sources, or a claim edited in bundle.json', () => {
    const bent = join(work, 'bent');
    const tamper = (file: string, change: (s: string) => string) => {
      cpSync(a, bent, { recursive: true, force: true });
      writeFileSync(join(bent, file), change(readFileSync(join(bent, file), 'utf8')));
      return auditBundle(bent, minimiserHash(REPO));
    };
    // Issue 9's tampered bundle: the k floor lowered in reduce.js, bundle.json untouched.
    const reduce = tamper('dist/firmware/minimiser/reduce.js', (js) => `${js}\n// kFloor = 1\n`);
    expect(reduce.code).toBe(1);
    expect(reduce.lines.join('\n')).toMatch(/✗ the compiled code differs from what the shipped sources compile to: dist\/firmware\/minimiser\/reduce\.js/);
    expect(reduce.lines.join('\n')).toMatch(/✗ the bundle's files changed after provisioning/);
    // The sources edited too (and consistently compiled): the hash no longer matches the checkout.
    const source = tamper('minimiser-source/firmware/minimiser/reduce.ts', (ts) => `${ts}\n// edited\n`);
    expect(source.code).toBe(1);
    expect(source.lines.join('\n')).toMatch(/✗ MISMATCH: the bundle ships other minimiser sources/);
    // A claim alone proves nothing: an edited bundle.json is caught against the files.
    const claim = tamper('bundle.json', (json) => JSON.stringify({ ...JSON.parse(json), minimiser: '0'.repeat(64) }));
    expect(claim.lines.join('\n')).toMatch(/✗ the claims disagree with the shipped sources: bundle\.json 0{64}/);
  });

  it('drukte audit --bundle: exit 0 on a real bundle, with the verdict lines', async () => {
    const { stdout } = await run(process.execPath, [join(REPO, 'bin/drukte.js'), 'audit', '--bundle', a], { cwd: REPO });
    expect(stdout).toMatch(/✓ MATCH: the bundle ships exactly the minimiser sources of this checkout/);
    expect(stdout).toMatch(/✓ the compiled minimiser in dist\/ is byte for byte/);
  });
});
