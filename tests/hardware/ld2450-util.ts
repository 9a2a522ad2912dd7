/** Test helpers for the LD2450 driver: run the parser, and turn events into comparable plain values (tests only). */
import { Ld2450Decoder } from '../../hardware/ld2450/decoder.ts';
import { decodeChunksWith, parseChunksWith } from '../helpers/chunks.ts';
import { Ld2450Parser, type Ld2450Event, type Ld2450ParserOptions, type Ld2450Stats } from '../../hardware/ld2450/parser.ts';

export type Summary =
  | { type: 'report'; targets: [number, number][] }
  | { type: 'ack'; command: number; status: number; data: string }
  | { type: 'noise'; reason: string };

/** Plain values of an event — positions included, so for test assertions only, never for logs. */
export function summarise(e: Ld2450Event): Summary {
  switch (e.type) {
    case 'report':
      return { type: 'report', targets: (e.frame.targets ?? []).map((t) => [t.xMm, t.yMm]) };
    case 'ack':
      return { type: 'ack', command: e.command, status: e.status, data: e.data.toString('hex') };
    case 'noise':
      return { type: 'noise', reason: e.reason };
  }
}

/** Run bytes through the stream parser (Transform), chunk by chunk, to the end. */
export async function parseChunks(chunks: readonly Uint8Array[], options: Ld2450ParserOptions = {}): Promise<{ events: Summary[]; stats: Ld2450Stats }> {
  const parser = new Ld2450Parser(options);
  const events = await parseChunksWith(parser, chunks, (e: Ld2450Event) => summarise(e));
  return { events, stats: parser.stats };
}

/** The same through the synchronous decoder core (fast, for exhaustive loops). */
export function decodeChunks(chunks: readonly Uint8Array[]): { events: Summary[]; stats: Ld2450Stats; maxPending: number } {
  return decodeChunksWith(new Ld2450Decoder(), chunks, summarise);
}

export { bytewise } from '../helpers/chunks.ts';

/** Expected T1 values from a fixture comment like "T1: x=397 mm y=262 mm v=-8 cm/s res=360 mm; T2: empty; T3: empty". */
export function expectedFromComment(comment: string): { xMm: number; yMm: number; speedCmS: number; resolutionMm: number } {
  const m = /T1: x=(-?\d+) mm y=(-?\d+) mm v=(-?\d+) cm\/s res=(\d+) mm; T2: empty; T3: empty/.exec(comment);
  if (!m) throw new Error(`unexpected fixture comment: ${comment}`);
  return { xMm: Number(m[1]), yMm: Number(m[2]), speedCmS: Number(m[3]), resolutionMm: Number(m[4]) };
}
