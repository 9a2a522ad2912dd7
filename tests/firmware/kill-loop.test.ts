/**
 * issue 10, must-have 4 (sensor side): the sensor killed at random moments during its writes, many times, with
 * deterministic seeds. A "kill" is the injected file-system layer (tests/helpers/faulty-fs.ts) cutting the process
 * off at its n-th mutating operation — mid-write (half the bytes land in the temporary file), before a rename, before
 * an unlink — after which nothing more reaches the disk; the sensor then "restarts" on the same data directory.
 * Delivery goes through the gateway's real ingest and SQLite history (handle() = what the broker runs before PUBACK).
 *
 * Checked after every run: no queue entry is ever corrupt (writes are atomic), no seq number is ever used for two
 * different windows, and — once everything is delivered — the history holds every aggregate whose write completed
 * exactly once. (An aggregate being written at the moment of the kill may be lost: like a window still open.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, memorySink } from '../../shared/log.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { encodeSensorPayload } from '../../shared/codec.ts';
import { buildAggregate } from '../../firmware/egress/egress.ts';
import { openSensorStorage } from '../../firmware/sensor.ts';
import { mulberry32 } from '../../simulator/random.ts';
import { sensorInfo, startTestGateway, T0S, type TestGateway } from '../gateway/helpers.ts';
import { FaultyFs } from '../helpers/faulty-fs.ts';

const ID = 'kill-loop';
const RUNS = 6;
const LIFETIMES = 30; // kills per run: 180 kills in all

describe('sensor killed at random moments during its writes', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(Array.from({ length: RUNS }, (_, run) => sensorInfo(`${ID}-${run}`)));
  });
  afterAll(() => t.gw.stop());

  for (let run = 0; run < RUNS; run++) {
    it(`seed ${run}: ${LIFETIMES} kills; every completed aggregate in the history exactly once`, () => {
      const id = `${ID}-${run}`; // a sensor per run: each run is one sensor's life
      const rand = mulberry32(1000 + run);
      const dataDir = mkdtempSync(join(tmpdir(), 'drukte-kill-'));
      const sink = memorySink();
      const logger = createLogger('kill', { destination: sink.stream });
      const windowOf = new Map<number, number>(); // seq → window start: a seq is never reused for another window
      const completed = new Set<number>(); // window starts whose queue write completed
      let window = T0S - 40 * 86_400; // 60 s windows in the past
      let kills = 0;

      const deliver = (storage: ReturnType<typeof openSensorStorage>, fs: FaultyFs | null, max: number) => {
        for (const { seq, bytes } of storage.queue.ordered().slice(0, max)) {
          if (fs?.dead) return;
          const r = t.gw.ingest.handle(aggregateTopic(id), bytes);
          expect(r.ok || r.reason === 'duplicate', `ingest refused seq ${seq}: ${JSON.stringify(r)}`).toBe(true);
          storage.queue.remove(seq); // the PUBACK arrived
        }
      };

      for (let life = 0; life <= LIFETIMES; life++) {
        const last = life === LIFETIMES;
        const fs = new FaultyFs();
        if (!last) fs.killAt = Math.floor(rand() * 40);
        const storage = openSensorStorage(dataDir, id, logger, fs);
        expect(storage.queue.corrupt).toBe(0); // atomic writes: a kill never leaves a corrupt entry behind
        if (!fs.dead) expect([null, 'missing']).toContain(storage.seq.problem); // nor a corrupt seq file
        for (let step = 0; step < 30 && !fs.dead; step++) {
          if (rand() < 0.6) {
            const from = (window += 60); // the window closed; a kill from here on loses its aggregate, not the time
            const seq = storage.seq.next();
            if (fs.dead) break;
            const bytes = encodeSensorPayload('aggregate', buildAggregate(id, seq, { from, to: from + 60, level: 3, count: 12 }));
            expect(windowOf.has(seq), `seq ${seq} reused`).toBe(false);
            windowOf.set(seq, from);
            storage.queue.push(seq, bytes);
            if (fs.dead) break; // killed inside push: this one may or may not have reached the disk
            completed.add(from);
          } else deliver(storage, fs, 1 + Math.floor(rand() * 3));
        }
        if (fs.dead) kills++;
        if (last) deliver(storage, null, Infinity);
      }
      expect(kills).toBe(LIFETIMES);
      const history = t.gw.history.sensorHistory(id, 0, T0S);
      const runHistory = history;
      const froms = runHistory.map((a) => a.from);
      expect(new Set(froms).size).toBe(froms.length); // no window twice
      for (const from of completed) expect(froms, `window ${from} lost`).toContain(from);
      for (const a of runHistory) expect(windowOf.get(a.seq)).toBe(a.from);
      expect(sink.text()).not.toContain('corrupt queue entry');
    });
  }
});

describe('sensor storage process killed with SIGKILL while writing', () => {
  const KILLS = 4;
  it(`${KILLS} real kill -9 at seeded moments: no corrupt file, and numbering never goes back`, async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = fileURLToPath(new URL('./fixtures/storage-writer.ts', import.meta.url));
    const rand = mulberry32(7);
    const dataDir = mkdtempSync(join(tmpdir(), 'drukte-sigkill-'));
    const id = 'sigkill-s1';
    let highestWritten = 0;
    for (let i = 0; i < KILLS; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir, id], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await new Promise<void>((resolve) => child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('started')) resolve();
      }));
      await new Promise((r) => setTimeout(r, 20 + Math.floor(rand() * 200))); // mid-stream, at a seeded moment
      child.kill('SIGKILL');
      await exited;
      for (const m of out.matchAll(/seq (\d+)/g)) highestWritten = Math.max(highestWritten, Number(m[1]));
      const sink = memorySink();
      const storage = openSensorStorage(dataDir, id, createLogger('check', { destination: sink.stream }));
      expect(storage.queue.corrupt).toBe(0);
      expect(storage.seq.problem).toBeNull();
      expect(sink.text()).toBe('');
      expect(storage.seq.next()).toBeGreaterThan(highestWritten); // (this check uses up a number, like a crash would)
    }
    expect(highestWritten).toBeGreaterThan(KILLS); // it did write between kills
  }, 60_000);
});
