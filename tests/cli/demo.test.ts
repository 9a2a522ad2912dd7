/**
 * `npm start` = `drukte demo`, as a new user runs it (ports 0 here): it starts, every demo sensor registers with its
 * own credentials and publishes through the real firmware path, the display pages are served, and Ctrl-C stops it
 * cleanly with exit code 0.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** util-linux `script` gives the demo a real terminal (a PTY) as stdout. */
const SCRIPT = ['/usr/bin/script', '/bin/script'].find(existsSync);

describe('drukte demo', () => {
  it('serves displays for all demo sensors with live aggregates, and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, ['bin/drukte.js', 'demo', '--http-port', '0', '--mqtt-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => /display\s+event-hall-entrance\s+(http:\/\/\S+)/.exec(out)?.[1], { timeout: 30_000, interval: 200 }).toBeTruthy();
      const base = /register \(all sensors\):\s+(http:\/\/localhost:\d+)/.exec(out)![1]!;
      const ids = ['stadhuis-entrance', 'park-bench-east', 'kiosk-queue', 'station-square-north', 'event-hall-entrance'];
      for (const id of ids) expect(out).toContain(`${base}/display/${id}`);

      // Within a window or two every sensor has published an aggregate (7 contract keys) through MQTT.
      await expect.poll(async () => {
        const list = (await (await fetch(`${base}/api/sensors`)).json()) as { id: string; latest: object | null; state: string }[];
        return ids.every((id) => list.find((s) => s.id === id)?.latest !== null);
      }, { timeout: 45_000, interval: 500 }).toBe(true);
      const list = (await (await fetch(`${base}/api/sensors`)).json()) as { latest: object }[];
      for (const s of list) expect(Object.keys(s.latest).sort()).toEqual(['count', 'from', 'level', 'sensor', 'seq', 'to', 'v']);
      const page = await fetch(`${base}/display/station-square-north`);
      expect(page.status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(out).toMatch(/stopping: sensors announce offline/);
  }, 90_000);

  it.skipIf(!SCRIPT)('on a terminal: a short banner with the URLs is the last thing on screen while it runs', async () => {
    const cmd = `exec ${JSON.stringify(process.execPath)} bin/drukte.js demo --http-port 0 --mqtt-port 0`;
    const child = spawn(SCRIPT!, ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, DRUKTE_LOG_LEVEL: '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      await expect.poll(() => out.includes('Only warnings are logged here'), { timeout: 30_000, interval: 200 }).toBe(true);
      const text = out.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');
      const base = /register \(all sensors\)\s+(http:\/\/localhost:\d+)\//.exec(text)![1]!;
      // Let the sensors work: every one publishes an aggregate (through MQTT, logged at info level) …
      await expect.poll(async () => {
        const list = (await (await fetch(`${base}/api/sensors`)).json()) as { latest: object | null }[];
        return list.length === 5 && list.every((x) => x.latest !== null);
      }, { timeout: 45_000, interval: 500 }).toBe(true);
      // … and still the banner is the end of the output: nothing after it, and at most a few lines before it.
      const now = out.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');
      expect(now.trimEnd().split('\n').at(-1)).toBe('Ctrl-C stops. Only warnings are logged here; DRUKTE_LOG_LEVEL=info shows every line.');
      const lines = now.trim().split('\n');
      expect(lines.length).toBeLessThan(20);
      expect(now).toContain(`  display event-hall-entrance   ${base}/display/event-hall-entrance`);
      expect(now).not.toMatch(/"level":/); // pretty, not JSON
    } finally {
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch { /* gone */ }
    }
    await exited;
  }, 90_000);
});
