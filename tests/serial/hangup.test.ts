/**
 * A hung-up tty must end in a disconnect, never in bindings-cpp's zero-byte read spin (serialport/bindings-cpp#162;
 * hardware/bindings/serial-hangup.ts). Killing socat makes both outcomes happen (a failed poll, or reads of 0 bytes),
 * so the real PTY case runs several times; the 0-byte read is also checked directly on a file at its end.
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realSerialBinding, type SerialCloseInfo } from '../../hardware/bindings/serial.ts';
import { hangupSafeRead } from '../../hardware/bindings/serial-hangup.ts';
import { openPtyPair } from '../../simulator/pty.ts';
import { HAVE_SOCAT, collect, tempDir, until } from './helpers.ts';

describe('serial hang-up', () => {
  it('a read of 0 bytes (end of file) is a disconnect, not a retry', async () => {
    const tmp = tempDir('drukte-eof-');
    const file = join(tmp.dir, 'empty');
    writeFileSync(file, '');
    const fd = openSync(file, 'r');
    const port = { fd, isOpen: true, poller: { once: () => undefined } } as unknown as Parameters<typeof hangupSafeRead>[0];
    const err = await hangupSafeRead(port, Buffer.alloc(16), 0, 16).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'end of file: the device hung up', disconnect: true });
    closeSync(fd);
    tmp.remove();
  });

  it('a short read took all there was: the next read waits for the poller instead of reading first', async () => {
    const tmp = tempDir('drukte-short-');
    const file = join(tmp.dir, 'five');
    writeFileSync(file, 'abcde');
    const fd = openSync(file, 'r');
    const polls: string[] = [];
    const port = { fd, isOpen: true, poller: { once: (event: string, cb: (e: Error | null) => void) => (polls.push(event), setImmediate(() => cb(null))) } } as unknown as Parameters<typeof hangupSafeRead>[0];
    const state = { drained: false };
    const first = await hangupSafeRead(port, Buffer.alloc(16), 0, 16, state);
    expect(first.bytesRead).toBe(5);
    expect(polls).toEqual([]); // the first read reads at once
    expect(state.drained).toBe(true);
    const err = await hangupSafeRead(port, Buffer.alloc(16), 0, 16, state).catch((e: unknown) => e);
    expect(polls).toEqual(['readable']); // …the next one polled before it read (and then found the end of file)
    expect(err).toMatchObject({ message: 'end of file: the device hung up', disconnect: true });
    // A poller that fails (a hang-up seen by poll) rejects the read with the poller's error.
    const failing = { fd, isOpen: true, poller: { once: (_e: string, cb: (e: Error | null) => void) => setImmediate(() => cb(new Error('bad file descriptor'))) } } as unknown as Parameters<typeof hangupSafeRead>[0];
    await expect(hangupSafeRead(failing, Buffer.alloc(16), 0, 16, { drained: true })).rejects.toThrow('bad file descriptor');
    // A closed port cancels the read.
    await expect(hangupSafeRead({ ...port, isOpen: false } as typeof port, Buffer.alloc(16), 0, 16)).rejects.toMatchObject({ canceled: true });
    closeSync(fd);
    tmp.remove();
  });

  it.skipIf(!HAVE_SOCAT)('killing socat under an open, reading port always ends in a disconnect (8 rounds)', async () => {
    const tmp = tempDir('drukte-hangup-');
    for (let round = 0; round < 8; round++) {
      const pair = await openPtyPair(tmp.dir, [`a${round}`, `b${round}`]);
      const port = await realSerialBinding.open(pair.b, 256000);
      const closes: SerialCloseInfo[] = [];
      port.on('close', (info) => closes.push(info));
      collect(port);
      if (round % 2) await new Promise((r) => setTimeout(r, 20)); // let the read settle into polling half the time
      await pair.close();
      await until(() => closes.length > 0, `disconnect in round ${round}`, 2000);
      expect(closes[0]?.disconnected).toBe(true);
      await port.close();
    }
    tmp.remove();
  });
});
