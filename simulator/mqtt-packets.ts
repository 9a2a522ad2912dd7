/**
 * MQTT 3.1.1 packets by hand [MQTT-2, MQTT-3], for what a real client library will not send (an empty topic, a
 * wildcard in a PUBLISH, a lying remaining length): the gateway fuzzer (bench/fuzz-gateway.ts) and the broker's
 * hostile-client tests. Encoding only; the gateway's own reader (gateway packet guard) is what they test.
 */

/** The variable-length "remaining length" (1–4 bytes, 7 bits each, low first). */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A UTF-8 string (or raw bytes) with its 2-byte length. */
export const str = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

/** Fixed header byte, remaining length, body. */
export const packet = (first: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([first]), remainingLength(body.length), body]);

/** CONNECT, protocol "MQTT" level 4, clean session, with username and password when given. */
export function connectPacket(clientId: string, username?: string, password?: string, keepalive = 30): Buffer {
  const flags = 0x02 | (username ? 0x80 : 0) | (password ? 0x40 : 0);
  const parts = [str('MQTT'), Buffer.from([4, flags, keepalive >> 8, keepalive & 0xff]), str(clientId)];
  if (username) parts.push(str(username));
  if (password) parts.push(str(password));
  return packet(0x10, Buffer.concat(parts));
}

export const publishPacket = (topic: string | Buffer, payload: Buffer, qos = 1, id = 1): Buffer =>
  packet(0x30 | (qos << 1), Buffer.concat([str(topic), qos ? Buffer.from([id >> 8, id & 0xff]) : Buffer.alloc(0), payload]));

export const subscribePacket = (filter: string, qos = 0, id = 2): Buffer => packet(0x82, Buffer.concat([Buffer.from([id >> 8, id & 0xff]), str(filter), Buffer.from([qos])]));
