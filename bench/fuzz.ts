/**
 * Fuzzing: `node --import tsx bench/fuzz.ts [--target parsers|gateway|all] [--frames N] [--seed S] [--driver D]
 *   [--packets N] [--seconds S]`. Target `gateway` (bench/fuzz-gateway.ts): ≥ N (default 100,000) malformed MQTT
 * packets and payloads against a real gateway on loopback, bounded by S seconds (default 180), with an honest sensor
 * delivering throughout. Target `parsers`, below. Default: all.
 *
 * Mutation fuzzing of the serial parsers:
 *
 * For each driver (ld2450, ti-people, ld2410) it builds a pool of valid frames with the simulator's encoders, then
 * pushes N mutated frames (default 1,000,000 per driver) through the parser's decoder core, in batches of a few
 * thousand frames fed in random chunk sizes: bit flips, byte inserts and deletes, truncation, splices of two frames,
 * smashed header/length fields, garbage and zero runs between frames, and clean frames. Every 16th batch goes through
 * the Transform stream (createReportParser) instead, so the wrapper is covered too; every 8th is fed in 1–8 byte
 * chunks to a fresh decoder and compared with the same batch decoded in one piece.
 *
 * Checked: no exception escapes (push, end, stream 'error'); every event is well formed (a RawFrame with finite, sane
 * positions or occupancy 0/1; fixed noise text; u16 ACK words); the pending buffer stays within its bound; chunking
 * does not change the reports and ACKs (nor the number of noise events).
 * Prints a table per driver and exits 1 if anything escaped or broke an invariant. Deterministic for a given seed.
 */
