/**
 * What a simulated Hi-Link module (LD2450, LD2410) hears from the host: command frames in the shared envelope
 * `FD FC FB FA | u16 length | u16 command | value | 04 03 02 01` (docs/RADAR-PROTOCOLS.md §1.2, §2), reassembled from any
 * chunking, with garbage and bad footers skipped.
 */
import { COMMAND_FOOTER, COMMAND_HEADER } from '../hardware/ld2450/command.ts';

const HEADER = Buffer.from(COMMAND_HEADER);
/** Longest command value a module accepts (its buffer size reported in the Enable ACK is 0x40). */
const MAX_LENGTH = 64;

export class CommandInbox {
  #inbox = Buffer.alloc(0);

  constructor(private readonly onCommand: (command: number, value: Buffer) => void) {}

  /** Bytes from the host; calls onCommand for each complete, well-framed command. */
  push(bytes: Uint8Array): void {
    this.#inbox = Buffer.concat([this.#inbox, bytes]);
    for (;;) {
      const at = this.#inbox.indexOf(HEADER);
      if (at < 0) return void (this.#inbox = this.#inbox.subarray(Math.max(0, this.#inbox.length - 3)));
      const buf = this.#inbox.subarray(at);
      if (buf.length < 8) return void (this.#inbox = buf);
      const len = buf.readUInt16LE(4);
      if (len < 2 || len > MAX_LENGTH) {
        this.#inbox = buf.subarray(1);
        continue;
      }
      const total = 10 + len;
      if (buf.length < total) return void (this.#inbox = buf);
      const frame = buf.subarray(0, total);
      this.#inbox = buf.subarray(total);
      if (COMMAND_FOOTER.every((b, i) => frame[6 + len + i] === b)) this.onCommand(frame.readUInt16LE(6), Buffer.from(frame.subarray(8, 6 + len)));
    }
  }
}
