/**
 * issue 10, must-have 5: caps on HTTP connections and event streams, global and per address, answered with 429 / 503
 * and a clear message; MQTT ingest is not starved by them; the register's health section shows them.
 * Different client addresses on loopback: 127.0.0.1, 127.0.0.2, … (Linux routes all of 127/8 to lo).
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeAggregate, aggregate, sensorInfo, startTestGateway, type TestGateway } from './helpers.ts';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

/** A raw connection from `from`, sending `request` (if any); resolves with what arrived once `until` matches. */
function raw(port: number, from: string, request: string | null, until: RegExp): Promise<{ socket: Socket; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    open.push(socket);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (until.test(text)) resolve({ socket, text });
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ socket, text }));
    socket.on('connect', () => (request ? socket.write(request) : undefined));
    if (until.source === 'idle') socket.once('connect', () => setImmediate(() => resolve({ socket, text })));
  });
}

const STREAM = 'GET /api/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n';

describe('HTTP resource limits', () => {
  let t: TestGateway;
  afterEach(() => t?.gw.stop());

  it('event streams: per address → 429, in total → 503, each with a reason and Retry-After', async () => {
    t = await startTestGateway([sensorInfo('dam-noord')], { http: { host: '127.0.0.1', port: 0, limits: { maxStreams: 3, maxStreamsPerAddress: 2 } } });
    const port = t.gw.httpPort;
    for (let i = 0; i < 2; i++) expect((await raw(port, '127.0.0.1', STREAM, /retry: /)).text).toMatch(/^HTTP\/1\.1 200/);
    const third = await raw(port, '127.0.0.1', STREAM, /\}\n$/);
    expect(third.text).toMatch(/^HTTP\/1\.1 429/);
    expect(third.text).toMatch(/Retry-After: 10/i);
    expect(third.text).toContain('too many event streams from your address (limit 2)');
    expect((await raw(port, '127.0.0.2', STREAM, /retry: /)).text).toMatch(/^HTTP\/1\.1 200/);
    const fourth = await raw(port, '127.0.0.3', STREAM, /\}\n$/);
    expect(fourth.text).toMatch(/^HTTP\/1\.1 503/);
    expect(fourth.text).toContain('the gateway has too many open event streams (limit 3)');
    const health = await (await fetch(`${t.base}/api/health`)).json() as { http: { streams: number; refused: Record<string, number> } };
    expect(health.http.streams).toBe(3);
    expect(health.http.refused).toMatchObject({ streams429: 1, streams503: 1 });
  });

  it('connections: per address → 429, in total → 503; MQTT ingest still works; the register shows the health section', async () => {
    t = await startTestGateway([sensorInfo('dam-noord')], { http: { host: '127.0.0.1', port: 0, limits: { maxConnections: 6, maxConnectionsPerAddress: 4 } } });
    const port = t.gw.httpPort;
    for (let i = 0; i < 4; i++) await raw(port, '127.0.0.1', null, /idle/); // idle connections (a slow-loris)
    const fifth = await raw(port, '127.0.0.1', null, /\n$/);
    expect(fifth.text).toMatch(/^HTTP\/1\.1 429 Too Many Requests/);
    expect(fifth.text).toContain('too many connections from your address (limit 4)');
    for (let i = 0; i < 2; i++) await raw(port, '127.0.0.2', null, /idle/);
    const full = await raw(port, '127.0.0.3', null, /\n$/);
    expect(full.text).toMatch(/^HTTP\/1\.1 503 Service Unavailable/);
    expect(full.text).toContain('the gateway has too many open connections (limit 6)');

    // The HTTP side is full; a sensor still connects and its aggregate is stored.
    const sensor = await t.connectSensor('dam-noord');
    await sensor.publishAsync('drukte/v1/sensors/dam-noord/aggregate', encodeAggregate(aggregate('dam-noord', 1)), { qos: 1 });
    await sensor.endAsync();
    expect(t.gw.ingest.stats().accepted.aggregate).toBe(1);

    for (const s of open.splice(0)) s.destroy();
    let res = await fetch(`${t.base}/`);
    while (res.status === 429) res = await fetch(`${t.base}/`); // until the server has seen the closes
    const page = await res.text();
    expect(page).toContain('id="health"');
    expect(page).toMatch(/HTTP-verbindingen[\s\S]*\/ 6 \(max 4 per adres/);
    expect(page).toMatch(/[1-9]\d* × 429, 1 × 503/); // ≥ 1: the retries above may add some
  });
});
