/**
 * The serial binding contract, one suite run against every implementation (MQTT.js abstract_store style):
 *   - real: serialport 13 on a real PTY made by `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`
 *     (spawned here in a temp dir, killed after; killing it is the "USB unplugged" case);
 *   - fake: FakeSerialHub, in memory.
 * Both go through the same port class (StreamSerialBinding); only the low-level binding differs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { SerialOpenError, realSerialBinding, type SerialBinding, type SerialCloseInfo, type SerialPortLike } from '../../hardware/bindings/serial.ts';
import { fakeSerialBinding } from '../../hardware/bindings/serial-fake.ts';
import { openPtyPair } from '../../simulator/pty.ts';
import { HAVE_SOCAT, collect, tempDir, until } from '../serial/helpers.ts';

/** The far end of the line, as the test drives it. */
interface Peer {
  write(bytes: Buffer): Promise<void>;
  received(): Buffer;
  /** The device goes away (kill socat / unplug). */
  vanish(): Promise<void>;
}

interface Line {
  path: string;
  peer: Peer;
  teardown(): Promise<void>;
}

interface SerialHarness {
  name: string;
  skip: string | null;
  binding: () => SerialBinding;
  line(binding: SerialBinding): Promise<Line>;
}

const realHarness: SerialHarness = {
  name: 'real (serialport on a socat PTY)',
  skip: HAVE_SOCAT ? null : 'socat is not installed (apt-get install socat)',
  binding: () => realSerialBinding,
  async line() {
    const tmp = tempDir('drukte-pty-');
    const pair = await openPtyPair(tmp.dir, ['peer', 'port']);
    const peerPort = new SerialPort({ path: pair.a, baudRate: 256000, autoOpen: false });
    await new Promise<void>((resolve, reject) => peerPort.open((err) => (err ? reject(err) : resolve())));
    peerPort.on('error', () => undefined);
    const got = collect(peerPort);
    return {
      path: pair.b,
      peer: {
        write: (bytes) => new Promise((resolve, reject) => peerPort.write(bytes, (err) => (err ? reject(err) : resolve()))),
        received: got.bytes,
        vanish: () => pair.close(),
      },
      async teardown() {
        if (peerPort.isOpen) await new Promise<void>((resolve) => peerPort.close(() => resolve()));
        await pair.close();
        tmp.remove();
      },
    };
  },
};

const fakeHarness: SerialHarness = {
  name: 'fake (FakeSerialHub)',
  skip: null,
  binding: () => fakeSerialBinding(),
  async line(binding) {
    const hub = (binding as ReturnType<typeof fakeSerialBinding>).hub;
    const device = hub.plug('/dev/ttyFAKE0');
    const got = collect(device);
    return {
      path: device.path,
      peer: {
        write: async (bytes) => void device.send(bytes),
        received: got.bytes,
        vanish: async () => device.unplug(),
      },
      teardown: async () => undefined,
    };
  },
};

function serialContract(h: SerialHarness): void {
  describe.skipIf(h.skip !== null)(`serial binding contract: ${h.name}${h.skip ? ` — skipped: ${h.skip}` : ''}`, () => {
    let line: Line | null = null;
    let port: SerialPortLike | null = null;
    let binding: SerialBinding = h.binding();
    const open = async (): Promise<{ line: Line; port: SerialPortLike; closes: SerialCloseInfo[] }> => {
      binding = h.binding();
      line = await h.line(binding);
      port = await binding.open(line.path, 256000);
      const closes: SerialCloseInfo[] = [];
      port.on('close', (info) => closes.push(info));
      return { line, port, closes };
    };

    afterEach(async () => {
      await port?.close();
      await line?.teardown();
      port = null;
      line = null;
    });

    it('opens a path at a baud rate', async () => {
      const { line: l, port: p } = await open();
      expect(p.isOpen).toBe(true);
      expect(p.path).toBe(l.path);
      expect(p.baudRate).toBe(256000);
    });

    it('delivers the device’s bytes in order, whatever the chunking', async () => {
      const { line: l, port: p } = await open();
      const got = collect(p);
      const burst = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff));
      await l.peer.write(Buffer.from([0xaa, 0xff]));
      await l.peer.write(Buffer.from([0x03, 0x00]));
      await l.peer.write(burst);
      await until(() => got.bytes().length >= 4100, 'all bytes');
      expect(got.bytes()).toEqual(Buffer.concat([Buffer.from([0xaa, 0xff, 0x03, 0x00]), burst]));
    });

    it('writes bytes to the device', async () => {
      const { line: l, port: p } = await open();
      await p.write(Buffer.from([0xfd, 0xfc, 0xfb, 0xfa]));
      await p.write(Uint8Array.of(0x04, 0x03, 0x02, 0x01));
      await until(() => l.peer.received().length >= 8, 'bytes at the device');
      expect(l.peer.received().toString('hex')).toBe('fdfcfbfa04030201');
    });

    it('closes once, on request, as "not disconnected"; then refuses writes', async () => {
      const { port: p, closes } = await open();
      await p.close();
      await p.close(); // idempotent
      expect(p.isOpen).toBe(false);
      await until(() => closes.length > 0, 'close event');
      expect(closes).toEqual([{ disconnected: false, reason: null }]);
      await expect(p.write(Buffer.from([1]))).rejects.toThrow(/not open/);
    });

    it('reports a vanished device as a disconnect, without throwing', async () => {
      const { line: l, port: p, closes } = await open();
      collect(p); // reading: a disconnect is noticed by the pending read
      await l.peer.vanish();
      await until(() => closes.length > 0, 'close after the device vanished');
      expect(closes[0]?.disconnected).toBe(true);
      expect(p.isOpen).toBe(false);
      await p.close(); // still fine
    });

    it('refuses a path that does not exist, with a clear error', async () => {
      const binding = h.binding();
      const err = await binding.open('/dev/ttyDOES-NOT-EXIST', 256000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SerialOpenError);
      expect((err as SerialOpenError).code).toBe('ENOENT');
      expect((err as Error).message).toMatch(/cannot open serial device \/dev\/ttyDOES-NOT-EXIST: no such device/);
    });

    it('refuses a second open of the same port (exclusive)', async () => {
      const { line: l } = await open();
      const err = await binding.open(l.path, 256000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SerialOpenError);
      expect((err as SerialOpenError).code).toBe('EBUSY');
    });
  });
}

serialContract(realHarness);
serialContract(fakeHarness);
