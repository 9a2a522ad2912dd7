/**
 * The fake serial binding: an in-memory low-level binding (the @serialport/bindings-interface contract) handed to
 * the same StreamSerialBinding as the real one (serial.ts), so tests run the same port code as a device.
 *
 * Each plugged path has a device end (`FakeSerialDevice`) that plays the other side of the wire:
 *   device.send(bytes)           bytes from the device to the host (lost while the host has the port closed, like a
 *                                UART without flow control)
 *   device.on('data', bytes)     bytes the host wrote
 *   device.unplug()              the device vanishes: the host's pending read fails and its port closes with
 *                                { disconnected: true }; opening the path fails with ENOENT until plugged again
 * Open errors use the words of bindings-cpp ("Error: No such file or directory, cannot open …") so one error mapper
 * (describeOpenError) serves both.
 */
import { EventEmitter } from 'node:events';
import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { StreamSerialBinding, type SerialBinding } from './serial.ts';

class CanceledError extends Error {
  readonly canceled = true;
}

/** The device end of a fake serial line. */
export class FakeSerialDevice extends EventEmitter {
  #port: FakePortBinding | null = null;
  #plugged = true;

  constructor(readonly path: string, private readonly hub: FakeSerialHub) {
    super();
  }

  /** Whether the host has this port open. */
  get hostOpen(): boolean {
    return this.#port?.isOpen ?? false;
  }

  /** The baud rate the host opened the port with (null while closed). */
  get baudRate(): number | null {
    return this.#port?.isOpen ? this.#port.openOptions.baudRate : null;
  }

  get plugged(): boolean {
    return this.#plugged;
  }

  /** Bytes from the device to the host. Returns false when nobody has the port open (the bytes are lost). */
  send(bytes: Uint8Array): boolean {
    if (!this.#port?.isOpen) return false;
    this.#port.deliver(Buffer.from(bytes));
    return true;
  }

  /** The device vanishes (USB unplugged, PTY gone). */
  unplug(): void {
    this.#plugged = false;
    this.hub.forget(this.path);
    this.#port?.vanish();
    this.#port = null;
  }

  /** @internal */
  attach(port: FakePortBinding): void {
    this.#port = port;
    this.emit('open', port.openOptions.baudRate);
  }

  /** @internal */
  detach(port: FakePortBinding): void {
    if (this.#port !== port) return;
    this.#port = null;
    this.emit('close');
  }
}

/** One open port on the host side (what a platform binding returns from open()). */
class FakePortBinding implements BindingPortInterface {
  isOpen = true;
  #queue: Buffer[] = [];
  #waiting: ((err?: Error) => void) | null = null;
  #gone = false;

  constructor(readonly openOptions: Required<OpenOptions>, private readonly device: FakeSerialDevice) {}

  deliver(bytes: Buffer): void {
    this.#queue.push(bytes);
    this.#wake();
  }

  vanish(): void {
    this.#gone = true;
    this.#wake(new Error('Input/output error'));
  }

  #wake(err?: Error): void {
    const w = this.#waiting;
    this.#waiting = null;
    if (w) process.nextTick(() => w(err));
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.#queue = [];
    this.device.detach(this);
    this.#wake(new CanceledError('port is closed'));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    for (;;) {
      if (!this.isOpen) throw new CanceledError('Read canceled');
      if (this.#gone) throw new Error('Input/output error');
      const head = this.#queue[0];
      if (head) {
        const n = Math.min(length, head.length);
        head.copy(buffer, offset, 0, n);
        if (n === head.length) this.#queue.shift();
        else this.#queue[0] = head.subarray(n);
        return { buffer, bytesRead: n };
      }
      await new Promise<void>((resolve, reject) => {
        this.#waiting = (err) => (err ? reject(err) : resolve());
      });
    }
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new CanceledError('Write canceled');
    if (this.#gone) throw new Error('Input/output error');
    const copy = Buffer.from(buffer);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    this.device.emit('data', copy);
  }

  async update(options: { baudRate: number }): Promise<void> {
    this.openOptions.baudRate = options.baudRate;
  }

  async set(): Promise<void> {}

  async get(): Promise<PortStatus> {
    return { cts: true, dsr: true, dcd: true };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    this.#queue = [];
  }

  async drain(): Promise<void> {}
}

/** The in-memory "serial subsystem": which paths exist and who has them open. */
export class FakeSerialHub implements BindingInterface<FakePortBinding> {
  readonly #devices = new Map<string, FakeSerialDevice>();

  /** Make `path` exist (plug a device in); returns its device end. */
  plug(path: string): FakeSerialDevice {
    const existing = this.#devices.get(path);
    if (existing) return existing;
    const device = new FakeSerialDevice(path, this);
    this.#devices.set(path, device);
    return device;
  }

  /** Remove `path` (as device.unplug()). */
  unplug(path: string): void {
    this.#devices.get(path)?.unplug();
  }

  device(path: string): FakeSerialDevice | undefined {
    return this.#devices.get(path);
  }

  /** @internal */
  forget(path: string): void {
    this.#devices.delete(path);
  }

  async list(): Promise<PortInfo[]> {
    return [...this.#devices.keys()].map((path) => ({ path, manufacturer: 'drukte fake', serialNumber: undefined, pnpId: undefined, locationId: undefined, productId: undefined, vendorId: undefined }));
  }

  async open(options: OpenOptions): Promise<FakePortBinding> {
    await new Promise<void>((resolve) => process.nextTick(resolve));
    const device = this.#devices.get(options.path);
    if (!device) throw new Error(`Error: No such file or directory, cannot open ${options.path}`);
    if (device.hostOpen) throw new Error('Error Resource temporarily unavailable Cannot lock port');
    const full: Required<OpenOptions> = {
      dataBits: 8, lock: true, stopBits: 1, parity: 'none', rtscts: false, xon: false, xoff: false, xany: false, hupcl: true, ...options,
    };
    const port = new FakePortBinding(full, device);
    device.attach(port);
    return port;
  }
}

/** A SerialBinding over a FakeSerialHub: the same port class as realSerialBinding, another low-level binding. */
export function fakeSerialBinding(hub: FakeSerialHub = new FakeSerialHub()): SerialBinding & { hub: FakeSerialHub } {
  const binding = new StreamSerialBinding('fake', hub as unknown as BindingInterface);
  return Object.assign(binding, { hub });
}
