/** Shared by the lifecycle tests: a plain aedes broker on port 0, a watcher of one sensor's retained status. */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { decodeSensorPayload } from '../../shared/codec.ts';
import type { Status } from '../../shared/payloads.ts';
import { statusTopic } from '../../shared/topics.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface TestBroker {
  url: string;
  close(): Promise<void>;
}

/** A real aedes broker (no auth) on a free port. */
export async function startAedes(): Promise<TestBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface StatusWatcher {
  /** Every status received, in order (a retained one first, if any). */
  readonly statuses: Status[];
  /** Resolves with the first status (already received or later) that matches. */
  waitFor(pred: (s: Status) => boolean, timeoutMs?: number, what?: string): Promise<Status>;
  close(): Promise<void>;
}

/** Subscribe to a sensor's status topic; every message is decoded and validated as the gateway would. */
export async function watchStatus(url: string, sensorId: string): Promise<StatusWatcher> {
  const client: MqttClient = await connectAsync(url, { reconnectPeriod: 0 });
  const statuses: Status[] = [];
  const waiters: Array<{ pred: (s: Status) => boolean; resolve: (s: Status) => void }> = [];
  client.on('message', (_topic, payload) => {
    const decoded = decodeSensorPayload('status', payload);
    if (!decoded.ok) throw new Error(`invalid status on the wire: ${decoded.errors.join('; ')}`);
    statuses.push(decoded.value);
    for (const w of [...waiters]) {
      if (w.pred(decoded.value)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(decoded.value);
      }
    }
  });
  await client.subscribeAsync(statusTopic(sensorId), { qos: 1 });
  return {
    statuses,
    waitFor(pred, timeoutMs = 10_000, what = 'a matching status') {
      const found = statuses.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; saw: ${statuses.map((s) => s.state).join(', ') || 'nothing'}`)), timeoutMs);
        waiters.push({ pred, resolve: (s) => (clearTimeout(timer), resolve(s)) });
      });
    },
    close: () => client.endAsync(),
  };
}

/** Poll until `pred()` holds (real time; for processes and sockets, never for the sensor's clock). */
export async function until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** examples/sensor.yaml with some fields replaced, written to `dir`; returns its path. */
export function exampleManifest(dir: string, overrides: Record<string, unknown>, name = 'sensor.yaml'): string {
  // The example leaves the URLs to `provision --gateway`; these tests mostly provision without one.
  const urls = { registerUrl: 'http://localhost:8080/sensors/stadhuis-entrance', gatewayUrl: 'mqtt://localhost:1883' };
  const data: Record<string, unknown> = { ...urls, ...(parseYaml(readFileSync(join(REPO, 'examples', 'sensor.yaml'), 'utf8')) as Record<string, unknown>), ...overrides };
  for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete data[k];
  const path = join(dir, name);
  writeFileSync(path, stringifyYaml(data));
  return path;
}

/** YYYY-MM-DD, `days` after `ms` (UTC). */
export const dayAfter = (ms: number, days: number): string => new Date(ms + days * 86_400_000).toISOString().slice(0, 10);
