/**
 * Bind a TCP or HTTP server and report the real port (port 0 = any free port), turning the usual start-up
 * failures into one clear sentence instead of a stack trace.
 */
import type { Server } from 'node:net';

export interface ListenTarget {
  host: string;
  port: number;
}

/** What to tell a person when the port is taken: which service, and how to choose another port. */
export interface ListenHint {
  /** "MQTT", "MQTTS", "MQTT over WebSocket" or "HTTP". */
  service: string;
  /** e.g. "--mqtt-port / DRUKTE_MQTT_PORT". */
  portOption: string;
}

/** A start-up failure with a message meant for people; callers print `message`, no stack needed. */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly service: string,
    readonly port: number,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

export function listen(server: Server, target: ListenTarget, hint: ListenHint): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const code = err.code ?? 'UNKNOWN';
      const where = `${hint.service} port ${target.port}`;
      let message: string;
      if (code === 'EADDRINUSE') message = `${where} is already in use: stop the other ${hint.service.startsWith('MQTT') ? 'broker' : 'server'} or pass ${hint.portOption}`;
      else if (code === 'EACCES') message = `not allowed to listen on ${where} (ports below 1024 need privileges): pass ${hint.portOption}`;
      else if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') message = `${hint.service} host ${target.host} is not an address of this machine`;
      else message = `${hint.service} could not listen on ${target.host}:${target.port}: ${err.message}`;
      reject(new ListenError(message, code, hint.service, target.port));
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : target.port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(target.port, target.host);
  });
}

/** Close a server; resolves once every connection is gone (the caller ends those first). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/** A URL host for printing: wildcard binds are reachable as localhost, IPv6 literals need brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
