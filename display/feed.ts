/**
 * What a display client knows about its sensor, read from the gateway as any member of the public can: the register
 * entry (`GET /api/sensors/{id}`), the last hour (`GET /api/sensors/{id}/history`) and the live event stream
 * (`GET /api/stream?sensor={id}`, Server-Sent Events). Everything it shows is what the gateway accepted: it never
 * talks to the sensor. The register entry is read again every `refreshMs` (expiry, suspension, retirement) and after
 * each reconnect; the stream reconnects with back-off (1 s … 30 s).
 *
 * Age is measured on the client's monotonic clock since the gateway's own `ageSeconds`, so a wrong wall clock on
 * the display device cannot hide a stale sensor.
 */
import type { Clock } from '../shared/clock.ts';
import type { Level } from '../shared/density.ts';
import type { TimerHandle, Timers } from '../shared/timers.ts';
import type { DisplayInput, DisplaySensor, ReportedState } from '../shared/display-content.ts';

export interface FeedSnapshot extends DisplayInput {
  /** Levels of the last hour, oldest first (for a trend). */
  trend: Array<{ to: number; level: Level; count: number | null }>;
  /** Whether the event stream is connected. */
  connected: boolean;
}

export interface FeedOptions {
  base: string;
  sensor: string;
  clock: Clock;
  timers: Timers;
  fetch?: typeof fetch;
  refreshMs?: number;
  onError?: (message: string) => void;
}

interface Detail extends DisplaySensor {
  state: ReportedState;
  latest: { level: Level; count: number | null; to: number } | null;
  ageSeconds?: number | null;
  suspension?: { reason: string; at: string | number } | null;
}

export class GatewayFeed {
  #detail: Detail | null = null;
  /** Monotonic ms at which the latest aggregate was accepted (estimated for the first one). */
  #receivedAt: number | null = null;
  #trend: FeedSnapshot['trend'] = [];
  #connected = false;
  #stopped = false;
  #abort: AbortController | null = null;
  #refresh: TimerHandle | null = null;
  #retry: TimerHandle | null = null;
  #delay = 1000;
  readonly #listeners: Array<() => void> = [];
  readonly #fetch: typeof fetch;

  constructor(private readonly o: FeedOptions) {
    this.#fetch = o.fetch ?? fetch;
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Read the register entry (throws with a clear message if the gateway or the sensor is not there), then stream. */
  async start(): Promise<void> {
    await this.#load();
    this.#refresh = this.o.timers.setInterval(() => void this.#load().catch((e: Error) => this.o.onError?.(e.message)), this.o.refreshMs ?? 60_000);
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    this.o.timers.clearInterval(this.#refresh);
    this.o.timers.clearTimeout(this.#retry);
    this.#abort?.abort();
  }

  snapshot(): FeedSnapshot | null {
    const d = this.#detail;
    if (!d) return null;
    const age = this.#receivedAt === null ? null : Math.max(0, Math.floor((this.o.clock.monotonic() - this.#receivedAt) / 1000));
    return { sensor: d, latest: d.latest, state: d.state, ageSeconds: d.latest ? age : null, suspension: d.suspension ?? null, trend: this.#trend, connected: this.#connected };
  }

  #url(path: string): string {
    return new URL(path, this.o.base).href;
  }

  async #load(): Promise<void> {
    const id = encodeURIComponent(this.o.sensor);
    let res: Response;
    try {
      res = await this.#fetch(this.#url(`/api/sensors/${id}`), { headers: { Accept: 'application/json' } });
    } catch (err) {
      throw new Error(`cannot reach the gateway at ${this.o.base}: ${(err as Error).message}`);
    }
    if (res.status === 404) throw new Error(`sensor '${this.o.sensor}' is not in the gateway's register (${this.o.base}/api/sensors)`);
    if (!res.ok) throw new Error(`the gateway answered ${res.status} for /api/sensors/${id}`);
    const d = (await res.json()) as Detail;
    this.#detail = d;
    if (d.latest && typeof d.ageSeconds === 'number') this.#receivedAt = this.o.clock.monotonic() - d.ageSeconds * 1000;
    else if (!d.latest) this.#receivedAt = null;
    if (d.latest) {
      const h = await this.#fetch(this.#url(`/api/sensors/${id}/history?from=${d.latest.to - 3600}&to=${d.latest.to}`));
      if (h.ok) this.#trend = ((await h.json()) as { items: FeedSnapshot['trend'] }).items.map(({ to, level, count }) => ({ to, level, count }));
    }
    this.#emit();
  }

  #emit(): void {
    for (const l of this.#listeners) l();
  }

  #connect(): void {
    if (this.#stopped) return;
    const abort = new AbortController();
    this.#abort = abort;
    void this.#stream(abort.signal).catch(() => undefined).finally(() => {
      if (this.#stopped) return;
      if (this.#connected) {
        this.#connected = false;
        this.#emit();
      }
      this.#retry = this.o.timers.setTimeout(() => {
        void this.#load().catch((e: Error) => this.o.onError?.(e.message));
        this.#connect();
      }, this.#delay);
      this.#delay = Math.min(this.#delay * 2, 30_000);
    });
  }

  async #stream(signal: AbortSignal): Promise<void> {
    const res = await this.#fetch(this.#url(`/api/stream?sensor=${encodeURIComponent(this.o.sensor)}`), { headers: { Accept: 'text/event-stream' }, signal });
    if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
    this.#connected = true;
    this.#delay = 1000;
    this.#emit();
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.#event(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
      if (buffer.length > 64 * 1024) throw new Error('event stream: an event larger than 64 KiB'); // not the gateway
    }
  }

  /** One SSE block (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation). */
  #event(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (!data.length || !this.#detail) return;
    let value: { sensor?: unknown; level?: unknown; count?: unknown; to?: unknown; state?: unknown };
    try {
      value = JSON.parse(data.join('\n'));
    } catch {
      return;
    }
    if (value.sensor !== this.o.sensor) return;
    if (event === 'aggregate' && typeof value.level === 'number' && typeof value.to === 'number') {
      const a = { level: value.level as Level, count: typeof value.count === 'number' ? value.count : null, to: value.to };
      // A (re)connected stream first replays the latest aggregate: not news, so its age keeps counting.
      if (this.#detail.latest && a.to <= this.#detail.latest.to) return;
      this.#detail.latest = a;
      this.#receivedAt = this.o.clock.monotonic();
      this.#trend = [...this.#trend.filter((p) => p.to > a.to - 3600 && p.to !== a.to), a];
      this.#emit();
    } else if (event === 'status' && typeof value.state === 'string') {
      // The register's own verdicts (expired, retired, suspended) outrank what the sensor says.
      if (!['expired', 'retired', 'suspended'].includes(this.#detail.state)) this.#detail.state = value.state as ReportedState;
      this.#emit();
    }
  }
}
