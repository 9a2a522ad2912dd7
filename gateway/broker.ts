/**
 * The embedded MQTT broker: aedes on a plain TCP listener, with the policy hooks of gateway/policy.ts.
 *
 *   sensors ──MQTT 3.1.1/TCP──► net.Server ──► aedes (policy hooks) ──► subscribers (ingest via subscribe())
 *
 * start() reports the real bound port (port 0 = any free port); stop() closes the listener, every client socket
 * (also those that never sent CONNECT) and the broker, so nothing keeps the process alive.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';
import type { Logger } from '../shared/log.ts';
import { closeServer, listen } from './listen.ts';
import type { BrokerPolicy } from './policy.ts';

export const DEFAULT_MQTT_PORT = 1883;
/** No authentication yet (later issue), so the broker listens on loopback unless told otherwise. */
export const DEFAULT_MQTT_HOST = '127.0.0.1';

export interface BrokerOptions {
  host?: string;
  port?: number;
  policy: BrokerPolicy;
  logger: Logger;
}

/** A message as subscribers in the gateway see it. */
export interface BrokerMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** Id of the publishing client, or null for the broker's own publishes. */
  clientId: string | null;
}

export type MessageHandler = (message: BrokerMessage) => void;

/** What ingest needs from a broker; an external broker (mqtt.js client) can offer the same later. */
export interface MessageSource {
  /** Receive every message matching `filter`; resolves to an unsubscribe function. */
  subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>>;
}

export class MqttBroker implements MessageSource {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly log: Logger;
  private boundPort = 0;

  constructor(private readonly opts: BrokerOptions) {
    this.log = opts.logger.child({ module: 'broker' });
  }

  get host(): string {
    return this.opts.host ?? DEFAULT_MQTT_HOST;
  }

  /** The bound port (after start()). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<number> {
    if (this.aedes) throw new Error('broker already started');
    const { policy } = this.opts;
    const aedes = await Aedes.createBroker({
      authenticate: policy.authenticate,
      authorizePublish: policy.authorizePublish,
      authorizeSubscribe: policy.authorizeSubscribe,
      drainTimeout: 30_000,
      maxTopicLevels: 16,
    });
    aedes.on('clientError', (client, err) => this.log.debug({ client: safeId(client.id), err: err.message }, 'client error'));
    aedes.on('connectionError', (_client, err) => this.log.debug({ err: err.message }, 'connection error'));
    aedes.on('client', (client) => this.log.debug({ client: safeId(client.id) }, 'client connected'));
    aedes.on('clientDisconnect', (client) => this.log.debug({ client: safeId(client.id) }, 'client disconnected'));
    (aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) => this.log.error({ err: err.message }, 'broker error'));

    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      aedes.handle(socket);
    });
    this.aedes = aedes;
    this.server = server;
    try {
      this.boundPort = await listen(server, { host: this.host, port: this.opts.port ?? DEFAULT_MQTT_PORT }, { service: 'MQTT', portOption: '--mqtt-port / DRUKTE_MQTT_PORT' });
    } catch (err) {
      await this.stop();
      throw err;
    }
    server.on('error', (err) => this.log.error({ err: err.message }, 'listener error'));
    this.log.debug({ host: this.host, port: this.boundPort }, 'broker listening');
    return this.boundPort;
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const aedes = this.aedes;
    if (!aedes) throw new Error('broker not started');
    const deliver = (packet: AedesPublishPacket, done: () => void) => {
      try {
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        handler({ topic: packet.topic, payload, retain: Boolean(packet.retain), clientId: (packet as { clientId?: string }).clientId ?? null });
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
    return new Promise((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload, qos: opts.qos ?? 1, retain: opts.retain ?? false, dup: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Close the listener, all clients and the broker. Safe to call twice or after a failed start. */
  async stop(): Promise<void> {
    const { aedes, server } = this;
    this.aedes = null;
    this.server = null;
    const serverClosed = server ? closeServer(server) : Promise.resolve();
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy(); // e.g. connections that never sent CONNECT
    await serverClosed;
    if (aedes) this.log.debug('broker stopped');
  }
}

function safeId(id: string | undefined): string {
  return id && /^[A-Za-z0-9_.:-]{1,64}$/.test(id) ? id : '(unprintable id)';
}
