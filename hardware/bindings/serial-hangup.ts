/**
 * A fix for the real binding: a serial device that hangs up must be a disconnect, not a busy loop.
 *
 * On Linux and macOS, serialport 13's bindings-cpp reads with unixRead(), which retries AT ONCE when read() returns
 * 0 bytes. After a hang-up (a USB adapter pulled, the far end of a PTY closed) a tty's read() returns 0 (end of
 * file) every time, so the retry spins at 100 % CPU and recurses until the process runs out of memory
 * (serialport/bindings-cpp issue #162, fix proposed in PR #164, not released). Seen here with socat PTYs: killing
 * socat either fails the poll (a clean disconnect) or leaves the port reading 0 bytes forever.
 *
 * `hangupSafe(binding)` returns the platform binding with one change to the ports it opens: their read() is the same
 * loop as unixRead (read; on EAGAIN wait for the poller's "readable"; canceled when closed) except that 0 bytes is
 * taken as end of file and rejected as a disconnect, which @serialport/stream turns into a 'close' with
 * disconnected = true. A tty opened non-blocking returns EAGAIN, not 0, when there is merely nothing to read. The
 * read itself runs on the main thread (see hangupSafeRead): at ~10 frames/s the thread-pool round trips per chunk
 * were most of the sensor's idle CPU (docs/BENCHMARKS.md, "The sensor's footprint"). The ports also get
 * readDirect(), the same reader with plain callbacks, which serial.ts uses; read() stays for SerialPortStream users.
 * Ports without a POSIX fd/poller (Windows) are left as they are.
 */
import { readSync } from 'node:fs';
import type { BindingInterface, BindingPortInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };

interface PosixPort extends BindingPortInterface {
  fd: number | null;
  poller: { once(event: 'readable', cb: (err: Error | null) => void): unknown };
}

const isPosixPort = (port: BindingPortInterface): port is PosixPort =>
  'fd' in port && 'poller' in port && typeof (port as { poller?: { once?: unknown } }).poller?.once === 'function';

const canceled = (message: string): Error => Object.assign(new Error(message), { canceled: true as const });

/** Per port: whether the last read emptied the OS buffer, so the next one waits for the poller first. */
export interface ReadState {
  drained: boolean;
}

/**
 * unixRead without the zero-byte spin (see the file comment), and without the thread pool: the fd is non-blocking
 * (bindings-cpp opens it O_NONBLOCK), so the read runs on the main thread and returns at once, with bytes or EAGAIN.
 * A read that returned less than it asked for took everything the OS had, so the next read waits for the poller's
 * "readable" before reading instead of failing with EAGAIN first: one wake-up per chunk, where unixRead costs a
 * thread-pool read for the bytes plus one for the EAGAIN before it polls. Errors carry the OS's words only (e.g.
 * "EIO: i/o error, read"), never bytes.
 */
export async function hangupSafeRead(port: PosixPort, buffer: Buffer, offset: number, length: number, state: ReadState = { drained: false }): Promise<{ buffer: Buffer; bytesRead: number }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled('Port is not open');
    if (state.drained) {
      await new Promise<void>((resolve, reject) => port.poller.once('readable', (e) => (e ? reject(e) : resolve())));
      state.drained = false;
      continue; // closed meanwhile? checked at the top
    }
    const bytesRead = readNow(port.fd, buffer, offset, length);
    if (bytesRead === null) {
      state.drained = true;
      continue;
    }
    state.drained = bytesRead < length;
    return { buffer, bytesRead };
  }
}

/**
 * One non-blocking read, with the rules both readers share: the bytes read (≥ 1), or null when there is nothing to
 * read yet (EAGAIN); EINTR is retried; 0 bytes is the device hanging up and throws a disconnect; any other failure
 * throws the OS's error, whose message holds the OS's words only, never bytes.
 */
