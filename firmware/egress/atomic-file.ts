/** Crash-safe small files: write to a temporary file, fsync, rename over the target, fsync the directory. */
import { closeSync, fsyncSync, openSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
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
