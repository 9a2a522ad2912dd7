/**
 * The sensor's own storage under stress: a disk that refuses writes (missing or full data directory) must not cost
 * a measurement — seq and queue fall back to memory and catch up once the disk accepts writes again — and the
 * persisted seq and queue survive a restart.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistentQueue } from '../../firmware/egress/queue.ts';
import { FileSeqStore } from '../../firmware/egress/seq-store.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'drukte-storage-'));

describe('sequence number store', () => {
  it('survives a restart and never reuses a number', () => {
    const d = dir();
    const a = new FileSeqStore(join(d, 'seq'));
    expect([a.next(), a.next(), a.next()]).toEqual([1, 2, 3]);
    expect(new FileSeqStore(join(d, 'seq')).next()).toBe(4);
  });

  it('keeps numbering when the disk refuses the write, reports it once, and persists again when it can', () => {
    const d = dir();
    const errors: unknown[] = [];
    const store = new FileSeqStore(join(d, 'gone', 'seq'), (e) => errors.push(e)); // directory missing: writes fail
    expect([store.next(), store.next()]).toEqual([1, 2]);
    expect(store.unpersisted).toBe(true);
    expect(errors).toHaveLength(1);
    mkdirSync(join(d, 'gone'));
    expect(store.next()).toBe(3);
    expect(store.unpersisted).toBe(false);
    expect(readFileSync(join(d, 'gone', 'seq'), 'utf8').trim()).toBe('3');
  });

  it('starts at 1 from a corrupted file', () => {
    const d = dir();
    mkdirSync(join(d, 'x'));
    expect(new FileSeqStore(join(d, 'x')).next()).toBe(1); // a directory where the file should be: unreadable
  });
});

describe('persisted queue', () => {
  it('survives a restart in sequence order and forgets acknowledged entries', () => {
    const d = dir();
    const q = new PersistentQueue(d);
    for (const seq of [3, 1, 2]) q.push(seq, Buffer.from([seq]));
    q.remove(2);
    const again = new PersistentQueue(d);
    expect(again.ordered().map((e) => e.seq)).toEqual([1, 3]);
  });

  it('holds entries in memory while the disk refuses them, then writes them out', () => {
    const d = dir();
    const errors: unknown[] = [];
    const q = new PersistentQueue(join(d, 'q'), 10, (e) => errors.push(e));
    const inner = join(d, 'q');
    // Make the queue directory vanish behind the queue's back: writes fail, nothing is lost.
    readdirSync(inner);
    rmSync(inner, { recursive: true });
    q.push(1, Buffer.from('a'));
    expect(errors.length).toBeGreaterThan(0);
    expect(q.size).toBe(1);
    mkdirSync(inner);
    expect(q.ordered().map((e) => e.seq)).toEqual([1]); // retried to disk on the way
    expect(existsSync(join(inner, '0000000001.cbor'))).toBe(true);
  });

  it('is bounded: when full the oldest entries are dropped and counted', () => {
    const q = new PersistentQueue(dir(), 3);
    for (let seq = 1; seq <= 5; seq++) q.push(seq, Buffer.from([seq]));
    expect(q.ordered().map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(q.dropped).toBe(2);
  });
});
