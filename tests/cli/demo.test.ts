/**
 * `npm start` = `drukte demo`, as a new user runs it (ports 0 here): it starts, every demo sensor registers with its
 * own credentials and publishes through the real firmware path, the display pages are served, and Ctrl-C stops it
 * cleanly with exit code 0. On the way: charts with data on every sensor and area page, the areas index, the
 * operator's overview, a standard-only SensorThings client reading filtered observations, and the NGSI-LD entities.
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
});
