/**
 * The gateway's HTTP side (node:http): public register pages, the kiosk display, the public JSON API (api.ts), the
 * event stream and the admin API (admin.ts). Everything public is same-origin and self-contained: a strict CSP
 * without inline script, no external resources.
 *
 *   GET /[?filter=active|expiring|expired|retired]   register index (HTML)     GET /api/…        public API (api.ts)
 *   GET /sensors/{id}        register page (HTML)                               GET /api/stream   Server-Sent Events
 *   GET /display/{id}        kiosk display (HTML)                               /api/admin/…      admin API (admin.ts)
 *   GET /static/style.css, /static/display.js, /static/icon.svg
 *   areas, operator overview, charts, SensorThings API, NGSI-LD: routes.ts (one hook below)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Clock } from '../shared/clock.ts';
import type { Logger } from '../shared/log.ts';
import type { AdminApi } from './admin.ts';
import { ADMIN_PREFIX } from './admin-contract.ts';
import { publicApi, type PublicApiDeps } from './api.ts';
import { decodeId, HTML, jsonReply, OPEN_DATA_HEADERS, safePath, SECURITY_HEADERS, send, TEXT } from './http-kit.ts';
import type { Ingest } from './ingest.ts';
import { closeServer, listen } from './listen.ts';
import { displayPage } from './pages/display.ts';
import { INDEX_FILTERS, indexPage, type IndexFilter } from './pages/index.ts';
import { notFoundPage } from './pages/layout.ts';
import { sensorPage } from './pages/sensor.ts';
import { DISPLAY_JS, ICON_SVG, STYLE_CSS } from './pages/static.ts';
import { extraRoutes, requestOrigin } from './routes.ts';
import type { SensorHealth } from './sensor-health.ts';
import { realTimers, SseHub, type SseEvent, type Timers } from './sse.ts';

export { SECURITY_HEADERS } from './http-kit.ts';

export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_HTTP_HOST = '127.0.0.1';

export interface HttpOptions extends PublicApiDeps {
  host?: string;
  port?: number;
  ingest: Ingest;
  /** Refusals per sensor (operator overview). */
  sensorHealth: SensorHealth;
  admin: AdminApi;
  clock: Clock;
  logger: Logger;
  /** Heartbeat timers of the event stream (tests inject their own). */
  timers?: Timers;
  /** Serve HTTPS with this certificate and key (the admin API's bearer token then never crosses the network in clear). */
  tls?: { cert: Buffer; key: Buffer };
}

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
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    const server: Server = this.opts.tls ? createHttpsServer({ cert: this.opts.tls.cert, key: this.opts.tls.key }, handler) : createServer(handler);
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
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith(ADMIN_PREFIX) || path === ADMIN_PREFIX.slice(0, -1)) {
      void this.opts.admin.handle(req, res);
      return;
    }
    try {
      this.route(req, res);
    } catch (err) {
      this.log.error({ err: (err as Error).message, path: safePath(req.url) }, 'request failed');
      if (!res.headersSent) send(res, { status: 500, type: TEXT, body: 'internal error\n' });
      else res.destroy();
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, { status: 405, type: TEXT, body: 'method not allowed\n', headers: { Allow: 'GET, HEAD' } });
    }
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const path = url.pathname;
    const [, first, second, third] = path.split('/');
    const views = this.opts.views;

    if (path === '/') {
      const filter = url.searchParams.get('filter');
      const chosen = (INDEX_FILTERS as readonly string[]).includes(filter ?? '') ? (filter as IndexFilter) : 'all';
      return send(res, { status: 200, type: HTML, body: indexPage(views.all(), chosen) });
    }
    if (path === '/static/style.css') return send(res, { status: 200, type: 'text/css; charset=utf-8', body: STYLE_CSS });
    if (path === '/static/icon.svg') return send(res, { status: 200, type: 'image/svg+xml', body: ICON_SVG });
    if (path === '/favicon.ico') return send(res, { status: 204, type: TEXT, body: '' });
    if (path === '/static/display.js') return send(res, { status: 200, type: 'text/javascript; charset=utf-8', body: DISPLAY_JS });
    if ((first === 'sensors' || first === 'display') && third === undefined) {
      const id = decodeId(second);
      const view = id ? views.one(id) : null;
      if (!view) return send(res, { status: 404, type: HTML, body: notFoundPage('Deze sensor staat niet in het register. / This sensor is not in the register.') });
      const audit = first === 'sensors' ? this.opts.register.audit(view.info.id) : [];
      if (first === 'sensors') return send(res, { status: 200, type: HTML, body: sensorPage(view, audit) });
      const to = view.latest?.to;
      const lastHour = to === undefined ? [] : this.opts.history.sensorHistory(view.info.id, to - 3600, to, 720);
      return send(res, { status: 200, type: HTML, body: displayPage(view, lastHour) });
    }
    const extra = extraRoutes(this.opts, req, url, requestOrigin(req, `${this.opts.tls ? 'https' : 'http'}://${this.host}:${this.port}`));
    if (extra) return send(res, extra);
    if (path === '/api/stream') return this.stream(req, res, url.searchParams.get('sensor'));
    if (first === 'api') return send(res, publicApi(this.opts, url) ?? jsonReply(404, { error: 'not found' }));
    send(res, { status: 404, type: HTML, body: notFoundPage('Deze pagina bestaat niet. / This page does not exist.') });
  }

  private stream(req: IncomingMessage, res: ServerResponse, sensor: string | null): void {
    if (sensor !== null && !this.opts.register.get(sensor)) return send(res, jsonReply(404, { error: 'unknown sensor' }));
    if (req.method === 'HEAD') return send(res, { status: 200, type: 'text/event-stream; charset=utf-8', body: '' });
    // The current state first, so a display that (re)connects is right at once.
    const initial: SseEvent[] = [];
    for (const info of this.opts.register.list()) {
      const s = this.opts.ingest.latest(info.id);
      if (s.status) initial.push({ event: 'status', sensorId: info.id, data: s.status });
      if (s.aggregate) initial.push({ event: 'aggregate', sensorId: info.id, data: s.aggregate });
    }
    this.sse.open(req, res, sensor, initial, { ...SECURITY_HEADERS, ...OPEN_DATA_HEADERS });
  }
}

