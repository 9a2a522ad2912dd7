/**
 * The sensor's identity when run from a source checkout (demo, development). A provisioned bundle carries its own
 * identity in a generated module instead (see `drukte provision`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest } from '../shared/manifest.ts';
import { hashSources, minimiserHash } from './minimiser-hash.ts';
import type { SensorIdentity } from './sensor.ts';

/** Repository root: this file lives in firmware/, or in dist/firmware/ after `npm run build`. */
export const REPO_ROOT = [new URL('..', import.meta.url), new URL('../..', import.meta.url)].map((u) => fileURLToPath(u)).find((d) => existsSync(join(d, 'package.json'))) ?? fileURLToPath(new URL('..', import.meta.url));

export const FIRMWARE_VERSION: string = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Every source file that goes into a sensor build, sorted, repo-relative with '/' separators. */
export function firmwareSources(root = REPO_ROOT): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  for (const top of ['firmware', 'hardware', 'shared']) walk(join(root, top));
  return out.sort();
}

let cached: { minimiser: string; bundle: string } | null = null;

export function sourceIdentity(manifest: Manifest): SensorIdentity {
  cached ??= { minimiser: minimiserHash(REPO_ROOT), bundle: hashSources(REPO_ROOT, firmwareSources()) };
  return { id: manifest.id, expiresAt: manifest.expiresAt, firmware: FIRMWARE_VERSION, ...cached };
}
