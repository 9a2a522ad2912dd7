/**
 * The beam counter's "parser": the pipeline's input for driver 'beam'. A break-beam counter has no byte format;
 * its source (source.ts) already yields occupancy frames, so this Transform (object mode both ways) only checks
 * what it is given and wraps it in the driver event every parser emits (hardware/drivers.ts); BeamDecoder is the same
 * check without the stream, which the pipeline uses:
 *
 *   RawFrame.fromOccupancy(n) ─► { type: 'report', frame }
 *   anything else             ─► { type: 'noise', reason }   (fixed text; never the input itself)
 */
import { Transform, type TransformCallback } from 'node:stream';
import { RawFrame } from '../frame.ts';

export type BeamEvent = { type: 'report'; frame: RawFrame } | { type: 'noise'; reason: string };

export const BEAM_BAD_INPUT_REASON = 'beam counter: input is not an occupancy frame';

/**
 * The check itself, synchronous (the pipeline calls it per frame, no stream in between): one event per input. Never
 * throws; the event for anything but an occupancy frame is fixed text, never the input.
 */
export class BeamDecoder {
  #reports = 0;
  #rejected = 0;

  get stats(): { reports: number; rejected: number } {
    return { reports: this.#reports, rejected: this.#rejected };
  }

  /** The event for one input (the beam source delivers one frame per chunk). */
  decode(chunk: unknown): BeamEvent {
    if (chunk instanceof RawFrame && chunk.occupancy !== null) {
      this.#reports++;
      return { type: 'report', frame: chunk };
    }
    this.#rejected++;
    return { type: 'noise', reason: BEAM_BAD_INPUT_REASON };
  }

  push(chunk: unknown): BeamEvent[] {
    return [this.decode(chunk)];
  }

  /** Nothing is ever held back. */
  end(): BeamEvent[] {
    return [];
  }
}

export class BeamFrameParser extends Transform {
  readonly #decoder = new BeamDecoder();

  constructor() {
    super({ readableObjectMode: true, writableObjectMode: true });
  }

  get stats(): { reports: number; rejected: number } {
    return this.#decoder.stats;
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.push(this.#decoder.decode(chunk) satisfies BeamEvent);
    callback();
  }
}
