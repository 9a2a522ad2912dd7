/**
 * The beam counter's "parser": the pipeline's input for driver 'beam'. A break-beam counter has no byte format;
 * its source (source.ts) already yields occupancy frames, so this Transform (object mode both ways) only checks
 * what it is given and wraps it in the driver event every parser emits (hardware/drivers.ts):
 *
 *   RawFrame.fromOccupancy(n) ─► { type: 'report', frame }
 *   anything else             ─► { type: 'noise', reason }   (fixed text; never the input itself)
 */
import { Transform, type TransformCallback } from 'node:stream';
import { RawFrame } from '../frame.ts';

export type BeamEvent = { type: 'report'; frame: RawFrame } | { type: 'noise'; reason: string };

export const BEAM_BAD_INPUT_REASON = 'beam counter: input is not an occupancy frame';

export class BeamFrameParser extends Transform {
  #reports = 0;
  #rejected = 0;

  constructor() {
    super({ readableObjectMode: true, writableObjectMode: true });
  }

  get stats(): { reports: number; rejected: number } {
    return { reports: this.#reports, rejected: this.#rejected };
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (chunk instanceof RawFrame && chunk.occupancy !== null) {
      this.#reports++;
      this.push({ type: 'report', frame: chunk } satisfies BeamEvent);
    } else {
      this.#rejected++;
      this.push({ type: 'noise', reason: BEAM_BAD_INPUT_REASON } satisfies BeamEvent);
    }
    callback();
  }
}
