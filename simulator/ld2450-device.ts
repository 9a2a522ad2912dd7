/**
 * A simulated HLK-LD2450 module on the other end of the UART: answers host commands exactly like the real one
 * (docs/RADAR-PROTOCOLS.md §1.2; the ACK bytes for enable / read firmware / end are those of ld2450_real_v204_ack_session.hex)
 * and gates the report stream the way the module does. Written independently of the driver (hardware/ld2450/), with
 * its own command-frame reader, so the two check each other.
 *
 * Behaviour:
 *   - reports (`report(bytes)`) go out only in normal mode: in configuration mode the module sends none (§1.2);
 *   - commands other than Enable are answered only in configuration mode; unknown commands get no ACK (a real
 *     V2.04 unit did not answer 0xB2), bytes outside a command frame are ignored (the `aa 55 …` updater probes);
 *   - Bluetooth on/off and Set zones persist; Bluetooth takes effect after Restart, which ACKs, leaves
 *     configuration mode and reboots (reports pause for `rebootMs`);
 *   - Get MAC returns `08 05 04 03 02 01` while Bluetooth is off (ESPHome), else the doc's example MAC.
 * Faults for tests: those of every simulated Hi-Link module (hilink-device.ts), and the tail of an in-flight report
 * before every ACK.
 */
import { encodeLd2450Report, FIRMWARE_V204_ACK_DATA } from './encoders/ld2450.ts';
import { FakeHiLinkModule, type Answer, type FakeHiLinkOptions, type ReceivedCommand } from './hilink-device.ts';

export { BLUETOOTH_OFF_MAC_BYTES } from './hilink-device.ts';
export type { ReceivedCommand };

/** MAC of the doc's Get MAC example (§1.2). */
export const EXAMPLE_MAC = Uint8Array.of(0x8f, 0x27, 0x2e, 0xb8, 0x0f, 0x65);

export interface FakeLd2450Options extends FakeHiLinkOptions {
  /** Return data of Read firmware. Default: the real V2.04.23101915 unit's. */
  firmwareAckData?: Uint8Array;
  /** Send the last N bytes of a report frame right before each ACK (an ACK after a report tail). */
  reportTailBeforeAck?: number;
}

export class FakeLd2450 extends FakeHiLinkModule {
  #tracking: 'single' | 'multi' = 'multi';
  #zones = Buffer.alloc(26);

  constructor(send: (bytes: Buffer) => void, private readonly options: FakeLd2450Options = {}) {
    super(send, options, EXAMPLE_MAC);
  }

  get tracking(): 'single' | 'multi' {
    return this.#tracking;
  }
  /** The stored Set zones value (26 bytes). */
  get zones(): Buffer {
    return Buffer.from(this.#zones);
  }

  protected answer(command: number, value: Buffer): Answer {
    switch (command) {
      case 0x0080:
      case 0x0090:
        this.#tracking = command === 0x0080 ? 'single' : 'multi';
        return new Uint8Array(0);
      case 0x0091:
        return Uint8Array.of(this.#tracking === 'single' ? 1 : 2, 0);
      case 0x00a0:
        return this.options.firmwareAckData ?? FIRMWARE_V204_ACK_DATA;
      case 0x00a1:
      case 0x00a2:
        return new Uint8Array(0);
      case 0x00c1:
        return this.#zones;
      case 0x00c2:
        if (value.length !== 26) return 'refuse';
        this.#zones = Buffer.from(value);
        return new Uint8Array(0);
      default:
        return null;
    }
  }

  protected override beforeAck(): void {
    const tail = this.options.reportTailBeforeAck ?? 0;
    if (tail > 0) this.send(encodeLd2450Report([{ xMm: 400, yMm: 1200 }]).subarray(30 - Math.min(30, tail)));
  }
}
