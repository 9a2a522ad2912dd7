/**
 * The pipeline's data path (firmware/pipeline.ts): device chunks go straight to the driver's synchronous decoder
 * (pipeline.push), no stream in between. It must count exactly what the Transform parser counts, however the bytes
 * are split, keep the reset rule (nothing decoded after a reset from the same chunk), and refuse non-bytes for a byte
 * driver without showing the value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { ManualClock } from '../../shared/clock.ts';
import { FRUIN_WALKWAY } from '../../shared/density.ts';
import { createReportParser, type DriverEvent } from '../../hardware/drivers.ts';
import { RawFrame } from '../../hardware/frame.ts';
import { BEAM_BAD_INPUT_REASON } from '../../hardware/beam/parser.ts';
import { NOISE_ZERO_RUN_REASON } from '../../hardware/ld2450/decoder.ts';
import type { MinimiserSettings } from '../../firmware/minimiser/minimiser.ts';
import { createPipeline } from '../../firmware/pipeline.ts';
import { encodeLd2450Report } from '../../simulator/encoders/ld2450.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const settings: MinimiserSettings = {
  areaM2: 20, zone: [[-2000, 0], [2000, 0], [2000, 4000], [-2000, 4000]], scheme: FRUIN_WALKWAY,
  windowSeconds: 10, kFloor: 3, granularity: 1, output: 'level+count', heartbeatSeconds: 10,
};

/** What a pipeline saw: frame sizes and noise, in order. */
function run(driver: 'ld2450' | 'beam', feed: (p: ReturnType<typeof createPipeline>) => void): { seen: string[]; results: number } {
  const seen: string[] = [];
  let results = 0;
  const p = createPipeline(driver, settings, new ManualClock(T0), {
    onFrame: (_i, n) => void seen.push(`frame ${n}`),
    onNoise: (why) => void seen.push(`noise ${why}`),
    onResult: () => void results++,
  });
  feed(p);
  return { seen, results };
}

/** The same bytes through the Transform parser (what the pipeline used before), events in order. */
async function viaTransform(chunks: readonly Buffer[]): Promise<string[]> {
  const parser = createReportParser('ld2450');
  const seen: string[] = [];
  parser.on('data', (e: DriverEvent) => {
    if (e.type === 'report') seen.push(`frame ${e.frame.size}`);
    if (e.type === 'noise') seen.push(`noise ${e.reason}`);
  });
  for (const c of chunks) parser.write(c);
  parser.end();
  await new Promise((r) => parser.once('end', r));
  return seen;
}

describe('pipeline data path', () => {
  it('push() counts what the Transform parser counts, however the bytes are split', async () => {
    const piece = fc.oneof(
      fc.array(fc.record({ x: fc.integer({ min: -3000, max: 3000 }), y: fc.integer({ min: 0, max: 6000 }) }), { maxLength: 3 })
        .map((ts) => encodeLd2450Report(ts.map((t) => ({ xMm: t.x, yMm: t.y, speedCmS: 0 })))),
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
      fc.constant(Buffer.alloc(70)), // a zero run: noise
    );
    await fc.assert(fc.asyncProperty(fc.array(piece, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), async (pieces, cuts) => {
      const bytes = Buffer.concat(pieces);
      const chunks: Buffer[] = [];
      for (let at = 0, i = 0; at < bytes.length; i++) {
        const n = cuts[i % cuts.length]!;
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      const expected = await viaTransform(chunks);
      // (Only the sensor resets the pipeline on noise; here it just records, as the parser's listener does.)
      expect(run('ld2450', (p) => chunks.forEach((c) => p.push(c))).seen).toEqual(expected);
      expect(run('ld2450', (p) => p.push(bytes)).seen).toEqual(expected);
    }), { numRuns: 200, seed: 20261202 });
  });

  it('push() reuses nothing of the caller: a chunk buffer overwritten after the call does not change a held frame', () => {
    const frame = encodeLd2450Report([{ xMm: 100, yMm: 1000, speedCmS: 0 }]);
    const reused = Buffer.alloc(30);
    const { seen } = run('ld2450', (p) => {
      frame.copy(reused, 0, 0, 17);
      p.push(reused.subarray(0, 17)); // the first half is held…
      reused.fill(0xee); // …and the caller reuses its buffer
      frame.copy(reused, 0, 17);
      p.push(reused.subarray(0, 13));
    });
    expect(seen).toEqual(['frame 1']);
  });

  it('a reset during a chunk drops the rest of that chunk (no frame from before a gap joins the window after it)', () => {
    const frame = encodeLd2450Report([{ xMm: 100, yMm: 1000, speedCmS: 0 }]);
    const seen: string[] = [];
    const p = createPipeline('ld2450', settings, new ManualClock(T0), {
      onFrame: (_i, n) => void seen.push(`frame ${n}`),
      onNoise: (why) => {
        seen.push(`noise ${why}`);
        p.reset(); // as the sensor does
      },
      onResult: () => undefined,
    });
    p.push(Buffer.concat([frame, Buffer.alloc(70), frame, frame]));
    expect(seen).toEqual(['frame 1', `noise ${NOISE_ZERO_RUN_REASON}`]);
    p.push(frame); // the new decoder counts again
    expect(seen).toEqual(['frame 1', `noise ${NOISE_ZERO_RUN_REASON}`, 'frame 1']);
    expect(p.frames).toBe(2);
  });

  it('a frame pushed before tick() is counted in the window it arrived in', () => {
    const clock = new ManualClock(T0);
    const results: number[] = [];
    const p = createPipeline('beam', { ...settings, zone: null }, clock, { onResult: (r) => void results.push(r.count ?? -1) });
    for (let s = 0; s < 10; s++) {
      p.push(RawFrame.fromOccupancy(7));
      clock.advance(1000);
    }
    p.tick();
    expect(results).toEqual([7]);
  });

  it('input (a Writable, for replay) is the same push; end() flushes a held partial frame as truncated', async () => {
    const frame = encodeLd2450Report([{ xMm: 100, yMm: 1000, speedCmS: 0 }]);
    const seen: string[] = [];
    const p = createPipeline('ld2450', settings, new ManualClock(T0), { onFrame: (_i, n) => void seen.push(`frame ${n}`), onResult: () => undefined });
    p.input.write(frame);
    p.input.write(frame.subarray(0, 20));
    p.input.end();
    await new Promise((r) => p.input.once('finish', r));
    expect(seen).toEqual(['frame 1']);
  });

  it('a byte driver refuses objects with a TypeError that names the type only; the beam driver turns bytes into noise', () => {
    const secret = RawFrame.fromOccupancy(4242);
    const p = createPipeline('ld2450', settings, new ManualClock(T0), { onResult: () => undefined });
    let err: unknown;
    try {
      p.push(secret);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect(inspect(err)).not.toContain('4242');
    expect((err as Error).message).toBe('the ld2450 driver decodes bytes (Buffer or Uint8Array), not object');
    expect(run('beam', (q) => q.push(Buffer.from('4242'))).seen).toEqual([`noise ${BEAM_BAD_INPUT_REASON}`]);
  });
});
