/** The HTTP side: routes, 404s, security headers, escaping, self-contained pages, the event stream's lifecycle. */
import { afterEach, describe, expect, it } from 'vitest';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { HEARTBEAT_MS, type Timers } from '../../gateway/http/sse.ts';
import { aggregate, encodeAggregate, encodeStatus, fetchJson, openSse, sensorInfo, startTestGateway, status, T0, type TestGateway } from './helpers.ts';

const ID = 'dam-noord';
let t: TestGateway | null = null;

afterEach(async () => {
  await t?.gw.stop();
  t = null;
});

async function get(path: string, init?: RequestInit) {
  const res = await fetch(`${t!.base}${path}`, init);
  return { res, text: await res.text() };
}

function expectSecurityHeaders(res: Response) {
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

describe('HTTP routes', () => {
  it('serves the index, register page and display with security headers and no external or inline resources', async () => {
    t = await startTestGateway([sensorInfo(ID), sensorInfo('dam-zuid', { output: 'level', driver: 'ld2410' })]);
    t.gw.ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { count: 12, level: 3 })));
    for (const path of ['/', `/sensors/${ID}`, `/display/${ID}`]) {
      const { res, text } = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expectSecurityHeaders(res);
      expect(text).not.toMatch(/<script(?![^>]*\bsrc="\/static\/)/); // only same-origin script files
      expect(text).not.toMatch(/\b(src|href)="(https?:)?\/\//); // no CDN, no external resources
      expect(text).not.toMatch(/\sstyle=|<style/);
    }
    const index = (await get('/')).text;
    expect(index).toContain(`href="/sensors/${ID}"`);
    expect(index).toContain(`href="/display/${ID}"`);
    expect(index).toContain('12 mensen · druk');
    expect(index).toContain('Gemeente Voorbeeld');

    const register = (await get(`/sensors/${ID}`)).text;
    for (const s of ['Crowd safety on the square during events', 'AVG art. 6(1)(e)', 'DPIA-2025-017', '2026-05-31', 'Geen beelden', 'No images', 'No identities', 'No positions', 'drukte@voorbeeld.nl']) {
      expect(register).toContain(s);
    }

    const display = (await get(`/display/${ID}`)).text;
    expect(display).toContain('12 mensen · druk');
    expect(display).toContain('12 people · busy');
    expect(display).toContain('>D<');
    expect(display).toContain(`https://register.voorbeeld.nl/sensors/${ID}`); // as text
    expect(display).not.toMatch(/qr/i);
    expect(display).toContain('<script src="/static/display.js" defer></script>');

    const js = await get('/static/display.js');
    expect(js.res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.text).toContain("new EventSource('/api/stream?sensor='");
    expect((await get('/static/style.css')).res.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('says "fewer than k" below the k floor, and only the level for level-only sensors', async () => {
    t = await startTestGateway([sensorInfo(ID, { kFloor: 7 }), sensorInfo('dam-zuid', { output: 'level', driver: 'ld2410' })]);
    t.gw.ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1, { count: null, level: 0 })));
    t.gw.ingest.handle(aggregateTopic('dam-zuid'), encodeAggregate(aggregate('dam-zuid', 1, { count: null, level: 0 })));
    const below = (await get(`/display/${ID}`)).text;
    expect(below).toContain('minder dan 7 mensen · rustig');
    expect(below).toContain('fewer than 7 people · quiet');
    const levelOnly = (await get('/display/dam-zuid')).text;
    expect(levelOnly).not.toContain('minder dan');
    expect(levelOnly).toMatch(/id="line-en" lang="en">quiet</);
  });

  it('shows offline and stale sensors as such', async () => {
    t = await startTestGateway();
    t.gw.ingest.handle(aggregateTopic(ID), encodeAggregate(aggregate(ID, 1)));
    expect((await get(`/display/${ID}`)).text).toMatch(/id="state" role="status" hidden>/);
    t.clock.advance(7 * 60_000); // > heartbeat (300 s) + one window (60 s)
    expect((await get(`/display/${ID}`)).text).toContain('<span id="state-nl">VEROUDERD</span>');
    t.gw.ingest.handle(statusTopic(ID), encodeStatus(status(ID, 'offline')));
    const page = (await get(`/display/${ID}`)).text;
    expect(page).toContain('<span id="state-nl">OFFLINE</span>');
    expect(page).toContain('sensor offline — telt nu niet');
    expect(page).toContain('class="display mode-offline level-3"');
  });

  it('answers 404 for unknown paths and sensors, 405 for other methods', async () => {
    t = await startTestGateway();
    for (const path of ['/nope', '/sensors/unknown-one', '/display/unknown-one', '/sensors/', '/display/%E0%A4%A', `/sensors/${ID}/x`]) {
      const { res, text } = await get(path);
      expect(res.status, path).toBe(404);
      expect(text).toContain('Niet gevonden');
      expectSecurityHeaders(res);
    }
    expect((await get('/api/nope')).res.status).toBe(404);
    expect((await get('/api/sensors/unknown-one')).res.status).toBe(404);
    const post = await get('/api/sensors', { method: 'POST', body: 'x' });
    expect(post.res.status).toBe(405);
    expect(post.res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('escapes everything it did not write itself', async () => {
    const evil = '<script>alert("x")</script>&"\'';
    t = await startTestGateway([sensorInfo(ID, { purpose: `Purpose ${evil}`, location: { lat: 52, lon: 4, description: `Spot ${evil}` }, registerUrl: `https://r.example/${evil}`, owner: { name: evil, organisation: `Org ${evil}`, email: 'a@b.nl' } })]);
    for (const path of ['/', `/sensors/${ID}`, `/display/${ID}`]) {
      const { text } = await get(path);
      expect(text, path).not.toContain('<script>alert');
      expect(text, path).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&#39;');
    }
  });

  it('serves /api/sensors/{id} as the machine-readable register entry', async () => {
    t = await startTestGateway();
    const res = await fetch(`${t.base}/api/sensors/${ID}`);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toMatchObject({ id: ID, legalGround: 'AVG art. 6(1)(e), Gemeentewet art. 172', kFloor: 5, state: 'unknown', latest: null });
  });

  it('marks a sensor expired after its expiry day, whatever its last status says', async () => {
    t = await startTestGateway([sensorInfo(ID, { expiresAt: '2025-06-01' })]);
    t.gw.ingest.handle(statusTopic(ID), encodeStatus(status(ID, 'starting', { expiresAt: '2025-06-01' })));
    expect((await fetchJson(`${t.base}/api/sensors`))[0].state).toBe('starting');
    t.clock.setWall(Date.parse('2025-06-02T00:00:00Z'));
    expect((await fetchJson(`${t.base}/api/sensors`))[0].state).toBe('expired');
    expect(T0).toBeLessThan(Date.parse('2025-06-02T00:00:00Z'));
  });
});

describe('event stream', () => {
  /** Timers the test fires by hand: the heartbeat without waiting 15 s. */
  function manualTimers() {
    const active = new Map<number, () => void>();
    let next = 1;
    const timers: Timers = {
      setInterval: (fn, ms) => {
        expect(ms).toBe(HEARTBEAT_MS);
        active.set(next, fn);
        return next++;
      },
      clearInterval: (h) => void active.delete(h as number),
    };
    return { timers, active, fire: () => [...active.values()].forEach((fn) => fn()) };
  }

  it('sends heartbeat comments every 15 s and cleans up when the client goes away', async () => {
    const m = manualTimers();
    t = await startTestGateway(undefined, { http: { host: '127.0.0.1', port: 0, timers: m.timers } });
    const base = t.base;
    const sse = await openSse(`${base}/api/stream`);
    await expect.poll(() => sse.raw()).toBe('retry: 3000\n\n');
    expect(m.active.size).toBe(1);
    m.fire();
    await expect.poll(() => sse.raw()).toContain(': heartbeat\n\n');
    expect((await fetchJson(`${base}/api/health`)).streams).toBe(1);

    sse.close();
    await expect.poll(async () => (await fetchJson(`${base}/api/health`)).streams).toBe(0);
    expect(m.active.size).toBe(0); // no timer left behind
  });

  it('ends open streams on stop()', async () => {
    t = await startTestGateway();
    const sse = await openSse(`${t.base}/api/stream`);
    await t.gw.stop();
    await sse.closed;
    t = null;
  });
});
