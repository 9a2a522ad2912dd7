/**
 * A live simulated LD2450: a byte stream that, every `intervalMs`, emits the report frames the radar would have sent
 * since the last tick (simulator/ld2450-stream.ts), following the wall clock. It is the demo's stand-in for a
 * serial port: the firmware reads it exactly as it reads /dev/ttyAMA0.
 */
import { Readable } from 'node:stream';
import type { Clock } from '../shared/clock.ts';
import { ld2450Bytes, type Ld2450StreamOptions, type PeopleSource } from './ld2450-stream.ts';

export interface LiveSourceOptions extends Ld2450StreamOptions {
  intervalMs?: number;
}

export class LiveLd2450Source extends Readable {
  private timer: NodeJS.Timeout | null = null;
  private last: number;

  constructor(private readonly people: PeopleSource, private readonly clock: Clock, private readonly options: LiveSourceOptions = {}) {
    super();
    this.last = clock.now();
  }

  override _read(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.emitUntil(this.clock.now()), this.options.intervalMs ?? 100);
  }

  /** Push every frame between the previous call and `nowMs`. */
  emitUntil(nowMs: number): void {
    if (nowMs <= this.last) return;
    const bytes = ld2450Bytes(this.people, this.last, nowMs, this.options);
    this.last = nowMs;
    if (bytes.length) this.push(bytes);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    cb(err);
  }
}
