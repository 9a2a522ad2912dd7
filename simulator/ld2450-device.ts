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
 * Faults for tests: drop the next N ACKs of a command, refuse commands (status 1), put the tail of an in-flight
 * report before every ACK, or be "deaf" (never ACK, keep streaming: the host's TX wire is broken).
 */
import { ENABLE_ACK_DATA, FIRMWARE_V204_ACK_DATA, encodeLd2450Ack, encodeLd2450Report } from './encoders/ld2450.ts';
import { CommandInbox } from './command-inbox.ts';

/** MAC of the doc's Get MAC example (§1.2). */
export const EXAMPLE_MAC = Uint8Array.of(0x8f, 0x27, 0x2e, 0xb8, 0x0f, 0x65);
export const BLUETOOTH_OFF_MAC_BYTES = Uint8Array.of(0x08, 0x05, 0x04, 0x03, 0x02, 0x01);

export interface FakeLd2450Options {
  /** Return data of Read firmware. Default: the real V2.04.23101915 unit's. */
  firmwareAckData?: Uint8Array;
  /** Bluetooth at power-up. Default true (factory default, §1.2). */
  bluetooth?: boolean;
  /** Drop the next N ACKs of these commands, e.g. { 0x00a4: 1 }. */
  dropAcks?: Record<number, number>;
  /** Answer these commands with status 1 (fail). */
  refuse?: readonly number[];
  /** Send the last N bytes of a report frame right before each ACK (an ACK after a report tail). */
  reportTailBeforeAck?: number;
  /** Never answer, never enter configuration mode, keep streaming. */
  deaf?: boolean;
  /** Reports pause this long after Restart, ms (needs `schedule`). Default 0. */
  rebootMs?: number;
  /** Run `fn` after `ms` (the simulator's timers); without it a reboot is instantaneous. */
  schedule?: (fn: () => void, ms: number) => void;
}

export interface ReceivedCommand {
  command: number;
  value: Buffer;
}

export class FakeLd2450 {
  readonly received: ReceivedCommand[] = [];
  readonly #inbox = new CommandInbox((command, value) => this.#command(command, value));
  #configMode = false;
  #rebooting = false;
  #bluetooth: boolean;
  #bluetoothStored: boolean;
  #tracking: 'single' | 'multi' = 'multi';
  #zones = Buffer.alloc(26);
  #restarts = 0;
  readonly #drop: Map<number, number>;

  constructor(private readonly send: (bytes: Buffer) => void, private readonly options: FakeLd2450Options = {}) {
    this.#bluetooth = options.bluetooth ?? true;
    this.#bluetoothStored = this.#bluetooth;
    this.#drop = new Map(Object.entries(options.dropAcks ?? {}).map(([k, v]) => [Number(k), v]));
  }

  get configMode(): boolean {
    return this.#configMode;
  }
  /** Bluetooth as it is now (the stored setting applies after a restart). */
  get bluetooth(): boolean {
    return this.#bluetooth;
  }
  get bluetoothStored(): boolean {
    return this.#bluetoothStored;
  }
  get tracking(): 'single' | 'multi' {
    return this.#tracking;
  }
  /** The stored Set zones value (26 bytes). */
  get zones(): Buffer {
    return Buffer.from(this.#zones);
  }
  get restarts(): number {
    return this.#restarts;
  }
  /** Whether report frames go out now. */
  get streaming(): boolean {
    return this.options.deaf === true || (!this.#configMode && !this.#rebooting);
  }

  /** One report frame from the radar; sent only while streaming. Returns whether it was sent. */
  report(frame: Buffer): boolean {
    if (!this.streaming) return false;
    this.send(frame);
    return true;
  }

  /** Bytes from the host. */
  receive(bytes: Uint8Array): void {
    this.#inbox.push(bytes);
  }

  #command(command: number, value: Buffer): void {
    this.received.push({ command, value });
    if (this.options.deaf || this.#rebooting) return;
    if (command !== 0x00ff && !this.#configMode) return; // commands need configuration mode (§1.2)
    if (this.options.refuse?.includes(command)) return this.#ack(command, 1); // refused: nothing changes
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
      case 0x0080:
      case 0x0090:
        this.#tracking = command === 0x0080 ? 'single' : 'multi';
        break;
      case 0x0091:
        data = Uint8Array.of(this.#tracking === 'single' ? 1 : 2, 0);
        break;
      case 0x00a0:
        data = this.options.firmwareAckData ?? FIRMWARE_V204_ACK_DATA;
        break;
      case 0x00a1:
      case 0x00a2:
        break;
      case 0x00a3:
        after = () => this.#reboot();
        break;
      case 0x00a4:
        this.#bluetoothStored = value.readUInt16LE(0) === 1;
        break;
      case 0x00a5:
        data = this.#bluetooth ? EXAMPLE_MAC : BLUETOOTH_OFF_MAC_BYTES;
        break;
      case 0x00c1:
        data = this.#zones;
        break;
      case 0x00c2:
        if (value.length !== 26) return this.#ack(command, 1);
        this.#zones = Buffer.from(value);
        break;
      default:
        return; // unknown command: no ACK
    }
    this.#ack(command, 0, data);
    after?.();
  }

  #ack(command: number, status: number, data: Uint8Array = new Uint8Array(0)): void {
    const drop = this.#drop.get(command) ?? 0;
    if (drop > 0) {
      this.#drop.set(command, drop - 1);
      return;
    }
    const tail = this.options.reportTailBeforeAck ?? 0;
    if (tail > 0) this.send(encodeLd2450Report([{ xMm: 400, yMm: 1200 }]).subarray(30 - Math.min(30, tail)));
    this.send(encodeLd2450Ack(command, status, data));
  }

  #reboot(): void {
    this.#restarts++;
    this.#configMode = false;
    this.#bluetooth = this.#bluetoothStored;
    const ms = this.options.rebootMs ?? 0;
    if (ms > 0 && this.options.schedule) {
      this.#rebooting = true;
      this.options.schedule(() => void (this.#rebooting = false), ms);
    }
  }
}
