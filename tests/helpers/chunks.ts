/** Shared helpers for parser tests: feed bytes in chunks through a decoder core or a stream parser. */
import type { Transform } from 'node:stream';

/** What every driver's synchronous decoder core offers. */
export interface DecoderCore<E, S> {
  push(chunk: Uint8Array): E[];
  end(): E[];
  readonly pendingBytes: number;
  readonly stats: S;
}

/** Feed chunks through a decoder core; events summarised, the largest pending buffer seen, and the final stats. */
export function decodeChunksWith<E, S, T>(decoder: DecoderCore<E, S>, chunks: readonly Uint8Array[], summarise: (e: E) => T): { events: T[]; stats: S; maxPending: number } {
  const events: T[] = [];
  let maxPending = 0;
  for (const c of chunks) {
    events.push(...decoder.push(c).map(summarise));
    maxPending = Math.max(maxPending, decoder.pendingBytes);
  }
  events.push(...decoder.end().map(summarise));
  return { events, stats: decoder.stats, maxPending };
}

/** Feed chunks through a stream parser (Transform) to its end; events summarised. */
export async function parseChunksWith<E, T>(parser: Transform, chunks: readonly Uint8Array[], summarise: (e: E) => T): Promise<T[]> {
  const events: T[] = [];
  parser.on('data', (e: E) => events.push(summarise(e)));
  const done = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
  });
  for (const c of chunks) parser.write(c);
  parser.end();
  await done;
  return events;
}

/** Split a buffer into single bytes. */
export const bytewise = (b: Uint8Array): Uint8Array[] => Array.from(b, (x) => Uint8Array.of(x));
/** Concatenate buffers and byte lists. */
export const cat = (...parts: (Uint8Array | number[])[]): Buffer => Buffer.concat(parts.map((p) => Buffer.from(p)));
/** Split a buffer into chunks of `size` bytes. */
export const chunked = (b: Uint8Array, size: number): Uint8Array[] => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));
