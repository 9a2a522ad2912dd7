/**
 * The first hour of a new user (issue 11, must-have 4), through the real `drukte` command: a version, commands that
 * say what they do, and a replay that does not pretend to have decoded something when it decoded nothing.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/hex.ts';

const run = promisify(execFile);
const drukte = (args: string[], input?: Buffer) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/drukte.js'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.on('exit', (code) => resolve({ code, stdout, stderr }));
  child.stdin.end(input ?? Buffer.alloc(0));
});
const work = mkdtempSync(join(tmpdir(), 'drukte-first-'));

describe('the first hour', () => {
  it('drukte --version', async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin/drukte.js'), '--version']);
    expect(stdout).toBe(`drukte ${version} (Node.js ${process.versions.node})\n`);
  });

  it('replay of an empty or a random file: "0 frames: is this the right driver and a raw capture?", exit 1', async () => {
    const empty = await drukte(['replay', '--driver', 'ld2450', '--input', '-']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('replay: 0 frames: is this the right driver and a raw capture?');
    expect(empty.stdout).toBe('');
    let x = 12345; // a fixed pseudo-random file (no frame header survives by chance in 4 KiB)
    const noise = Buffer.from(Array.from({ length: 4096 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
    writeFileSync(join(work, 'noise.bin'), noise);
    for (const driver of ['ld2450', 'ti-people', 'ld2410']) {
      const r = await drukte(['replay', '--driver', driver, '--input', join(work, 'noise.bin')]);
      expect(r.code, driver).toBe(1);
      expect(r.stderr).toContain(`0 frames: is this the right driver and a raw capture?\n  --driver ${driver} reads`);
    }
  }, 60_000);

  it('simulate says on stderr what it writes where, and keeps stdout for the byte stream', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/drukte.js'), 'simulate', '--driver', 'ld2450'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const bytes: Buffer[] = [];
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => bytes.push(d));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await expect.poll(() => Buffer.concat(bytes).length >= 60, { timeout: 30_000, interval: 100 }).toBe(true);
    child.kill('SIGINT');
    await exited;
    expect(stderr).toMatch(/^simulate: a simulated ld2450 writes its raw report frames \(256000 baud format, ~10 frames\/s, seed 1, peak 4 people\) to stdout; Ctrl-C stops\n/);
    expect(Buffer.concat(bytes).subarray(0, 4).toString('hex')).toBe('aaff0300'); // the LD2450 report header, nothing else
  }, 60_000);
});
