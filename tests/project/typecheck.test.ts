import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// The whole tree type-checks under strict + noUncheckedIndexedAccess (tsconfig.json).
it('tsc --noEmit passes', async () => {
  const run = promisify(execFile);
  const result = await run(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json']).catch((e: { stdout: string }) => e);
  expect('stdout' in result ? result.stdout : '').toBe('');
}, 120_000);
