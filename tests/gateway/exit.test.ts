/** stop() leaves no open handles: a process that starts, uses and stops a gateway exits by itself. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('exits after stop() with clients, half-open sockets and event streams still around', async () => {
  const script = fileURLToPath(new URL('./fixtures/start-stop.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  expect(out).toContain('stopped');
  expect(code, `the process did not exit by itself:\n${out}`).toBe(0);
}, 20_000);
