/**
 * A hung-up tty must end in a disconnect, never in bindings-cpp's zero-byte read spin (serialport/bindings-cpp#162;
 * hardware/bindings/serial-hangup.ts). Killing socat makes both outcomes happen (a failed poll, or reads of 0 bytes),
 * so the real PTY case runs several times; the 0-byte read is also checked directly on a file at its end.
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realSerialBinding, type SerialCloseInfo } from '../../hardware/bindings/serial.ts';
import { hangupSafeRead, readDirect, type ReadEnd } from '../../hardware/bindings/serial-hangup.ts';
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

  it('the direct reader (the sensor\'s path): reads at once, polls after a short read, ends on end of file, a failing poll or a close', async () => {
    const tmp = tempDir('drukte-direct-');
    const file = join(tmp.dir, 'five');
    writeFileSync(file, 'abcde');
    const fd = openSync(file, 'r');
    type Port = Parameters<typeof readDirect>[0];
    const polls: string[] = [];
    const chunks: Buffer[] = [];
    const ends: ReadEnd[] = [];
    const port = { fd, isOpen: true, poller: { once: (event: string, cb: (e: Error | null) => void) => (polls.push(event), setImmediate(() => cb(null))) } } as unknown as Port;
    readDirect(port, (c) => void chunks.push(c), (e) => void ends.push(e));
    expect(chunks.map(String)).toEqual(['abcde']); // the first read reads at once…
    expect(polls).toEqual(['readable']); // …took all there was, so it waits for the poller
    await until(() => ends.length > 0, 'the end of file');
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ message: 'end of file: the device hung up', disconnect: true });
    // A poller that fails (a hang-up seen by poll) ends the reader with the poller's error.
    const failEnds: ReadEnd[] = [];
    const failing = { fd: openSync(file, 'r'), isOpen: true, poller: { once: (_e: string, cb: (e: Error | null) => void) => setImmediate(() => cb(new Error('bad file descriptor'))) } } as unknown as Port;
    readDirect(failing, () => undefined, (e) => void failEnds.push(e));
    await until(() => failEnds.length > 0, 'the poller error');
    expect(failEnds[0]?.message).toBe('bad file descriptor');
    closeSync(failing.fd!);
    // A listener that closes the port during a chunk: the reader ends as canceled and never polls.
    const closing = { fd: openSync(file, 'r'), isOpen: true, poller: { once: () => expect.fail('polled a closed port') } } as unknown as Port & { isOpen: boolean };
    const closeEnds: ReadEnd[] = [];
    readDirect(closing, () => void (closing.isOpen = false), (e) => void closeEnds.push(e));
    expect(closeEnds).toMatchObject([{ canceled: true }]);
    closeSync(closing.fd!);
    // With a hold, a read that got bytes is followed by a timer, not a poll; the next read comes after the hold.
    const held = { fd: openSync(file, 'r'), isOpen: true, poller: { once: () => expect.fail('polled during a hold') } } as unknown as Port;
    const heldChunks: string[] = [];
    const heldEnds: ReadEnd[] = [];
    const t0 = performance.now();
    readDirect(held, (c) => void heldChunks.push(String(c)), (e) => void heldEnds.push(e), () => 40);
    expect(heldChunks).toEqual(['abcde']);
    await until(() => heldEnds.length > 0, 'the end of file after the hold');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    expect(heldEnds[0]).toMatchObject({ disconnect: true });
    closeSync(held.fd!);
    // Each chunk is a copy: a listener may keep it while the reader reuses its buffer.
    expect(chunks[0]!.buffer.byteLength).toBeLessThan(16 * 1024);
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
