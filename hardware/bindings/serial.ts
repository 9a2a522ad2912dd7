/**
 * Serial ports as an IO boundary. Drivers and the device lifecycle depend only on `SerialBinding` / `SerialPortLike`.
 *
 * Built the node-serialport way (packages/serialport/lib/serialport.ts vs serialport-mock.ts): ONE port class,
 * `StreamSerialBinding`, around @serialport/stream's SerialPortStream; the real and the fake implementation differ
 * only in the low-level binding handed to it:
 *   realSerialBinding   → the platform binding serialport 13 itself uses (SerialPort.binding, bindings-cpp), with
 *                         hang-up-safe reads (serial-hangup.ts)
 *   fakeSerialBinding() → FakeSerialHub (serial-fake.ts), in memory, with a device end tests can talk through
 * so open/write/close run through the same stream code in tests and on a Pi, and reads through the same readPort()
 * (the binding's port read directly, not through the stream; a failed read is a disconnect either way). The contract
 * suite in tests/hardware/bindings-serial.test.ts runs against both (the real one on a socat PTY pair).
 *
 * Events of an open port:
 *   'data'  (chunk: Buffer)              bytes from the device; the port is paused until a 'data' listener is added
 *   'close' (info: SerialCloseInfo)      once; info.disconnected = true when the device vanished (unplugged, PTY
 *                                        closed) rather than close() being called
 *   'error' (err: Error)                 asynchronous port errors; only emitted when someone listens (never throws)
 */
