/**
 * The gateway's V8 flags (gateway/node-flags.ts) are the ones it runs with everywhere: the systemd unit, `npm start`
 * and the fleet bench's gateway processes. `drukte gateway` started without them says so.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS, missingNodeFlags } from '../../gateway/node-flags.ts';
import { targetNodeArgs } from '../../bench/fleet/procs.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Starts `drukte gateway` on free ports with these node flags, returns its output up to the "register" line. */
async function gatewayOutput(nodeFlags: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'drukte-flags-'));
  const child = spawn(process.execPath, [...nodeFlags, join(REPO, 'bin/drukte.js'), 'gateway', '--data-dir', dir, '--http-port', '0', '--mqtt-port', '0'], {
    env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start in 30 s:\n${out}`)), 30_000);
      const take = (d: Buffer) => {
        out += d.toString();
        if (/register http/.test(out)) (clearTimeout(timer), resolve());
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`gateway exited (${code}):\n${out}`))));
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

describe('the gateway\'s node flags', () => {
  it('are found on the command line or in NODE_OPTIONS, with either spelling', () => {
    expect(GATEWAY_NODE_FLAGS).toContain('--max-semi-space-size=64');
    expect(missingNodeFlags([], '')).toEqual([...GATEWAY_NODE_FLAGS]);
    expect(missingNodeFlags([...GATEWAY_NODE_FLAGS], '')).toEqual([]);
    expect(missingNodeFlags(['--import', 'tsx'], GATEWAY_NODE_FLAGS.join(' '))).toEqual([]);
    expect(missingNodeFlags(['--max_semi_space_size=64'], '')).toEqual([]);
    // Another value is the operator's choice (measured or not): not reported as missing.
    expect(missingNodeFlags(['--max-semi-space-size=32'], '')).toEqual([]);
    expect(missingNodeFlags(['--max-old-space-size=512'], '--expose-gc')).toEqual([...GATEWAY_NODE_FLAGS]);
  });

  it('the systemd unit, npm start and the fleet bench\'s gateway processes pass them; the relays do not get them', () => {
    const exec = readFileSync(join(REPO, 'hardware/pi/drukte-gateway.service'), 'utf8').split('\n').find((l) => l.startsWith('ExecStart='))!;
    const start = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    for (const flag of GATEWAY_NODE_FLAGS) {
      // node's own flags go before the script: after it they would be the script's arguments.
      expect(exec.indexOf(flag)).toBeGreaterThan(exec.indexOf('/usr/bin/node '));
      expect(exec.indexOf(flag)).toBeLessThan(exec.indexOf('bin/drukte.js'));
      expect(start.indexOf(flag)).toBeGreaterThan(-1);
      expect(start.indexOf(flag)).toBeLessThan(start.indexOf('bin/drukte.js'));
      expect(targetNodeArgs('drukte', undefined, '')).toContain(flag);
      expect(targetNodeArgs('drukte-areas', undefined, '')).toContain(flag);
      expect(targetNodeArgs('aedes', undefined, '')).not.toContain(flag);
    }
    // An experiment's flag comes after the production one, so it wins.
    const args = targetNodeArgs('drukte', undefined, '--max-semi-space-size=16');
    expect(args.lastIndexOf('--max-semi-space-size=16')).toBeGreaterThan(args.indexOf('--max-semi-space-size=64'));
  });

  it('`drukte gateway` started without them warns once, naming the flag and how to start it; with them (or in NODE_OPTIONS) it does not', async () => {
    const without = await gatewayOutput([]);
    const warnings = without.split('\n').filter((l) => l.includes('was started without'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('--max-semi-space-size=64');
    expect(warnings[0]).toContain('bin/drukte.js gateway');
    expect(await gatewayOutput([...GATEWAY_NODE_FLAGS])).not.toContain('was started without');
    expect(await gatewayOutput([], { NODE_OPTIONS: GATEWAY_NODE_FLAGS.join(' ') })).not.toContain('was started without');
  }, 120_000);
});
