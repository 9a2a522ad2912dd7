/**
 * HLK-LD2450 command and ACK frames (pure: no IO).
 *
 * Source: docs/RADAR-PROTOCOLS.md §1.2 (Hi-Link "Serial Communication Protocol V1.03" §2.1–2.2;
 * ESPHome ld2450.cpp). Same envelope both ways, little-endian:
 *
 *   0           4        6              8                 6+len         10+len
 *   ┌───────────┬────────┬──────────────┬─────────────────┬─────────────┐
 *   │FD FC FB FA│len u16 │command u16   │value (len−2 B)  │04 03 02 01  │   host → sensor
 *   └───────────┴────────┴──────────────┴─────────────────┴─────────────┘
 *   len = bytes of (command word + value).
 *
 *   ACK (sensor → host): command word | 0x0100, then u16 status (0 = ok, 1 = fail), then return data:
 *   ┌───────────┬────────┬──────────────┬────────────┬──────────────┬─────────────┐
 *   │FD FC FB FA│len u16 │cmd|0x0100    │status u16  │data (len−4 B)│04 03 02 01  │
 *   └───────────┴────────┴──────────────┴────────────┴──────────────┴─────────────┘
 *
 * Every command except Enable must be sent between Enable configuration and End configuration (§1.2, doc §2.2.1);
 * in configuration mode the module sends no report frames.
 */

export const COMMAND_HEADER: readonly number[] = [0xfd, 0xfc, 0xfb, 0xfa];
export const COMMAND_FOOTER: readonly number[] = [0x04, 0x03, 0x02, 0x01];
/** Header + length field + footer. */
export const COMMAND_OVERHEAD_BYTES = 4 + 2 + 4;
/** The ACK echoes the command word with this bit set (§1.2). */
export const ACK_FLAG = 0x0100;

/** Command words every Hi-Link radar of the family shares (§1.2 table; the LD2410's §2.1 has the same). */
export const HILINK_COMMANDS = {
  enableConfig: 0x00ff,
  endConfig: 0x00fe,
  readFirmware: 0x00a0,
  setBaud: 0x00a1,
  factoryReset: 0x00a2,
  restart: 0x00a3,
  bluetooth: 0x00a4,
  getMac: 0x00a5,
} as const;

/** Command words (§1.2 table). */
export const Ld2450Command = {
  ...HILINK_COMMANDS,
  singleTarget: 0x0080,
  multiTarget: 0x0090,
  queryTrackingMode: 0x0091,
  queryZones: 0x00c1,
  setZones: 0x00c2,
} as const;

/** Baud-rate index for Set baud (0x00A1), §1.2; effective after restart. */
export const BAUD_INDEX: Readonly<Record<number, number>> = {
  9600: 1, 19200: 2, 38400: 3, 57600: 4, 115200: 5, 230400: 6, 256000: 7, 460800: 8,
};

/** Total bytes of a command/ACK frame whose length field is `len`. */
export const commandFrameBytes = (len: number): number => COMMAND_OVERHEAD_BYTES + len;

/** Encode a command frame: `FD FC FB FA len cmd value 04 03 02 01`. */
export function encodeCommand(command: number, value: Uint8Array = new Uint8Array(0)): Buffer {
  if (!Number.isInteger(command) || command < 0 || command > 0xffff) throw new RangeError('command must be a u16');
  const len = 2 + value.length;
  if (len > 0xffff) throw new RangeError('command value too long');
  const out = Buffer.alloc(commandFrameBytes(len));
  out.set(COMMAND_HEADER, 0);
  out.writeUInt16LE(len, 4);
  out.writeUInt16LE(command, 6);
  out.set(value, 8);
  out.set(COMMAND_FOOTER, 8 + value.length);
  return out;
}

const u16le = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >> 8) & 0xff);

/** Enable configuration: value 0x0001 (§1.2). */
export const encodeEnableConfig = (): Buffer => encodeCommand(Ld2450Command.enableConfig, u16le(0x0001));
/** End configuration: no value (§1.2). */
export const encodeEndConfig = (): Buffer => encodeCommand(Ld2450Command.endConfig);
/** Bluetooth on/off: value 01 00 = on, 00 00 = off (§1.2, §5: the doc's "0x0100" text is wrong). */
export const encodeBluetooth = (on: boolean): Buffer => encodeCommand(Ld2450Command.bluetooth, u16le(on ? 1 : 0));
/** Set baud rate (effective after restart). */
export function encodeSetBaud(baud: number): Buffer {
  const index = BAUD_INDEX[baud];
  if (index === undefined) throw new RangeError('unsupported LD2450 baud rate');
  return encodeCommand(Ld2450Command.setBaud, u16le(index));
}

/** A decoded ACK: `command` is the original command word (the 0x0100 flag removed). */
export interface Ld2450Ack {
  command: number;
  status: number;
  data: Buffer;
}

/** True if `bytes` at `offset` starts with the command header `FD FC FB FA`. */
export function hasCommandHeader(bytes: Uint8Array, offset = 0): boolean {
  if (bytes.length - offset < COMMAND_HEADER.length) return false;
  return COMMAND_HEADER.every((b, i) => bytes[offset + i] === b);
}

/**
 * Decode the ACK frame at `offset`, or null if it is incomplete, badly framed, too short to hold command + status,
 * or not an ACK (flag 0x0100 missing). The returned data is a copy.
 */
export function decodeAck(bytes: Uint8Array, offset = 0): Ld2450Ack | null {
  if (!hasCommandHeader(bytes, offset) || bytes.length - offset < 6) return null;
  const b = (i: number): number => bytes[offset + i] ?? 0;
  const len = b(4) | (b(5) << 8);
  if (len < 4 || bytes.length - offset < commandFrameBytes(len)) return null;
  const footerAt = offset + 6 + len;
  if (!COMMAND_FOOTER.every((f, i) => bytes[footerAt + i] === f)) return null;
  const word = b(6) | (b(7) << 8);
  if ((word & ACK_FLAG) === 0) return null;
  return {
    command: word & ~ACK_FLAG & 0xffff,
    status: b(8) | (b(9) << 8),
    data: Buffer.from(bytes.subarray(offset + 10, footerAt)),
  };
}

/**
 * Firmware version from a Read firmware (0x00A0) ACK's data (§1.2): TT TT fw type, major u16 LE printed hex
 * (`04 02` → "2.04"), minor u32 LE printed hex (`15 19 10 23` → "23101915"). Returns e.g. "V2.04.23101915".
 */
export function decodeFirmwareVersion(data: Uint8Array): string | null {
  if (data.length < 8) return null;
  const hex = (v: number | undefined): string => (v ?? 0).toString(16).padStart(2, '0');
  const major = `${(data[3] ?? 0).toString(16)}.${hex(data[2])}`;
  const minor = [data[7], data[6], data[5], data[4]].map(hex).join('');
  return `V${major}.${minor}`;
}
