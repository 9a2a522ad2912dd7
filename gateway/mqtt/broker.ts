/**
 * The embedded MQTT broker: aedes behind up to three listeners, all with the same policy hooks and limits.
 *
 *   sensors ──MQTT/TCP──────────► net.Server ─┐
 *   sensors ──MQTT/TLS (mqtts)──► tls.Server ─┼─► per-address limit ─► packet-size guard ─► aedes (policy hooks)
 *   readers ──MQTT/WebSocket────► ws (/mqtt) ─┘                                             └─► ingest (subscribe())
 *
 * start() reports the real bound ports (port 0 = any free port); stop() closes the listeners, every connection
 * (also those that never sent CONNECT) and the broker, so nothing keeps the process alive.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../shared/log.ts';
import { compileTopicFilter } from '../../shared/topics.ts';
import { closeServer, listen, type ListenHint } from '../listen.ts';
import { guardPacketSize } from './packet-guard.ts';
import { safeName, type BrokerPolicy } from './policy.ts';
import { CHECKED, type Checked } from '../decode-once.ts';
import { ReasonCounter } from '../reasons.ts';

export const DEFAULT_MQTT_PORT = 1883;
export const DEFAULT_MQTT_HOST = '127.0.0.1';
/** Path of MQTT over WebSocket (mqtt.js' default). */
export const WS_PATH = '/mqtt';

/** Broker limits, set explicitly (documented in docs/PROTOCOL.md, "Limits"). */
export interface BrokerLimits {
  /** Largest MQTT packet accepted, bytes (fixed header included): a sensor payload is ≤ 1024 bytes. */
  maxPacketBytes: number;
  /** Most topic levels in a PUBLISH or a filter (contract topics have 5). */
  maxTopicLevels: number;
  /** Open connections per remote address, over all listeners. */
  maxConnectionsPerAddress: number;
  /** Keepalive bounds, seconds (0 = "never" is refused). */
  keepaliveMin: number;
  keepaliveMax: number;
  /** Time from TCP (or TLS) connect to CONNECT, ms; also the TLS handshake timeout. */
  connectTimeoutMs: number;
  /** A client that does not read its data for this long is disconnected, ms. */
  drainTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<BrokerLimits> = {
  maxPacketBytes: 4096,
  maxTopicLevels: 8,
  maxConnectionsPerAddress: 32,
  keepaliveMin: 10,
  keepaliveMax: 300,
  connectTimeoutMs: 10_000,
  drainTimeoutMs: 30_000,
};

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/**
 * Client certificates on the mqtts listener (docs/PROTOCOL.md, "Client certificates"): certificates issued by the
 * gateway's CA (gateway/mqtt/ca.ts) identify a sensor by their CN, without a password. Node's TLS verifies them against
 * `ca` (chain, validity period by the system clock, and the CRL when given); a client that presents a certificate
 * that fails is disconnected before MQTT starts. Clients without a certificate may still log in with a password.
 */
export interface ClientCertificates {
  ca: Buffer;
  crl?: Buffer;
}

export interface BrokerOptions {
  mqtt: { host: string; port: number };
  mqtts?: { host: string; port: number; clientCertificates?: ClientCertificates } & TlsMaterial;
  /** MQTT over WebSocket at WS_PATH; over TLS (wss) when `tls` is given. */
  ws?: { host: string; port: number; tls?: TlsMaterial };
  policy: BrokerPolicy;
  limits: BrokerLimits;
  logger: Logger;
}

/** A message as subscribers in the gateway see it. */
export interface BrokerMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** Id of the publishing client, or null for the broker's own publishes. */
  clientId: string | null;
  /** QoS the message was published with (external broker: at most the gateway's subscription QoS, 1). */
  qos: 0 | 1 | 2;
  /** The policy's decoded payload, when it checked this message (gateway/decode-once.ts). */
  checked?: Checked;
}

