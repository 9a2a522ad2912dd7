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
import type { Socket } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import type { AdminApi } from './admin.ts';
import { ADMIN_PREFIX } from './admin-contract.ts';
import { publicApi, type PublicApiDeps } from './api.ts';
import { decodeId, DEFAULT_HTTP_LIMITS, HTML, jsonReply, OPEN_DATA_HEADERS, safePath, SECURITY_HEADERS, send, TEXT, type HttpLimits } from '../http-kit.ts';
import type { Ingest } from '../ingest/ingest.ts';
import { closeServer, listen } from '../listen.ts';
import { displayPage } from '../pages/display.ts';
import { INDEX_FILTERS, indexPage, type IndexFilter } from '../pages/index.ts';
import { notFoundPage } from '../pages/layout.ts';
import { sensorPage } from '../pages/sensor.ts';
import { DISPLAY_JS, ICON_SVG, STYLE_CSS } from '../pages/static.ts';
import { extraRoutes, requestOrigin } from './routes.ts';
import { schemaReply } from './schemas.ts';
import type { SensorHealth } from '../ingest/sensor-health.ts';
import { realTimers, SseHub, type SseEvent, type Timers } from './sse.ts';

export { SECURITY_HEADERS } from '../http-kit.ts';

export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_HTTP_HOST = '127.0.0.1';

/**
 * Caps on the HTTP side (docs/PROTOCOL.md §5, "Resource limits"), so no HTTP client can exhaust the descriptors or
 * memory the MQTT ingest needs. Beyond a per-address cap the answer is 429 (that client's doing), beyond a global cap
 * 503 (the gateway is busy), each with Retry-After and a one-line reason; over TLS the connection is just closed.
 */
// HttpLimits lives in http-kit.ts (the health section reads it without importing this file).
export { DEFAULT_HTTP_LIMITS, type HttpLimits } from '../http-kit.ts';

export const RETRY_AFTER_SECONDS = 10;

/** IPv4 clients on a dual-stack socket show up as ::ffff:a.b.c.d. */
const plainAddress = (a: string | undefined) => (a ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

/** A complete HTTP/1.1 answer written straight to a socket that is over a cap, then closed. */
function refuseRaw(socket: Socket, status: 429 | 503, message: string): void {
  const body = `${message}\n`;
  const reason = status === 429 ? 'Too Many Requests' : 'Service Unavailable';
  socket.on('error', () => {});
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
    + `Retry-After: ${RETRY_AFTER_SECONDS}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n${body}`);
  socket.setTimeout(5_000, () => socket.destroy());
}

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
  limits?: Partial<HttpLimits>;
  /** The embedded broker's connection count and cap, for the register's health section (null in external mode). */
  brokerHealth?: () => { connections: number; maxConnectionsPerAddress: number } | null;
}

export class HttpServer {
  private server: Server | null = null;
  private readonly sse: SseHub;
  private readonly log: Logger;
  private unsubscribe: (() => void) | null = null;
  private boundPort = 0;
  readonly limits: HttpLimits;
  private open = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly refusedCounts = { connections429: 0, connections503: 0, streams429: 0, streams503: 0 };

