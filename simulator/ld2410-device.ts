/**
 * A simulated HLK-LD2410(B/C) module on the other end of the UART: answers the host's configuration commands and gates
 * its report stream like the module does (what every Hi-Link module does: hilink-device.ts, a test oracle written
 * independently of the driver in hardware/ld2410/).
 *
 * Answers (command/ACK envelope of docs/RADAR-PROTOCOLS.md §2, the LD2450's):
 *   - Enable (0x00FF), Read parameters (0x0061), Read firmware (0x00A0): the real ACK bytes of
 *     ld2410_real_acks_tasmota_serialbridge.hex (enable `01 00 40 00`, parameters "Default", firmware V1.07.22091516);
 *   - End (0x00FE), Bluetooth (0x00A4, persists, effective after Restart), Restart (0x00A3: ACK, leave configuration
 *     mode, reboot): empty ACK data, as the LD2450 (no LD2410 capture of these);
 *   - Get MAC (0x00A5): `08 05 04 03 02 01` while Bluetooth is off (the LD2450's rule, assumed), else a MAC;
 *   - other commands need configuration mode; unknown ones get no ACK.
 * Reports (`report(bytes)`) go out only in normal mode (none in configuration mode, none while rebooting).
 * Faults for tests: drop the next N ACKs of a command, refuse commands (status 1), be deaf (never answer).
 */
import { FIRMWARE_V107_ACK_DATA } from './encoders/ld2410.ts';
import { BLUETOOTH_OFF_MAC_BYTES, FakeHiLinkModule, type Answer, type FakeHiLinkOptions, type ReceivedCommand } from './hilink-device.ts';

/** Return data of the real Read parameters ACK (Tasmota capture): max gates 8/8/8, sensitivities, no-one 5 s. */
export const LD2410_DEFAULT_PARAMETERS_ACK_DATA = Buffer.from('aa0808083232281e140f0f0f0f000028281e1e1414140500', 'hex');
export const LD2410_EXAMPLE_MAC = Uint8Array.of(0x8f, 0x27, 0x2e, 0xb8, 0x0f, 0x66);
export const LD2410_BLUETOOTH_OFF_MAC_BYTES = BLUETOOTH_OFF_MAC_BYTES;

export type FakeLd2410Options = FakeHiLinkOptions;
export type ReceivedLd2410Command = ReceivedCommand;

export class FakeLd2410 extends FakeHiLinkModule {
  constructor(send: (bytes: Buffer) => void, options: FakeLd2410Options = {}) {
    super(send, options, LD2410_EXAMPLE_MAC);
  }

  protected answer(command: number): Answer {
    if (command === 0x0061) return LD2410_DEFAULT_PARAMETERS_ACK_DATA;
    if (command === 0x00a0) return FIRMWARE_V107_ACK_DATA;
    return null;
  }
}
