/**
 * A radar on a serial port (a UART, a USB adapter, or a PTY from the simulator), with the lifecycle of device.ts:
 * open at the driver's baud rate ─► configure (LD2450, LD2410) ─► stream bytes into the pipeline ─► on a vanished port,
 * fault and reopen with back-off.
 */
import type { DriverName, PointMm } from '../../shared/manifest.ts';
import { realSerialBinding, type SerialBinding } from '../../hardware/bindings/serial.ts';
import { configureLd2410, LD2410_BAUD } from '../../hardware/ld2410/driver.ts';
import { configureLd2450, LD2450_BAUD } from '../../hardware/ld2450/driver.ts';
import { sendConfig, sensorStop } from '../../hardware/ti-people/cli-port.ts';
import { ReconnectingDevice, type LifecycleDeps, type RadarInfo } from './reconnect.ts';

/** UART speed per driver (docs/RADAR-PROTOCOLS.md §1, §2, §3: the TI data port). */
export const DEFAULT_BAUD: Readonly<Record<Exclude<DriverName, 'beam'>, number>> = { ld2450: LD2450_BAUD, ld2410: LD2410_BAUD, 'ti-people': 921600 };

export interface SerialDeviceConfig {
  path: string;
  driver: DriverName;
  baudRate?: number;
  /** LD2450, LD2410: configure at each open (Bluetooth off; LD2450 also zone filter). Default true. (TI: its CLI port, `tiCli`.) */
  configure?: boolean;
  /** The manifest's zone polygon (LD2450 zone filter). */
  zone?: readonly PointMm[] | null;
  ackTimeoutMs?: number;
  ackTries?: number;
  /** Hold received bytes this long before delivering them, once configured (default READ_HOLD_MS per driver; 0: at once). */
  readHoldMs?: number;
  /**
   * TI people counting: the board's second UART, the CLI port (115200 baud, docs/RADAR-PROTOCOLS.md §3.4). At each open the
   * configuration lines are sent one by one (each must answer `Done`); at stop and at expiry `sensorStop` is sent so
   * the radar stops transmitting.
   */
  tiCli?: { path: string; baudRate?: number; cfg: string; lineTimeoutMs?: number };
}

/**
 * How long the port holds bytes before handing them on, per driver, once the device is configured (ACKs during
 * configuration come at once). The Hi-Link radars send one small frame (≤ ~70 bytes) about every 100 ms: holding
 * 250 ms gives 2–3 frames per wake-up instead of one, which is most of the sensor's idle CPU (docs/BENCHMARKS.md,
 * "The sensor's footprint"). Each frame is then counted up to 250 ms after it arrived, so a frame can fall into the
 * next window (windows are ≥ 10 s); a vanished port is seen up to 250 ms later. No hold for the TI radar: its frames
 * are KiBs at 921600 baud, which would fill the kernel's tty buffer.
 */
export const READ_HOLD_MS: Readonly<Record<Exclude<DriverName, 'beam'>, number>> = { ld2450: 250, ld2410: 250, 'ti-people': 0 };

/** TI CLI port speed (docs/RADAR-PROTOCOLS.md §3: CLI/config UART 115200). */
export const TI_CLI_BAUD = 115200;

export function serialDevice(config: SerialDeviceConfig, deps: LifecycleDeps & { binding?: SerialBinding }): ReconnectingDevice {
  if (config.driver === 'beam') throw new RangeError("driver 'beam' is a GPIO counter, not a serial device");
  const baudRate = config.baudRate ?? DEFAULT_BAUD[config.driver];
  const holdMs = config.readHoldMs ?? READ_HOLD_MS[config.driver];
  const binding = deps.binding ?? realSerialBinding;
  const { path } = config;
  const description = `${path} @ ${baudRate} baud`;
  return new ReconnectingDevice(description, async (ctx) => {
    const port = await binding.open(path, baudRate);
    const cli = config.driver === 'ti-people' && config.tiCli ? await binding.open(config.tiCli.path, config.tiCli.baudRate ?? TI_CLI_BAUD).catch(async (err: unknown) => {
      await port.close();
      throw err;
    }) : null;
    const closeAll = async (): Promise<void> => {
      if (cli) {
        // Stop the radar before letting go of it (shutdown, expiry): it must not keep transmitting.
        await sensorStop(cli, { lineTimeoutMs: config.tiCli?.lineTimeoutMs ?? 3000, ...(deps.timers ? { timers: deps.timers } : {}) })
          .catch((err: Error) => deps.logger?.warn({ err: err.message }, 'TI radar did not confirm sensorStop'));
        await cli.close();
      }
      await port.close();
    };
    const onAbort = (): void => void closeAll();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let radar: RadarInfo | undefined;
    try {
      if (cli && config.tiCli) {
        const lines = await sendConfig(cli, config.tiCli.cfg, {
          lineTimeoutMs: config.tiCli.lineTimeoutMs ?? 3000, signal: ctx.signal, ...(deps.timers ? { timers: deps.timers } : {}),
        });
        deps.logger?.info({ lines }, 'TI radar configured over its CLI port');
      }
      const ackOptions = {
        ...(deps.timers ? { timers: deps.timers } : {}),
        ...(config.ackTimeoutMs !== undefined ? { timeoutMs: config.ackTimeoutMs } : {}),
        ...(config.ackTries !== undefined ? { tries: config.ackTries } : {}),
        ...(deps.logger ? { logger: deps.logger } : {}),
      };
      if (config.driver === 'ld2450' && config.configure !== false) radar = await configureLd2450(port, config.zone ?? null, ackOptions);
      if (config.driver === 'ld2410' && config.configure !== false) radar = await configureLd2410(port, ackOptions);
      if (radar) deps.logger?.info({ firmware: radar.firmware, bluetooth: radar.bluetooth, zoneFilter: radar.zoneFilter.type }, `${radar.model.replace('HLK-', '')} configured`);
    } catch (err) {
      if (cli) await cli.close();
      await port.close();
      throw err;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    port.holdReads(holdMs);
    port.on('data', (chunk) => ctx.data(chunk));
    port.on('close', (info) => ctx.lost(info.disconnected ? `serial device ${path} vanished (unplugged?)` : `serial device ${path} closed`));
    port.on('error', (err) => deps.logger?.warn({ err: err.message, path }, 'serial port error'));
    if (!port.isOpen) ctx.lost(`serial device ${path} closed`);
    return { info: { kind: 'serial', description, ...(radar ? { radar } : {}) }, close: closeAll };
  }, deps);
}
