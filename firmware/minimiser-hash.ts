/**
 * The minimiser hash: sha256 over the minimiser's source files, in a documented canonical order.
 *
 * Canonical form (docs/AUDIT.md): for each file in MINIMISER_SOURCES (already sorted, paths relative to the repo
 * root, '/' separators), the line `<path>\n<sha256 hex of the file's bytes with CRLF normalised to LF>\n`; the hash
 * is sha256 of the concatenation of those lines. Anyone can recompute it with `sha256sum` and a shell loop.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What decides what leaves the sensor: the minimiser itself and the pure modules it imports. Sorted. */
export const MINIMISER_SOURCES = [
  'firmware/minimiser/minimiser.ts',
  'firmware/minimiser/reduce.ts',
  'firmware/minimiser/zone.ts',
  'hardware/frame.ts',
  'shared/density.ts',
  'shared/minimisation.ts',
] as const;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export function hashSources(root: string, files: readonly string[]): string {
  let listing = '';
  for (const file of files) {
    const text = readFileSync(join(root, file)).toString('utf8').replace(/\r\n/g, '\n');
    listing += `${file}\n${sha256(text)}\n`;
  }
  return sha256(listing);
}

export function minimiserHash(root: string): string {
  return hashSources(root, MINIMISER_SOURCES);
}