export type MessageHandler = (message: BrokerMessage) => void;
/** An interceptor: may return the promise of the message's storage; the PUBACK waits for it. */
export type InterceptHandler = (message: BrokerMessage) => void | Promise<void>;

/** What ingest needs from a broker; an external broker (mqtt.js client) can offer the same later. */
export interface MessageSource {
  /** Receive every message matching `filter`; resolves to an unsubscribe function. */
  subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>>;
  /**
   * Receive every client PUBLISH matching `filter` that the policy accepted, synchronously, BEFORE the broker sends
   * the PUBACK (embedded broker only). The PUBACK waits for the promise the handler returns (ingest: the group
   * commit holding the message), so it means "stored": a gateway killed between the two can lose nothing the sensor
   * already deleted. A handler that throws, or whose promise rejects, withholds the PUBACK (the client resends).
   */
  intercept?(filter: string, handler: InterceptHandler): () => void;
}


export interface BrokerPorts {
  mqtt: number;
  mqtts: number | null;
  ws: number | null;
}

/** Why the broker closed a connection outside the policy hooks (counted at /api/health → broker.closedByLimits). */
export type ClosedReason = 'too-many-connections' | 'packet-too-large' | 'malformed-length' | 'too-many-levels' | 'empty-topic' | 'wildcard-in-publish' | 'certificate-refused';

/**
 * aedes refuses some PUBLISH/SUBSCRIBE topics itself, before the policy hooks (lib/handlers/publish.js: empty topic,
 * '#' or '+' in a PUBLISH [MQTT-3.3.2-2], more levels than maxTopicLevels), and closes the client. Those closes
 * are counted like the others, by the error aedes reports.
 */
export function classifyTopicError(message: string): ClosedReason | null {
  if (message === 'topic has too many levels') return 'too-many-levels';
  if (message === 'empty topic not allowed in PUBLISH') return 'empty-topic';
  if (message === '# is not allowed in PUBLISH' || message === '+ is not allowed in PUBLISH') return 'wildcard-in-publish';
  return null;
}

