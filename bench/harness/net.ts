/**
 * Pieces the benchmarks and the tests both need to run real parts on loopback: a free port (mosquitto and
 * PostgreSQL cannot listen on port 0), where mosquitto is, and a reader of the gateway's event stream.
 */
import { spawnSync } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { createServer } from 'node:net';

/** mosquitto's binary (installed by .ci/run), or undefined when it is not installed. */
export const MOSQUITTO = ['/usr/sbin/mosquitto', 'mosquitto'].find((m) => spawnSync(m, ['-h'], { stdio: 'ignore' }).error === undefined);

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface SseEvent {
  /** The `event:` field ('message' when absent). */
  event: string;
  /** The `data:` lines joined. */
  data: string;
}

/**
 * Open GET /api/stream (or `path`) on a gateway and call `onEvent` for every event; resolves once the response has
 * started, with a function that closes the stream.
 */
export function sseEvents(port: number, onEvent: (e: SseEvent) => void, path = '/api/stream'): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { accept: 'text/event-stream' } }, (res: IncomingMessage) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i).split('\n');
          buf = buf.slice(i + 2);
          const data = block.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
          const event = block.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
          if (data) onEvent({ event, data });
        }
      });
      resolve(() => req.destroy());
    });
    req.on('error', reject);
    req.end();
  });
}
