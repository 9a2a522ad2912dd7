/**
 * The lifecycle state machine against every way of bending time we know of, with a manual clock (no sleeping) and
 * the real files in a temporary data directory. A "restart" is a new Lifecycle on the same directory with a new
 * clock whose monotonic time starts again at 0, as after a reboot.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { createLogger, memorySink } from '../../shared/log.ts';
import { expiryEndSeconds } from '../../gateway/register.ts';
import { DAY_MS, daysLeft, expiryEndMs, phaseAt } from '../../firmware/lifecycle/expiry.ts';
import { DataDirMismatch, Lifecycle, LifecycleRefused } from '../../firmware/lifecycle/lifecycle.ts';
import { FileLifecycleStore, LIFECYCLE_FILE, MemoryLifecycleStore, TOMBSTONE_FILE } from '../../firmware/lifecycle/store.ts';

const BUILT = Date.parse('2026-01-10T09:00:00Z');
const EXPIRES = '2026-06-30';
const END = Date.parse('2026-07-01T00:00:00Z');
const MIN = 60_000;

function setup(start = BUILT + DAY_MS, dir = mkdtempSync(join(tmpdir(), 'drukte-lc-'))) {
  const clock = new ManualClock(start);
  const store = new FileLifecycleStore(dir);
  const lc = new Lifecycle({ sensorId: 'dam-noord', expiresAt: EXPIRES, builtAtMs: BUILT, clock, store });
  return { dir, clock, store, lc };
}

/** Same data directory, a fresh process: new monotonic origin, wall clock wherever someone set it. */
function restart(dir: string, wallMs: number, sensorId = 'dam-noord') {
  const clock = new ManualClock(wallMs);
  return { clock, lc: new Lifecycle({ sensorId, expiresAt: EXPIRES, builtAtMs: BUILT, clock, store: new FileLifecycleStore(dir) }) };
}

describe('the expiry rule', () => {
  it('ends at the end of the expiry day (UTC), exactly as the gateway counts it', () => {
    expect(expiryEndMs(EXPIRES)).toBe(END);
    // One rule (shared/expiry.ts): the gateway's end of the expiry day is the firmware's, in seconds.
    expect(expiryEndSeconds({ expiresAt: EXPIRES }) * 1000).toBe(END);
    expect(expiryEndSeconds({ expiresAt: '2028-02-29' })).toBe(Date.parse('2028-03-01T00:00:00Z') / 1000);
  });

  it('is expiring from 30 days before the end, expired from the end', () => {
    expect(phaseAt(END - 30 * DAY_MS - 1, EXPIRES)).toBe('active');
    expect(phaseAt(END - 30 * DAY_MS, EXPIRES)).toBe('expiring');
    expect(phaseAt(END - 1, EXPIRES)).toBe('expiring');
    expect(phaseAt(END, EXPIRES)).toBe('expired');
    expect(daysLeft(END - 1, EXPIRES)).toBe(0);
    expect(daysLeft(END - DAY_MS - 1, EXPIRES)).toBe(1);
  });
});

