/**
 * Structured JSON logs (pino), one namespace per module, with redaction as a second line of defence: raw frames
 * are unserialisable by construction (hardware/frame.ts), and any key that smells of positions is censored here.
 * Tests read logs through `memorySink()`.
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys that must never carry values into a log line. */
export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'token', '*.token', 'authorization', '*.authorization',
  'x', '*.x', 'y', '*.y', 'xMm', '*.xMm', 'yMm', '*.yMm', 'speed', '*.speed', 'targets', '*.targets',
  'frame', '*.frame', 'raw', '*.raw', 'payload', '*.payload', 'bytes', '*.bytes',
];

export interface LogOptions {
  level?: string;
  /** Pretty output for humans (default: when stdout is a TTY). */
  pretty?: boolean;
  /** Write here instead of stdout (tests). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(name: string, opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.DRUKTE_LOG_LEVEL ?? 'info';
  const base: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      // A log call must never crash the program nor print raw data: if a line cannot be serialised (a raw frame
      // refuses to be), a fixed notice is logged instead of the line.
      logMethod(args, method) {
        try {
          method.apply(this, args);
        } catch (err) {
          method.call(this, { withheld: (err as Error)?.name ?? 'Error' } as never, 'log line withheld: it carried raw sensor data or an unserialisable value');
        }
      },
    },
  };
  if (opts.destination) return pino(base, opts.destination as pino.DestinationStream);
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  if (pretty) {
    // Synchronous, in this thread (not a worker transport): lines appear in the order they were logged, so what a
    // command prints after its logs (the demo's banner) really comes last on the terminal.
    // Loaded only here (not an import): a sensor bundle logs JSON and does not carry pino-pretty.
    const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino(base, pinoPretty({ colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname', sync: true }));
  }
  return pino(base);
}

/** A logger that writes nowhere. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** An in-memory sink for tests: every log line, parsed. */
export function memorySink(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const text = () => chunks.join('');
  const lines = () => text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines, text };
}
