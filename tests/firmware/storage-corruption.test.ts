/**
 * issue 10, must-have 3: every file the sensor persists is validated when read. Truncated, empty (zero-length),
 * whitespace-only and garbage files of every kind — queue entries, seq, lifecycle high-water mark, tombstone — and a
 * full disk (ENOSPC from an injected file-system layer). Nothing bad blocks anything good, nothing is silent, and
 * a damaged tombstone never revives an expired sensor. The gateway's own file (SQLite) is refused with a clear error.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { encodeSensorPayload } from '../../shared/codec.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import { validateStatus } from '../../shared/payloads.ts';
import { buildAggregate } from '../../firmware/egress/egress.ts';
import { PersistentQueue } from '../../firmware/egress/queue.ts';
import { DAY_MS } from '../../firmware/lifecycle/expiry.ts';
import { Lifecycle } from '../../firmware/lifecycle/lifecycle.ts';
import { FileLifecycleStore, LIFECYCLE_FILE, TOMBSTONE_FILE } from '../../firmware/lifecycle/store.ts';
import { openSensorStorage, validQueuedAggregate } from '../../firmware/sensor.ts';
import { DatabaseError, DATABASE_FILE, openDatabase } from '../../gateway/store/db.ts';
import { FaultyFs } from '../helpers/faulty-fs.ts';

const ID = 'dam-noord';
const dir = () => mkdtempSync(join(tmpdir(), 'drukte-corrupt-'));
const entry = (seq: number, sensor = ID) => encodeSensorPayload('aggregate', buildAggregate(sensor, seq, { from: 1_750_000_000 + 60 * seq, to: 1_750_000_060 + 60 * seq, level: 1, count: 3 }));
const file = (seq: number) => `${String(seq).padStart(10, '0')}.cbor`;
const logger = () => {
  const sink = memorySink();
  return { sink, logger: createLogger('t', { destination: sink.stream, level: 'debug' }) };
};

/** The ways a file goes bad. */
const DAMAGE: Record<string, (good: Buffer) => Buffer> = {
  'zero-length': () => Buffer.alloc(0),
  truncated: (good) => good.subarray(0, Math.floor(good.length / 2)),
  'one byte': (good) => good.subarray(0, 1),
  garbage: () => Buffer.from('\x00\xff\x13garbage\x00\x00\x9f', 'latin1'),
  whitespace: () => Buffer.from(' \n\t\n'),
  'zeros (a block never written)': (good) => Buffer.alloc(good.length),
};

describe('queue entries', () => {
  for (const [kind, damage] of Object.entries(DAMAGE)) {
    it(`a ${kind} entry is set aside in corrupt/, counted and logged; the entries behind it load`, () => {
      const d = dir();
      const q = join(d, 'queue');
      mkdirSync(q);
      for (const seq of [1, 2, 3]) writeFileSync(join(q, file(seq)), entry(seq));
      writeFileSync(join(q, file(1)), damage(entry(1)));
      const { sink, logger: log } = logger();
      const { queue, seq } = openSensorStorage(d, ID, log);
      expect(queue.ordered().map((e) => e.seq)).toEqual([2, 3]);
      expect(queue.corrupt).toBe(1);
      expect(readdirSync(join(q, 'corrupt'))).toEqual([file(1)]);
      expect(sink.lines().find((l) => String(l.msg).startsWith('corrupt queue entry'))).toMatchObject({ level: 50, file: join('corrupt', file(1)) });
      expect(seq.next()).toBe(4); // no seq file: continues above the queue
      // A restart keeps the count (those in corrupt/ are counted), and the queue stays clean.
      expect(openSensorStorage(d, ID, logger().logger).queue.corrupt).toBe(1);
    });
  }

  it('an entry of another sensor, or with a seq other than its file name, is set aside too', () => {
    expect(validQueuedAggregate(ID, 5, entry(5, 'other-sensor'))).toBe('aggregate of another sensor');
    expect(validQueuedAggregate(ID, 5, entry(6))).toBe('seq differs from the file name');
    expect(validQueuedAggregate(ID, 5, encodeSensorPayload('status', { v: 1, sensor: ID, state: 'offline', expiresAt: '2026-05-31', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64), since: 1_750_000_000 }))).toMatch(/not a valid aggregate/);
    expect(validQueuedAggregate(ID, 5, entry(5))).toBeNull();
  });

  it('left-over temporary files of an interrupted write are removed, never loaded', () => {
    const d = dir();
    writeFileSync(join(d, `${file(7)}.tmp-4242`), entry(7).subarray(0, 5));
    const q = new PersistentQueue(d, { validate: (s, b) => validQueuedAggregate(ID, s, b) });
    expect(q.size).toBe(0);
    expect(readdirSync(d)).toEqual([]);
  });

  it('the corrupt count is a valid Status key (a count only) and anything else in it is refused', () => {
    const base = { v: 1, sensor: ID, state: 'registering', expiresAt: '2026-05-31', firmware: '0.1.0', minimiser: 'a'.repeat(64), bundle: 'b'.repeat(64), since: 1_750_000_000 };
    expect(validateStatus({ ...base, corrupt: 3 }).ok).toBe(true);
    for (const bad of [-1, 1.5, '3', [1], { n: 1 }, 2 ** 32]) expect(validateStatus({ ...base, corrupt: bad }).ok).toBe(false);
  });
});

