/**
 * `drukte display --tty` in a real terminal: tmux runs it in a pseudo-terminal of a known size and `capture-pane`
 * reads the screen back. Against a real gateway (port 0): the whole story on one screen, redrawn in place when an
 * aggregate arrives (nothing scrolls into the history), fitted again after a resize, the state in words when the
 * sensor goes offline, colours only without NO_COLOR, and the terminal restored on Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { aggregate, encodeAggregate, encodeStatus, sensorInfo, startTestGateway, status, T0S, type TestGateway } from '../gateway/helpers.ts';
import { tempDir } from '../serial/helpers.ts';

const HAVE_TMUX = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
const ID = 'dam-noord';
const BIN = resolve('bin', 'drukte.js');

describe.skipIf(!HAVE_TMUX)('drukte display --tty in a tmux pseudo-terminal', () => {
  let t: TestGateway;
  const dir = tempDir('drukte-tmux-');
  const socket = join(dir.dir, 'tmux.sock');
  const tmux = (...args: string[]) => {
    const r = spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
    return { ok: r.status === 0, out: r.stdout, err: r.stderr };
  };
  const screen = (session: string, escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session).out;
  const start = (session: string, env: string, cols = 100, rows = 30) => {
    const cmd = `${env} node ${BIN} display --tty --gateway ${t.base} --sensor ${ID}; echo "exit status $?"; sleep 60`;
    expect(tmux('new-session', '-d', '-s', session, '-x', String(cols), '-y', String(rows), cmd).ok).toBe(true);
  };

  beforeAll(async () => {
    t = await startTestGateway([sensorInfo(ID)]);
    // 12 people on the registered 12 m²: level D (3), as the gateway's rules require (gateway/ingest/rules.ts).
    expect(t.gw.ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { count: 12, level: 3 })), { qos: 1 })).toEqual({ ok: true });
  });

  afterAll(async () => {
    tmux('kill-server');
    await t?.gw.stop();
    dir.remove();
  });

  it('shows the whole story, redraws in place, fits a resize, says offline, restores the terminal on Ctrl-C', async () => {
    start('plain', 'NO_COLOR=1');
    await expect.poll(() => screen('plain'), { timeout: 20_000, interval: 200 }).toContain('Register: https://register.voorbeeld.nl/sensors/dam-noord');
    const first = screen('plain');
    console.log(`tty 100×30:\n${first}`);
    expect(first).toContain('Drukte hier · Crowding here — Dam, north side, lamp post 12');
    expect(first).toContain('D  12 MENSEN · DRUK');
    expect(first).toContain('12 people · busy');
    expect(first).toContain('Bijgewerkt / updated: 14:00 CEST · actueel / live');
    expect(first).toContain('Waarom / Why: Crowd safety on the square during events');
    expect(first).toContain('Meet tot en met 31 mei 2026 · measures until 31 May 2026');
    expect(first).toContain('Eigenaar / owner: Gemeente Voorbeeld · drukte@voorbeeld.nl');
    expect(first).toContain('in deze zone van 12 m²');
    expect(first).toMatch(/D druk \/ busy\s+≤ 1,08 p\/m²\s+9–12 mensen\/people/);
    expect(screen('plain', true)).not.toContain('\x1b['); // NO_COLOR

    // A new aggregate: redrawn in place, nothing scrolled into tmux's history.
    // The next window on the grid (T0S … T0S + 60); 25 people on 12 m² is level E (4).
    expect(t.gw.ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 2, { from: T0S, to: T0S + 60, count: 25, level: 4 })), { qos: 1 })).toEqual({ ok: true });
    await expect.poll(() => screen('plain'), { timeout: 10_000, interval: 100 }).toContain('E  25 MENSEN · ERG DRUK');
    expect(screen('plain').split('\n')[0]).toContain('Drukte hier');
    expect(tmux('display-message', '-p', '-t', 'plain', '#{history_size}').out.trim()).toBe('0');

    // Resize to a small terminal: every line fits, the essentials stay, the legend goes.
    expect(tmux('resize-window', '-t', 'plain', '-x', '60', '-y', '12').ok).toBe(true);
    await expect.poll(() => screen('plain').split('\n').filter((l) => l.trim()).length, { timeout: 10_000, interval: 100 }).toBeLessThanOrEqual(12);
    const small = screen('plain');
    console.log(`tty 60×12:\n${small}`);
    for (const line of small.split('\n')) expect([...line].length).toBeLessThanOrEqual(60);
    expect(small).toContain('E  25 MENSEN · ERG DRUK');
    expect(small).toContain('Register: https://register.voorbeeld.nl/sensors/dam-noord');
    expect(small).not.toContain('p/m²');
    expect(tmux('display-message', '-p', '-t', 'plain', '#{history_size}').out.trim()).toBe('0');

    // The sensor goes offline: the state in words, the last reading only as such.
    t.gw.ingest.handle(statusTopic(ID), encodeStatus(status(ID, 'offline')));
    await expect.poll(() => screen('plain'), { timeout: 10_000, interval: 100 }).toContain('SENSOR OFFLINE — TELT NU NIET');
    expect(screen('plain')).not.toContain('25 MENSEN');

    // Ctrl-C: the program ends and leaves the alternate screen with the cursor shown.
    tmux('send-keys', '-t', 'plain', 'C-c');
    await expect.poll(() => screen('plain'), { timeout: 10_000, interval: 100 }).toContain('exit status 0');
    expect(tmux('display-message', '-p', '-t', 'plain', '#{alternate_on} #{cursor_flag}').out.trim()).toBe('0 1');
  });

  it('uses colours when NO_COLOR is not set', async () => {
    start('colour', 'TERM=xterm-256color');
    await expect.poll(() => screen('colour'), { timeout: 20_000, interval: 200 }).toContain('Register:');
    expect(screen('colour', true)).toMatch(/\x1b\[[0-9;]*m/);
  });
});
