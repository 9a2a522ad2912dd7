/**
 * A Hi-Link decoder as a Transform stream, in the node-serialport parser style: pipe the port into it, read events
 * out (object mode). The decoder (a table on hardware/hilink/framer.ts) does the framing; this only moves chunks.
 * Never throws on input; `stats` is the decoder's snapshot.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';

export interface HiLinkDecoder<E, S> {
  readonly stats: S;
  push(chunk: Uint8Array): E[];
  end(): E[];
}

export type HiLinkStreamOptions = Omit<TransformOptions, 'readableObjectMode' | 'writableObjectMode' | 'objectMode'>;

/** The decoder options a parser takes, without the keys left undefined (exactOptionalPropertyTypes). */
export function definedOptions<O extends object>(options: O): O {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as O;
}

export class HiLinkParser<E, S> extends Transform {
  readonly #decoder: HiLinkDecoder<E, S>;

  constructor(decoder: HiLinkDecoder<E, S>, options: HiLinkStreamOptions) {
    super({ ...options, decodeStrings: true, readableObjectMode: true, writableObjectMode: false });
    this.#decoder = decoder;
  }

  /** The decoder's counters (a snapshot). */
  get stats(): S {
    return this.#decoder.stats;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const event of this.#decoder.push(chunk)) this.push(event);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    for (const event of this.#decoder.end()) this.push(event);
    callback();
  }
}
