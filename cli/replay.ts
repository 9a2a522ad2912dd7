/**
 * `drukte replay --driver D --input FILE [--manifest M]`
 *
 * Decodes a raw capture (binary; '-' = stdin) through the SAME pipeline as the live firmware (firmware/pipeline.ts:
 * driver parser → minimiser → aggregate assembly → egress encoder) and prints JSON lines:
 *   {"type":"frame","index":i,"targets":n}     per accepted report frame — counts only, never positions
 *   {"type":"aggregate", v, sensor, seq, …}     what the sensor would have published
 * A capture has no timestamps, so frames are stamped at the driver's nominal rate from --start; at the end of the
 * input the open window is closed as the firmware would close it at the window's end.
 */
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { ManualClock } from '../shared/clock.ts';
import { decodeCbor, encodeSensorPayload } from '../shared/codec.ts';
import { FRUIN_WALKWAY } from '../shared/density.ts';
import { AGGREGATE_KEYS } from '../shared/payloads.ts';
import { DEFAULT_MINIMISATION, DRIVERS, type DriverName } from '../shared/manifest.ts';
import { NOMINAL_FPS } from '../hardware/drivers.ts';
import { buildAggregate } from '../firmware/egress/egress.ts';
import { MemorySeqStore } from '../firmware/egress/seq-store.ts';
import type { MinimiserSettings } from '../firmware/minimiser/minimiser.ts';
import { createPipeline } from '../firmware/pipeline.ts';
import { settingsFromManifest } from '../firmware/settings.ts';
import { CliError, parse } from '../shared/args.ts';
import { loadManifest } from './manifest-file.ts';

const HELP = `usage: drukte replay --driver ${DRIVERS.join('|')} --input FILE|- [--manifest sensor.yaml] [--start ISO-DATE] [--fps N]

  --input     raw binary capture ('-' reads stdin)
  --manifest  take zone, area and minimisation settings from this sensor manifest
              (without it: every target counts, 10 m², window ${DEFAULT_MINIMISATION.windowSeconds} s, k floor ${DEFAULT_MINIMISATION.kFloor}, granularity ${DEFAULT_MINIMISATION.granularity})
  --start     time of the first frame (default 2025-01-01T00:00:00Z)
  --fps       frames per second of the capture (default: the device's nominal rate)`;

export async function run(argv: string[]): Promise<number> {
  const o = parse('replay', argv, {
    driver: { type: 'string' }, input: { type: 'string' }, manifest: { type: 'string' }, start: { type: 'string' }, fps: { type: 'string' },
  }, HELP);
  if (!o) return 0;
  if (!o.driver || !(DRIVERS as readonly string[]).includes(o.driver)) throw new CliError(`replay: --driver must be one of ${DRIVERS.join(', ')}\n\n${HELP}`);
  if (!o.input) throw new CliError(`replay: --input is required ('-' for stdin)\n\n${HELP}`);
  const driver = o.driver as DriverName;
  const manifest = o.manifest ? loadManifest(o.manifest, null) : null;
  if (manifest && manifest.driver !== driver) throw new CliError(`replay: the manifest is for driver '${manifest.driver}', not '${driver}'`);
  const startMs = o.start ? Date.parse(o.start) : Date.parse('2025-01-01T00:00:00Z');
  if (Number.isNaN(startMs)) throw new CliError(`replay: --start must be a date like 2025-06-01T12:00:00Z`);
  const fps = o.fps ? Number(o.fps) : NOMINAL_FPS[driver];
  if (!(fps > 0 && fps <= 1000)) throw new CliError('replay: --fps must be a number between 0 and 1000');

  const settings: MinimiserSettings = manifest
    ? settingsFromManifest(manifest)
    : { areaM2: 10, zone: null, scheme: FRUIN_WALKWAY, ...DEFAULT_MINIMISATION, heartbeatSeconds: 300 };
  const sensorId = manifest?.id ?? 'replay';
  const clock = new ManualClock(startMs);
  const seq = new MemorySeqStore();
  const out: string[] = [];
  const flush = () => {
    if (out.length) process.stdout.write(`${out.join('\n')}\n`);
    out.length = 0;
  };
  let first = true;
  const pipeline = createPipeline(driver, settings, clock, {
    beforeFrame: () => {
      if (!first) clock.advance(1000 / fps);
      first = false;
    },
    onFrame: (index, targets) => out.push(JSON.stringify({ type: 'frame', index, targets })),
    onResult: (result) => {
      // Exactly what the egress would put on the wire: assembled, checked by the encoder's allow-list, decoded.
      const wire = decodeCbor(encodeSensorPayload('aggregate', buildAggregate(sensorId, seq.next(), result))) as Record<string, unknown>;
      out.push(JSON.stringify({ type: 'aggregate', ...Object.fromEntries(AGGREGATE_KEYS.map((k) => [k, wire[k]])) }));
    },
  });

  const input = o.input === '-' ? process.stdin : createReadStream(o.input);
  input.on('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`drukte: replay: cannot read ${o.input}: ${err.code ?? err.message}\n`);
    process.exit(1);
  });
  for await (const chunk of input) {
    pipeline.input.write(chunk as Buffer);
    await new Promise(setImmediate);
    flush();
  }
  pipeline.input.end();
  await once(pipeline.input, 'finish');
  await new Promise(setImmediate);
  // Close the open window at its end, as the live firmware would.
  const W = settings.windowSeconds * 1000;
  clock.setWall(Math.floor(clock.now() / W) * W + W);
  pipeline.tick();
  flush();
  if (pipeline.frames === 0) {
    // Nothing decoded is never a result: it is a wrong driver, a text dump, or the wrong baud rate at capture time.
    process.stderr.write(`replay: 0 frames: is this the right driver and a raw capture?\n  --driver ${driver} reads ${driver}'s binary report frames as they come off the serial port (a .hex text dump must be converted to bytes first, see the README; a capture at the wrong baud rate holds no frames).\n`);
    return 1;
  }
  process.stderr.write(`replay: ${pipeline.frames} frame(s) decoded\n`);
  return 0;
}
