/** issue 10, must-have 7: `drukte … | head` — the reader of stdout goes away; the CLI ends quietly, no EPIPE trace. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('drukte simulate piped into a reader that stops after the first bytes ends quietly with exit 0', async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, ['bin/drukte.js', 'simulate', '--driver', 'ld2450'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.once('data', () => child.stdout.destroy()); // like `| head -c 1`: read once, close the pipe
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  // Quietly: at most simulate's one informational line (what it writes where), no error, no stack trace.
  expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  expect(code).toBe(0);
}, 40_000);
