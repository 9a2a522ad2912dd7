/**
 * A simulated HLK-LD2410(B/C) module on the other end of the UART: answers the host's configuration commands and gates
 * its report stream like the module does. Written independently of the driver (hardware/ld2410/), with its own
 * command-frame reader, so the two check each other.
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
import { encodeLd2410Ack, ENABLE_ACK_DATA, FIRMWARE_V107_ACK_DATA } from './encoders/ld2410.ts';
import { CommandInbox } from './command-inbox.ts';

/** Return data of the real Read parameters ACK (Tasmota capture): max gates 8/8/8, sensitivities, no-one 5 s. */
export const LD2410_DEFAULT_PARAMETERS_ACK_DATA = Buffer.from('aa0808083232281e140f0f0f0f000028281e1e1414140500', 'hex');
export const LD2410_EXAMPLE_MAC = Uint8Array.of(0x8f, 0x27, 0x2e, 0xb8, 0x0f, 0x66);
export const LD2410_BLUETOOTH_OFF_MAC_BYTES = Uint8Array.of(0x08, 0x05, 0x04, 0x03, 0x02, 0x01);

export interface FakeLd2410Options {
  /** Bluetooth at power-up. Default true (LD2410B/C factory default). */
  bluetooth?: boolean;
  /** Drop the next N ACKs of these commands, e.g. { 0x00a4: 1 }. */
  dropAcks?: Record<number, number>;
  /** Answer these commands with status 1 (fail). */
  refuse?: readonly number[];
  /** Never answer, never enter configuration mode, keep streaming. */
  deaf?: boolean;
}

export interface ReceivedLd2410Command {
  command: number;
  value: Buffer;
}

export class FakeLd2410 {
  readonly received: ReceivedLd2410Command[] = [];
  readonly #inbox = new CommandInbox((command, value) => this.#command(command, value));
  #configMode = false;
  #bluetooth: boolean;
  #bluetoothStored: boolean;
  #restarts = 0;
  readonly #drop: Map<number, number>;

  constructor(private readonly send: (bytes: Buffer) => void, private readonly options: FakeLd2410Options = {}) {
    this.#bluetooth = options.bluetooth ?? true;
    this.#bluetoothStored = this.#bluetooth;
    this.#drop = new Map(Object.entries(options.dropAcks ?? {}).map(([k, v]) => [Number(k), v]));
  }

  get configMode(): boolean {
    return this.#configMode;
  }
  get bluetooth(): boolean {
    return this.#bluetooth;
  }
  get bluetoothStored(): boolean {
    return this.#bluetoothStored;
  }
  get restarts(): number {
    return this.#restarts;
  }
  get streaming(): boolean {
    return this.options.deaf === true || !this.#configMode;
  }

  /** Report bytes from the radar; sent only while streaming. Returns whether they were sent. */
  report(bytes: Buffer): boolean {
    if (!this.streaming) return false;
    this.send(bytes);
    return true;
  }

  /** Bytes from the host. */
  receive(bytes: Uint8Array): void {
    this.#inbox.push(bytes);
  }

  #command(command: number, value: Buffer): void {
    this.received.push({ command, value });
    if (this.options.deaf) return;
    if (command !== 0x00ff && !this.#configMode) return;
    if (this.options.refuse?.includes(command)) return this.#ack(command, 1);
    let data: Uint8Array = new Uint8Array(0);
    let after: (() => void) | null = null;
    switch (command) {
      case 0x00ff:
        this.#configMode = true;
        data = ENABLE_ACK_DATA;
        break;
      case 0x00fe:
        after = () => void (this.#configMode = false);
        break;
      case 0x0061:
        data = LD2410_DEFAULT_PARAMETERS_ACK_DATA;
        break;
      case 0x00a0:
        data = FIRMWARE_V107_ACK_DATA;
        break;
      case 0x00a3:
        after = () => {
          this.#restarts++;
          this.#configMode = false;
          this.#bluetooth = this.#bluetoothStored;
        };
        break;
      case 0x00a4:
        if (value.length !== 2) return this.#ack(command, 1);
        this.#bluetoothStored = value.readUInt16LE(0) === 1;
        break;
      case 0x00a5:
        data = this.#bluetooth ? LD2410_EXAMPLE_MAC : LD2410_BLUETOOTH_OFF_MAC_BYTES;
        break;
      default:
        return; // unknown command: no ACK
    }
    this.#ack(command, 0, data);
    after?.();
  }

  #ack(command: number, status: number, data: Uint8Array = new Uint8Array(0)): void {
    const drop = this.#drop.get(command) ?? 0;
    if (drop > 0) return void this.#drop.set(command, drop - 1);
    this.send(encodeLd2410Ack(command, status, data));
  }
}
