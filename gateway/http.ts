/**
 * The gateway's HTTP side (node:http): public register pages, the kiosk display, the JSON API and the event
 * stream (HTTP contract in ARCHITECTURE.md). Everything is same-origin and self-contained: a strict CSP without
 * inline script, no external resources.
 *
 *   GET /                    register index (HTML)          GET /api/sensors        JSON list
 *   GET /sensors/{id}        register page (HTML)           GET /api/sensors/{id}   JSON, one sensor
 *   GET /display/{id}        kiosk display (HTML)           GET /api/stream         Server-Sent Events (?sensor=id)
 *   GET /static/style.css, /static/display.js              GET /api/health         counters (JSON)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import { isValidId } from '../shared/topics.ts';
import type { Ingest } from './ingest.ts';
import { closeServer, listen } from './listen.ts';
import { displayPage } from './pages/display.ts';
import type { SensorView, ShownState } from './pages/format.ts';
import { indexPage } from './pages/index.ts';
import { notFoundPage } from './pages/layout.ts';
import { sensorPage } from './pages/sensor.ts';
import { DISPLAY_JS, ICON_SVG, STYLE_CSS } from './pages/static.ts';
import { expiryEndSeconds, type SensorInfo, type SensorRegister } from './register.ts';
import { realTimers, SseHub, type SseEvent, type Timers } from './sse.ts';

export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_HTTP_HOST = '127.0.0.1';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export interface HttpOptions {
  host?: string;
  port?: number;
  register: SensorRegister;
  ingest: Ingest;
  clock: Clock;
  logger: Logger;
  /** The body of GET /api/health. */
  health: () => Record<string, unknown>;
  /** Heartbeat timers of the event stream (tests inject their own). */
  timers?: Timers;
}

type Reply = { status: number; type: string; body: string; headers?: Record<string, string> };

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const API_HEADERS = { 'Access-Control-Allow-Origin': '*' }; // aggregates are open data (principle III)

export class HttpServer {
  private server: Server | null = null;
  private readonly sse: SseHub;
  private readonly log: Logger;
  private unsubscribe: (() => void) | null = null;
  private boundPort = 0;

  constructor(private readonly opts: HttpOptions) {
    this.log = opts.logger.child({ module: 'http' });
    this.sse = new SseHub(opts.timers ?? realTimers);
  }

