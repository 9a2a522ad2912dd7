/**
 * The real GPIO backend: onoff 6 (sysfs GPIO, /sys/class/gpio, interrupts through epoll). Imported lazily by the
 * beam device so that serial-only sensors never load epoll.
 *
 * Limits of sysfs GPIO that matter here:
 *   - it cannot set pull resistors. The beam receivers are open-collector and need a pull-up (docs/RADAR-PROTOCOLS.md §4):
 *     set it at boot in /boot/firmware/config.txt, e.g. `gpio=17,27=ip,pu` (lines report pullApplied = false);
 *   - onoff always uses /sys/class/gpio; its numbers are kernel GPIO numbers (see gpio-chip.ts for BCM → kernel);
 *   - `accessible` is false where /sys/class/gpio/export cannot be opened (no sysfs GPIO, or no permission).
 */
import { Gpio } from 'onoff';
import { BoundGpioBinding, GpioError, type Edge, type GpioBackend, type GpioBackendPin, type GpioBinding, type Level } from './gpio.ts';

export const onoffBackend: GpioBackend = {
  name: 'onoff',
  get accessible(): boolean {
    return Gpio.accessible;
  },
  setsPull: false,
  async create(line: number, edge: Edge): Promise<GpioBackendPin> {
    if (!Gpio.accessible) {
      throw new GpioError('no sysfs GPIO at /sys/class/gpio: this kernel/container has no GPIO access; on a Pi run as a user in the gpio group');
    }
    let gpio: Gpio;
    try {
      gpio = new Gpio(line, 'in', edge);
    } catch (err) {
      throw new GpioError(`cannot open GPIO ${line}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return {
      read: () => gpio.read() as Promise<Level>,
      watch: (cb) => gpio.watch(cb),
      unwatchAll: () => gpio.unwatchAll(),
      unexport: () => gpio.unexport(),
    };
  },
};

/** Real GPIO through onoff. */
export const onoffGpioBinding: GpioBinding = new BoundGpioBinding(onoffBackend);
