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
import type { InterceptHandler, MessageHandler, MessageSource } from './broker.ts';

/** The shared-subscription group every gateway instance's ingest joins (MQTT 5 §4.8.2). */
export const SHARED_GROUP = 'drukte-ingest';
/** How long the broker keeps an instance's session (and its unacknowledged messages) after a crash, seconds. */
export const DEFAULT_SESSION_EXPIRY_SECONDS = 86_400;

export interface ExternalBrokerOptions {
  url: string;
  username?: string;
  password?: string;
  /** CA certificate(s) for an mqtts:// broker with a private CA. */
  ca?: Buffer;
  clientId?: string;
  /**
   * Several gateway instances (docs/SCALING.md): ingest subscribes with `$share/<group>/<filter>`, so the broker gives
   * each message to one instance; the session is persistent (clean start off, this expiry) under the stable
   * clientId, so the messages an instance had not acknowledged when it died wait for it to come back.
   */
  shared?: { group?: string; sessionExpirySeconds?: number };
  logger: Logger;
}


/** The external broker cannot be reached or refuses the gateway (a start-up failure meant for people). */
export class ExternalBrokerError extends Error {
  override name = 'ExternalBrokerError';
}

export class ExternalBroker implements MessageSource {
  private client: MqttClient | null = null;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private readonly interceptors = new Map<string, InterceptHandler>();
  /** PUBACKs wait for these (per message id of the current connection), in the order the messages came. */
  private readonly holds = new Map<number, Promise<void>>();
  private ackChain: Promise<void> = Promise.resolve();
  /** Grows at every (re)connection: a PUBACK held across a reconnection is dropped (the broker redelivers). */
  private generation = 0;
  /** PUBACKs withheld because the message could not be stored (the broker redelivers it after a reconnection). */
  withheld = 0;
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
    const shared = this.opts.shared;
    // The listeners are in place BEFORE the connection is: a persistent session's queued messages come right after
    // the CONNACK, and none may be acknowledged unread.
    const client = mqtt.connect(this.opts.url, {
      clientId: this.opts.clientId ?? `drukte-gateway-${process.pid}`,
      username: this.opts.username, password: this.opts.password, ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      reconnectPeriod: 2000, connectTimeout: 10_000,
      ...(shared
        ? { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: shared.sessionExpirySeconds ?? DEFAULT_SESSION_EXPIRY_SECONDS } }
        : { clean: true }),
    });
    this.client = client;
    this.holdPubacks(this.client);
    this.client.on('connect', () => this.generation++);
    this.client.on('message', (topic, payload, packet) => {
      const holds: Array<Promise<void>> = [];
      let intercepted = false;
      for (const [filter, handler] of this.interceptors) {
        if (!topicMatches(filter, topic)) continue;
        intercepted = true;
        try {
          const p = handler({ topic, payload: Buffer.from(payload), retain: packet.retain, clientId: null, qos: packet.qos });
          if (p) holds.push(p);
        } catch (err) {
          holds.push(Promise.reject(err as Error));
        }
      }
      // A persistent session gets its queued messages right at connect, before ingest has intercepted its topics:
      // those wait for their interceptor (and their PUBACK for its commit) instead of being acknowledged unread.
      if (this.opts.shared && packet.qos === 1 && !intercepted && !this.handlersFor(topic)) {
        holds.push(new Promise<void>((resolve, reject) => this.early.push({ topic, payload: Buffer.from(payload), retain: packet.retain, resolve, reject })));
      }
      if (packet.qos === 1 && packet.messageId !== undefined && holds.length) this.holds.set(packet.messageId, Promise.all(holds).then(() => undefined));
      for (const [filter, set] of this.handlers) {
        if (!topicMatches(filter, topic)) continue;
        for (const h of set) h({ topic, payload: Buffer.from(payload), retain: packet.retain, clientId: null, qos: packet.qos }) // min(publish, our subscription 1);
      }
    });
    this.client.on('offline', () => this.log.warn({ broker: this.url }, 'external broker unreachable; reconnecting'));
    this.client.on('error', (err) => {
      if (client.connected || this.generation > 0) this.log.warn({ broker: this.url, err: err.message }, 'external broker connection error');
    });
    this.client.on('connect', () => this.log.info({ broker: this.url }, 'connected to the external broker'));
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
    } catch (err) {
      this.client = null;
      client.end(true);
      throw new ExternalBrokerError(`cannot connect to the external broker ${this.url}: ${(err as Error).message} — check that it runs and that the gateway's user may connect`);
    }
  }

  /**
   * mqtt.js sends a QoS 1 PUBACK as soon as the 'message' listeners return, and reads the next packet only after it
   * is sent. Here the PUBACK is taken aside instead: mqtt.js goes on reading at once (so many messages join one group
   * commit) and the PUBACK leaves when the message's commit has resolved, in the order the messages came (MQTT 5
   * §4.6). A commit that fails withholds the PUBACK and reconnects: with the persistent session the broker sends the
   * message again. (This wraps mqtt.js's internal _sendPacket: tests/integration/two-gateways.test.ts proves it.)
   */
  private holdPubacks(client: MqttClient): void {
    type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: () => void, ...rest: unknown[]) => void;
    const c = client as unknown as { _sendPacket: SendPacket; stream?: { destroy(): void } };
    const send = c._sendPacket.bind(client);
    c._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd !== 'puback' || packet.messageId === undefined) return send(packet, cb, ...rest);
      const hold = this.holds.get(packet.messageId) ?? Promise.resolve();
      this.holds.delete(packet.messageId);
      const generation = this.generation;
      const chained = this.ackChain.then(() => hold);
      this.ackChain = chained.then(
        () => {
          if (this.client === client && this.generation === generation && client.connected) send(packet);
        },
        (err: unknown) => {
          this.withheld++;
          if (this.generation !== generation) return;
          this.generation++; // every later PUBACK of this connection is dropped too: the broker resends them all
          this.log.error({ err: (err as Error).message }, 'a message could not be stored: PUBACK withheld, reconnecting so the broker sends it again');
          c.stream?.destroy();
        },
      );
      cb?.();
    };
  }

  /**
   * Receive matching messages BEFORE their PUBACK: the PUBACK waits for the promise the handler returns (ingest: the
   * commit holding the message). With `shared`, the subscription is the shared one: one instance per message.
   */
  intercept(filter: string, handler: InterceptHandler): () => void {
    const client = this.client;
    if (!client) throw new Error('external broker not started');
    this.interceptors.set(filter, handler);
    for (const m of this.early.filter((e) => topicMatches(filter, e.topic))) {
      this.early.splice(this.early.indexOf(m), 1);
      try {
        Promise.resolve(handler({ topic: m.topic, payload: m.payload, retain: m.retain, clientId: null, qos: 1 })).then(m.resolve, m.reject);
      } catch (err) {
        m.reject(err as Error);
      }
    }
    const actual = this.opts.shared ? `$share/${this.opts.shared.group ?? SHARED_GROUP}/${filter}` : filter;
    const subscribed = client.subscribeAsync(actual, { qos: 1 }).then((granted) => {
      if (granted.some((g) => g.qos >= 128)) throw new ExternalBrokerError(`the external broker refused the gateway's subscription to ${actual}: grant it read access in the broker's ACL`);
    }, (err: unknown) => {
      throw new ExternalBrokerError(`the subscription to ${actual} failed: ${(err as Error).message}`);
    });
    subscribed.catch(() => undefined); // reported by ready()
    this.pendingSubscriptions.push(subscribed);
    return () => {
      this.interceptors.delete(filter);
      if (client.connected) void client.unsubscribeAsync(actual).catch(() => undefined);
    };
  }

  private readonly pendingSubscriptions: Array<Promise<void>> = [];
  /** Messages of the persistent session that came before their interceptor (see the 'message' listener). */
  private readonly early: Array<{ topic: string; payload: Buffer; retain: boolean; resolve(): void; reject(err: Error): void }> = [];

  private handlersFor(topic: string): boolean {
    for (const filter of this.handlers.keys()) if (topicMatches(filter, topic)) return true;
    return false;
  }

  /** Resolves when every intercept() subscription has been granted; ExternalBrokerError when one was refused. */
  async ready(): Promise<void> {
    await Promise.all(this.pendingSubscriptions);
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

  /**
   * A clean stop: leave the shared group first (the other instances get every new message), let the PUBACKs of what
   * was received go out, then disconnect.
   */
  async stop(): Promise<void> {
    const client = this.client;
    if (client && this.opts.shared && client.connected) {
      const group = this.opts.shared.group ?? SHARED_GROUP;
      await Promise.all([...this.interceptors.keys()].map((f) => client.unsubscribeAsync(`$share/${group}/${f}`).catch(() => undefined)));
    }
    this.interceptors.clear();
    for (const m of this.early.splice(0)) m.reject(new Error('stopping before the message was read'));
    await this.ackChain.catch(() => undefined);
    this.client = null;
    this.handlers.clear();
    if (client) await client.endAsync();
  }
}