describe('the seq file', () => {
  const cases: Array<[string, string | Buffer, string]> = [
    ['zero-length', '', 'empty'],
    ['whitespace', ' \n', 'empty'],
    ['garbage', '\x00\x01abc', 'not a number'],
    ['negative', '-5\n', 'not a number'],
    ['fraction', '12.5\n', 'not a number'],
    ['out of range', '99999999999\n', 'not a number'],
    ['above uint32', '4294967296\n', 'out of range'],
  ];
  for (const [kind, content, problem] of cases) {
    it(`${kind}: an error in the log (not a silent 0), numbering continues above the queue`, () => {
      const d = dir();
      mkdirSync(join(d, 'queue'));
      for (const seq of [41, 42]) writeFileSync(join(d, 'queue', file(seq)), entry(seq));
      writeFileSync(join(d, 'seq'), content);
      const { sink, logger: log } = logger();
      const { seq } = openSensorStorage(d, ID, log);
      expect(seq.problem).toBe(problem);
      expect(sink.lines().find((l) => String(l.msg).startsWith('the seq file is corrupt'))).toMatchObject({ level: 50, problem, continueAfter: 42 });
      expect(seq.next()).toBe(43);
      expect(readFileSync(join(d, 'seq'), 'utf8')).toBe('43\n'); // repaired by the next write
    });
  }

  it('a seq file behind the queue (restored from an old backup) never makes the sensor reuse a queued number', () => {
    const d = dir();
    mkdirSync(join(d, 'queue'));
    writeFileSync(join(d, 'queue', file(100)), entry(100));
    writeFileSync(join(d, 'seq'), '7\n');
    expect(openSensorStorage(d, ID, logger().logger).seq.next()).toBe(101);
  });

  it('a missing seq file on a first start is normal: no error', () => {
    const d = dir();
    const { sink, logger: log } = logger();
    expect(openSensorStorage(d, ID, log).seq.next()).toBe(1);
    expect(sink.lines().filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});

describe('a full disk (ENOSPC from the file-system layer)', () => {
  it('seq and queue keep working in memory, say so once, and catch up when space is back; nothing is lost', () => {
    const d = dir();
    const fs = new FaultyFs();
    const { sink, logger: log } = logger();
    const { queue, seq } = openSensorStorage(d, ID, log, fs);
    fs.full = 'ENOSPC';
    for (let i = 0; i < 3; i++) {
      const n = seq.next();
      queue.push(n, entry(n));
    }
    expect(queue.ordered().map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(seq.unpersisted).toBe(true);
    expect(sink.text()).toContain('the disk is full');
    expect(readdirSync(join(d, 'queue'))).toEqual([]);
    fs.full = null;
    expect(queue.ordered().map((e) => e.seq)).toEqual([1, 2, 3]); // written out on the way
    expect(readdirSync(join(d, 'queue')).sort()).toEqual([file(1), file(2), file(3)]);
    expect(seq.next()).toBe(4);
    const again = openSensorStorage(d, ID, logger().logger);
    expect(again.queue.ordered().map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(again.seq.next()).toBe(5);
  });

  it('the lifecycle keeps its expiry when the high-water mark or tombstone cannot be written', () => {
    const d = dir();
    const fs = new FaultyFs();
    fs.full = 'ENOSPC';
    const clock = new ManualClock(Date.parse('2026-07-02T00:00:00Z'));
    const { sink, logger: log } = logger();
    const lc = new Lifecycle({ sensorId: ID, expiresAt: '2026-06-30', builtAtMs: Date.parse('2026-01-10T00:00:00Z'), clock, store: new FileLifecycleStore(d, fs), logger: log });
    expect(lc.phase).toBe('expired');
    expect(sink.text()).toContain('cannot write the tombstone');
    expect(existsSync(join(d, TOMBSTONE_FILE))).toBe(false);
  });
});

describe('lifecycle files', () => {
  const BUILT = Date.parse('2026-01-10T09:00:00Z');
  const start = (d: string, wall: number) => new Lifecycle({ sensorId: ID, expiresAt: '2026-06-30', builtAtMs: BUILT, clock: new ManualClock(wall), store: new FileLifecycleStore(d) });

  for (const [kind, damage] of Object.entries(DAMAGE)) {
    it(`a ${kind} tombstone still means expired, whatever the clock says`, () => {
      const d = dir();
      start(d, Date.parse('2026-07-02T00:00:00Z')); // expires: writes the tombstone
      writeFileSync(join(d, TOMBSTONE_FILE), damage(readFileSync(join(d, TOMBSTONE_FILE))));
      writeFileSync(join(d, LIFECYCLE_FILE), damage(readFileSync(join(d, LIFECYCLE_FILE))));
      expect(start(d, BUILT + DAY_MS).phase).toBe('expired'); // clock set back to before the expiry: still expired
    });

    it(`a ${kind} high-water mark falls back to the build time (said in the log), and a tombstone-less expired sensor still expires by its compiled-in date`, () => {
      const d = dir();
      start(d, BUILT + DAY_MS);
      writeFileSync(join(d, LIFECYCLE_FILE), damage(readFileSync(join(d, LIFECYCLE_FILE))));
      const { sink, logger: log } = logger();
      const lc = new Lifecycle({ sensorId: ID, expiresAt: '2026-06-30', builtAtMs: BUILT, clock: new ManualClock(Date.parse('2026-07-05T00:00:00Z')), store: new FileLifecycleStore(d), logger: log });
      expect(lc.phase).toBe('expired');
      expect(sink.text()).toContain('no readable time high-water mark');
    });
  }
});

describe("the gateway's database file", () => {
  it('a garbage or truncated SQLite file is refused at start with a clear error; a zero-length one starts empty', () => {
    for (const damage of ['garbage', 'truncated'] as const) {
      const d = dir();
      openDatabase(d).close();
      const path = join(d, DATABASE_FILE);
      const good = readFileSync(path);
      writeFileSync(path, damage === 'garbage' ? Buffer.from('this is not a database, just some text that is long enough to be read'.repeat(20)) : good.subarray(0, 1000));
      expect(() => openDatabase(d)).toThrow(DatabaseError);
      expect(() => openDatabase(d)).toThrow(/damaged or not a SQLite database|cannot prepare/);
    }
    const d = dir();
    writeFileSync(join(d, DATABASE_FILE), '');
    const db = openDatabase(d);
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    db.close();
  });
});
