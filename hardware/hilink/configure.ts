/**
 * The start-up configuration every Hi-Link radar goes through (docs/RADAR-PROTOCOLS.md §1.2, §2), written once for
 * hardware/ld2450/driver.ts and hardware/ld2410/driver.ts:
 *
 *   enable configuration (0x00FF, value 0x0001) ─► read firmware (0x00A0) ─► the model's own settings
 *   ─► read MAC (0x00A5, value 0x0001): `08 05 04 03 02 01` means Bluetooth is already off (ESPHome)
 *   ─► if not (or the MAC cannot be read): Bluetooth off (0x00A4, value 00 00) ─► the model's last settings
 *   ─► end configuration (0x00FE), or, when Bluetooth was just switched off, restart (0x00A3) instead: the setting
 *      persists but takes effect after a restart, and the reboot also ends configuration mode.
 *
 * Why Bluetooth off: the modules show presence or positions to any phone with the vendor app, data leaving the device
 * outside drukte's minimiser. If a step fails after Enable was acknowledged, End configuration is still sent once:
 * the module is never left silent in configuration mode.
 */
import type { RadarSession } from '../radar-config.ts';
import { encodeBluetooth, encodeCommand, encodeEnableConfig, encodeEndConfig, HILINK_COMMANDS as C } from '../ld2450/command.ts';
import type { Logger } from '../../shared/log.ts';

/** MAC reported while Bluetooth is disabled (ESPHome, LD2450; assumed for the LD2410). */
export const BLUETOOTH_OFF_MAC = '080504030201';

export interface HiLinkSteps {
  /** Short model name for messages, e.g. "LD2450". */
  model: string;
  logger?: Logger | undefined;
  /** Read firmware's return data (to log), then settings before the Bluetooth check (e.g. the LD2450's tracking). */
  afterFirmware?: (firmwareData: Buffer) => Promise<void> | void;
  /** Settings after Bluetooth, before End or Restart (e.g. the LD2450's zone filter). */
  beforeEnd?: () => Promise<void>;
}

export interface HiLinkConfigured {
  /** Read firmware's return data (decode with decodeFirmwareVersion). */
  firmwareData: Buffer;
  /** Bluetooth was off already (so the module was not restarted). */
  bluetoothWasOff: boolean;
}

/** Run the sequence above on an open session; disposes of the session. */
export async function configureHiLink(session: RadarSession, steps: HiLinkSteps): Promise<HiLinkConfigured> {
  const { channel, request } = session;
  const { model, logger: log } = steps;
  let inConfig = false;
  try {
    await request('enable configuration', encodeEnableConfig(), C.enableConfig);
    inConfig = true;
    const firmwareData = await request('read firmware version', encodeCommand(C.readFirmware), C.readFirmware);
    await steps.afterFirmware?.(firmwareData);

    let bluetoothWasOff = false;
    try {
      const mac = await request('read MAC', encodeCommand(C.getMac, Uint8Array.of(0x01, 0x00)), C.getMac);
      bluetoothWasOff = mac.subarray(0, 6).toString('hex') === BLUETOOTH_OFF_MAC;
    } catch (err) {
      if (channel.closed) throw err;
      log?.warn({ err: (err as Error).message }, `${model} Bluetooth state unknown; switching it off`);
    }
    if (!bluetoothWasOff) await request('bluetooth off', encodeBluetooth(false), C.bluetooth);
    await steps.beforeEnd?.();

    if (bluetoothWasOff) {
      await request('end configuration', encodeEndConfig(), C.endConfig);
    } else {
      await request('restart', encodeCommand(C.restart), C.restart);
      log?.info(`${model} Bluetooth switched off; the module restarts to apply it (reports resume after its reboot)`);
    }
    inConfig = false;
    return { firmwareData, bluetoothWasOff };
  } finally {
    if (inConfig && !channel.closed) await session.once(encodeEndConfig(), C.endConfig); // best effort, once
    session.dispose();
  }
}