/** IPv4 clients on a dual-stack socket show up as ::ffff:a.b.c.d. */
const plainAddress = (a: string | undefined) => (a ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

export class MqttBroker implements MessageSource {
  private aedes: Aedes | null = null;
  private servers: Array<Server | HttpServer> = [];
  private wss: WebSocketServer | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly webSockets = new Set<WebSocket>();
  private readonly perAddress = new Map<string, number>();
  private readonly addresses = new WeakMap<object, string>();
  private readonly closed = new ReasonCounter<ClosedReason>();
  private readonly interceptors = new Set<{ filter: string; matches: (topic: string) => boolean; handler: InterceptHandler }>();
  private readonly outcomes = new WeakMap<Promise<void>, Promise<boolean>>();
  /** PUBACKs waiting for their storage promise (whenStored). */
  private readonly awaiting = new Map<Promise<boolean>, Array<(err: Error | null) => void>>();
  private readonly log: Logger;
  readonly ports: BrokerPorts = { mqtt: 0, mqtts: null, ws: null };

  constructor(private readonly opts: BrokerOptions) {
    this.log = opts.logger.child({ module: 'broker' });
  }

  get host(): string {
    return this.opts.mqtt.host;
  }

  /** The bound plain-MQTT port (after start()). */
  get port(): number {
    return this.ports.mqtt;
  }

  /** Remote address of a client's connection. */
  addressOf(client: Client): string {
    return this.addresses.get(client.conn) ?? 'unknown';
  }

  /** The sensor id of a client that presented a valid gateway-CA certificate (its CN), or null. */
  certificateIdentity(client: Client): string | null {
    const conn = client.conn as unknown;
    if (!(conn instanceof TLSSocket) || !conn.authorized) return null;
    const cn = conn.getPeerCertificate().subject?.CN;
    return typeof cn === 'string' ? cn : null;
  }

  /** Connections closed by the listeners' limits, per reason. */
  closedByLimits(): Record<string, number> {
    return this.closed.snapshot();
  }

  get connections(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async start(): Promise<BrokerPorts> {
    if (this.aedes) throw new Error('broker already started');
    const { policy, limits } = this.opts;
    const aedes = await Aedes.createBroker({
      preConnect: policy.preConnect,
      authenticate: policy.authenticate,
      // aedes lib/handlers/publish.js: authorizePublish, then (QoS 1) PUBACK, then delivery. The interceptors run
      // between the policy's yes and the PUBACK, so an acknowledged aggregate is already stored.
      // An interceptor that could not store the message (its handler threw) withholds the PUBACK: the connection is
      // closed and the sensor keeps the aggregate in its queue and sends it again later.
      // aedes lets authorizePublish call back later (its packets of one socket read are handled concurrently, then
      // the next read waits for all of them), so the PUBACK of a group commit is released when the batch commits.
      authorizePublish: (client, packet, done) => {
        const err = policy.checkPublish(client, packet);
        if (err || this.interceptors.size === 0) return done(err);
        const stored = this.runInterceptors(client, packet);
        if (stored === true) return done(null);
        if (stored === false) return done(new Error('not stored; not acknowledged'));
        this.whenStored(stored, done);
      },
      authorizeSubscribe: policy.authorizeSubscribe,
      drainTimeout: limits.drainTimeoutMs,
      connectTimeout: limits.connectTimeoutMs,
      maxTopicLevels: limits.maxTopicLevels,
    });
    aedes.on('clientError', (client, err) => {
      const refused = classifyTopicError(err.message);
      if (refused) {
        this.closed.add(refused);
        this.log.warn({ client: safeName(client.id), reason: refused }, 'connection closed: topic refused by the broker');
      } else this.log.debug({ client: safeName(client.id), err: err.message }, 'client error');
    });
    aedes.on('connectionError', (_client, err) => this.log.debug({ err: err.message }, 'connection error'));
    aedes.on('clientDisconnect', (client) => this.log.debug({ client: safeName(client.id) }, 'client disconnected'));
    (aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) => this.log.error({ err: err.message }, 'broker error'));
    this.aedes = aedes;
    try {
      const o = this.opts;
      const tcp = createServer((socket) => this.onSocket(socket) && this.accept(socket, socket.remoteAddress));
      this.ports.mqtt = await this.listen(tcp, o.mqtt, { service: 'MQTT', portOption: '--mqtt-port / DRUKTE_MQTT_PORT' });
      if (o.mqtts) {
        const cc = o.mqtts.clientCertificates;
        const tls = createTlsServer({
          cert: o.mqtts.cert, key: o.mqtts.key, minVersion: 'TLSv1.2', handshakeTimeout: limits.connectTimeoutMs,
          // Ask for a certificate, verify it against the gateway CA; password clients (no certificate) stay possible.
          ...(cc ? { requestCert: true, rejectUnauthorized: false, ca: cc.ca, ...(cc.crl ? { crl: cc.crl } : {}) } : {}),
        });
        tls.on('connection', (socket: Socket) => this.onSocket(socket));
        tls.on('secureConnection', (socket) => {
          if (cc && !socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) {
            // A certificate that fails verification (expired, revoked, another CA) is never a fallback to passwords.
            this.closed.add('certificate-refused');
            this.log.warn({ address: plainAddress(socket.remoteAddress), reason: String(socket.authorizationError) }, 'connection refused: client certificate not valid');
            return void socket.destroy();
          }
          this.accept(socket, socket.remoteAddress);
        });
        tls.on('tlsClientError', (err) => this.log.debug({ err: err.message }, 'TLS handshake failed'));
        this.ports.mqtts = await this.listen(tls, o.mqtts, { service: 'MQTTS', portOption: '--mqtts-port / DRUKTE_MQTTS_PORT' });
      }
      if (o.ws) this.ports.ws = await this.startWebSocket(o.ws);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.log.debug({ ports: this.ports }, 'broker listening');
    return this.ports;
  }

  private async listen(server: Server | HttpServer, target: { host: string; port: number }, hint: ListenHint): Promise<number> {
    this.servers.push(server);
    const port = await listen(server, target, hint);
    server.on('error', (err) => this.log.error({ err: err.message, service: hint.service }, 'listener error'));
    return port;
  }

  private async startWebSocket(o: NonNullable<BrokerOptions['ws']>): Promise<number> {
    const http = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' }) : createHttpServer();
    http.on('connection', (socket: Socket) => this.onSocket(socket));
    http.on('request', (_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('MQTT over WebSocket lives at /mqtt\n'));
    const wss = new WebSocketServer({ server: http, path: WS_PATH, maxPayload: 16 * this.opts.limits.maxPacketBytes, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
    wss.on('connection', (ws, req) => {
      this.webSockets.add(ws);
      ws.once('close', () => this.webSockets.delete(ws));
      const stream = createWebSocketStream(ws);
      stream.on('error', () => {}); // reported by aedes, not thrown
      this.accept(stream, req.socket.remoteAddress, req);
    });
    wss.on('error', (err) => this.log.error({ err: err.message }, 'WebSocket server error'));
    this.wss = wss;
    return this.listen(http, o, { service: 'MQTT over WebSocket', portOption: '--ws-port / DRUKTE_WS_PORT' });
  }

  /** Every raw connection, on every listener: track it and apply the per-address limit. */
  private onSocket(socket: Socket): boolean {
    const address = plainAddress(socket.remoteAddress);
    const open = this.perAddress.get(address) ?? 0;
    if (open >= this.opts.limits.maxConnectionsPerAddress) {
      this.closed.add('too-many-connections');
      this.log.warn({ address, open }, 'connection refused: too many connections from this address');
      socket.destroy();
      return false;
    }
    this.perAddress.set(address, open + 1);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, n);
    });
    return true;
  }

  private accept(stream: Duplex, remoteAddress: string | undefined, req?: IncomingMessage): void {
    const aedes = this.aedes;
    if (!aedes || stream.destroyed) return void stream.destroy();
    const address = plainAddress(remoteAddress);
    this.addresses.set(stream, address);
    aedes.handle(stream, req);
    guardPacketSize(stream, this.opts.limits.maxPacketBytes, (r) => {
      this.closed.add(r.reason);
      this.log.warn({ address, reason: r.reason, announced: r.announced, max: this.opts.limits.maxPacketBytes }, 'connection closed: packet over the size limit');
    });
  }

  /**
   * Run the interceptors of a message: true when all took it, false when one of them failed (the message is not
   * stored), or a promise of either when one of them stores it later (group commit).
   */
  private runInterceptors(client: Client | null, packet: { topic: string; payload: Buffer | string; retain?: boolean; qos: 0 | 1 | 2; [CHECKED]?: Checked }): boolean | Promise<boolean> {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const checked = packet[CHECKED];
    let ok = true;
    let first: Promise<boolean> | null = null;
    let later: Array<Promise<boolean>> | null = null;
    for (const { filter, matches, handler } of this.interceptors) {
      if (!matches(packet.topic)) continue;
      try {
        const r = handler({ topic: packet.topic, payload, retain: Boolean(packet.retain), clientId: client?.id ?? null, qos: packet.qos, ...(checked ? { checked } : {}) });
        if (!r) continue;
        if (!first) first = this.outcome(r, filter);
        else (later ??= [first]).push(this.outcome(r, filter));
      } catch (err) {
        this.log.error({ err: (err as Error).message, filter, client: client ? safeName(client.id) : '(broker)' }, 'message not stored: not acknowledged, the client will send it again');
        ok = false;
      }
    }
    if (!ok || !first) return ok;
    return later ? Promise.all(later).then((rs) => rs.every(Boolean)) : first;
  }

  /**
   * Whether a storage promise kept its word: one derived promise per promise, not per message (a group commit's
   * promise is shared by every message of its batch; under load that is thousands of messages).
   */
  private outcome(stored: Promise<void>, filter: string): Promise<boolean> {
    let o = this.outcomes.get(stored);
    if (!o) {
      o = stored.then(() => true, (err: unknown) => {
        this.log.error({ err: (err as Error).message, filter }, 'messages not stored: not acknowledged, their clients will send them again');
        return false;
      });
      this.outcomes.set(stored, o);
    }
    return o;
  }

  /**
   * Release `done` (the PUBACK) when `stored` settles: the callbacks of one storage promise are kept in one list and
   * called by one reaction (a group commit's promise is shared by thousands of messages).
   */
  private whenStored(stored: Promise<boolean>, done: (err: Error | null) => void): void {
    let waiting = this.awaiting.get(stored);
    if (!waiting) {
      const list: Array<(err: Error | null) => void> = (waiting = []);
      this.awaiting.set(stored, list);
      const release = (ok: boolean) => {
        this.awaiting.delete(stored);
        for (const d of list) {
          try {
            d(ok ? null : new Error('not stored; not acknowledged'));
          } catch (err) {
            this.log.error({ err: (err as Error).message }, 'releasing a PUBACK failed');
          }
        }
      };
      stored.then(release, () => release(false));
    }
    waiting.push(done);
  }

  intercept(filter: string, handler: InterceptHandler): () => void {
    const entry = { filter, matches: compileTopicFilter(filter), handler };
    this.interceptors.add(entry);
    return () => void this.interceptors.delete(entry);
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const aedes = this.aedes;
    if (!aedes) throw new Error('broker not started');
    const deliver = (packet: AedesPublishPacket, done: () => void) => {
      try {
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        handler({ topic: packet.topic, payload, retain: Boolean(packet.retain), clientId: (packet as { clientId?: string }).clientId ?? null, qos: packet.qos });
      } catch (err) {
        this.log.error({ err: (err as Error).message, filter }, 'subscriber failed');
      }
      done(); // aedes: call before returning, or other subscribers of the topic stall
    };
    await new Promise<void>((resolve) => aedes.subscribe(filter, deliver, resolve));
    return () => new Promise<void>((resolve) => (aedes.closed ? resolve() : aedes.unsubscribe(filter, deliver, resolve)));
  }

  /** Publish as the broker itself (bypasses authorizePublish, as aedes does): for gateway → feeds topics. */
  publish(topic: string, payload: Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('broker not started'));
    // The broker's own publishes skip the policy (aedes), not the interceptors: ingest checks them like any other.
    if (this.interceptors.size > 0) void this.runInterceptors(null, { topic, payload, retain: opts.retain ?? false, qos: opts.qos ?? 1 });
    return new Promise((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload, qos: opts.qos ?? 1, retain: opts.retain ?? false, dup: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Close the connections of the clients whose id matches (a retired sensor, a changed password); returns how many. */
  disconnect(match: (clientId: string) => boolean): number {
    const clients = (this.aedes as unknown as { clients?: Record<string, Client> } | null)?.clients ?? {};
    let n = 0;
    for (const [id, client] of Object.entries(clients)) {
      if (!match(id)) continue;
      client.close();
      n++;
    }
    return n;
  }

  /** Close the listeners, all clients and the broker. Safe to call twice or after a failed start. */
  async stop(): Promise<void> {
    const { aedes, servers, wss } = this;
    this.aedes = null;
    this.servers = [];
    this.wss = null;
    const closing = servers.map((s) => closeServer(s));
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const ws of this.webSockets) ws.terminate();
    for (const socket of this.sockets) socket.destroy(); // e.g. connections that never sent CONNECT
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const s of servers) if ('closeAllConnections' in s) s.closeAllConnections();
    await Promise.all(closing);
    if (aedes) this.log.debug('broker stopped');
  }
}
