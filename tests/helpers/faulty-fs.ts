/**
 * An FsLayer (firmware/egress/atomic-file.ts) over the real node:fs that can fail like a full disk (every write
 * throws ENOSPC) or "die" like a process killed with SIGKILL: after a given number of mutating operations the next
 * one is cut short — a write lands only partly, a rename or unlink does not happen — and every operation after it
 * throws Killed, until the test "restarts" the sensor on the same directory with a fresh layer.
 */
import { nodeFs, type FsLayer } from '../../firmware/egress/atomic-file.ts';

export class Killed extends Error {
  override name = 'Killed';
}

export class FaultyFs implements FsLayer {
  /** Mutating operations done so far (open for write, write, fsync, rename, unlink, mkdir). */
  ops = 0;
  /** Throw this errno code from every write (a full disk), or null. */
  full: string | null = null;
  /** Die at this mutating operation (0-based), or null. */
  killAt: number | null = null;
  dead = false;

  private mutate(): void {
    if (this.dead) throw new Killed('the process is dead');
    if (this.full) throw Object.assign(new Error(`${this.full}: simulated`), { code: this.full });
    if (this.killAt !== null && this.ops >= this.killAt) {
      this.dead = true;
      throw new Killed('killed here');
    }
    this.ops++;
  }

  private alive(): void {
    if (this.dead) throw new Killed('the process is dead');
  }

  openSync(path: string, flags: string, mode?: number): number {
    if (flags !== 'r') this.mutate();
    else this.alive();
    return nodeFs.openSync(path, flags, mode);
  }

  writeSync(fd: number, data: Uint8Array): number {
    if (this.dead) throw new Killed('the process is dead');
    if (this.full) throw Object.assign(new Error(`${this.full}: simulated`), { code: this.full });
    if (this.killAt !== null && this.ops >= this.killAt) {
      // Killed in the middle of the write: a prefix of the bytes reached the file.
      nodeFs.writeSync(fd, data.subarray(0, Math.floor(data.length / 2)));
      this.dead = true;
      throw new Killed('killed mid-write');
    }
    this.ops++;
    return nodeFs.writeSync(fd, data);
  }

  fsyncSync(fd: number): void {
    this.mutate();
    nodeFs.fsyncSync(fd);
  }

  closeSync(fd: number): void {
    nodeFs.closeSync(fd); // a dead process' descriptors are closed by the kernel
  }

  renameSync(from: string, to: string): void {
    this.mutate();
    nodeFs.renameSync(from, to);
  }

  unlinkSync(path: string): void {
    this.mutate();
    nodeFs.unlinkSync(path);
  }

  mkdirSync(path: string, options: { recursive: true; mode?: number }): void {
    this.alive();
    nodeFs.mkdirSync(path, options);
  }

  readFileSync(path: string): Buffer {
    this.alive();
    return nodeFs.readFileSync(path);
  }

  readdirSync(path: string): string[] {
    this.alive();
    return nodeFs.readdirSync(path);
  }

  existsSync(path: string): boolean {
    this.alive();
    return nodeFs.existsSync(path);
  }
}
