/**
 * The minimiser must stay pure and auditable: its sources (MINIMISER_SOURCES, the set that is hashed) import
 * nothing but each other, and read no clock, randomness, environment or IO. This test fails if any of them does.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINIMISER_SOURCES, minimiserHash } from '../../firmware/minimiser-hash.ts';
import { REPO_ROOT } from '../../firmware/identity.ts';

const IMPORT = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
const FORBIDDEN_GLOBALS = /\b(Date\.now|new Date\(|performance\.|process\.|Math\.random|console\.|setTimeout|setInterval|fetch\(|globalThis|require\()/;

function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Source without comments, so documentation may mention what the code must not do. */
function code(file: string): string {
  return readFileSync(join(REPO_ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

describe('minimiser purity', () => {
  it('every file in firmware/minimiser/ is part of the hashed minimiser sources', () => {
    const files = readdirSync(join(REPO_ROOT, 'firmware/minimiser')).filter((f) => f.endsWith('.ts')).map((f) => `firmware/minimiser/${f}`);
    for (const f of files) expect(MINIMISER_SOURCES).toContain(f);
  });

  it.each(MINIMISER_SOURCES.map((f) => [f]))('%s imports only other minimiser sources (no node:*, no packages)', (file) => {
    for (const spec of importsOf(file)) {
      expect(spec.startsWith('.'), `${file} imports '${spec}'`).toBe(true);
      const target = normalize(join(dirname(file), spec)).split('\\').join('/');
      expect(MINIMISER_SOURCES as readonly string[], `${file} imports ${target}, outside the audited set`).toContain(target);
    }
  });

  it.each(MINIMISER_SOURCES.map((f) => [f]))('%s reads no clock, randomness, environment or console', (file) => {
    expect(code(file)).not.toMatch(FORBIDDEN_GLOBALS);
  });

  it('the sources are listed in canonical (sorted) order and the hash is stable', () => {
    expect([...MINIMISER_SOURCES]).toEqual([...MINIMISER_SOURCES].sort());
    expect(minimiserHash(REPO_ROOT)).toMatch(/^[0-9a-f]{64}$/);
    expect(minimiserHash(REPO_ROOT)).toBe(minimiserHash(REPO_ROOT));
  });
});
