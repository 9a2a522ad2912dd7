/**
 * External-broker mode (`drukte gateway --broker URL`): instead of embedding aedes, the gateway is a client of the
 * municipality's own broker (e.g. mosquitto). It subscribes to the sensor topics, ingests exactly as in embedded
 * mode (ingest is the independent second check either way) and publishes the area densities there.
 *
 * Who may connect, publish and subscribe is then the broker's own configuration (mosquitto: password_file and
 * acl_file; see docs/PROTOCOL.md for the ACL that mirrors gateway/mqtt/policy.ts). The gateway needs read access to
 * drukte/v1/sensors/+/(aggregate|status) and write access to drukte/v1/areas/#.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.ts';
import { topicMatches } from '../../shared/topics.ts';
import type { MessageHandler, MessageSource } from './broker.ts';

export interface ExternalBrokerOptions {
  url: string;
  username?: string;
  password?: string;
  /** CA certificate(s) for an mqtts:// broker with a private CA. */
  ca?: Buffer;
  clientId?: string;
  logger: Logger;
}


/** The external broker cannot be reached or refuses the gateway (a start-up failure meant for people). */
export class ExternalBrokerError extends Error {
  override name = 'ExternalBrokerError';
}

export class ExternalBroker implements MessageSource {
  private client: MqttClient | null = null;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private readonly log: Logger;

  constructor(private readonly opts: ExternalBrokerOptions) {
    this.log = opts.logger.child({ module: 'external-broker' });
  }

  /** The broker's URL without credentials (for logs and the health page). */
  get url(): string {
    const u = new URL(this.opts.url);
    u.username = '';
    u.password = '';
    return u.toString();
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Connect; fails with a clear message when the broker is down or refuses the credentials. */
  async start(): Promise<void> {
    try {
      this.client = await mqtt.connectAsync(this.opts.url, {
        clientId: this.opts.clientId ?? `drukte-gateway-${process.pid}`,
        username: this.opts.username, password: this.opts.password, ...(this.opts.ca ? { ca: this.opts.ca } : {}),
        clean: true, reconnectPeriod: 2000, connectTimeout: 10_000,
      });
    } catch (err) {
      throw new ExternalBrokerError(`cannot connect to the external broker ${this.url}: ${(err as Error).message} — check that it runs and that the gateway's user may connect`);
    }
    this.client.on('message', (topic, payload, packet) => {
      for (const [filter, set] of this.handlers) {
        if (!topicMatches(filter, topic)) continue;
        for (const h of set) h({ topic, payload: Buffer.from(payload), retain: packet.retain, clientId: null, qos: packet.qos }) // min(publish, our subscription 1);
      }
    });
    this.client.on('offline', () => this.log.warn({ broker: this.url }, 'external broker unreachable; reconnecting'));
    this.client.on('connect', () => this.log.info({ broker: this.url }, 'connected to the external broker'));
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const client = this.client;
    if (!client) throw new Error('external broker not started');
    let set = this.handlers.get(filter);
    if (!set) {
      this.handlers.set(filter, (set = new Set()));
      const granted = await client.subscribeAsync(filter, { qos: 1 });
      if (granted.some((g) => g.qos === 128)) throw new ExternalBrokerError(`the external broker refused the gateway's subscription to ${filter}: grant it read access in the broker's ACL`);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(filter) === set) {
        this.handlers.delete(filter);
        if (client.connected) await client.unsubscribeAsync(filter).catch(() => undefined);
      }
    };
  }

  async publish(topic: string, payload: Buffer, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (!this.client) throw new Error('external broker not started');
    await this.client.publishAsync(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.handlers.clear();
    if (client) await client.endAsync();
  }
}
