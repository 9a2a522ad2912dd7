/**
 * Server-Sent Events hub (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 *
 *   event: aggregate\ndata: {"v":1,…}\n\n      one per accepted aggregate
 *   event: status\ndata: {"v":1,…}\n\n         one per accepted status
 *   : heartbeat\n\n                             comment every 15 s, so proxies and browsers keep the stream open
 *
 * Timers are injected so the heartbeat is testable without waiting. Clients are dropped when they disconnect or
 * fall too far behind (a stalled reader must not grow the gateway's memory).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemTimers, type Timers as SharedTimers } from '../../shared/timers.ts';

export const HEARTBEAT_MS = 15_000;
/** Browsers wait this long before reconnecting (the `retry:` field). */
export const RETRY_MS = 3_000;
/** A client with more unsent bytes than this is disconnected. */
export const MAX_BUFFERED_BYTES = 256 * 1024;

/** The part of shared/timers.ts `Timers` the hub uses. */
export type Timers = Pick<SharedTimers, 'setInterval' | 'clearInterval'>;

export const realTimers: Timers = systemTimers;

export interface SseEvent {
  event: 'aggregate' | 'status';
  /** Sensor the event is about (for per-sensor streams). */
  sensorId: string;
  data: unknown;
}

interface SseClient {
  res: ServerResponse;
  /** Only events of this sensor, or all when null. */
  sensorId: string | null;
  /** Remote address (for the per-address cap). */
  address: string;
}

export function formatEvent(event: string, data: unknown): string {
  // JSON.stringify never emits raw newlines, so one data line is enough.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class SseHub {
  private readonly clients = new Set<SseClient>();
  private heartbeat: unknown = null;

  constructor(private readonly timers: Timers = realTimers) {}

  get size(): number {
    return this.clients.size;
  }

  /** Take over a request as an event stream; `initial` events are sent first (the current state). */
  /** Open streams from one remote address. */
  countFrom(address: string): number {
    let n = 0;
    for (const c of this.clients) if (c.address === address) n++;
    return n;
  }

  open(req: IncomingMessage, res: ServerResponse, sensorId: string | null, initial: SseEvent[], headers: Record<string, string>, address = 'unknown'): void {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    const client: SseClient = { res, sensorId, address };
    this.clients.add(client);
    res.on('close', () => this.remove(client));
    let text = `retry: ${RETRY_MS}\n\n`;
    for (const e of initial) if (this.wants(client, e)) text += formatEvent(e.event, e.data);
    this.write(client, text);
    if (this.heartbeat === null) this.heartbeat = this.timers.setInterval(() => this.beat(), HEARTBEAT_MS);
  }

  broadcast(e: SseEvent): void {
    if (this.clients.size === 0) return; // no JSON for nobody (ingest calls this for every aggregate)
    const text = formatEvent(e.event, e.data);
    for (const client of this.clients) if (this.wants(client, e)) this.write(client, text);
  }

  /** End every stream and stop the heartbeat. */
  closeAll(): void {
    for (const client of [...this.clients]) {
      this.remove(client);
      client.res.end();
    }
  }

  private wants(client: SseClient, e: SseEvent): boolean {
    return client.sensorId === null || client.sensorId === e.sensorId;
  }

  private beat(): void {
    for (const client of this.clients) this.write(client, ': heartbeat\n\n');
  }

  private write(client: SseClient, text: string): void {
    if (client.res.writableLength > MAX_BUFFERED_BYTES) {
      this.remove(client);
      client.res.destroy();
      return;
    }
    client.res.write(text);
  }

  private remove(client: SseClient): void {
    this.clients.delete(client);
    if (this.clients.size === 0 && this.heartbeat !== null) {
      this.timers.clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }
}
