/**
 * What a simulated Hi-Link radar module (LD2450, LD2410) does on the other end of the UART, whatever its model
 * (docs/RADAR-PROTOCOLS.md §1.2, §2: one command/ACK envelope): it reads command frames (command-inbox.ts), enters
 * configuration mode on Enable (0x00FF) and answers other commands only there, sends no reports in configuration
 * mode or while rebooting, keeps the Bluetooth setting (0x00A4) and applies it at Restart (0x00A3: ACK, leave
 * configuration mode, reboot), answers Get MAC (0x00A5) with `08 05 04 03 02 01` while Bluetooth is off (ESPHome)
 * and gives unknown commands no ACK. A model adds its own commands (`answer`) and ACK data.
 *
 * Test oracle: written independently of the drivers (hardware/ld2450/, hardware/ld2410/), with its own command-frame
 * reader, so the driver tests mean something. Faults for tests: drop the next N ACKs of a command, refuse commands
 * (status 1), be deaf (never answer, keep streaming: the host's TX wire is broken), pause reports after a restart.
 */
import { CommandInbox } from './command-inbox.ts';
import { ENABLE_ACK_DATA, encodeLd2450Ack as encodeHiLinkAck } from './encoders/ld2450.ts';

/** Get MAC's answer while Bluetooth is off (ESPHome; the LD2410's assumed the same). */
export const BLUETOOTH_OFF_MAC_BYTES = Uint8Array.of(0x08, 0x05, 0x04, 0x03, 0x02, 0x01);

export interface FakeHiLinkOptions {
  /** Bluetooth at power-up. Default true (factory default, §1.2). */
  bluetooth?: boolean;
  /** Drop the next N ACKs of these commands, e.g. { 0x00a4: 1 }. */
  dropAcks?: Record<number, number>;
  /** Answer these commands with status 1 (fail). */
  refuse?: readonly number[];
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

/** A model's own answer to a command: the ACK's data, 'refuse' (status 1), or null (not a command: no ACK). */
export type Answer = Uint8Array | 'refuse' | null;

export abstract class FakeHiLinkModule {
  readonly received: ReceivedCommand[] = [];
  readonly #inbox = new CommandInbox((command, value) => this.#command(command, value));
  #configMode = false;
  #rebooting = false;
  #bluetooth: boolean;
  #bluetoothStored: boolean;
  #restarts = 0;
  readonly #drop: Map<number, number>;

  constructor(protected readonly send: (bytes: Buffer) => void, private readonly faults: FakeHiLinkOptions, private readonly mac: Uint8Array) {
    this.#bluetooth = faults.bluetooth ?? true;
    this.#bluetoothStored = this.#bluetooth;
    this.#drop = new Map(Object.entries(faults.dropAcks ?? {}).map(([k, v]) => [Number(k), v]));
  }

  /** The model's own commands (called in configuration mode only). */
  protected abstract answer(command: number, value: Buffer): Answer;
  /** Bytes the model puts on the wire right before an ACK (none by default). */
  protected beforeAck(): void {}

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
  get restarts(): number {
    return this.#restarts;
  }
  /** Whether report frames go out now. */
  get streaming(): boolean {
    return this.faults.deaf === true || (!this.#configMode && !this.#rebooting);
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
    if (this.faults.deaf || this.#rebooting) return;
    if (command !== 0x00ff && !this.#configMode) return; // commands need configuration mode (§1.2)
    if (this.faults.refuse?.includes(command)) return this.#ack(command, 1); // refused: nothing changes
    let data: Answer = new Uint8Array(0);
    let after: (() => void) | null = null;
    switch (command) {
      case 0x00ff:
        this.#configMode = true;
        data = ENABLE_ACK_DATA;
        break;
      case 0x00fe:
        after = () => void (this.#configMode = false);
        break;
      case 0x00a3:
        after = () => this.#reboot();
        break;
      case 0x00a4:
        if (value.length !== 2) return this.#ack(command, 1);
        this.#bluetoothStored = value.readUInt16LE(0) === 1;
        break;
      case 0x00a5:
        data = this.#bluetooth ? this.mac : BLUETOOTH_OFF_MAC_BYTES;
        break;
      default:
        data = this.answer(command, value);
    }
    if (data === null) return; // unknown command: no ACK
    if (data === 'refuse') return this.#ack(command, 1);
    this.#ack(command, 0, data);
    after?.();
  }

  #ack(command: number, status: number, data: Uint8Array = new Uint8Array(0)): void {
    const drop = this.#drop.get(command) ?? 0;
    if (drop > 0) return void this.#drop.set(command, drop - 1);
    this.beforeAck();
    this.send(encodeHiLinkAck(command, status, data));
  }

  #reboot(): void {
    this.#restarts++;
    this.#configMode = false;
    this.#bluetooth = this.#bluetoothStored;
    const ms = this.faults.rebootMs ?? 0;
    if (ms > 0 && this.faults.schedule) {
      this.#rebooting = true;
      this.faults.schedule(() => void (this.#rebooting = false), ms);
    }
  }
}
