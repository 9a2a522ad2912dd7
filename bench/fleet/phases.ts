/**
 * The fleet benchmark's phases, each on a fresh target (bench/fleet/run.ts runs them, each within its time limit):
 *   throughput  connect N sensors at once; stored aggregates/s from N sensors (8 in flight each) and from one
 *               sensor (64 in flight), each a median of `rounds`; publish → subscriber latency
 *   memory      RSS per idle connection at N and at BIG connections (opened in batches)
 *   storm       S sensors connected; the target is killed and started again (same port; the gateway on the same
 *               data directory); time until every sensor is back, each reconnecting with the firmware's backoff
 * Rates of the gateway count rows in its SQLite history (what is stored), not PUBACKs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ask, cpuMsOfPid, mainThreadCpuMs, isGateway, slices, startLoaders, startTarget, type Kind, type Target } from './procs.ts';

export interface Sizes {
  sensors: number;
  big: number;
  loaders: number;
  rounds: number;
  perSensor: number;
  single: number;
  profileDir?: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

/** Rows in the gateway's history (read-only, beside the running gateway: WAL readers see every commit). */
function storedRows(dir: string): number {
  const db = new Database(join(dir, 'drukte.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM aggregates').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function setUp(kind: Kind, sensors: number, loaderCount: number, cleanup: Array<() => unknown>, profileDir?: string) {
  const dir = mkdtempSync(join(tmpdir(), `drukte-bench-${kind}-`));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const t = { current: await startTarget({ kind, dir, sensors, ...(profileDir ? { profileDir } : {}) }) };
  cleanup.unshift(() => t.current.kill());
  const loaders = await startLoaders(loaderCount);
  cleanup.unshift(() => loaders.forEach((l) => l.kill('SIGKILL')));
  return { dir, t, loaders };
}

/** Connect sensors from…to spread over the loaders; the time until the last CONNACK. */
async function connect(loaders: ChildProcess[], target: Target, from: number, to: number, auth: boolean, batch: number): Promise<{ ms: number; failed: number }> {
  const start = performance.now();
  const r = await Promise.all(slices(from, to, loaders.length).map(([a, b], i) => ask<{ failed: number }>(loaders[i]!, { cmd: 'connect', port: target.port, from: a, to: b, auth, batch })));
  return { ms: performance.now() - start, failed: r.reduce((x, y) => x + y.failed, 0) };
}

interface Round {
  rate: number;
  /** Target CPU time per aggregate, µs (robust against other jobs on the machine). */
  cpuUs: number;
  /** The same, of the target's main thread (its event loop) alone. */
  mainUs: number;
  /** Busiest load process, % of a core over the round (near 100: the load side limits the rate). */
  loaderCpu: number;
  /** Gateway: rows per SQLite transaction in the round (its group commit's batch size); relays: NaN. */
  rowsPerCommit: number;
}

/** One timed round: prepared packets published by the loaders at once; aggregates/s (gateway: stored rows). */
async function round(kind: Kind, dir: string, target: Target, loaders: ChildProcess[], perSensor: number, inFlight: number, only?: number): Promise<Round> {
  await Promise.all(loaders.map((l) => ask(l, { cmd: 'prepare', perClient: perSensor, ...(only !== undefined ? { only } : {}) })));
  const before = isGateway(kind) ? storedRows(dir) : 0;
  const c0 = await target.commits();
  const cpu0 = cpuMsOfPid(target.pid);
  const main0 = mainThreadCpuMs(target.pid);
  const lcpu0 = loaders.map((l) => cpuMsOfPid(l.pid!));
  const start = Date.now();
  const r = await Promise.all(loaders.map((l) => ask<{ acked: number; endAt: number }>(l, { cmd: 'go', inFlight })));
  const cpu = cpuMsOfPid(target.pid) - cpu0;
  const main = mainThreadCpuMs(target.pid) - main0;
  const ms = Date.now() - start;
  const loaderCpu = Math.max(...loaders.map((l, i) => ((cpuMsOfPid(l.pid!) - lcpu0[i]!) / ms) * 100));
  const active = r.filter((x) => x.acked > 0);
  const end = active.length ? Math.max(...active.map((x) => x.endAt)) : NaN;
  const n = isGateway(kind) ? storedRows(dir) - before : r.reduce((a, x) => a + x.acked, 0);
  const c1 = await target.commits();
  const rowsPerCommit = c0 && c1 && c1.commits > c0.commits ? (c1.rows - c0.rows) / (c1.commits - c0.commits) : NaN;
  return { rate: (n / Math.max(1, end - start)) * 1000, cpuUs: (cpu * 1000) / n, mainUs: (main * 1000) / n, loaderCpu, rowsPerCommit };
}

export interface Throughput {
  connectMs: number;
  connectFailed: number;
  rates: number[];
  rate: number;
  cpuUs: number;
  mainUs: number;
  loaderCpu: number;
  rowsPerCommit: number;
  singleRates: number[];
  single: number;
  singleCpuUs: number;
  p50: number;
  p99: number;
}

export async function throughput(kind: Kind, z: Sizes, cleanup: Array<() => unknown>): Promise<Throughput> {
  const { dir, t, loaders } = await setUp(kind, z.sensors + 1, z.loaders, cleanup, z.profileDir);
  const auth = isGateway(kind);
  await new Promise((r) => setTimeout(r, 300));
  const c = await connect(loaders, t.current, 0, z.sensors, auth, 0);
  const rounds: Round[] = [];
  for (let i = 0; i < z.rounds; i++) rounds.push(await round(kind, dir, t.current, loaders, z.perSensor, 8));
  // The single sensor (index N) lives in the first load process.
  await ask(loaders[0]!, { cmd: 'connect', port: t.current.port, from: z.sensors, to: z.sensors + 1, auth, batch: 0 });
  const singles: Round[] = [];
  for (let i = 0; i < z.rounds; i++) singles.push(await round(kind, dir, t.current, [loaders[0]!], z.single, 64, z.sensors));
  const l = await ask<{ p50: number; p99: number }>(loaders[0]!, { cmd: 'latency', rate: 2000, seconds: 3, sse: auth ? t.current.http : 0, port: t.current.port });
  if (z.profileDir) await t.current.exit();
  const rates = rounds.map((r) => r.rate);
  const singleRates = singles.map((r) => r.rate);
  return {
    connectMs: c.ms, connectFailed: c.failed, rates, rate: median(rates), cpuUs: median(rounds.map((r) => r.cpuUs)), mainUs: median(rounds.map((r) => r.mainUs)), loaderCpu: Math.max(...rounds.map((r) => r.loaderCpu)),
    rowsPerCommit: median(rounds.map((r) => r.rowsPerCommit)),
    singleRates, single: median(singleRates), singleCpuUs: median(singles.map((r) => r.cpuUs)), p50: l.p50, p99: l.p99,
  };
}

export interface Memory {
  perConn: number;
  perConnBig: number;
  failed: number;
  bigMs: number;
}

export async function memory(kind: Kind, z: Sizes, cleanup: Array<() => unknown>): Promise<Memory> {
  const { t, loaders } = await setUp(kind, z.big, z.loaders, cleanup);
  const auth = isGateway(kind);
  await new Promise((r) => setTimeout(r, 300));
  const rss0 = await t.current.rss();
  const a = await connect(loaders, t.current, 0, z.sensors, auth, 100);
  const rssN = await t.current.rss();
  const b = await connect(loaders, t.current, z.sensors, z.big, auth, 100);
  const rssBig = await t.current.rss();
  return { perConn: (rssN - rss0) / (z.sensors - a.failed), perConnBig: (rssBig - rss0) / (z.big - a.failed - b.failed), failed: a.failed + b.failed, bigMs: a.ms + b.ms };
}

export interface Storm {
  /** From the kill until the last sensor is back. */
  ms: number;
  /** From the kill until the restarted target listens. */
  restartMs: number;
  attempts: number;
  failedAttempts: number;
  failed: number;
}

export async function storm(kind: Kind, count: number, z: Sizes, cleanup: Array<() => unknown>): Promise<Storm> {
  const { dir, t, loaders } = await setUp(kind, count, z.loaders, cleanup);
  const auth = isGateway(kind);
  const c = await connect(loaders, t.current, 0, count, auth, 100);
  const back = Promise.all(loaders.map((l) => ask<{ lastAt: number; attempts: number; failedAttempts: number }>(l, { cmd: 'storm' })));
  const killedAt = Date.now();
  await t.current.kill();
  t.current = await startTarget({ kind, dir, sensors: count, port: t.current.port, restart: true });
  const restartMs = Date.now() - killedAt;
  const r = await back;
  return {
    ms: Math.max(...r.map((x) => x.lastAt)) - killedAt, restartMs,
    attempts: r.reduce((a, x) => a + x.attempts, 0), failedAttempts: r.reduce((a, x) => a + x.failedAttempts, 0), failed: c.failed,
  };
}
