/**
 * Command/ACK sessions with Hi-Link radars (LD2450, LD2410): the same envelope (`FD FC FB FA len cmd value 04 03 02 01`,
 * ACK word | 0x0100, u16 status; docs/RADAR-PROTOCOLS.md §1.2, §2), so the same machinery for both drivers
 * (hardware/ld2450/driver.ts, hardware/ld2410/driver.ts).
 *
 * Every command: write, wait for its ACK (command | 0x0100, status 0) for `timeoutMs`, up to `tries` times. Bytes
 * are parsed with the model's data-path decoder, so an ACK that follows the tail of an in-flight report is found;
 * report frames are counted (for the "host TX wire" hint) and otherwise ignored; an ACK for another command (a late
 * answer to an earlier try) is ignored.
 */
import type { Logger } from '../shared/log.ts';
import type { SerialPortLike } from './bindings/serial.ts';
import { systemTimers, type TimerHandle, type Timers } from '../shared/timers.ts';

/** What a radar decoder's push() yields (Ld2450Event and Ld2410Event both fit). */
export type RadarConfigEvent =
  | { type: 'report' }
  | { type: 'ack'; command: number; status: number; data: Buffer }
  | { type: 'noise' };

export interface RadarAckDecoder {
  push(chunk: Uint8Array): readonly RadarConfigEvent[];
}

/** Base of the per-model configuration errors (Ld2450ConfigError, Ld2410ConfigError). */
export class RadarConfigError extends Error {
  override name = 'RadarConfigError';
}

export interface RadarAck {
  status: number;
  data: Buffer;
}

/** Waits for ACKs of one command at a time on a port. */
export class AckChannel {
  #waiter: { command: number; done: (ack: RadarAck | Error) => void } | null = null;
  reports = 0;
  noise = 0;
  closed = false;

  /** `closedError`: the error for "port closed during configuration" (model-specific class and text). */
  constructor(private readonly port: SerialPortLike, private readonly decoder: RadarAckDecoder, private readonly closedError: () => Error,
    private readonly makeError: (message: string) => Error) {
    port.on('data', this.#onData);
    port.on('close', this.#onClose);
  }

  #onData = (chunk: Buffer): void => {
    for (const e of this.decoder.push(chunk)) {
      if (e.type === 'report') this.reports++;
      else if (e.type === 'noise') this.noise++;
      else if (this.#waiter && e.command === this.#waiter.command) {
        const w = this.#waiter;
        this.#waiter = null;
        w.done({ status: e.status, data: e.data });
      }
    }
  };

  #onClose = (): void => {
    this.closed = true;
    const w = this.#waiter;
    this.#waiter = null;
    w?.done(this.closedError());
  };

  /** One attempt: write, then the ACK, null on timeout. */
  async attempt(frame: Buffer, command: number, timers: Timers, timeoutMs: number): Promise<RadarAck | null> {
    if (this.closed) throw this.closedError();
    let timer: TimerHandle | null = null;
    const answer = new Promise<RadarAck | null>((resolve, reject) => {
      this.#waiter = { command, done: (a) => (a instanceof Error ? reject(a) : resolve(a)) };
      timer = timers.setTimeout(() => {
        this.#waiter = null;
        resolve(null);
      }, timeoutMs);
    });
    try {
      await this.port.write(frame);
    } catch (err) {
      this.#waiter = null;
      timers.clearTimeout(timer);
      throw this.makeError(`cannot write to ${this.port.path}: ${(err as Error).message}`);
    }
    try {
      return await answer;
    } finally {
      timers.clearTimeout(timer);
    }
  }

  dispose(): void {
    this.port.off('data', this.#onData);
    this.port.off('close', this.#onClose);
  }
}

export interface RadarSessionOptions {
  timers?: Timers;
  /** Per-command ACK timeout, ms. Default 1000. */
  timeoutMs?: number;
  /** Attempts per command. Default 3. */
  tries?: number;
  logger?: Logger;
}

export interface RadarSessionSpec {
  /** Short model name for messages, e.g. "LD2450". */
  model: string;
  baud: number;
  decoder: RadarAckDecoder;
  makeError: (message: string) => Error;
}

/** A configuration session: the ACK channel plus `request` (write, wait, retry, clear errors). */
export interface RadarSession {
  readonly channel: AckChannel;
  readonly timers: Timers;
  readonly timeoutMs: number;
  /** Send a command until it is acknowledged with status 0 (returns the ACK data), or throw after `tries`. */
  request(name: string, frame: Buffer, command: number): Promise<Buffer>;
  /** Best effort, once, errors swallowed (e.g. End configuration after a failed step). */
  once(frame: Buffer, command: number): Promise<void>;
  dispose(): void;
}

export function openRadarSession(port: SerialPortLike, spec: RadarSessionSpec, options: RadarSessionOptions = {}): RadarSession {
  const timers = options.timers ?? systemTimers;
  const timeoutMs = options.timeoutMs ?? 1000;
  const tries = options.tries ?? 3;
  if (!(Number.isInteger(tries) && tries >= 1 && tries <= 10)) throw new RangeError('tries must be an integer 1–10');
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
  const log = options.logger;
  const { model, makeError } = spec;
  const channel = new AckChannel(port, spec.decoder, () => makeError(`serial device ${port.path} closed during ${model} configuration`), makeError);

  const request = async (name: string, frame: Buffer, command: number): Promise<Buffer> => {
    let refused: number | null = null;
    for (let i = 1; i <= tries; i++) {
      const ack = await channel.attempt(frame, command, timers, timeoutMs);
      if (ack && ack.status === 0) return ack.data;
      if (ack) refused = ack.status;
      log?.debug({ command: name, attempt: i, status: ack?.status ?? 'timeout' }, `${model} command not acknowledged`);
    }
    if (refused !== null) throw makeError(`${model} refused '${name}' (ACK status ${refused}) ${tries} times`);
    const heard = channel.reports > 0 ? "; reports arrive, so check the wire from the host's TX to the module's RX"
      : channel.noise > 0 ? '; only 0x00 bytes arrive: wrong baud rate?' : '';
    throw makeError(`${model} did not acknowledge '${name}' after ${tries} tries: check TX/RX wiring and ${spec.baud} baud${heard}`);
  };

  return {
    channel,
    timers,
    timeoutMs,
    request,
    once: async (frame, command) => void (await channel.attempt(frame, command, timers, timeoutMs).catch(() => null)),
    dispose: () => channel.dispose(),
  };
}
