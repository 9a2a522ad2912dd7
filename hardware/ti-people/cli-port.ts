/**
 * TI mmWave CLI (configuration) UART: send a .cfg one line at a time and wait for the radar's answer.
 *
 * Facts (docs/RADAR-PROTOCOLS.md §3.4): IWR6843 EVM CLI port 115200 baud; ASCII lines terminated `\n`;
 * the device echoes each line, then answers `Done` (or `Error …`), then prints the prompt `mmwDemo:/>` (no newline,
 * so it prefixes the next echo). TI's visualizer writes a line and reads two lines. A .cfg starts with `sensorStop`,
 * `flushCfg` and ends with `sensorStart`; `%` starts a comment line. The user guide says to restart the device before
 * sending a new configuration.
 *
 *   host ─► "boundaryBox -3 3 0.5 7.5 0 3\n"
 *   radar ◄─ "mmwDemo:/>boundaryBox -3 3 0.5 7.5 0 3\r\n" "Done\r\n" "mmwDemo:/>"         (echo, answer, prompt)
 *
 * Rules: one line in flight; the answer counts only after the echo of that line (a stale `Done` cannot confirm it);
 * each line has its own timeout (timers injected, so tests need no sleeping: shared/timers.ts `Timers`,
 * e.g. systemTimers or ManualTimers, fits CliTimers); the port is injected: any node Duplex (serialport, PTY, fake) or
 * a hardware/bindings SerialPortLike fits CliPort. Errors name the cfg line number and command word only — never the
 * arguments or the device's text — so a log line cannot carry the site's geometry.
 */
import { systemTimers, type Timers } from '../../shared/timers.ts';

/** What sendConfig needs of the CLI UART. `write` may return a Promise (SerialPortLike) or a boolean (Duplex). */
export interface CliPort {
  write(chunk: Buffer): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (info?: unknown) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the listener types differ per event
  off(event: 'data' | 'close' | 'error', listener: (...args: any[]) => void): unknown;
}

/** The part of shared/timers.ts `Timers` sendConfig uses. */
export type CliTimers = Pick<Timers, 'setTimeout' | 'clearTimeout'>;

export interface SendConfigOptions {
  /** Longest wait for echo + Done per line. Default 3000 ms (sensorStart calibrates before it answers). */
  lineTimeoutMs?: number;
  /** Default: systemTimers (shared/timers.ts). */
  timers?: CliTimers;
  signal?: AbortSignal;
  /** Wait for the echo before accepting the answer. Default true (the demo firmware always echoes). */
  requireEcho?: boolean;
}

export type TiCliFailure = 'refused' | 'timeout' | 'closed' | 'aborted' | 'write';

export class TiCliError extends Error {
  override name = 'TiCliError';
  constructor(
    readonly kind: TiCliFailure,
    /** 1-based line number in the cfg text (or list) given to sendConfig. */
    readonly lineNumber: number,
    /** First word of the line, e.g. `boundaryBox`. */
    readonly command: string,
    detail: string,
  ) {
    super(`cfg line ${lineNumber} (${command}): ${detail}`);
  }
}

export interface CfgLine {
  lineNumber: number;
  text: string;
  command: string;
}

export const PROMPT = 'mmwDemo:/>';
const PRINTABLE = /^[\x20-\x7e\t]*$/;

/** The command lines of a cfg (text or list of lines): blank and `%` comment lines skipped, numbers kept. */
export function parseCfg(config: string | readonly string[]): CfgLine[] {
  const lines = typeof config === 'string' ? config.split(/\r?\n/) : config;
  const out: CfgLine[] = [];
  const errors: string[] = [];
  lines.forEach((raw, index) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('%')) return;
    const command = (text.split(/\s+/)[0] ?? '').slice(0, 40);
    if (!PRINTABLE.test(text)) errors.push(`line ${index + 1} (${PRINTABLE.test(command) ? command : '?'}) holds a line break or non-ASCII character`);
    else out.push({ lineNumber: index + 1, text, command });
  });
  if (errors.length) throw new RangeError(`cfg refused before sending: ${errors.join('; ')}`);
  return out;
}

