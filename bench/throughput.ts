/**
 * Parser throughput on one core: `node --import tsx bench/throughput.ts [--seconds S] [--chunk BYTES]`.
 *
 * Decodes a long stream of typical frames per driver and prints frames/s against the device's UART line rate
 * (8N1 = 10 bits per byte on the wire):
 *   ld2450     30-byte report frames (1–3 targets)            256000 baud → 25600 B/s ÷ 30 B = 853 frames/s (§1)
 *   ti-people  SDK frames with 10 tracks + 100 points, padded  921600 baud → 92160 B/s ÷ frame bytes (§3)
 *   ld2410     23-byte basic report frames                     256000 baud → 25600 B/s ÷ 23 B = 1113 frames/s (§2)
 * Two figures: the synchronous decoder core, and the Transform stream the firmware pipes the port into (object-mode
 * events included). Each is warmed up first, then timed for S seconds (default 1.5) in chunks of a typical serial read
 * (default 4096 bytes, so TI frames straddle chunks). The goal is ≥ 1000× line rate; this prints, it asserts nothing.
 */
import { parseArgs } from 'node:util';
import { createReportParser, type DriverEvent } from '../hardware/drivers.ts';
import { Ld2410Decoder } from '../hardware/ld2410/decoder.ts';
import { Ld2450Decoder } from '../hardware/ld2450/decoder.ts';
import { TiPeopleDecoder } from '../hardware/ti-people/decoder.ts';
import type { DriverName } from '../shared/manifest.ts';
import { encodeLd2410Report } from '../simulator/encoders/ld2410.ts';
import { encodeLd2450Report } from '../simulator/encoders/ld2450.ts';
import { encodeTiFrame } from '../simulator/encoders/ti-people.ts';
import { mulberry32 } from '../simulator/random.ts';

interface Case {
  name: DriverName;
  baud: number;
  frames: Buffer[];
  core: () => { push(chunk: Uint8Array): DriverEvent[] };
}

const r = mulberry32(42);
const N = 1000; // distinct frames in the stream
const CASES: Case[] = [
  {
    name: 'ld2450',
    baud: 256_000,
    frames: Array.from({ length: N }, () =>
      encodeLd2450Report(Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ xMm: r() * 4000 - 2000, yMm: 500 + r() * 5000, speedCmS: r() * 100 - 50 })))),
    core: () => new Ld2450Decoder(),
  },
  {
    name: 'ti-people',
    baud: 921_600,
    frames: Array.from({ length: N }, (_, k) =>
      encodeTiFrame({
        frameNumber: k,
        targets: Array.from({ length: 10 }, (_, tid) => ({ tid, posX: r() * 6 - 3, posY: 1 + r() * 6, posZ: 1, velX: r() - 0.5, velY: r() - 0.5 })),
        points: Array.from({ length: 100 }, () => ({ rangeM: 1 + r() * 6, azimuthRad: r() - 0.5, elevationRad: r() * 0.3, dopplerMS: r() - 0.5, snr: 5 + r() * 20 })),
        targetIndex: Array.from({ length: 100 }, () => Math.floor(r() * 10)),
      })),
    core: () => new TiPeopleDecoder(),
  },
  {
    name: 'ld2410',
    baud: 256_000,
    frames: Array.from({ length: N }, () => encodeLd2410Report({ state: Math.floor(r() * 4), movingDistanceCm: r() * 600, movingEnergy: r() * 100, staticDistanceCm: r() * 600, staticEnergy: r() * 100 })),
    core: () => new Ld2410Decoder(),
  },
];

const chunksOf = (b: Buffer, size: number): Buffer[] => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));

/** Frames/s through the decoder core: push the stream again and again for `seconds`. */
function measureCore(c: Case, chunks: Buffer[], seconds: number): number {
  const core = c.core();
  let frames = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (const chunk of chunks) for (const e of core.push(chunk)) if (e.type === 'report') frames++;
    elapsed = performance.now() - t0;
  }
  return frames / (elapsed / 1000);
}

/** Frames/s through the Transform stream (createReportParser), events consumed by a 'data' listener. */
async function measureStream(c: Case, chunks: Buffer[], seconds: number): Promise<number> {
  const parser = createReportParser(c.name);
  let frames = 0;
  parser.on('data', (e: DriverEvent) => {
    if (e.type === 'report') frames++;
  });
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (const chunk of chunks) {
      if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
    }
    await new Promise(setImmediate);
    elapsed = performance.now() - t0;
  }
  parser.end();
  await new Promise((resolve) => parser.on('end', resolve));
  return frames / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, chunk: { type: 'string' } } });
  const seconds = Number(values.seconds ?? 1.5);
  const chunk = Number(values.chunk ?? 4096);
  if (!(seconds > 0) || !(Number.isInteger(chunk) && chunk > 0)) throw new RangeError('--seconds > 0, --chunk a positive integer');
  process.stdout.write(`throughput: one core, ${seconds} s per measurement after warm-up, ${chunk}-byte chunks, node ${process.version}\n\n`);
  const head = ['driver', 'frame B', 'line fps', 'core fps', 'core ×line', 'stream fps', 'stream ×line', 'core MB/s'];
  const rows: string[][] = [];
  for (const c of CASES) {
    const stream = Buffer.concat(c.frames);
    const frameBytes = stream.length / c.frames.length;
    const lineFps = c.baud / 10 / frameBytes;
    const chunks = chunksOf(stream, chunk);
    measureCore(c, chunks, 0.5); // warm-up (JIT) of both paths before timing either
    await measureStream(c, chunks, 0.5);
    const core = measureCore(c, chunks, seconds);
    const viaStream = await measureStream(c, chunks, seconds);
    rows.push([
      c.name, frameBytes.toFixed(0), lineFps.toFixed(1), Math.round(core).toLocaleString('en'), `${Math.round(core / lineFps).toLocaleString('en')}×`,
      Math.round(viaStream).toLocaleString('en'), `${Math.round(viaStream / lineFps).toLocaleString('en')}×`, ((core * frameBytes) / 1e6).toFixed(0),
    ]);
  }
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((x, i) => (i === 0 ? x.padEnd(width[i] ?? 0) : x.padStart(width[i] ?? 0))).join('  ');
  process.stdout.write(`${[line(head), ...rows.map(line)].join('\n')}\n\ngoal: ≥ 1000× line rate (line fps = baud ÷ 10 bits ÷ frame bytes)\n`);
}

await main();
