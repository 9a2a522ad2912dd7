/**
 * The bundle hash: sha256 over the code of a sensor bundle, in the same canonical form as the minimiser hash
 * (firmware/minimiser-hash.ts), but over the files' exact bytes (a bundle is bytes, not sources):
 *
 *   for each file under HASHED (sorted by path, '/' separators, relative to the bundle directory):
 *       "<path>\n<sha256 hex of the file's bytes>\n"
 *   bundle hash = sha256 of the concatenation
 *
 * HASHED is the code that runs: package.json, bin/, dist/ (compiled firmware with its identity), install/ (the Pi's
 * install script and systemd unit, run as root), minimiser-source/ (the minimiser's sources, which `drukte audit`
 * recompiles and compares with dist/) and node_modules/.
 * Not hashed: bundle.json (it holds the hash), credentials.json (a secret, not code), SIGN.txt (text for people) and
 * node-gyp output (the build/ folder of a package with a binding.gyp): a native addon without a prebuild for the
 * target is compiled on the device by install.sh, from the package's hashed sources, so its bytes cannot be known at
 * provisioning. Its machine is checked instead (native.ts, checkBundle, doctor).
 * Recompute by hand: `cd BUNDLE && find package.json bin dist install minimiser-source node_modules -type f
 * | grep -v -E "^($(find node_modules -name binding.gyp -printf '%h/build/|')x)" | LC_ALL=C sort | while read f;
 * do printf '%s\n%s\n' "$f" "$(sha256sum < "$f" | cut -d' ' -f1)"; done | sha256sum`.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

export const HASHED = ['package.json', 'bin', 'dist', 'install', 'minimiser-source', 'node_modules'] as const;

/** Whether a bundle path lies in node-gyp output (`…/build/…` beside a `binding.gyp`): compiled on the device, not hashed. */
export function isDeviceBuilt(dir: string, rel: string): boolean {
  const parts = rel.split('/');
  const at = parts.indexOf('build', 1);
  return parts[0] === 'node_modules' && at > 0 && existsSync(join(dir, ...parts.slice(0, at), 'binding.gyp'));
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Every hashed file of a bundle, sorted (code-unit order, as `LC_ALL=C sort`). Symlinks are refused. */
export function bundleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const st = lstatSync(join(dir, rel));
    if (st.isSymbolicLink()) throw new Error(`the bundle holds a symbolic link (${rel}); a bundle must be plain files`);
    if (st.isFile()) out.push(rel);
    else if (st.isDirectory() && rel.endsWith('/build') && isDeviceBuilt(dir, rel)) return;
    else if (st.isDirectory()) for (const name of readdirSync(join(dir, rel))) walk(`${rel}/${name}`);
  };
  for (const top of HASHED) if (existsSync(join(dir, top))) walk(top);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

let chunk: Buffer | null = null;

/**
 * sha256 of a file, read through one reused 64 KiB buffer: the sensor hashes its whole bundle (~10 MB, ~1,400
 * files) at every start, and reading each file whole left ~12 MiB of RSS behind for good (bench/footprint.ts).
 */
function sha256OfFile(path: string): string {
  const h = createHash('sha256');
  const buf = (chunk ??= Buffer.allocUnsafe(64 * 1024));
  const fd = openSync(path, 'r');
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** The canonical listing (path, per-file sha256) and the bundle hash over it. */
export function hashBundle(dir: string): { hash: string; files: number } {
  const files = bundleFiles(dir);
  let listing = '';
  for (const file of files) listing += `${file}\n${sha256OfFile(join(dir, file))}\n`;
  return { hash: sha256(listing), files: files.length };
}
