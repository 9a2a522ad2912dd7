/**
 * HLK-LD2410 serial parser as a Transform stream, in the node-serialport parser style: pipe the port into it, read
 * events out.
 *
 *   port.pipe(new Ld2410Parser()).on('data', (e: Ld2410Event) => …)
 *
 * Writable side: raw bytes at 256000 8N1 (docs/RADAR-PROTOCOLS.md §2). Readable side (object mode):
 *   { type: 'report', frame: RawFrame }              one per valid basic/engineering report (§2.1); presence only:
 *                                                     RawFrame.fromOccupancy(state ≠ 0 ? 1 : 0)
 *   { type: 'ack', command, status, data: Buffer }   one per valid ACK frame (LD2450 envelope, §2 / §1.2)
 *   { type: 'noise', reason }                        once per long run of discarded 0x00 (wrong baud rate, §5)
 * Framing, resync and bounds are in decoder.ts (on hardware/hilink/framer.ts). The parser never throws on input;
 * `stats` counts what it saw: reports, engineeringReports, acks, discardedBytes, badFrames, noiseRuns.
 */
import { definedOptions, HiLinkParser, type HiLinkStreamOptions } from '../hilink/parser.ts';
import { Ld2410Decoder, type Ld2410DecoderOptions, type Ld2410Event, type Ld2410Stats } from './decoder.ts';

export type { Ld2410Event, Ld2410Stats } from './decoder.ts';

export type Ld2410ParserOptions = Ld2410DecoderOptions & HiLinkStreamOptions;

export class Ld2410Parser extends HiLinkParser<Ld2410Event, Ld2410Stats> {
  /** Throws RangeError on invalid options (checked here, once, not per chunk). */
  constructor({ maxAckLength, zeroRunBytes, ...options }: Ld2410ParserOptions = {}) {
    super(new Ld2410Decoder(definedOptions({ maxAckLength, zeroRunBytes })), options);
  }
}
