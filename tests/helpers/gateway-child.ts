/**
 * A gateway in a child process (tests/integration/fixtures/gateway-child.ts) that tests can SIGKILL: resolves with
 * the child and its MQTT port once it prints `ready <port>`; rejects with its output if it exits before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('../integration/fixtures/gateway-child.ts', import.meta.url));

/** `args`: what gateway-child.ts takes after the script (data dir, port, sensor id or prefix, password, …). */
export function startGatewayChild(args: readonly string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`gateway child exited (${code}):\n${out}`)));
  });
}
