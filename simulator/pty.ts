/**
 * The simulator on a real serial path: a PTY pair made by socat, and a simulated radar writing its real byte format
 * into one end while the firmware reads the other, exactly as it reads /dev/ttyAMA0.
 *
 *   socat -d -d pty,raw,echo=0,link=DIR/radar pty,raw,echo=0,link=DIR/sensor
 *   simulated radar ──► DIR/radar ═══ socat ═══ DIR/sensor ──► firmware (serial device, LD2450 configuration)
 *
 * The LD2450 and the LD2410 are simulated as whole modules (ld2450-device.ts, ld2410-device.ts): they answer the
 * firmware's configuration commands and send no reports while in configuration mode. The TI data port only streams
 * (ti-people-stream.ts; its CLI port is a separate fake). The LD2410's reports are simulator/ld2410-stream.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../shared/clock.ts';
import type { DriverName } from '../shared/manifest.ts';
import type { SerialPortLike } from '../hardware/bindings/serial.ts';
import type { TimerHandle, Timers } from '../shared/timers.ts';
import { FakeLd2410, type FakeLd2410Options } from './ld2410-device.ts';
import { FakeLd2450, type FakeLd2450Options } from './ld2450-device.ts';
import { ld2410Bytes } from './ld2410-stream.ts';
import { ld2450Frames, type PeopleSource } from './ld2450-stream.ts';
import { tiPeopleBytes } from './ti-people-stream.ts';

export type RadarDriver = Exclude<DriverName, 'beam'>;
export const RADAR_DRIVERS: readonly RadarDriver[] = ['ld2450', 'ld2410', 'ti-people'];

export interface PtyPair {
  /** Path of the first end (e.g. the simulated radar's). */
  a: string;
  /** Path of the second end (e.g. the firmware's). */
  b: string;
  readonly running: boolean;
  /** Kill socat (both ends vanish, as when a USB adapter is pulled) and wait for it to exit. */
  close(): Promise<void>;
}

/** Start socat with two linked PTYs in `dir`; resolves once both links exist. */
export async function openPtyPair(dir: string, names: [string, string] = ['radar', 'sensor'], options: { socat?: string; timeoutMs?: number } = {}): Promise<PtyPair> {
  const a = join(dir, names[0]);
  const b = join(dir, names[1]);
  const child: ChildProcess = spawn(options.socat ?? 'socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let running = true;
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running = false;
    resolve();
  }));
  child.stderr?.on('data', (d: Buffer) => void (log += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => fail(new Error(`socat did not create the PTY pair within ${options.timeoutMs ?? 5000} ms: ${log.trim()}`)), options.timeoutMs ?? 5000);
    const poll = setInterval(() => {
      if (/starting data transfer loop/.test(log) && existsSync(a) && existsSync(b)) done();
    }, 10);
    const done = (): void => {
      clearTimeout(deadline);
      clearInterval(poll);
      resolve();
    };
    const fail = (err: Error): void => {
      clearTimeout(deadline);
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', (err) => fail(new Error(`cannot start socat (is it installed?): ${err.message}`)));
    child.once('exit', (code) => fail(new Error(`socat exited (${code}): ${log.trim()}`)));
  });
  return {
    a,
    b,
    get running() {
      return running;
    },
    async close() {
      if (running) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Where the simulated radar's bytes go and where the host's commands come from. */
export interface RadarWire {
  send(bytes: Buffer): void;
  /** Subscribe to bytes from the host (absent for a write-only output such as stdout). */
  onReceive?(listener: (bytes: Buffer) => void): void;
}

/** A SerialPortLike as a RadarWire (write errors after the port closed are ignored: the radar just talks on). */
export function portWire(port: SerialPortLike): RadarWire {
  return {
    send: (bytes) => void port.write(bytes).catch(() => undefined),
    onReceive: (listener) => void port.on('data', listener),
  };
}

export interface SimulatedRadarOptions {
  driver: RadarDriver;
  people: PeopleSource;
  clock: Clock;
  /** Seed of the radar's own noise and timing (not the scenario's). Default 1. */
  seed?: number;
  /** LD2450 module behaviour (faults for tests). */
  ld2450?: FakeLd2450Options;
  /** LD2410 module behaviour (Bluetooth at power-up, faults for tests). */
  ld2410?: FakeLd2410Options;
  /** Radar noise off (no misses, ghosts or position noise): exact expectations in tests. */
  clean?: boolean;
}

/** A simulated radar: the frames of [last, now) at each `emitUntil(now)`, or on a timer after start(). */
export class SimulatedRadar {
  /** The simulated LD2450 module (null for the other drivers). */
  readonly module: FakeLd2450 | null;
  /** The simulated LD2410 module (null for the other drivers). */
  readonly ld2410: FakeLd2410 | null;
  #last: number;
  #timer: TimerHandle | null = null;
  #timers: Timers | null = null;

  constructor(private readonly wire: RadarWire, private readonly options: SimulatedRadarOptions) {
    this.#last = options.clock.now();
    this.module = options.driver === 'ld2450' ? new FakeLd2450((b) => wire.send(b), options.ld2450) : null;
    if (this.module) wire.onReceive?.((bytes) => this.module!.receive(bytes));
    this.ld2410 = options.driver === 'ld2410' ? new FakeLd2410((b) => wire.send(b), options.ld2410) : null;
    if (this.ld2410) wire.onReceive?.((bytes) => this.ld2410!.receive(bytes));
  }

  /** Send every frame between the previous call and `nowMs` (scenario time = wall clock ms). */
  emitUntil(nowMs: number): void {
    if (nowMs <= this.#last) return;
    const from = this.#last;
    this.#last = nowMs;
    const o = this.options;
    const radar = { seed: o.seed ?? 1, ...(o.clean ? { missProbability: 0, ghostProbability: 0, positionNoiseMm: 0 } : {}) };
    if (this.module) {
      for (const f of ld2450Frames(o.people, from, nowMs, radar)) this.module.report(f.bytes);
      return;
    }
    const bytes = o.driver === 'ld2410' ? ld2410Bytes(o.people, from, nowMs, { seed: radar.seed }) : tiPeopleBytes(o.people, from, nowMs, { seed: radar.seed });
    if (bytes.length === 0) return;
    if (this.ld2410) this.ld2410.report(bytes);
    else this.wire.send(bytes);
  }

  /** Raw bytes straight onto the wire (line noise, a wrong baud rate's zeros). */
  inject(bytes: Buffer): void {
    this.wire.send(bytes);
  }

  /** Emit on a timer every `intervalMs` (default 100), following the clock. */
  start(timers: Timers, intervalMs = 100): void {
    this.stop();
    this.#timers = timers;
    this.#last = this.options.clock.now();
    this.#timer = timers.setInterval(() => this.emitUntil(this.options.clock.now()), intervalMs);
  }

  stop(): void {
    if (this.#timer) this.#timers?.clearInterval(this.#timer);
    this.#timer = null;
  }
}
