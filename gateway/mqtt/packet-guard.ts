/**
 * Maximum MQTT packet size, enforced on the byte stream before aedes' parser buffers anything big.
 *
 * mqtt-packet (aedes' parser) has no size limit for MQTT 3.1.1: a client announcing a 256 MB packet makes it
 * collect 256 MB. This scanner reads only the fixed headers [MQTT-2.2] and skips bodies, so it needs no buffer:
 *
 *   byte 1          byte 2 … (1–4 bytes)                         then `remaining length` bytes
 *   ┌────┬──────┐   ┌─┬───────┐ ┌─┬───────┐
 *   │type│flags │   │c│ 7 bits│ │c│ 7 bits│ …  c = continuation    variable header + payload (skipped)
 *   └────┴──────┘   └─┴───────┘ └─┴───────┘
 *   size = 1 + (bytes of the length) + remaining length
 *
 * A packet is refused as soon as its header announces too many bytes, so at most one read chunk of it reaches the
 * parser (and the connection is closed before the rest is read).
 */
import type { Duplex } from 'node:stream';

/** The remaining length is at most 4 bytes long [MQTT-2.2.3]. */
const MAX_LENGTH_BYTES = 4;

export type ScanResult = { ok: true } | { ok: false; reason: 'packet-too-large' | 'malformed-length'; announced?: number };

export class MqttFrameScanner {
  private state: 'header' | 'length' | 'body' = 'header';
  private value = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private failed: ScanResult | null = null;

  constructor(readonly maxPacketBytes: number) {
    if (!(Number.isInteger(maxPacketBytes) && maxPacketBytes >= 2)) throw new RangeError('maxPacketBytes must be an integer ≥ 2');
  }

  /** Feed the next bytes of the stream; the first violation is reported and sticks. */
  push(chunk: Uint8Array): ScanResult {
    if (this.failed) return this.failed;
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'header') {
        i++;
        this.state = 'length';
        this.value = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
      } else if (this.state === 'length') {
        const byte = chunk[i++]!;
        this.value += (byte & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        if (byte & 0x80) {
          if (this.lengthBytes === MAX_LENGTH_BYTES) return (this.failed = { ok: false, reason: 'malformed-length' });
          continue;
        }
        const size = 1 + this.lengthBytes + this.value;
        if (size > this.maxPacketBytes) return (this.failed = { ok: false, reason: 'packet-too-large', announced: size });
        this.remaining = this.value;
        this.state = this.remaining > 0 ? 'body' : 'header';
      } else {
        const skip = Math.min(this.remaining, chunk.length - i);
        i += skip;
        this.remaining -= skip;
        if (this.remaining === 0) this.state = 'header';
      }
    }
    return { ok: true };
  }
}

/**
 * Watch a connection's incoming bytes. Attach after aedes has added its 'readable' listener: 'readable' then keeps
 * control of the flow, and 'data' fires with each chunk aedes reads, before its parser sees it.
 */
export function guardPacketSize(stream: Duplex, maxPacketBytes: number, onViolation: (r: Exclude<ScanResult, { ok: true }>) => void): void {
  const scanner = new MqttFrameScanner(maxPacketBytes);
  const onData = (chunk: Buffer) => {
    const r = scanner.push(chunk);
    if (r.ok) return;
    stream.off('data', onData);
    onViolation(r);
    stream.destroy();
  };
  stream.on('data', onData);
}
