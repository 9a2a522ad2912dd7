/**
 * The linter (eslint.config.js: typescript-eslint, type-aware) passes with no error, like the typecheck next to it;
 * and no `eslint-disable` comment goes without its reason (`-- why`). Warnings are listed, not failed.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { importGraph, LAYERS } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; severity: number; line: number; message: string }[];
}

it('eslint finds no error', async () => {
  const run = promisify(execFile);
  const out = await run(process.execPath, ['node_modules/eslint/bin/eslint.js', '--format', 'json', '.'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).catch(
    (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
  let results: LintResult[];
  try {
    results = JSON.parse(out.stdout) as LintResult[];
  } catch {
    throw new Error(`eslint did not run: ${out.stderr}`);
  }
  expect(results.length).toBeGreaterThan(150); // it linted the tree
  const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(ROOT.length)}:${m.line} ${m.ruleId}: ${m.message}`));
  expect(errors).toEqual([]);
}, 300_000);

/** A directive comment (a line comment or a block comment opening with it), and one that gives rules and a reason. */
const DIRECTIVE = /^\s*(?:\/\/|\/\*)\s*eslint-disable|\s\/\/\s*eslint-disable-line/;
const REASONED = /eslint-disable[\w-]*\s+\S.*\s--\s+\S/;

it('every eslint-disable says why', () => {
  expect(REASONED.test('// eslint-disable-next-line no-var -- a reason')).toBe(true);
  expect(REASONED.test('// eslint-disable-next-line no-var')).toBe(false);
  const files = [...importGraph(ROOT, [...Object.keys(LAYERS), 'tests']).keys()];
  const bare = files.flatMap((f) =>
    readFileSync(`${ROOT}/${f}`, 'utf8')
      .split('\n')
      .flatMap((line, i) => (DIRECTIVE.test(line) && !REASONED.test(line) ? [`${f}:${i + 1}`] : [])),
  );
  expect(bare).toEqual([]);
});
