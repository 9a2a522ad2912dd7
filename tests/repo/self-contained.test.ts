/**
 * The repository stands alone (issue 11, must-have 1): no tracked file may point at a folder outside it (a sibling
 * `shared` checkout, `../..` out of the root) or at a document the repository does not hold. A plain `git clone`
 * must be able to read every document, fixture and path its code and docs mention.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/hex.ts';

const TEXT = /\.(ts|js|mjs|cjs|json|md|yaml|yml|sh|service|txt|hex|csv|cfg|toml)$|^\.ci\/run$|(^|\/)\.gitignore$/;

function trackedFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    // Not a git checkout (e.g. an unpacked tarball): walk the tree instead.
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(path.join(REPO_ROOT, dir))) {
        if (name === 'node_modules' || name === '.git' || name === 'dist') continue;
        const rel = dir ? `${dir}/${name}` : name;
        if (statSync(path.join(REPO_ROOT, rel)).isDirectory()) walk(rel);
        else out.push(rel);
      }
    };
    walk('');
    return out;
  }
}

const files = trackedFiles().filter((f) => TEXT.test(f));
const tracked = new Set(trackedFiles());
const basenames = new Set([...tracked].map((f) => path.posix.basename(f)));

// `../` spelled in two pieces so this file does not match its own pattern.
const UP = '\\.\\.' + '/';
const RELATIVE = new RegExp(`(?:${UP})+[A-Za-z0-9_.@-]+(?:/[A-Za-z0-9_.@-]+)*`, 'g');
const SIBLING_SHARED = new RegExp(`${UP}shared/(?:docs|fixtures|hooks)\\b`);
/** Document names written in capitals (e.g. AUDIT.md), with or without a folder. */
const DOC_NAME = /(?<![\w/.-])(?:[\w.-]+\/)*[A-Z][A-Z0-9_-]*\.md\b/g;

describe('the repository refers to nothing outside itself', () => {
  it('finds the files it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('docs/RADAR-PROTOCOLS.md');
  });

  it('no file points at the sibling shared/ scaffolding', () => {
    const hits = files.flatMap((f) =>
      readFileSync(path.join(REPO_ROOT, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (SIBLING_SHARED.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it('no relative path climbs out of the repository root', () => {
    const hits: string[] = [];
    for (const f of files) {
      const lines = readFileSync(path.join(REPO_ROOT, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const m of line.matchAll(RELATIVE)) {
          const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[0]));
          if (resolved.startsWith('../')) hits.push(`${f}:${i + 1}: ${m[0]}`);
        }
      });
    }
    expect(hits).toEqual([]);
  });

  it('every document named in capitals exists in the repository', () => {
    const hits: string[] = [];
    for (const f of files.filter((name) => !name.startsWith('tests/fixtures/'))) {
      const lines = readFileSync(path.join(REPO_ROOT, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const m of line.matchAll(DOC_NAME)) {
          const name = m[0];
          const ok = name.includes('/')
            ? tracked.has(name) || tracked.has(path.posix.normalize(path.posix.join(path.posix.dirname(f), name)))
            : basenames.has(name);
          if (!ok) hits.push(`${f}:${i + 1}: ${name}`);
        }
      });
    }
    expect(hits).toEqual([]);
  });
});

describe('the run-time code needs no devDependency', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
  const RUNTIME = /^(cli|firmware|hardware|shared|gateway|simulator|bin)\//;

  it('no run-time module imports a devDependency (provision works after npm ci --omit=dev)', () => {
    const hits: string[] = [];
    for (const f of files.filter((name) => RUNTIME.test(name) && /\.(ts|js)$/.test(name))) {
      const text = readFileSync(path.join(REPO_ROOT, f), 'utf8');
      for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)['"]([^'"./][^'"]*)['"]/g)) {
        const spec = m[1]!;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (name in pkg.devDependencies && !spec.startsWith('@types/')) hits.push(`${f}: ${spec}`);
      }
    }
    expect(hits).toEqual([]);
    expect(pkg.dependencies.esbuild).toMatch(/^\d+\.\d+\.\d+$/); // the bundle compiler, pinned: bundles are reproducible
  });

  it('npm run build has its configuration', () => {
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    expect(tracked.has('tsconfig.build.json') || files.length === 0).toBe(true);
  });
});