import { parseArgs } from 'node:util';
import { createReportParser, type DriverEvent } from '../hardware/drivers.ts';
import { RawFrame } from '../hardware/frame.ts';
import { Ld2410Decoder, maxPendingBytes as ld2410MaxPending, NOISE_ZERO_RUN_REASON as LD2410_NOISE } from '../hardware/ld2410/decoder.ts';
import { Ld2450Decoder, NOISE_ZERO_RUN_REASON as LD2450_NOISE } from '../hardware/ld2450/decoder.ts';
import { NOISE_ZERO_RUN_REASON as TI_NOISE, TiPeopleDecoder } from '../hardware/ti-people/decoder.ts';
import type { DriverName } from '../shared/manifest.ts';
import { encodeLd2410Ack, encodeLd2410Report } from '../simulator/encoders/ld2410.ts';
import { encodeLd2450Ack, encodeLd2450Report } from '../simulator/encoders/ld2450.ts';
import { encodeTiFrame, encodeTiPacket } from '../simulator/encoders/ti-people.ts';
import { mulberry32 } from '../simulator/random.ts';
import { fuzzGateway } from './fuzz-gateway.ts';

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1)); // inclusive
const pick = <T>(r: Rand, a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;

interface Core {
  push(chunk: Uint8Array): DriverEvent[];
  end(): DriverEvent[];
  readonly pendingBytes: number;
}

interface FuzzDriver {
  name: DriverName;
  pool(r: Rand): Buffer[];
  core(): Core;
  maxPending: number;
  /** A description of what is wrong with the event, or null. */
  check(e: DriverEvent): string | null;
}

const finiteWithin = (v: number, limit: number): boolean => Number.isFinite(v) && Math.abs(v) <= limit;
const checkAck = (e: Extract<DriverEvent, { type: 'ack' }>): string | null =>
  Number.isInteger(e.command) && e.command >= 0 && e.command <= 0xffff && Buffer.isBuffer(e.data) ? null : 'malformed ack';
const checkTargets = (frame: RawFrame, max: number, limitMm: number): string | null => {
  const t = frame.targets;
  if (!(frame instanceof RawFrame) || t === null || t.length > max) return 'malformed target frame';
  return t.every((p) => finiteWithin(p.xMm, limitMm) && finiteWithin(p.yMm, limitMm)) ? null : 'target out of range';
};

const DRIVERS: FuzzDriver[] = [
  {
    name: 'ld2450',
    pool: (r) => Array.from({ length: 96 }, (_, i) =>
      i % 8 === 7
        ? encodeLd2450Ack(int(r, 0, 0xff), int(r, 0, 1), Uint8Array.from({ length: int(r, 0, 20) }, () => int(r, 0, 255)))
        : encodeLd2450Report(Array.from({ length: int(r, 0, 3) }, () => ({ xMm: int(r, -6000, 6000), yMm: int(r, 0, 6000), speedCmS: int(r, -300, 300) })))),
    core: () => new Ld2450Decoder(),
    maxPending: 64 + 10,
    check: (e) => (e.type === 'report' ? checkTargets(e.frame, 3, 32767) : e.type === 'ack' ? checkAck(e) : e.reason === LD2450_NOISE ? null : 'noise text'),
  },
  {
    name: 'ti-people',
    pool: (r) => Array.from({ length: 96 }, (_, i) => {
      const layout = i % 3 === 2 ? 'legacy' : 'sdk';
      if (i % 16 === 15) return encodeTiPacket([{ type: int(r, 1, 9), payload: new Uint8Array(int(r, 0, 300)) }, { type: 1, payload: new Uint8Array(48) }], { layout });
      const targets = Array.from({ length: int(r, 0, 4) }, (_, tid) => ({ tid, posX: r() * 12 - 6, posY: r() * 10 }));
      const points = Array.from({ length: int(r, 0, 16) }, () => ({ rangeM: r() * 10, azimuthRad: r() - 0.5, elevationRad: r() * 0.2, dopplerMS: r() - 0.5, snr: r() * 20 }));
      return encodeTiFrame({ layout, frameNumber: i, targets, points, ...(targets.length ? { targetIndex: points.map(() => 255) } : {}) });
    }),
    core: () => new TiPeopleDecoder(),
    maxPending: 65536,
    check: (e) => (e.type === 'report' ? checkTargets(e.frame, 65536 / 112, 1_000_000) : e.type === 'noise' && e.reason === TI_NOISE ? null : 'unexpected event'),
  },
  {
    name: 'ld2410',
    pool: (r) => Array.from({ length: 96 }, (_, i) => {
      if (i % 8 === 7) return encodeLd2410Ack(int(r, 0, 0xff), int(r, 0, 1), Uint8Array.from({ length: int(r, 0, 24) }, () => int(r, 0, 255)));
      const report = { state: int(r, 0, 3), movingDistanceCm: int(r, 0, 700), movingEnergy: int(r, 0, 100), staticDistanceCm: int(r, 0, 700), staticEnergy: int(r, 0, 100) };
      const gates = (): number[] => Array.from({ length: int(r, 1, 9) }, () => int(r, 0, 100));
      return i % 4 === 3 ? encodeLd2410Report(report, { movingGateEnergy: gates(), staticGateEnergy: gates(), light: int(r, 0, 255) }) : encodeLd2410Report(report);
    }),
    core: () => new Ld2410Decoder(),
    maxPending: ld2410MaxPending(),
    check: (e) =>
      e.type === 'report'
        ? e.frame instanceof RawFrame && e.frame.targets === null && (e.frame.occupancy === 0 || e.frame.occupancy === 1) ? null : 'occupancy not 0/1'
        : e.type === 'ack' ? checkAck(e) : e.reason === LD2410_NOISE ? null : 'noise text',
  },
];

/** Write one mutated copy of a pool frame into out at `at`; returns the bytes written. */
function mutate(r: Rand, pool: readonly Buffer[], out: Buffer, at: number): number {
  const src = pick(r, pool);
  const kind = r();
  if (kind < 0.25) return src.copy(out, at); // clean
  if (kind < 0.4) {
    const n = src.copy(out, at);
    for (let k = int(r, 1, 4); k > 0; k--) out[at + int(r, 0, n - 1)]! ^= 1 << int(r, 0, 7);
    return n;
  }
  if (kind < 0.5) { // insert 1–3 random bytes
    const p = int(r, 0, src.length);
    let n = src.copy(out, at, 0, p);
    for (let k = int(r, 1, 3); k > 0; k--) out[at + n++] = int(r, 0, 255);
    return n + src.copy(out, at + n, p);
  }
  if (kind < 0.6) { // delete 1–3 bytes
    const p = int(r, 0, src.length - 1);
    return src.copy(out, at, 0, p) + src.copy(out, at + p, Math.min(src.length, p + int(r, 1, 3)));
  }
  if (kind < 0.7) return src.copy(out, at, 0, int(r, 0, src.length - 1)); // truncate
  if (kind < 0.8) { // splice: the head of one frame, the tail of another
    const other = pick(r, pool);
    const n = src.copy(out, at, 0, int(r, 0, src.length));
    return n + other.copy(out, at + n, int(r, 0, other.length));
  }
  if (kind < 0.92) { // smash a header / length field with a random or extreme value
    const n = src.copy(out, at);
    const p = at + (r() < 0.7 ? int(r, 0, Math.min(47, n - 1)) : int(r, 0, n - 1));
    const v = pick(r, [0, 0xff, 0xffff, 0x7fffffff, 0xffffffff, int(r, 0, 0xffffffff), int(r, 0, 70000)]);
    for (let b = 0; b < 4 && p + b < at + n; b++) out[p + b] = (v >>> (8 * b)) & 0xff;
    return n;
  }
  // Garbage (or, rarely, a long zero run: the wrong-baud symptom) before a clean frame.
  const g = r() < 0.1 ? int(r, 60, 200) : int(r, 1, 40);
  const zero = g >= 60;
  for (let k = 0; k < g; k++) out[at + k] = zero ? 0 : int(r, 0, 255);
  return g + src.copy(out, at + g);
}

/** Reports (size), ACKs (command) in order, and the number of noise events. */
const fingerprint = (events: readonly DriverEvent[]): string =>
  `${events.map((e) => (e.type === 'report' ? e.frame.size : e.type === 'ack' ? `a${e.command}` : '')).filter(Boolean).join(',')}|${events.filter((e) => e.type === 'noise').length}`;

/** Decode chunks with a fresh decoder to the end; exceptions are counted. */
function runFresh(d: FuzzDriver, chunks: readonly Uint8Array[], res: Result, problem: (what: string) => void): DriverEvent[] {
  const core = d.core();
  const events: DriverEvent[] = [];
  try {
    for (const c of chunks) events.push(...core.push(c));
    events.push(...core.end());
  } catch (err) {
    res.exceptions++;
    problem(`push threw: ${(err as Error).message}`);
  }
  return events;
}

interface Result { frames: number; bytes: number; reports: number; acks: number; noise: number; exceptions: number; violations: number; ms: number; firstProblem: string | null }

async function fuzz(d: FuzzDriver, frames: number, seed: number): Promise<Result> {
  const r = mulberry32(seed);
  const pool = d.pool(r);
  const longest = Math.max(...pool.map((p) => p.length));
  const BATCH = 4096;
  const out = Buffer.alloc(BATCH * (longest + 4) + 256 * BATCH);
  const res: Result = { frames: 0, bytes: 0, reports: 0, acks: 0, noise: 0, exceptions: 0, violations: 0, ms: 0, firstProblem: null };
  const problem = (what: string): void => {
    res.firstProblem ??= what;
  };
  const tally = (events: readonly DriverEvent[]): void => {
    for (const e of events) {
      if (e.type === 'report') res.reports++;
      else if (e.type === 'ack') res.acks++;
      else res.noise++;
      const bad = d.check(e);
      if (bad) {
        res.violations++;
        problem(bad);
      }
    }
  };
  const started = performance.now();
  let core = d.core();
  for (let batch = 0; res.frames < frames; batch++) {
    const n = Math.min(BATCH, frames - res.frames);
    let len = 0;
    for (let k = 0; k < n; k++) len += mutate(r, pool, out, len);
    res.frames += n;
    res.bytes += len;
    const fine = batch % 8 === 4;
    const chunks: Buffer[] = [];
    for (let p = 0; p < len;) {
      const size = fine ? int(r, 1, 8) : r() < 0.3 ? int(r, 1, 64) : int(r, 65, 65536);
      chunks.push(out.subarray(p, Math.min(len, p + size)));
      p += size;
    }
    if (fine) {
      const inPieces = runFresh(d, chunks, res, problem);
      const inOne = runFresh(d, [out.subarray(0, len)], res, problem);
      tally(inPieces);
      if (fingerprint(inPieces) !== fingerprint(inOne)) {
        res.violations++;
        problem('chunking changed the events');
      }
      continue;
    }
    if (batch % 16 === 15) {
      const parser = createReportParser(d.name);
      const events: DriverEvent[] = [];
      parser.on('data', (e: DriverEvent) => events.push(e));
      const done = new Promise<void>((resolve) => {
        parser.on('end', resolve);
        parser.on('error', (err: Error) => {
          res.exceptions++;
          problem(`stream error: ${err.message}`);
          resolve();
        });
      });
      for (const c of chunks) parser.write(Buffer.from(c)); // the batch buffer is reused: hand the stream copies
      parser.end();
      await done;
      tally(events);
      continue;
    }
    for (const c of chunks) {
      try {
        tally(core.push(c));
      } catch (err) {
        res.exceptions++;
        problem(`push threw: ${(err as Error).message}`);
      }
      if (core.pendingBytes > d.maxPending) {
        res.violations++;
        problem(`pending ${core.pendingBytes} > ${d.maxPending}`);
      }
    }
    if (batch % 64 === 63) {
      try {
        tally(core.end());
      } catch (err) {
        res.exceptions++;
        problem(`end threw: ${(err as Error).message}`);
      }
      core = d.core();
    }
  }
  try {
    tally(core.end());
  } catch (err) {
    res.exceptions++;
    problem(`end threw: ${(err as Error).message}`);
  }
  res.ms = performance.now() - started;
  return res;
}

async function gatewayTarget(packets: number, seed: number, seconds: number): Promise<number> {
  process.stdout.write(`fuzz: gateway on loopback, ≥ ${packets.toLocaleString('en')} malformed packets (at most ${seconds} s), seed ${seed}\n`);
  const x = await fuzzGateway({ packets, seed, maxSeconds: seconds });
  const h = x.honest;
  const lines = [
    `packets sent          ${x.packets.toLocaleString('en')} in ${x.connections.toLocaleString('en')} connections, ${(x.ms / 1000).toFixed(1)} s`,
    `crashes               ${x.crashes}`,
    `RSS                   ${x.rssBeforeMiB.toFixed(1)} MiB before, ${x.rssAfterMiB.toFixed(1)} MiB after`,
    `JS heap after GC      ${x.heapBeforeMiB.toFixed(1)} MiB before, ${x.heapAfterMiB.toFixed(1)} MiB after${globalThis.gc ? '' : ' (run with node --expose-gc for a GC first)'}`,
    `honest sensor         ${h.published} published, ${h.acked} acknowledged, ${h.inHistory} in the history; ${h.secondsWithoutAck} of ${h.seconds} s without a PUBACK`,
    `publishes refused     ${JSON.stringify(x.refused)}`,
    `CONNECTs refused      ${JSON.stringify(x.connectionsRefused)}`,
    `closed by limits      ${JSON.stringify(x.closedByLimits)}`,
    `fuzz logins           ${JSON.stringify(x.logins)}`,
  ];
  const ok = x.crashes === 0 && x.packets >= packets && h.inHistory === h.published && h.acked >= h.published && h.secondsWithoutAck === 0;
  process.stdout.write(`${lines.join('\n')}\n\n${ok ? 'OK: no crash, the honest sensor delivered throughout, every aggregate stored once' : 'FAIL: see above'}\n`);
  return ok ? 0 : 1;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { frames: { type: 'string' }, seed: { type: 'string' }, driver: { type: 'string' }, target: { type: 'string' }, packets: { type: 'string' }, seconds: { type: 'string' } } });
  const frames = values.frames === undefined ? 1_000_000 : Number(values.frames);
  const seed = values.seed === undefined ? 20250101 : Number(values.seed);
  const target = values.target ?? 'all';
  const packets = values.packets === undefined ? 100_000 : Number(values.packets);
  const seconds = values.seconds === undefined ? 180 : Number(values.seconds);
  if (!Number.isInteger(frames) || frames < 1 || !Number.isInteger(seed) || !['parsers', 'gateway', 'all'].includes(target) || !(packets >= 1) || !(seconds > 0)) {
    process.stderr.write('usage: node --import tsx bench/fuzz.ts [--target parsers|gateway|all] [--frames N] [--seed S] [--driver ld2450|ti-people|ld2410] [--packets N] [--seconds S]\n');
    return 2;
  }
  if (target === 'gateway') return gatewayTarget(packets, seed, seconds);
  const parsers = await parserTarget(frames, seed, values.driver);
  if (target === 'parsers') return parsers;
  process.stdout.write('\n');
  return Math.max(parsers, await gatewayTarget(packets, seed, seconds));
}

