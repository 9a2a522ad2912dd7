/**
 * GPIO outputs as an IO boundary (the inputs are in gpio.ts). The character LCD driver (hardware/hd44780/) depends
 * only on `GpioOutputBinding` / `GpioOutputLine`.
 *
 * Writes are synchronous on purpose: a sysfs write(2) takes a few microseconds on a Pi, so consecutive writes are
 * themselves the sub-microsecond delays the HD44780 datasheet asks for (enable pulse ≥ 450 ns, cycle ≥ 1 µs);
 * millisecond waits go through injected timers. Line numbers are kernel GPIO numbers (gpio-chip.ts resolves BCM pins
 * against the header chip's base, e.g. 512 on a Pi 4 and 571 on a Pi 5 with Bookworm).
 *
 * Real backend: onoff (`new Gpio(line, 'low'|'high')`, writeSync). Fake: FakeGpioChip (gpio-fake.ts), whose output
 * writes are observable, so a model of the wired device (hardware/hd44780/fake.ts) can decode them.
 */
import { existsSync } from 'node:fs';
import { SYSFS_GPIO_ROOT } from './gpio-chip.ts';
import { GpioError, type Level } from './gpio.ts';

export interface GpioOutputLine {
  /** Kernel GPIO number. */
  readonly line: number;
  /** Drive the line to `level`. Throws GpioError after release(). */
  write(level: Level): void;
  /** Release the line (idempotent). */
  release(): void;
}

export interface GpioOutputBinding {
  readonly name: string;
  readonly accessible: boolean;
  /** Open `line` as an output driven to `initial`. */
  openOutput(line: number, initial: Level): Promise<GpioOutputLine>;
}

/** onoff, loaded on first use (it loads epoll). */
export const onoffGpioOutputBinding: GpioOutputBinding = {
  name: 'onoff',
  get accessible(): boolean {
    return existsSync(`${SYSFS_GPIO_ROOT}/export`);
  },
  async openOutput(line, initial) {
    if (!Number.isInteger(line) || line < 0) throw new RangeError(`GPIO line must be an integer ≥ 0, got ${line}`);
    const { Gpio } = await import('onoff');
    if (!Gpio.accessible) throw new GpioError('no sysfs GPIO at /sys/class/gpio: this kernel/container has no GPIO access; on a Pi run as a user in the gpio group');
    let gpio: InstanceType<typeof Gpio> | null;
    try {
      gpio = new Gpio(line, initial === 1 ? 'high' : 'low');
    } catch (err) {
      throw new GpioError(`cannot open GPIO ${line} as an output: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return {
      line,
      write(level) {
        if (!gpio) throw new GpioError(`GPIO ${line} was released`);
        gpio.writeSync(level);
      },
      release() {
        gpio?.unexport();
        gpio = null;
      },
    };
  },
};