  constructor(private readonly opts: HttpOptions) {
    this.log = opts.logger.child({ module: 'http' });
    this.sse = new SseHub(opts.timers ?? realTimers);
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
    for (const [k, v] of Object.entries(this.limits)) if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`HTTP limit ${k} must be a positive integer`);
  }

  /** Open connections and streams against their caps, and what was refused (for /api/health and the register). */
  stats(): { connections: number; streams: number; limits: HttpLimits; refused: { connections429: number; connections503: number; streams429: number; streams503: number } } {
    return { connections: this.open, streams: this.sse.size, limits: { ...this.limits }, refused: { ...this.refusedCounts } };
  }

  /** Every raw connection: count it, and answer 429/503 at once when it is over a cap. */
  private onConnection(socket: Socket): void {
    const address = plainAddress(socket.remoteAddress);
    const mine = this.perAddress.get(address) ?? 0;
    const over = mine >= this.limits.maxConnectionsPerAddress ? 429 : this.open >= this.limits.maxConnections ? 503 : 0;
    if (over) {
      this.refusedCounts[over === 429 ? 'connections429' : 'connections503']++;
      this.log.warn({ address, open: over === 429 ? mine : this.open }, over === 429 ? 'HTTP connection refused: too many from this address' : 'HTTP connection refused: the gateway is at its connection limit');
      if (this.opts.tls) socket.destroy(); // before the handshake: no way to answer in HTTP
      else refuseRaw(socket, over, over === 429
        ? `429 too many connections from your address (limit ${this.limits.maxConnectionsPerAddress}); close some and retry in ${RETRY_AFTER_SECONDS} s`
        : `503 the gateway has too many open connections (limit ${this.limits.maxConnections}); retry in ${RETRY_AFTER_SECONDS} s`);
      return;
    }
    this.open++;
    this.perAddress.set(address, mine + 1);
    socket.once('close', () => {
      this.open--;
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, n);
    });
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
    server.headersTimeout = this.limits.headersTimeoutMs;
    server.requestTimeout = Math.max(30_000, this.limits.headersTimeoutMs);
    // Before any other listener (node:http's own runs at 'connection' too): refused sockets never reach the parser.
    server.prependListener('connection', (socket: Socket) => this.onConnection(socket));
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
      return send(res, { status: 200, type: HTML, body: indexPage(views.all(), chosen, { http: this.stats(), broker: this.opts.brokerHealth?.() ?? null }) });
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
    if (first === 'schemas' && third === undefined) return send(res, schemaReply(second));
    const extra = extraRoutes(this.opts, req, url, requestOrigin(req, `${this.opts.tls ? 'https' : 'http'}://${this.host}:${this.port}`));
    if (extra) return send(res, extra);
    if (path === '/api/stream') return this.stream(req, res, url.searchParams.get('sensor'));
    if (first === 'api') return send(res, publicApi(this.opts, url) ?? jsonReply(404, { error: 'not found' }));
    send(res, { status: 404, type: HTML, body: notFoundPage('Deze pagina bestaat niet. / This page does not exist.') });
  }

  private stream(req: IncomingMessage, res: ServerResponse, sensor: string | null): void {
    if (sensor !== null && !this.opts.register.get(sensor)) return send(res, jsonReply(404, { error: 'unknown sensor' }));
    if (req.method === 'HEAD') return send(res, { status: 200, type: 'text/event-stream; charset=utf-8', body: '' });
    const address = plainAddress(req.socket.remoteAddress);
    const over = this.sse.countFrom(address) >= this.limits.maxStreamsPerAddress ? 429 : this.sse.size >= this.limits.maxStreams ? 503 : 0;
    if (over) {
      this.refusedCounts[over === 429 ? 'streams429' : 'streams503']++;
      this.log.warn({ address }, over === 429 ? 'event stream refused: too many from this address' : 'event stream refused: the gateway is at its stream limit');
      return send(res, jsonReply(over, {
        error: over === 429
          ? `too many event streams from your address (limit ${this.limits.maxStreamsPerAddress}); close some and retry in ${RETRY_AFTER_SECONDS} s`
          : `the gateway has too many open event streams (limit ${this.limits.maxStreams}); retry in ${RETRY_AFTER_SECONDS} s`,
      }, { ...OPEN_DATA_HEADERS, 'Retry-After': String(RETRY_AFTER_SECONDS) }));
    }
    // The current state first, so a display that (re)connects is right at once.
    const initial: SseEvent[] = [];
    for (const info of this.opts.register.list()) {
      const s = this.opts.ingest.latest(info.id);
      if (s.status) initial.push({ event: 'status', sensorId: info.id, data: s.status });
      if (s.aggregate) initial.push({ event: 'aggregate', sensorId: info.id, data: s.aggregate });
    }
    this.sse.open(req, res, sensor, initial, { ...SECURITY_HEADERS, ...OPEN_DATA_HEADERS }, address);
  }
}

