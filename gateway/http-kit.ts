/** Small HTTP helpers shared by the public side (http.ts, api.ts) and the admin API (admin.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidId } from '../shared/topics.ts';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export const HTML = 'text/html; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';
export const TEXT = 'text/plain; charset=utf-8';
/** Aggregates and the register are open data (principle III): any origin may read them. */
export const OPEN_DATA_HEADERS = { 'Access-Control-Allow-Origin': '*' };

export type Reply = { status: number; type: string; body: string; headers?: Record<string, string> };

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = OPEN_DATA_HEADERS): Reply {
  return { status, type: JSON_TYPE, body: `${JSON.stringify(value, null, 2)}\n`, headers };
}

export function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    ...SECURITY_HEADERS,
    ...reply.headers,
    'Content-Type': reply.type,
    'Content-Length': Buffer.byteLength(reply.body),
    'Cache-Control': 'no-store',
  });
  res.end(reply.body);
}

/** An error that becomes a JSON reply. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly errors?: string[]) {
    super(message);
  }
}

/** Largest request body read, bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Read a JSON request body (Content-Type application/json, at most MAX_BODY_BYTES). */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'send JSON (Content-Type: application/json)');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

export function decodeId(segment: string | undefined): string | null {
  if (segment === undefined) return null;
  try {
    const id = decodeURIComponent(segment);
    return isValidId(id) ? id : null;
  } catch {
    return null;
  }
}

/** Paths for logs: a short, printable prefix only. */
export function safePath(url: string | undefined): string {
  return (url ?? '').slice(0, 80).replace(/[^\x20-\x7e]/g, '?');
}

/** The client's address, for rate limits and logs (no proxy headers are trusted). */
export function remoteAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

export interface HttpLimits {
  /** Open HTTP connections, all clients together. */
  maxConnections: number;
  /** Open HTTP connections per remote address. */
  maxConnectionsPerAddress: number;
  /** Open event streams (/api/stream), all clients together. */
  maxStreams: number;
  /** Open event streams per remote address. */
  maxStreamsPerAddress: number;
  /** Time allowed for a request's headers, ms (slow-loris). */
  headersTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = {
  maxConnections: 512,
  maxConnectionsPerAddress: 64,
  maxStreams: 256,
  maxStreamsPerAddress: 8,
  headersTimeoutMs: 10_000,
};