function readNow(fd: number, buffer: Buffer, offset: number, length: number): number | null {
  for (;;) {
    let bytesRead: number;
    try {
      bytesRead = readSync(fd, buffer, offset, length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EINTR') continue;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return null;
      throw err;
    }
    if (bytesRead === 0) throw Object.assign(new Error('end of file: the device hung up'), { disconnect: true as const });
    return bytesRead;
  }
}

/** How a port's reader ends: `canceled` when the port was closed, else a read failure (a disconnect). */
export type ReadEnd = Error & { canceled?: true; disconnect?: true };

/**
 * A port that can be read without promises: `readDirect(onData, onEnd)` reads until the port is closed or fails,
 * calling onData with each chunk (a fresh Buffer the listener may keep) and onEnd once at the end.
 */
export interface DirectReadable {
  readDirect(onData: (chunk: Buffer) => void, onEnd: (err: ReadEnd) => void, holdMs?: () => number): void;
}

export const canReadDirect = (port: unknown): port is DirectReadable =>
  typeof (port as Partial<DirectReadable> | null)?.readDirect === 'function';

/** Largest read; a frame of the TI radar (several KiB) fits, an LD2450 frame (30 bytes) takes one read. */
const READ_BYTES = 16 * 1024;

/**
 * The reader of hangupSafeRead as plain callbacks, for a port that is read all the time (the sensor's radar): read
 * what the OS has into one reused buffer, hand a copy of exactly those bytes on, and after a short read (the OS
 * buffer is empty) wait for the poller's "readable" before reading again. Per chunk that is one wake-up, one read and
 * one small copy: no promise, no async function, no stream push (serial.ts no longer reads through SerialPortStream).
 * The same rules as hangupSafeRead: 0 bytes is the device hanging up (a disconnect), EAGAIN means wait, EINTR means
 * retry, and errors carry the OS's words only, never bytes.
 *
 * `holdMs` (read before each wait; default none): after a read that returned bytes, wait this long on a timer and
 * then read again (polling only if nothing came meanwhile), instead of polling at once. A device that sends small
 * frames at a steady rate then costs one wake-up per hold instead of one per frame, and every frame reaches onData
 * up to holdMs later than it arrived (a hang-up is seen up to holdMs later too). The bytes wait in the kernel's tty
 * buffer meanwhile, so a hold is only for slow, small-frame devices (firmware/device/serial.ts sets it per driver).
 */
export function readDirect(port: PosixPort, onData: (chunk: Buffer) => void, onEnd: (err: ReadEnd) => void, holdMs: () => number = () => 0): void {
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  let ended = false;
  const end = (err: ReadEnd): void => {
    if (ended) return;
    ended = true;
    onEnd(err);
  };
  const readable = (err: Error | null): void => {
    if (err) end(err);
    else drain();
  };
  const drain = (): void => {
    let got = false;
    for (;;) {
      if (ended) return;
      if (!port.isOpen || port.fd === null) return end(canceled('Port is not open'));
      let bytesRead: number | null;
      try {
        bytesRead = readNow(port.fd, buffer, 0, READ_BYTES);
      } catch (err) {
        return end(err as ReadEnd);
      }
      if (bytesRead === null) break;
      got = true;
      onData(Buffer.from(buffer.subarray(0, bytesRead))); // a copy: the buffer is reused, listeners may keep chunks
      if (bytesRead < READ_BYTES) break; // took everything the OS had: wait for the poller before the next read
    }
    // onData may have closed the port (a stop, a fault): then the poller is stopped and there is nothing to wait for.
    if (ended) return;
    if (!port.isOpen || port.fd === null) return end(canceled('Port is not open'));
    const hold = got ? holdMs() : 0;
    if (hold > 0) setTimeout(drain, hold);
    else port.poller.once('readable', readable);
  };
  drain(); // bytes may be waiting already (sent while the port was being configured)
}

/** The platform binding, with hang-up-safe reads on the ports it opens. */
export function hangupSafe(binding: BindingInterface): BindingInterface {
  return {
    list: () => binding.list(),
    async open(options) {
      const port = await binding.open(options);
      if (isPosixPort(port)) {
        const read = port.read.bind(port);
        const state: ReadState = { drained: false };
        port.read = async (buffer: Buffer, offset: number, length: number) => {
          if (buffer.length < offset + length) return read(buffer, offset, length); // let the original validate
          return hangupSafeRead(port, buffer, offset, length, state);
        };
        (port as PosixPort & DirectReadable).readDirect = (onData, onEnd, holdMs) => readDirect(port, onData, onEnd, holdMs);
      }
      return port;
    },
  };
}
