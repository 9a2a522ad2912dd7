/**
 * TI CLI port (docs/RADAR-PROTOCOLS.md §3.4) against a fake Duplex that answers like the radar: echo (after the prompt), then
 * `Done` or `Error …`, then the prompt without a newline. Timers are injected: no test sleeps.
 */
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCfg, PROMPT, sendConfig, sensorStop, TiCliError, type CliTimers } from '../../hardware/ti-people/cli-port.ts';

type Answer = 'done' | 'error' | 'silent' | 'no-echo' | 'noisy';

/** A fake IWR6843 CLI UART. `answer(command)` picks the reply; replies arrive asynchronously, in odd pieces. */
class FakeCli extends Duplex {
  readonly received: string[] = [];
  #partial = '';
  constructor(private readonly answer: (command: string) => Answer = () => 'done') {
    super();
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#partial += chunk.toString('latin1');
    let nl: number;
    while ((nl = this.#partial.indexOf('\n')) >= 0) {
      const line = this.#partial.slice(0, nl);
      this.#partial = this.#partial.slice(nl + 1);
      this.received.push(line);
      const kind = this.answer(line.split(' ')[0] ?? '');
      const reply =
        kind === 'silent' ? '' :
        kind === 'no-echo' ? 'Done\r\n' :
        kind === 'error' ? `${line}\r\nError -1\r\n${PROMPT}` :
        kind === 'noisy' ? `${line}\r\nDebug: Init Calibration Status = 0x1fe\r\nDone\r\n${PROMPT}` :
        `${line}\r\nDone\r\n${PROMPT}`;
      // Deliver in 3 uneven pieces, later, as a UART would.
      const cut = [0, Math.floor(reply.length / 3), Math.floor(reply.length / 2), reply.length];
      for (let i = 0; i < 3; i++) {
        const piece = reply.slice(cut[i], cut[i + 1]);
        if (piece) setImmediate(() => this.push(Buffer.from(piece, 'latin1')));
      }
    }
    cb();
  }
}

/** Manual timers: tests fire timeouts explicitly. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  const timers: CliTimers = {
    setTimeout: (fn, ms) => {
      pending.set(next, { fn, ms });
      return next++;
    },
    clearTimeout: (h) => void pending.delete(h as number),
  };
  return { timers, pending, fire: () => [...pending.values()].forEach((p) => p.fn()) };
}

const CFG = `% 3D people tracking, demo square
sensorStop
flushCfg

channelCfg 15 7 0
boundaryBox -3 3 0.5 7.5 0 3
sensorPosition 2 0 15
sensorStart
`;

describe('sendConfig', () => {
  it('sends the command lines one at a time, each after the previous Done, skipping comments and blanks', async () => {
    const port = new FakeCli();
    const { timers, pending } = manualTimers();
    await expect(sendConfig(port, CFG, { timers })).resolves.toBe(6);
    expect(port.received).toEqual(['sensorStop', 'flushCfg', 'channelCfg 15 7 0', 'boundaryBox -3 3 0.5 7.5 0 3', 'sensorPosition 2 0 15', 'sensorStart']);
    expect(pending.size).toBe(0); // every line timer cleared
    expect(port.listenerCount('data')).toBe(0); // and the listeners removed
  });

  it('ignores other output between echo and Done (calibration messages)', async () => {
    await expect(sendConfig(new FakeCli(() => 'noisy'), ['sensorStop', 'sensorStart 0'], { timers: manualTimers().timers })).resolves.toBe(2);
  });

  it('Error …: rejects naming the cfg line number and command word only, and sends nothing after it', async () => {
    const port = new FakeCli((c) => (c === 'boundaryBox' ? 'error' : 'done'));
    const err = await sendConfig(port, CFG, { timers: manualTimers().timers }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TiCliError);
    expect(err).toMatchObject({ kind: 'refused', lineNumber: 6, command: 'boundaryBox' });
    expect((err as Error).message).toBe('cfg line 6 (boundaryBox): the radar answered Error');
    expect((err as Error).message).not.toMatch(/-3|7\.5|-1/); // no arguments, no device text
    expect(port.received.at(-1)).toBe('boundaryBox -3 3 0.5 7.5 0 3');
  });

  it('no answer: the per-line timeout rejects, naming the line', async () => {
    const port = new FakeCli((c) => (c === 'flushCfg' ? 'silent' : 'done'));
    const { timers, pending, fire } = manualTimers();
    const result = sendConfig(port, CFG, { timers, lineTimeoutMs: 1500 }).catch((e: unknown) => e);
    while (port.received.length < 2) await new Promise(setImmediate);
    expect([...pending.values()].map((p) => p.ms)).toEqual([1500]);
    fire();
    expect(await result).toMatchObject({ kind: 'timeout', lineNumber: 3, command: 'flushCfg', message: 'cfg line 3 (flushCfg): no "Done" within 1500 ms' });
    expect(port.received).toEqual(['sensorStop', 'flushCfg']);
  });

  it('a Done without the echo of the line does not confirm it (stale answer)', async () => {
    const port = new FakeCli(() => 'no-echo');
    const { timers, fire } = manualTimers();
    const result = sendConfig(port, ['sensorStop'], { timers }).catch((e: unknown) => e);
    for (let i = 0; i < 5; i++) await new Promise(setImmediate);
    fire();
    expect(await result).toMatchObject({ kind: 'timeout', lineNumber: 1 });
    await expect(sendConfig(new FakeCli(() => 'no-echo'), ['sensorStop'], { timers, requireEcho: false })).resolves.toBe(1);
  });

  it('the port closing or an abort ends the wait with a clear error', async () => {
    const port = new FakeCli(() => 'silent');
    const closed = sendConfig(port, CFG, { timers: manualTimers().timers }).catch((e: unknown) => e);
    while (port.received.length < 1) await new Promise(setImmediate);
    port.destroy();
    expect(await closed).toMatchObject({ kind: 'closed', lineNumber: 2, command: 'sensorStop' });

    const ac = new AbortController();
    const slow = new FakeCli(() => 'silent');
    const aborted = sendConfig(slow, CFG, { timers: manualTimers().timers, signal: ac.signal }).catch((e: unknown) => e);
    ac.abort();
    expect(await aborted).toMatchObject({ kind: 'aborted', lineNumber: 2 });
    ac.abort();
    await expect(sendConfig(new FakeCli(), CFG, { signal: ac.signal })).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('refuses a malformed cfg or options before sending anything', async () => {
    const port = new FakeCli();
    await expect(sendConfig(port, ['sensorStop', 'boundaryBox 1\n2', 'caf\u00e9 1'])).rejects.toThrow(/line 2 \(boundaryBox\).*line 3/);
    await expect(sendConfig(port, ['sensorStop'], { lineTimeoutMs: 0 })).rejects.toThrow(RangeError);
    expect(port.received).toEqual([]);
    expect(parseCfg(CFG).map((l) => [l.lineNumber, l.command])).toEqual([[2, 'sensorStop'], [3, 'flushCfg'], [5, 'channelCfg'], [6, 'boundaryBox'], [7, 'sensorPosition'], [8, 'sensorStart']]);
  });
});

describe('sensorStop', () => {
  it('sends sensorStop and waits for Done (shutdown, expiry)', async () => {
    const port = new FakeCli();
    await sensorStop(port, { timers: manualTimers().timers });
    expect(port.received).toEqual(['sensorStop']);
  });
  it('fails clearly when the radar does not answer', async () => {
    const { timers, fire } = manualTimers();
    const result = sensorStop(new FakeCli(() => 'silent'), { timers }).catch((e: unknown) => e);
    await new Promise(setImmediate);
    fire();
    expect(await result).toMatchObject({ kind: 'timeout', command: 'sensorStop' });
  });
});
