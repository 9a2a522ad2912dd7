/**
 * Crash-safe small files: write to a temporary file, fsync, rename over the target, fsync the directory.
 *
 * Every file operation of the sensor's storage (seq, queue, lifecycle) goes through an `FsLayer`, by default the
 * real node:fs. Tests inject a layer that fails like a full disk (ENOSPC) or "dies" in the middle of a write
 * (tests/firmware/kill-loop.test.ts), so the recovery paths are exercised with the same code as on a device.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';

/** The synchronous node:fs calls the sensor's storage uses. */
export interface FsLayer {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, data: Uint8Array): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  readFileSync(path: string): Buffer;
  readdirSync(path: string): string[];
  mkdirSync(path: string, options: { recursive: true; mode?: number }): void;
  existsSync(path: string): boolean;
}

export const nodeFs: FsLayer = {
  openSync: (p, f, m) => fs.openSync(p, f, m),
  writeSync: (fd, d) => fs.writeSync(fd, d),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (a, b) => fs.renameSync(a, b),
  unlinkSync: (p) => fs.unlinkSync(p),
  readFileSync: (p) => fs.readFileSync(p),
  readdirSync: (p) => fs.readdirSync(p),
  mkdirSync: (p, o) => void fs.mkdirSync(p, o),
  existsSync: (p) => fs.existsSync(p),
};

/** Temporary files of writeFileAtomic: `<name>.tmp-<pid>`; left behind only by a crash, removed at the next start. */
export const TMP_FILE = /\.tmp-\d+$/;

export function writeFileAtomic(path: string, data: string | Uint8Array, io: FsLayer = nodeFs): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = io.openSync(tmp, 'w', 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let done = 0;
    while (done < bytes.length) done += io.writeSync(fd, bytes.subarray(done));
    io.fsyncSync(fd);
  } catch (err) {
    io.closeSync(fd);
    try { io.unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
  io.closeSync(fd);
  io.renameSync(tmp, path);
  try {
    const dfd = io.openSync(dirname(path), 'r');
    try { io.fsyncSync(dfd); } finally { io.closeSync(dfd); }
  } catch {
    /* some file systems refuse fsync on directories; the rename itself is atomic */
  }
}

/** Explain a file-system error in one line with what to do. */
export function describeFsError(err: unknown, what: string): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return `${what}: the disk is full; free space on the data partition (kept in memory meanwhile)`;
  if (code === 'EACCES' || code === 'EPERM') return `${what}: permission denied; check the owner of the data directory`;
  if (code === 'EROFS') return `${what}: the file system is read-only; check the mount of the data directory`;
  return `${what}: ${code ?? (err as Error)?.message ?? 'unknown error'}`;
}
