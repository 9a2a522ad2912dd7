/**
 * The fleet benchmark's processes: targets (bench/fleet/target.ts, or mosquitto) and load processes
 * (bench/fleet/load.ts), each started through `sh -c 'ulimit -n hard; exec …'` so it may hold as many sockets as
 * the machine allows (10,000 connections need more than the usual 1,024 descriptors), and a time limit per phase.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from '../../gateway/node-flags.ts';

export const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
export const root = here('../..');

export type Kind = 'aedes' | 'mosquitto' | 'drukte' | 'drukte-areas';
export const isGateway = (k: Kind): boolean => k === 'drukte' || k === 'drukte-areas';

/** A child with the descriptor limit raised to the hard limit; `ipc` adds Node's IPC channel. */
export function raisedChild(cmd: string, args: string[], ipc: boolean): ChildProcess {
  return spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', cmd, ...args], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? ['ipc' as const] : [])],
  });
}

/** Send one command and wait for its one answer (one command at a time per child). */
export function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error('process exited'));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
    child.send(msg);
  });
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export function rssOfPid(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU time (user + system, all threads) a process has used so far, ms (/proc/PID/stat, 100 ticks a second). */
export function cpuMsOfPid(pid: number): number {
  return cpuMsOfStat(`/proc/${pid}/stat`);
}

/** CPU time (user + system, ms) of a process's main thread (its event loop) only. */
export function mainThreadCpuMs(pid: number): number {
  return cpuMsOfStat(`/proc/${pid}/task/${pid}/stat`);
}

function cpuMsOfStat(file: string): number {
  const fields = readFileSync(file, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface Target {
  port: number;
  http: number;
  pid: number;
  /** RSS in bytes (Node targets: after a full GC). */
  rss(): Promise<number>;
  /** SIGKILL, and resolves when the process is gone. */
  kill(): Promise<void>;
  /** A clean exit (writes the CPU profile when one is taken). */
  exit(): Promise<void>;
  /** Gateway: its group commit's counters (transactions, rows); relays: null. */
  commits(): Promise<{ commits: number; rows: number } | null>;
}

export interface TargetOptions {
  kind: Kind;
  dir: string;
  /** Sensors in the register (gateway). */
  sensors: number;
  port?: number;
  restart?: boolean;
  /** Directory for `node --cpu-prof` of the gateway. */
  profileDir?: string;
}

const gone = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));

/**
 * node's flags for a target process. The gateway runs with the flags it runs with in production (gateway/node-flags.ts);
 * BENCH_GW_FLAGS adds more for experiments (e.g. BENCH_GW_FLAGS=--max-semi-space-size=16 for V8's default young
 * generation: the last value of a flag wins).
 */
export function targetNodeArgs(kind: Kind, profileDir?: string, extra: string | undefined = process.env.BENCH_GW_FLAGS): string[] {
  const gateway = isGateway(kind);
  const gwFlags = gateway ? [...GATEWAY_NODE_FLAGS, ...(extra ? extra.split(' ').filter(Boolean) : [])] : [];
  return ['--expose-gc', ...gwFlags, '--import', 'tsx', ...(profileDir && gateway ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])];
}

export async function startTarget(o: TargetOptions): Promise<Target> {
  const port = o.port ?? (await freePort());
  if (o.kind === 'mosquitto') {
    const conf = join(o.dir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_connections -1\nmax_inflight_messages 0\nmax_queued_messages 100000\npersistence false\n`);
    const child = raisedChild('/usr/sbin/mosquitto', ['-c', conf], false);
    child.stdout!.resume();
    await waitForPort(port);
    const kill = async () => void (child.kill('SIGKILL'), await gone(child));
    return { port, http: 0, pid: child.pid!, rss: async () => rssOfPid(child.pid!), kill, exit: kill, commits: async () => null };
  }
  const execArgv = targetNodeArgs(o.kind, o.profileDir);
  const child = raisedChild(process.execPath, [...execArgv, here('./target.ts'), o.kind, o.dir, String(o.sensors), String(port), o.restart ? 'restart' : 'fresh'], true);
  const [mqttPort, http] = await new Promise<[number, number]>((resolve, reject) => {
    let out = '';
    child.once('exit', () => reject(new Error(`target ${o.kind} exited before it was ready`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ready (\d+) (\d+)/.exec(out);
      if (m) resolve([Number(m[1]), Number(m[2])]);
    });
  });
  return {
    port: mqttPort, http, pid: child.pid!,
    rss: async () => (await ask<{ rss: number }>(child, { cmd: 'rss' })).rss,
    kill: async () => void (child.kill('SIGKILL'), await gone(child)),
    exit: async () => void (child.send({ cmd: 'exit' }), await gone(child)),
    commits: async () => (await ask<{ stats: { commits?: { commits: number; rows: number } } }>(child, { cmd: 'stats' })).stats.commits ?? null,
  };
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** `count` load processes (bench/fleet/load.ts). */
export async function startLoaders(count: number): Promise<ChildProcess[]> {
  const loaders = Array.from({ length: count }, () => raisedChild(process.execPath, ['--import', 'tsx', here('./load.ts')], true));
  await Promise.all(loaders.map((l) => new Promise((r) => l.once('message', r))));
  for (const l of loaders) l.stdout!.resume();
  return loaders;
}

/** Sensor indices from…to split into `parts` consecutive slices. */
export function slices(from: number, to: number, parts: number): Array<[number, number]> {
  const n = to - from;
  return Array.from({ length: parts }, (_, i) => [from + Math.floor((n * i) / parts), from + Math.floor((n * (i + 1)) / parts)] as [number, number]);
}

export class PhaseTimeout extends Error {
  constructor(readonly seconds: number) {
    super(`did not finish in ${seconds} s`);
  }
}

/**
 * Run a phase within `seconds`; past it, reject with PhaseTimeout and run `cleanup` (kill what the phase started),
 * so one phase that cannot finish reports so instead of hanging the benchmark.
 */
export async function within<T>(seconds: number, phase: (cleanup: Array<() => unknown>) => Promise<T>): Promise<T> {
  const cleanup: Array<() => unknown> = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      phase(cleanup),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new PhaseTimeout(seconds)), seconds * 1000))),
    ]);
  } finally {
    clearTimeout(timer);
    for (const c of cleanup) {
      try {
        await c();
      } catch { /* already gone */ }
    }
  }
}
