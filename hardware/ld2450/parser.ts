/**
 * HLK-LD2450 serial parser as a Transform stream, in the node-serialport parser style: pipe the port into it,
 * read events out.
 *
 *   port.pipe(new Ld2450Parser()).on('data', (e: Ld2450Event) => …)
 *
 * Writable side: raw bytes at 256000 8N1 (docs/RADAR-PROTOCOLS.md §1). Readable side (object mode):
 *   { type: 'report', frame: RawFrame }                       one per valid 30-byte report frame (§1.1)
 *   { type: 'ack', command, status, data: Buffer }            one per valid ACK frame (§1.2)
 *   { type: 'noise', reason }                                  once per long run of 0x00 (wrong baud rate, §5)
 * Framing, resync and bounds are in decoder.ts (on hardware/hilink/framer.ts). The parser never throws on input;
 * `stats` counts what it saw: reports, acks, discardedBytes, badFrames, noiseRuns.
 */
import { definedOptions, HiLinkParser, type HiLinkStreamOptions } from '../hilink/parser.ts';
import { Ld2450Decoder, type Ld2450DecoderOptions, type Ld2450Event, type Ld2450Stats } from './decoder.ts';

export type { Ld2450Event, Ld2450Stats } from './decoder.ts';

export type Ld2450ParserOptions = Ld2450DecoderOptions & HiLinkStreamOptions;

export class Ld2450Parser extends HiLinkParser<Ld2450Event, Ld2450Stats> {
  /** Throws RangeError on invalid options (checked here, once, not per chunk). */
  constructor({ maxAckLength, zeroRunBytes, ...options }: Ld2450ParserOptions = {}) {
    super(new Ld2450Decoder(definedOptions({ maxAckLength, zeroRunBytes })), options);
  }
}
