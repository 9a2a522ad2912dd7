/**
 * `npm start` = `drukte demo`, as a new user runs it (ports 0 here): it starts, every demo sensor registers with its
 * own credentials and publishes through the real firmware path, the display pages are served, and Ctrl-C stops it
 * cleanly with exit code 0. On the way: charts with data on every sensor and area page, the areas index, the
 * operator's overview, a standard-only SensorThings client reading filtered observations, and the NGSI-LD entities.
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

      // The pictures: every sensor page and area page has charts with data; the areas index and overview are there.
      for (const id of ids) {
        expect(await (await fetch(`${base}/sensors/${id}`)).text()).toContain(`data-src="/api/sensors/${id}/chart?range=24h"`);
        const chart = (await (await fetch(`${base}/api/sensors/${id}/chart?range=24h`)).json()) as { summary: { measured: number } };
        expect(chart.summary.measured, id).toBeGreaterThan(0);
      }
      const areas = (await (await fetch(`${base}/api/areas`)).json()) as { area: string }[];
      expect(areas.map((a) => a.area)).toEqual(['event-hall', 'stadhuis', 'stadspark', 'station-square']);
      for (const { area } of areas) {
        expect((await fetch(`${base}/areas/${area}`)).status).toBe(200);
        const chart = (await (await fetch(`${base}/api/areas/${area}/chart?range=24h`)).json()) as { summary: { measured: number } };
        expect(chart.summary.measured, area).toBeGreaterThan(0);
      }
      expect(await (await fetch(`${base}/areas`)).text()).toContain('station-square');
      expect(await (await fetch(`${base}/health`)).text()).toContain('id="overview"');

      // A SensorThings client that knows nothing but the standard: service root → Things → Datastreams →
      // Observations with a filter, following only the links the service gives.
      const root = (await (await fetch(`${base}/sta/v1.1`)).json()) as { value: { name: string; url: string }[] };
      const thingsUrl = root.value.find((v) => v.name === 'Things')!.url;
      const things = (await (await fetch(thingsUrl)).json()) as { value: Record<string, string>[] };
      expect(things.value.map((x) => x['@iot.id']).sort()).toEqual([...ids].sort());
      const datastreams = (await (await fetch(things.value[0]!['Datastreams@iot.navigationLink']!)).json()) as { value: Record<string, string>[] };
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const obs = (await (await fetch(`${datastreams.value[0]!['Observations@iot.navigationLink']}?$filter=${encodeURIComponent(`phenomenonTime ge ${since}`)}&$orderby=phenomenonTime desc&$count=true`)).json()) as { value: { phenomenonTime: string }[]; '@iot.count': number };
      expect(obs['@iot.count']).toBeGreaterThan(0);
      expect(Date.parse(obs.value[0]!.phenomenonTime.split('/')[0]!)).toBeGreaterThanOrEqual(Date.parse(since));
      const ngsi = (await (await fetch(`${base}/ngsi-ld/v1/entities?type=CrowdFlowObserved&limit=100`)).json()) as { id: string }[];
      expect(ngsi.length).toBe(ids.length + areas.length);
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
