/** Helpers for the serial and device tests: wait for a condition without fixed sleeps, collect bytes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

/** Resolve once `cond()` is true (polled every few ms); reject after `timeoutMs` with `what`. */
export async function until(cond: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Everything a 'data' emitter sends, concatenated. */
export function collect(emitter: { on(event: 'data', l: (b: Buffer) => void): unknown }): { bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  emitter.on('data', (b: Buffer) => void chunks.push(Buffer.from(b)));
  return { bytes: () => Buffer.concat(chunks) };
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether socat can be run here (the PTY tests need it; CI installs it). */
export const HAVE_SOCAT = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