describe('lifecycle: time only moves forward', () => {
  it('goes active → expiring → expired with the clock, tells its listeners once each and writes a tombstone', () => {
    const { clock, lc, dir } = setup(END - 31 * DAY_MS);
    const seen: string[] = [];
    lc.onPhase((p, prev) => seen.push(`${prev}→${p}`));
    expect(lc.check()).toBe('active');
    clock.advance(DAY_MS);
    expect(lc.check()).toBe('expiring');
    clock.advance(30 * DAY_MS);
    expect(lc.check()).toBe('expired');
    expect(lc.check()).toBe('expired');
    expect(seen).toEqual(['active→expiring', 'expiring→expired']);
    expect(JSON.parse(readFileSync(join(dir, TOMBSTONE_FILE), 'utf8'))).toMatchObject({ sensor: 'dam-noord', expiresAt: EXPIRES, at: END });
  });

  it('clock set back before expiry, while running: monotonic time keeps counting to the same expiry', () => {
    const { clock, lc } = setup(END - 10 * DAY_MS);
    expect(lc.check()).toBe('expiring');
    clock.setWall(END - 400 * DAY_MS);
    expect(lc.check()).toBe('expiring');
    expect(lc.now()).toBe(END - 10 * DAY_MS);
    clock.advance(10 * DAY_MS - 1);
    expect(lc.check()).toBe('expiring');
    clock.advance(1);
    expect(lc.check()).toBe('expired');
  });

  it('clock set back after expiry, while running: stays expired', () => {
    const { clock, lc } = setup(END + MIN);
    expect(lc.check()).toBe('expired');
    clock.setWall(BUILT);
    expect(lc.check()).toBe('expired');
  });

  it('the effective clock never runs backwards, whatever the wall clock does', () => {
    const { clock, lc } = setup();
    let last = lc.clock.now();
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 400 * DAY_MS })), { maxLength: 50 }), (steps) => {
      for (const [jump, ms] of steps) {
        if (jump) clock.setWall(BUILT - DAY_MS + ms);
        else clock.advance(ms % DAY_MS);
        const now = lc.clock.now();
        expect(now).toBeGreaterThanOrEqual(last);
        last = now;
      }
    }));
  });
});

