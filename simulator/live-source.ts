/**
 * A live simulated radar: a byte stream that, every `intervalMs`, emits the frames the device would have sent since
 * the previous tick, following the clock. It is the demo's stand-in for a serial port: the firmware reads it exactly
 * as it reads /dev/ttyAMA0. `bytesBetween` is any of the simulator's `xxxBytes(source, fromMs, toMs)` functions.
 */
import { Readable } from 'node:stream';
import type { Clock } from '../shared/clock.ts';

export type BytesBetween = (fromMs: number, toMs: number) => Buffer;

export class LiveByteSource extends Readable {
  private timer: NodeJS.Timeout | null = null;
  private last: number;

  constructor(private readonly bytesBetween: BytesBetween, private readonly clock: Clock, private readonly intervalMs = 100) {
    super();
    this.last = clock.now();
  }

  override _read(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.emitUntil(this.clock.now()), this.intervalMs);
  }

  /** Push every frame between the previous call and `nowMs`. */
  emitUntil(nowMs: number): void {
    if (nowMs <= this.last) return;
    const bytes = this.bytesBetween(this.last, nowMs);
    this.last = nowMs;
    if (bytes.length) this.push(bytes);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    cb(err);
  }
}
