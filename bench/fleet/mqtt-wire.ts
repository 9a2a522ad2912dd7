/**
 * The few MQTT 3.1.1 packets the fleet benchmark's sensors send, encoded by hand (OASIS MQTT 3.1.1 §3.1 CONNECT,
 * §3.3 PUBLISH, §3.12 PINGREQ), and a reader for what a sensor gets back (CONNACK, PUBACK, PINGRESP, …).
 *
 * Why not mqtt.js here: the load side must not be the bottleneck. mqtt.js costs tens of µs per publish (store,
 * callbacks, timers per client); these sensors write pre-encoded PUBLISH packets and only count PUBACKs, so a few
 * load processes can drive any of the targets harder than they can take. The firmware itself uses mqtt.js; its
 * footprint is measured separately (bench/footprint.ts).
 */

import { connectPacket as connect, publishPacket as publish } from '../../simulator/mqtt-packets.ts';

export interface ConnectOptions {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveS: number;
}

/** CONNECT, clean session, protocol level 4 (§3.1.2): the hand-made packets of simulator/mqtt-packets.ts. */
export const connectPacket = (o: ConnectOptions): Buffer => connect(o.clientId, o.username, o.password, o.keepaliveS);

/** PUBLISH QoS 1, not retained (§3.3), with packet identifier `id` (1…65535). */
export const publishPacket = (topic: string, id: number, payload: Uint8Array): Buffer => publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), 1, id);

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