describe('lifecycle across restarts', () => {
  it('restart after expiry with the clock set back a year: still expired (tombstone), and listeners are not needed', () => {
    const { clock, lc, dir } = setup(END - MIN);
    clock.advance(MIN);
    expect(lc.check()).toBe('expired');
    const again = restart(dir, END - 365 * DAY_MS).lc;
    expect(again.tombstoned).toBe(true);
    expect(again.phaseAtStart).toBe('expired');
    expect(again.check()).toBe('expired');
  });

  it('restart before expiry with the clock set back: continues from the high-water mark, not from the wall clock', () => {
    const { clock, lc, dir } = setup(END - 40 * DAY_MS);
    clock.advance(20 * DAY_MS); // monotonic time advances the mark; written at least every minute
    lc.check();
    const { lc: again, clock: c2 } = restart(dir, BUILT - 100 * DAY_MS);
    expect(again.now()).toBe(END - 20 * DAY_MS);
    expect(again.check()).toBe('expiring');
    c2.advance(20 * DAY_MS);
    expect(again.check()).toBe('expired');
  });

  it('the high-water mark is written every minute of running and at each phase change, not more often', () => {
    const clock = new ManualClock(END - 30 * DAY_MS - 30_000);
    const store = new MemoryLifecycleStore();
    const lc = new Lifecycle({ sensorId: 'dam-noord', expiresAt: EXPIRES, builtAtMs: BUILT, clock, store });
    expect(store.writes).toBe(1); // at start
    for (let i = 0; i < 59; i++) {
      clock.advance(1000);
      lc.check();
    }
    expect(store.writes).toBe(2); // the phase change at +30 s
    clock.advance(60_000);
    lc.check();
    expect(store.writes).toBe(3);
    expect(store.record).toEqual({ sensor: 'dam-noord', highWaterMs: END - 30 * DAY_MS + 89_000 });
  });

  it('tombstone present: expired, whatever the clocks and the high-water mark say; an unreadable one too', () => {
    const { dir } = setup();
    writeFileSync(join(dir, TOMBSTONE_FILE), 'garbage');
    rmSync(join(dir, LIFECYCLE_FILE));
    const { lc } = restart(dir, BUILT);
    expect(lc.phaseAtStart).toBe('expired');
    expect(lc.check()).toBe('expired');
  });

  it.each([
    ['deleted', (p: string) => rmSync(p)],
    ['corrupted', (p: string) => writeFileSync(p, '{"v":1,"sensor":"dam-noord","highWaterMs":"later"')],
    ['set far back', (p: string) => writeFileSync(p, JSON.stringify({ v: 1, sensor: 'dam-noord', highWaterMs: 1_600_000_000_000 }))],
  ])('high-water mark %s: falls back to the build time, never earlier', (_what, tamper) => {
    const { dir } = setup(END - 5 * DAY_MS);
    tamper(join(dir, LIFECYCLE_FILE));
    const { lc } = restart(dir, BUILT - 500 * DAY_MS);
    expect(lc.now()).toBe(BUILT);
    expect(lc.check()).toBe('active');
    expect(JSON.parse(readFileSync(join(dir, LIFECYCLE_FILE), 'utf8'))).toEqual({ v: 1, sensor: 'dam-noord', highWaterMs: BUILT });
  });

  it('a data directory of another sensor is refused (high-water mark or tombstone)', () => {
    const { dir } = setup();
    expect(() => restart(dir, BUILT, 'other-sensor')).toThrow(DataDirMismatch);
    rmSync(join(dir, LIFECYCLE_FILE));
    writeFileSync(join(dir, TOMBSTONE_FILE), JSON.stringify({ v: 1, sensor: 'dam-noord', expiresAt: EXPIRES, at: END }));
    expect(() => restart(dir, BUILT, 'other-sensor')).toThrow(/belongs to sensor 'dam-noord'/);
  });

  it('refuses an identity with an expiry more than 2 years after its build, or no date at all', () => {
    const clock = new ManualClock(BUILT);
    const make = (expiresAt: string) => new Lifecycle({ sensorId: 'dam-noord', expiresAt, builtAtMs: BUILT, clock, store: new MemoryLifecycleStore() });
    expect(() => make('2028-01-12')).toThrow(LifecycleRefused); // 731 days, the manifest's bound
    expect(() => make('2026-02-30')).toThrow(LifecycleRefused);
    expect(make('2028-01-11').phase).toBe('active');
  });

  it('a full disk does not stop the expiry: the sensor still expires in memory', () => {
    const clock = new ManualClock(END - MIN);
    const store = new MemoryLifecycleStore();
    const lc = new Lifecycle({ sensorId: 'dam-noord', expiresAt: EXPIRES, builtAtMs: BUILT, clock, store });
    store.fail = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    clock.advance(MIN);
    expect(lc.check()).toBe('expired');
  });

  it('environment variables have no say (identity and expiry come only from the compiled-in bundle)', () => {
    process.env.DRUKTE_EXPIRES_AT = '2099-12-31';
    process.env.DRUKTE_NOW = '2020-01-01T00:00:00Z';
    try {
      const { lc, dir } = setup(END);
      expect(lc.check()).toBe('expired');
      expect(existsSync(join(dir, TOMBSTONE_FILE))).toBe(true);
    } finally {
      delete process.env.DRUKTE_EXPIRES_AT;
      delete process.env.DRUKTE_NOW;
    }
  });
});

describe('what the first start says', () => {
  const start = (dir: string) => {
    const sink = memorySink();
    new Lifecycle({ sensorId: 'dam-noord', expiresAt: EXPIRES, builtAtMs: BUILT, clock: new ManualClock(BUILT + MIN), store: new FileLifecycleStore(dir), logger: createLogger('t', { destination: sink.stream }) });
    return sink.lines().filter((l) => String(l.msg).includes('high-water mark')).map((l) => ({ level: l.level, msg: l.msg }));
  };

  it('a missing high-water mark on a first start is an info line; an unreadable one is a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drukte-lc-first-'));
    expect(start(dir)).toEqual([{ level: 30, msg: 'first start in this data directory: the time high-water mark starts at the bundle build time' }]);
    writeFileSync(join(dir, LIFECYCLE_FILE), '{ not json');
    expect(start(dir)).toEqual([{ level: 40, msg: 'no readable time high-water mark in the data directory; starting from the bundle build time' }]);
  });
});
