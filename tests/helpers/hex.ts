/**
 * Loader for the radar `.hex` fixtures in tests/fixtures/radar (provenance in its README.md).
 *
 * Line formats seen there:
 *   # comment
 *   <seconds> <rx|tx> <hex bytes> ; comment       (real captures)
 *   <rx|tx|ack> <hex bytes> ; comment             (no time; `ack` = a sensor → host example, read as rx)
 *   <hex bytes>                                   (one frame per line, no time/direction)
 *   <label> <hex bytes> ; comment                 (labelled rows of one frame, e.g. `header`, `tlv_hdr`, `payload`;
 *                                                  concatenating the rows in order gives the frame; read as rx)
 * A hex token is one byte (`fd`) or several bytes written together (`fdfcfbfa0400…`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in tests/helpers/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The radar captures, inside the repository (tests/fixtures/radar/README.md names each one's source). */
export const RADAR_FIXTURES_DIR = path.resolve(REPO_ROOT, 'tests/fixtures/radar');

export interface HexEntry {
  /** Seconds since the capture started, when the line has a time. */
  t?: number;
  /** rx = sensor → host, tx = host → sensor; absent for bare frame lines. */
  dir?: 'rx' | 'tx';
  bytes: Buffer;
  /** Row label of a labelled line (`header`, `tlv_hdr`, `payload`, …); absent otherwise. */
  label?: string;
  /** Text after `;`, trimmed ('' if none). */
  comment: string;
  /** 1-based line number in the file. */
  line: number;
}

const HEX_BYTES = /^(?:[0-9a-f]{2})+$/i;
const LABEL = /^[a-z_][a-z0-9_]*$/i;
const TIME = /^\d+(\.\d+)?$/;
const DIRS: Record<string, 'rx' | 'tx'> = { rx: 'rx', tx: 'tx', ack: 'rx' };

/** Parse the text of a .hex file. Throws on a malformed line (a fixture error should fail loudly). */
export function parseHexText(text: string): HexEntry[] {
  const entries: HexEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const semi = trimmed.indexOf(';');
    const body = (semi >= 0 ? trimmed.slice(0, semi) : trimmed).trim();
    const comment = semi >= 0 ? trimmed.slice(semi + 1).trim() : '';
    const tokens = body.split(/\s+/);
    const entry: Partial<HexEntry> = { comment, line: index + 1 };
    let k = 0;
    const t0 = tokens[0] ?? '';
    const t1 = tokens[1] ?? '';
    if (TIME.test(t0) && DIRS[t1.toLowerCase()]) {
      entry.t = Number(t0);
      entry.dir = DIRS[t1.toLowerCase()];
      k = 2;
    } else if (DIRS[t0.toLowerCase()]) {
      entry.dir = DIRS[t0.toLowerCase()];
      k = 1;
    } else if (!HEX_BYTES.test(t0) && LABEL.test(t0)) {
      entry.label = t0;
      k = 1;
    }
    const hex = tokens.slice(k);
    const bad = hex.find((h) => !HEX_BYTES.test(h));
    if (bad !== undefined || hex.length === 0) throw new Error(`hex fixture line ${index + 1}: not a hex byte list`);
    entries.push({ ...entry, bytes: Buffer.from(hex.join(''), 'hex') } as HexEntry);
  });
  return entries;
}

/** Absolute path of a radar fixture file. */
export const radarFixturePath = (name: string): string => path.join(RADAR_FIXTURES_DIR, name);

/** Load and parse one radar fixture by file name, e.g. 'ld2450_real_v204_256000_stream.hex'. */
export function loadHex(name: string): HexEntry[] {
  return parseHexText(readFileSync(radarFixturePath(name), 'utf8'));
}

/** Entries the sensor sent (rx), plus bare frame lines (no direction), in file order. */
export const rxEntries = (entries: readonly HexEntry[]): HexEntry[] => entries.filter((e) => e.dir !== 'tx');

/** All sensor → host bytes concatenated into one stream, as a serial port would deliver them. */
export const rxStream = (entries: readonly HexEntry[]): Buffer => Buffer.concat(rxEntries(entries).map((e) => e.bytes));
