/**
 * What the lifecycle keeps on disk, in the sensor's data directory, behind a small interface so the state machine
 * can be tested with the real files or an in-memory double built the same way:
 *
 *   <dataDir>/lifecycle.json   {"v":1,"sensor":"<id>","highWaterMs":<ms>}     the time high-water mark; also binds
 *                                                                              the data directory to one sensor
 *   <dataDir>/tombstone.json   {"v":1,"sensor":"<id>","expiresAt":"…","at":<ms>}   written once, at expiry
 *
 * Both are written atomically (temp file, fsync, rename). A missing or unreadable high-water mark is reported as
 * `null` (the lifecycle falls back to the bundle's build time); a tombstone that exists but cannot be read still
 * counts as a tombstone: its presence alone means "expired".
 */
import { join } from 'node:path';
import { nodeFs, writeFileAtomic, type FsLayer } from '../egress/atomic-file.ts';

export interface Tombstone {
  /** The sensor it belongs to, or null when the file exists but is unreadable. */
  sensor: string | null;
  expiresAt: string | null;
  /** Effective time of expiry, ms. */
  at: number | null;
}

export interface LifecycleRecord {
  /** The sensor this data directory belongs to (null: unknown, e.g. a corrupted file). */
  sensor: string | null;
  highWaterMs: number | null;
}

export interface LifecycleStore {
  /**
   * What the data directory holds; `record` is null when there is no (readable) lifecycle file. `fresh`: there is
   * none at all (a first start), as opposed to one that cannot be read.
   */
  load(): { record: LifecycleRecord | null; tombstone: Tombstone | null; fresh?: boolean };
  saveHighWater(sensor: string, highWaterMs: number): void;
  saveTombstone(tombstone: { sensor: string; expiresAt: string; at: number }): void;
}

export const LIFECYCLE_FILE = 'lifecycle.json';
export const TOMBSTONE_FILE = 'tombstone.json';

/** Unix ms within 2020–2100, like every time in the protocol. */
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1_577_836_800_000 && x <= 4_102_444_800_000;
const isText = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 100;

function readJson(path: string, io: FsLayer): Record<string, unknown> | null {
  try {
    const data: unknown = JSON.parse(io.readFileSync(path).toString('utf8'));
    return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export class FileLifecycleStore implements LifecycleStore {
  constructor(readonly dataDir: string, private readonly io: FsLayer = nodeFs) {}

  load(): { record: LifecycleRecord | null; tombstone: Tombstone | null; fresh: boolean } {
    const fresh = !this.io.existsSync(join(this.dataDir, LIFECYCLE_FILE));
    const r = readJson(join(this.dataDir, LIFECYCLE_FILE), this.io);
    const record = r ? { sensor: isText(r.sensor) ? r.sensor : null, highWaterMs: isTime(r.highWaterMs) ? r.highWaterMs : null } : null;
    let tombstone: Tombstone | null = null;
    const tombPath = join(this.dataDir, TOMBSTONE_FILE);
    if (this.io.existsSync(tombPath)) {
      const t = readJson(tombPath, this.io);
      tombstone = { sensor: isText(t?.sensor) ? t.sensor : null, expiresAt: isText(t?.expiresAt) ? t.expiresAt : null, at: isTime(t?.at) ? t.at : null };
    }
    return { record, tombstone, fresh };
  }

  saveHighWater(sensor: string, highWaterMs: number): void {
    this.io.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(this.dataDir, LIFECYCLE_FILE), `${JSON.stringify({ v: 1, sensor, highWaterMs: Math.floor(highWaterMs) })}\n`, this.io);
  }

  saveTombstone(t: { sensor: string; expiresAt: string; at: number }): void {
    this.io.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(this.dataDir, TOMBSTONE_FILE), `${JSON.stringify({ v: 1, sensor: t.sensor, expiresAt: t.expiresAt, at: Math.floor(t.at) })}\n`, this.io);
  }
}

/** The same contract in memory (unit tests of the state machine); `fail` makes writes throw like a full disk. */
export class MemoryLifecycleStore implements LifecycleStore {
  record: LifecycleRecord | null = null;
  tombstone: Tombstone | null = null;
  writes = 0;
  fail: NodeJS.ErrnoException | null = null;

  load() {
    return { record: this.record ? { ...this.record } : null, tombstone: this.tombstone ? { ...this.tombstone } : null, fresh: this.record === null };
  }

  saveHighWater(sensor: string, highWaterMs: number): void {
    if (this.fail) throw this.fail;
    this.writes++;
    this.record = { sensor, highWaterMs: Math.floor(highWaterMs) };
  }

  saveTombstone(t: { sensor: string; expiresAt: string; at: number }): void {
    if (this.fail) throw this.fail;
    this.tombstone = { ...t, at: Math.floor(t.at) };
  }
}