import { EventEmitter } from 'node:events';
import type { BindingInterface, BindingPortInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { SerialPortStream } from '@serialport/stream';
import { SerialPort } from 'serialport';
import { canReadDirect, hangupSafe, type ReadEnd } from './serial-hangup.ts';

export interface SerialCloseInfo {
  /** True when the device went away (read/write failed), false after close(). */
  disconnected: boolean;
  /** The OS's words for a disconnect (e.g. "bad file descriptor"), null after close(). */
  reason: string | null;
}

export interface SerialPortLike {
  readonly path: string;
  readonly baudRate: number;
  readonly isOpen: boolean;
  /** Resolves once the bytes are handed to the OS; rejects when the port is closed or gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** Close the port (idempotent); resolves when it is closed. */
  close(): Promise<void>;
  /**
   * Deliver bytes in batches: after bytes arrive, wait up to `ms` for more before the next 'data' (0, the default:
   * at once). Fewer wake-ups for a device that sends small frames at a steady rate; each chunk is up to `ms` late.
   * Honoured by hang-up-safe POSIX ports; other ports (the fake) deliver at once.
   */
  holdReads(ms: number): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (info: SerialCloseInfo) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the listener types differ per event
  off(event: 'data' | 'close' | 'error', listener: (...args: any[]) => void): this;
}

export interface SerialBinding {
  readonly name: string;
  /** Open `path` at `baudRate`, 8N1, exclusive. Rejects with SerialOpenError. */
  open(path: string, baudRate: number): Promise<SerialPortLike>;
}

export type SerialErrorCode = 'ENOENT' | 'EACCES' | 'EBUSY' | 'EBAUD' | 'EIO';

/** Why a port could not be opened, in words an installer can act on. */
export class SerialOpenError extends Error {
  override name = 'SerialOpenError';
  constructor(readonly path: string, readonly code: SerialErrorCode, message: string) {
    super(message);
  }
}

const HINTS: Record<SerialErrorCode, string> = {
  ENOENT: 'no such device: check the path and the cable (on a Pi enable the UART with raspi-config)',
  EACCES: 'permission denied: run as a user in the dialout group',
  EBUSY: 'in use by another process (a serial console on the UART? disable it with raspi-config)',
  EBAUD: 'the port does not support this baud rate (is this a serial port?)',
  EIO: 'input/output error',
};

/** Map a binding's open error (bindings-cpp words them "Error: No such file or directory, cannot open …"). */
export function describeOpenError(path: string, err: unknown): SerialOpenError {
  const text = err instanceof Error ? err.message : String(err);
  const code: SerialErrorCode = /no such file|ENOENT/i.test(text) ? 'ENOENT'
    : /permission denied|EACCES/i.test(text) ? 'EACCES'
      : /lock|busy|EBUSY|temporarily unavailable/i.test(text) ? 'EBUSY'
        : /baud|ioctl/i.test(text) ? 'EBAUD'
          : 'EIO';
  return new SerialOpenError(path, code, `cannot open serial device ${path}: ${HINTS[code]} (${code})`);
}

type StreamWithPort = SerialPortStream & { close(cb?: (err: Error | null) => void): void };

/** Read size of the promise reader (the size SerialPortStream's reads had: its default highWaterMark). */
const READ_BYTES = 64 * 1024;

/**
 * Read an open binding port until it is closed or fails, without a stream: each chunk goes straight to onData. A
 * hang-up-safe POSIX port (serial-hangup.ts) is read with plain callbacks (poller + non-blocking read); any other
 * port (the fake, Windows) through its promise read(), one read at a time into a reused buffer, each chunk copied.
 */
function readPort(port: BindingPortInterface, onData: (chunk: Buffer) => void, onEnd: (err: ReadEnd) => void, holdMs: () => number): void {
  if (canReadDirect(port)) return port.readDirect(onData, onEnd, holdMs);
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  const next = (): void => {
    port.read(buffer, 0, READ_BYTES).then(({ bytesRead }: { bytesRead: number }) => {
      if (bytesRead === 0) return onEnd(Object.assign(new Error('end of file: the device hung up'), { disconnect: true as const }));
      onData(Buffer.from(buffer.subarray(0, bytesRead)));
      next();
    }, (err: ReadEnd) => onEnd(err));
  };
  next();
}

/** An open port: a SerialPortStream seen through the small SerialPortLike surface. */
class BoundSerialPort extends EventEmitter implements SerialPortLike {
  readonly #stream: StreamWithPort;
  #flowing = false;
  #closed: Promise<void> | null = null;
  #closeEmitted = false;
  #holdMs = 0;

  constructor(stream: StreamWithPort) {
    super();
    this.#stream = stream;
    stream.on('error', (err: Error) => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
    stream.on('close', (err: (Error & { disconnected?: boolean }) | null | undefined) => {
      if (this.#closeEmitted) return;
      this.#closeEmitted = true;
      const info: SerialCloseInfo = { disconnected: Boolean(err?.disconnected), reason: err ? err.message : null };
      this.emit('close', info);
    });
    // Stay paused (bytes wait in the OS buffer) until somebody listens for data. Then the binding's port is read
    // directly, not through the stream: SerialPortStream's push, 'data' event and read-ahead per chunk were most of
    // the sensor's idle CPU at ~10 frames/s (docs/BENCHMARKS.md, "The sensor's footprint"). The stream stays paused
    // for good and is used for open, write and close only. A failed read is a disconnect, as the stream makes it.
    this.on('newListener', (event: string) => {
      if (event !== 'data' || this.#flowing) return;
      this.#flowing = true;
      // After the listener is added (newListener comes before): bytes already waiting must reach it.
      queueMicrotask(() => {
        const port = stream.port;
        if (!port || !stream.isOpen) return;
        readPort(port, (chunk) => this.emit('data', chunk), (err) => {
          if (!err.canceled) stream._disconnected(err);
        }, () => this.#holdMs);
      });
    });
  }

  get path(): string {
    return this.#stream.path;
  }

  get baudRate(): number {
    return this.#stream.baudRate;
  }

  get isOpen(): boolean {
    return this.#stream.isOpen;
  }

  holdReads(ms: number): void {
    if (!(ms >= 0 && ms <= 1000)) throw new RangeError('holdReads: 0 … 1000 ms');
    this.#holdMs = ms;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.#stream.isOpen) return Promise.reject(new Error(`serial device ${this.path} is not open`));
    return new Promise((resolve, reject) => {
      this.#stream.write(Buffer.from(bytes), (err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.#stream.destroy();
        resolve();
      };
      if (!this.#stream.isOpen) return done();
      this.#stream.close(() => done());
    });
    return this.#closed;
  }
}

/** The one port class; only the low-level binding differs between the real and the fake implementation. */
export class StreamSerialBinding implements SerialBinding {
  constructor(readonly name: string, private readonly binding: BindingInterface) {}

  open(path: string, baudRate: number): Promise<SerialPortLike> {
    if (typeof path !== 'string' || path === '') return Promise.reject(new TypeError('serial path must be a non-empty string'));
    if (!Number.isInteger(baudRate) || baudRate <= 0) return Promise.reject(new RangeError('baudRate must be a positive integer'));
    const stream = new SerialPortStream({ binding: this.binding, path, baudRate, autoOpen: false, dataBits: 8, stopBits: 1, parity: 'none', lock: true }) as StreamWithPort;
    return new Promise((resolve, reject) => {
      stream.open((err) => {
        if (err) {
          stream.destroy();
          reject(describeOpenError(path, err));
        } else {
          resolve(new BoundSerialPort(stream));
        }
      });
    });
  }
}

/**
 * Real serial ports (and PTYs) through serialport 13's platform binding, with reads that treat a hang-up as a
 * disconnect instead of spinning (serial-hangup.ts; serialport/bindings-cpp#162).
 */
export const realSerialBinding: SerialBinding = new StreamSerialBinding('serialport', hangupSafe(SerialPort.binding as unknown as BindingInterface));
