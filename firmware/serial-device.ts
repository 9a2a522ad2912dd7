/**
 * A radar on a serial port (a UART, a USB adapter, or a PTY from the simulator), with the lifecycle of device.ts:
 * open at the driver's baud rate ─► configure (LD2450) ─► stream bytes into the pipeline ─► on a vanished port,
 * fault and reopen with back-off.
 */
import type { DriverName, PointMm } from '../shared/manifest.ts';
import { realSerialBinding, type SerialBinding } from '../hardware/bindings/serial.ts';
import { configureLd2450, LD2450_BAUD, type Ld2450Info } from '../hardware/ld2450/driver.ts';
import { ReconnectingDevice, type LifecycleDeps } from './device.ts';

/** UART speed per driver (PROTOCOLS.md §1, §2, §3: the TI data port). */
export const DEFAULT_BAUD: Readonly<Record<Exclude<DriverName, 'beam'>, number>> = { ld2450: LD2450_BAUD, ld2410: 256000, 'ti-people': 921600 };

export interface SerialDeviceConfig {
  path: string;
  driver: DriverName;
  baudRate?: number;
  /** LD2450: configure at each open. Default true. (LD2410, TI: nothing to configure yet.) */
  configure?: boolean;
  /** The manifest's zone polygon (LD2450 zone filter). */
  zone?: readonly PointMm[] | null;
  ackTimeoutMs?: number;
  ackTries?: number;
}

export function serialDevice(config: SerialDeviceConfig, deps: LifecycleDeps & { binding?: SerialBinding }): ReconnectingDevice {
  if (config.driver === 'beam') throw new RangeError("driver 'beam' is a GPIO counter, not a serial device");
  const baudRate = config.baudRate ?? DEFAULT_BAUD[config.driver];
  const binding = deps.binding ?? realSerialBinding;
  const { path } = config;
  const description = `${path} @ ${baudRate} baud`;
  return new ReconnectingDevice(description, async (ctx) => {
    const port = await binding.open(path, baudRate);
    const onAbort = (): void => void port.close();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let radar: Ld2450Info | undefined;
    try {
      if (config.driver === 'ld2450' && config.configure !== false) {
        radar = await configureLd2450(port, config.zone ?? null, {
          ...(deps.timers ? { timers: deps.timers } : {}),
          ...(config.ackTimeoutMs !== undefined ? { timeoutMs: config.ackTimeoutMs } : {}),
          ...(config.ackTries !== undefined ? { tries: config.ackTries } : {}),
          ...(deps.logger ? { logger: deps.logger } : {}),
        });
        deps.logger?.info({ firmware: radar.firmware, bluetooth: radar.bluetooth, zoneFilter: radar.zoneFilter.type }, 'LD2450 configured');
      }
    } catch (err) {
      await port.close();
      throw err;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    port.on('data', (chunk) => ctx.data(chunk));
    port.on('close', (info) => ctx.lost(info.disconnected ? `serial device ${path} vanished (unplugged?)` : `serial device ${path} closed`));
    port.on('error', (err) => deps.logger?.warn({ err: err.message, path }, 'serial port error'));
    if (!port.isOpen) ctx.lost(`serial device ${path} closed`);
    return { info: { kind: 'serial', description, ...(radar ? { radar } : {}) }, close: () => port.close() };
  }, deps);
}