async function parserTarget(frames: number, seed: number, driver: string | undefined): Promise<number> {
  const values = { driver };
  const chosen = DRIVERS.filter((d) => values.driver === undefined || d.name === values.driver);
  if (chosen.length === 0) {
    process.stderr.write(`fuzz: unknown driver '${values.driver}'\n`);
    return 2;
  }
  process.stdout.write(`fuzz: ${frames.toLocaleString('en')} mutated frames per driver, seed ${seed}\n\n`);
  const head = ['driver', 'frames', 'MiB', 'reports', 'acks', 'noise', 'exceptions', 'violations', 'time s'];
  const rows: string[][] = [];
  let failed = false;
  for (const d of chosen) {
    const x = await fuzz(d, frames, seed);
    rows.push([d.name, x.frames.toLocaleString('en'), (x.bytes / 2 ** 20).toFixed(1), String(x.reports), String(x.acks), String(x.noise), String(x.exceptions), String(x.violations), (x.ms / 1000).toFixed(1)]);
    if (x.exceptions || x.violations) {
      failed = true;
      process.stderr.write(`fuzz: ${d.name}: first problem: ${x.firstProblem}\n`);
    }
  }
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(width[i] ?? 0) : c.padStart(width[i] ?? 0))).join('  ');
  process.stdout.write(`${[line(head), ...rows.map(line)].join('\n')}\n\n${failed ? 'FAIL: exceptions or invariant violations' : 'OK: no exception escaped, every event well formed'}\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
