/**
 * TI mmWave (IWR6843) people-counting DATA-port parser as a Transform stream, in the node-serialport parser style:
 * pipe the data UART into it, read events out. (The CLI/config UART is cli-port.ts.)
 *
 *   dataPort.pipe(new TiPeopleParser()).on('data', (e: TiPeopleEvent) => …)
 *
 * Writable side: raw bytes at 921600 8N1 (docs/RADAR-PROTOCOLS.md §3). Readable side (object mode):
 *   { type: 'report', frame: RawFrame }   one per valid frame, SDK 40-byte or legacy 48-byte header (§3.1, §3.2);
 *                                         targets from the target list TLV (1010 / legacy 7), none if it is absent
 *   { type: 'noise', reason }             once per long run of discarded 0x00 (wrong baud rate, §5)
 * Framing, layout detection, resync and bounds are in decoder.ts / frame.ts. The parser never throws on input;
 * `stats` counts what it saw, with a reason per rejected frame.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { TiPeopleDecoder, type TiPeopleDecoderOptions, type TiPeopleEvent, type TiPeopleStats } from './decoder.ts';

export type { TiPeopleEvent, TiPeopleStats } from './decoder.ts';

export type TiPeopleParserOptions = TiPeopleDecoderOptions & Omit<TransformOptions, 'readableObjectMode' | 'writableObjectMode' | 'objectMode'>;

export class TiPeopleParser extends Transform {
  readonly #decoder: TiPeopleDecoder;

  /** Throws RangeError on invalid options (checked here, once, not per chunk). */
  constructor({ maxPacketBytes, zeroRunBytes, ...options }: TiPeopleParserOptions = {}) {
    super({ ...options, decodeStrings: true, readableObjectMode: true, writableObjectMode: false });
    this.#decoder = new TiPeopleDecoder({
      ...(maxPacketBytes !== undefined ? { maxPacketBytes } : {}),
      ...(zeroRunBytes !== undefined ? { zeroRunBytes } : {}),
    });
  }

  /** Counters: reports, legacyReports, withoutTargetList, discardedBytes, badFrames, rejected (per reason), noiseRuns. */
  get stats(): TiPeopleStats {
    return this.#decoder.stats;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const event of this.#decoder.push(chunk)) this.push(event satisfies TiPeopleEvent);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    for (const event of this.#decoder.end()) this.push(event);
    callback();
  }
}
