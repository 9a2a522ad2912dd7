/**
 * `npm start` = `drukte demo`, as a new user runs it (ports 0 here): it starts, every demo sensor registers with its
 * own credentials and publishes through the real firmware path, the display pages are served, and Ctrl-C stops it
 * cleanly with exit code 0.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

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
});