const normalise = (s: string): string => s.trim().replace(/\s+/g, ' ');
const stripPrompt = (s: string): string => {
  let t = s.trim();
  while (t.startsWith(PROMPT)) t = t.slice(PROMPT.length).trim();
  return t;
};

/**
 * Send every command line of `config` over the CLI port, one at a time, each after the previous one's `Done`.
 * Resolves with the number of lines confirmed; rejects with a TiCliError on `Error …`, timeout, port close/error or
 * abort (nothing after the failing line is sent). Throws RangeError before sending anything if the cfg is malformed.
 */
export async function sendConfig(port: CliPort, config: string | readonly string[], options: SendConfigOptions = {}): Promise<number> {
  const { lineTimeoutMs = 3000, timers = systemTimers, signal, requireEcho = true } = options;
  if (!(Number.isFinite(lineTimeoutMs) && lineTimeoutMs > 0)) throw new RangeError('"lineTimeoutMs" must be a positive number');
  const lines = parseCfg(config);
  let partial = '';
  let current: { line: CfgLine; echoed: boolean; resolve: () => void; fail: (kind: TiCliFailure, detail: string) => void } | null = null;

  const onData = (chunk: Buffer): void => {
    partial += Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk);
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const text = stripPrompt(partial.slice(0, nl));
      partial = partial.slice(nl + 1);
      if (!current || text === '') continue;
      if (!current.echoed) {
        if (normalise(text) === normalise(current.line.text)) current.echoed = true;
        continue; // anything before the echo belongs to an earlier line
      }
      if (text === 'Done') current.resolve();
      else if (text.startsWith('Error')) current.fail('refused', 'the radar answered Error');
    }
    if (partial.length > 4096) partial = partial.slice(-256); // a line never gets this long: keep memory bounded
  };
  const onClose = (): void => current?.fail('closed', 'the CLI port closed before the answer');
  const onError = (): void => current?.fail('closed', 'the CLI port failed before the answer');
  const onAbort = (): void => current?.fail('aborted', 'aborted');

  port.on('data', onData);
  port.on('close', onClose);
  port.on('error', onError);
  signal?.addEventListener('abort', onAbort);
  let confirmed = 0;
  try {
    for (const line of lines) {
      if (signal?.aborted) throw new TiCliError('aborted', line.lineNumber, line.command, 'aborted');
      await new Promise<void>((resolve, reject) => {
        let timer: unknown = null;
        const settle = (err: TiCliError | null): void => {
          if (current?.line !== line) return;
          current = null;
          if (timer !== null) timers.clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        };
        const entry = {
          line,
          echoed: !requireEcho,
          resolve: () => settle(null),
          fail: (kind: TiCliFailure, detail: string) => settle(new TiCliError(kind, line.lineNumber, line.command, detail)),
        };
        current = entry;
        timer = timers.setTimeout(() => entry.fail('timeout', `no "Done" within ${lineTimeoutMs} ms`), lineTimeoutMs);
        // settle() ignores a late failure once this line is answered, so it cannot fail a later line.
        const written: unknown = port.write(Buffer.from(`${line.text}\n`, 'latin1'));
        if (written instanceof Promise) written.catch(() => entry.fail('write', 'could not write to the CLI port'));
      });
      confirmed++;
    }
    return confirmed;
  } finally {
    current = null;
    port.off('data', onData);
    port.off('close', onClose);
    port.off('error', onError);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Stop the radar's chirping and data output (`sensorStop`, §3.4): for shutdown and for expiry, after which the sensor
 * must stop sensing. Resolves once the radar confirmed with `Done`.
 */
export async function sensorStop(port: CliPort, options: SendConfigOptions = {}): Promise<void> {
  await sendConfig(port, ['sensorStop'], options);
}