  get host(): string {
    return this.opts.host ?? DEFAULT_HTTP_HOST;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Number of open event streams. */
  get streams(): number {
    return this.sse.size;
  }

  async start(): Promise<number> {
    if (this.server) throw new Error('HTTP server already started');
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    try {
      this.boundPort = await listen(server, { host: this.host, port: this.opts.port ?? DEFAULT_HTTP_PORT }, { service: 'HTTP', portOption: '--http-port / DRUKTE_HTTP_PORT' });
    } catch (err) {
      this.server = null;
      throw err;
    }
    server.on('error', (err) => this.log.error({ err: err.message }, 'HTTP server error'));
    this.unsubscribe = this.opts.ingest.onEvent((e) =>
      this.sse.broadcast(e.type === 'aggregate' ? { event: 'aggregate', sensorId: e.sensorId, data: e.aggregate } : { event: 'status', sensorId: e.sensorId, data: e.status }),
    );
    return this.boundPort;
  }

  /** End the event streams, close every connection and the listener. Safe to call twice. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.sse.closeAll();
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = closeServer(server);
    server.closeAllConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.route(req, res);
    } catch (err) {
      this.log.error({ err: (err as Error).message, path: safePath(req.url) }, 'request failed');
      if (!res.headersSent) this.send(res, { status: 500, type: 'text/plain; charset=utf-8', body: 'internal error\n' });
      else res.destroy();
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return this.send(res, { status: 405, type: 'text/plain; charset=utf-8', body: 'method not allowed\n', headers: { Allow: 'GET, HEAD' } });
    }
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const path = url.pathname;
    const [, first, second, third, ...rest] = path.split('/');
    const id = second !== undefined ? decodeId(second) : null;

    if (path === '/') return this.send(res, { status: 200, type: HTML, body: indexPage(this.views()) });
    if (path === '/static/style.css') return this.send(res, { status: 200, type: 'text/css; charset=utf-8', body: STYLE_CSS });
    if (path === '/static/icon.svg') return this.send(res, { status: 200, type: 'image/svg+xml', body: ICON_SVG });
    if (path === '/favicon.ico') return this.send(res, { status: 204, type: 'text/plain; charset=utf-8', body: '' });
    if (path === '/static/display.js') return this.send(res, { status: 200, type: 'text/javascript; charset=utf-8', body: DISPLAY_JS });
    if ((first === 'sensors' || first === 'display') && third === undefined) {
      const view = id ? this.view(id) : null;
      if (!view) return this.send(res, { status: 404, type: HTML, body: notFoundPage('Deze sensor staat niet in het register. / This sensor is not in the register.') });
      return this.send(res, { status: 200, type: HTML, body: first === 'sensors' ? sensorPage(view) : displayPage(view) });
    }
    if (first === 'api' && rest.length === 0) {
      if (path === '/api/sensors') return this.json(res, 200, this.views().map(listEntry));
      if (second === 'sensors' && third !== undefined) {
        const sensorId = decodeId(third);
        const view = sensorId ? this.view(sensorId) : null;
        return view ? this.json(res, 200, detailEntry(view)) : this.json(res, 404, { error: 'unknown sensor' });
      }
      if (path === '/api/health') return this.json(res, 200, this.opts.health());
      if (path === '/api/stream') return this.stream(req, res, url.searchParams.get('sensor'));
    }
    if (first === 'api') return this.json(res, 404, { error: 'not found' });
    this.send(res, { status: 404, type: HTML, body: notFoundPage('Deze pagina bestaat niet. / This page does not exist.') });
  }

  private stream(req: IncomingMessage, res: ServerResponse, sensor: string | null): void {
    if (sensor !== null && !this.opts.register.get(sensor)) return this.json(res, 404, { error: 'unknown sensor' });
    if (req.method === 'HEAD') return this.send(res, { status: 200, type: 'text/event-stream; charset=utf-8', body: '' });
    // The current state first, so a display that (re)connects is right at once.
    const initial: SseEvent[] = [];
    for (const info of this.opts.register.list()) {
      const s = this.opts.ingest.latest(info.id);
      if (s.status) initial.push({ event: 'status', sensorId: info.id, data: s.status });
      if (s.aggregate) initial.push({ event: 'aggregate', sensorId: info.id, data: s.aggregate });
    }
    this.sse.open(req, res, sensor, initial, { ...SECURITY_HEADERS, ...API_HEADERS });
  }

  private views(): SensorView[] {
    return this.opts.register.list().map((info) => this.toView(info));
  }

  private view(id: string): SensorView | null {
    const info = this.opts.register.get(id);
    return info ? this.toView(info) : null;
  }

  private toView(info: SensorInfo): SensorView {
    const s = this.opts.ingest.latest(info.id);
    const now = this.opts.clock.now();
    const state: ShownState = now / 1000 >= expiryEndSeconds(info) ? 'expired' : (s.status?.state ?? 'unknown');
    const ageSeconds = s.aggregate && s.receivedAt !== null ? Math.max(0, Math.floor((now - s.receivedAt) / 1000)) : null;
    const stale = ageSeconds !== null && ageSeconds > 3 * (info.windowSeconds ?? 60);
    return { info, latest: s.aggregate, state, ageSeconds, stale };
  }

  private json(res: ServerResponse, status: number, value: unknown): void {
    this.send(res, { status, type: JSON_TYPE, body: `${JSON.stringify(value, null, 2)}\n`, headers: API_HEADERS });
  }

  private send(res: ServerResponse, reply: Reply): void {
    res.writeHead(reply.status, {
      ...SECURITY_HEADERS,
      ...reply.headers,
      'Content-Type': reply.type,
      'Content-Length': Buffer.byteLength(reply.body),
      'Cache-Control': 'no-store',
    });
    res.end(reply.body);
  }
}

/** GET /api/sensors entry: exactly the contract fields. */
function listEntry(v: SensorView) {
  const { id, owner, purpose, expiresAt } = v.info;
  return { id, owner, purpose, expiresAt, state: v.state, latest: v.latest };
}

/** GET /api/sensors/{id}: the public register entry, machine-readable. */
function detailEntry(v: SensorView) {
  return { ...v.info, state: v.state, stale: v.stale, latest: v.latest };
}

function decodeId(segment: string): string | null {
  try {
    const id = decodeURIComponent(segment);
    return isValidId(id) ? id : null;
  } catch {
    return null;
  }
}

/** Paths for logs: a short, printable prefix only. */
function safePath(url: string | undefined): string {
  return (url ?? '').slice(0, 80).replace(/[^\x20-\x7e]/g, '?');
}
