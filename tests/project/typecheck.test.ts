import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// The whole tree type-checks under strict + noUncheckedIndexedAccess (tsconfig.json); the browser's scripts
// (`// @ts-check` JavaScript) with the DOM library (tsconfig.browser.json).
it.each(['tsconfig.json', 'tsconfig.browser.json'])('tsc --noEmit -p %s passes', async (project) => {
  const run = promisify(execFile);
  const result = await run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', project]).catch((e: { stdout: string }) => e);
  expect('stdout' in result ? result.stdout : '').toBe('');
}, 120_000);
