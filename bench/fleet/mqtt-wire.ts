/**
 * The few MQTT 3.1.1 packets the fleet benchmark's sensors send, encoded by hand (OASIS MQTT 3.1.1 §3.1 CONNECT,
 * §3.3 PUBLISH, §3.12 PINGREQ), and a reader for what a sensor gets back (CONNACK, PUBACK, PINGRESP, …).
 *
 * Why not mqtt.js here: the load side must not be the bottleneck. mqtt.js costs tens of µs per publish (store,
 * callbacks, timers per client); these sensors write pre-encoded PUBLISH packets and only count PUBACKs, so a few
 * load processes can drive any of the targets harder than they can take. The firmware itself uses mqtt.js; its
 * footprint is measured separately (bench/footprint.ts).
 */

/** Remaining length (§2.2.3): 1–4 bytes, 7 bits each. */
function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

const str = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

export interface ConnectOptions {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveS: number;
}

/** CONNECT, clean session, protocol level 4 (§3.1.2). */
export function connectPacket(o: ConnectOptions): Buffer {
  let flags = 0x02; // clean session
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, (o.keepaliveS >> 8) & 0xff, o.keepaliveS & 0xff]);
  const payload = [str(o.clientId), ...(o.username !== undefined ? [str(o.username)] : []), ...(o.password !== undefined ? [str(o.password)] : [])];
  const body = Buffer.concat([variable, ...payload]);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(body.length)]), body]);
}

/** PUBLISH QoS 1, not retained (§3.3), with packet identifier `id` (1…65535). */
export function publishPacket(topic: string, id: number, payload: Uint8Array): Buffer {
  const t = str(topic);
  const len = t.length + 2 + payload.length;
  const head = Buffer.from([0x32, ...remainingLength(len)]);
  const out = Buffer.allocUnsafe(head.length + len);
  head.copy(out, 0);
  t.copy(out, head.length);
  out.writeUInt16BE(id, head.length + t.length);
  out.set(payload, head.length + t.length + 2);
  return out;
}

/** Packet identifier for the k-th publish of a client: 1…65535, never 0 (§2.3.1). */
export const packetId = (k: number): number => (k % 65_535) + 1;

export interface Packet {
  type: number;
  /** CONNACK return code (§3.2.2.3), for type 2. */
  code?: number;
}

/** Splits a byte stream into packets (fixed header + remaining length); whole packets only. */
export class PacketReader {
  private buf: Buffer | null = null;

  push(chunk: Buffer, on: (type: number, body: Buffer) => void): void {
    let b = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (b.length - at < 2) break;
      let len = 0;
      let mult = 1;
      let i = at + 1;
      let done = false;
      while (i < b.length && i < at + 5) {
        const byte = b[i++]!;
        len += (byte & 0x7f) * mult;
        mult *= 128;
        if (!(byte & 0x80)) {
          done = true;
          break;
        }
      }
      if (!done || b.length - i < len) break;
      on(b[at]! >> 4, b.subarray(i, i + len));
      at = i + len;
    }
    b = b.subarray(at);
    this.buf = b.length ? Buffer.from(b) : null;
  }
}
