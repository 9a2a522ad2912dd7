/**
 * The gateway's options (gateway/gateway.ts GatewayOptions) as far as they are data: listeners, TLS files, the admin
 * credential, an external broker, NGSI-LD, public URLs. Injected parts (clock, logger, timers, sensors, signal) are
 * not data and are allowed beside these. gateway.ts checkOptions runs this first; reading the files and the
 * cross-field rules (ws.tls needs mqtts, token or hash but not both, …) stay there.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SCRYPT_HASH_PATTERN } from '../patterns.ts';
import { Id, IntIn } from './kit.ts';
import { ADMIN_TOKEN, PORT } from './rules.ts';

const Port = Type.Optional(IntIn(PORT, { description: `must be a port number ${PORT.min}–${PORT.max} (0 = any free port)` }));
const Host = Type.Optional(Type.String({ minLength: 1, maxLength: 255 }));
const File = Type.String({ minLength: 1 });
const HttpUrl = Type.String({ pattern: '^https?://', format: 'uri' });

export const GatewayOptionsSchema = Type.Object({
  mqtt: Type.Optional(Type.Object({ host: Host, port: Port })),
  mqtts: Type.Optional(Type.Object({ host: Host, port: Port, certFile: File, keyFile: File, clientCaFile: Type.Optional(File), crlFile: Type.Optional(File) })),
  ws: Type.Optional(Type.Object({ host: Host, port: Port, tls: Type.Optional(Type.Boolean()) })),
  http: Type.Optional(Type.Object({ host: Host, port: Port, tls: Type.Optional(Type.Boolean()) })),
  dataDir: Type.Optional(File),
  db: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'must be a postgres:// URL (PostgreSQL instead of SQLite)' })),
  instance: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$', description: "this instance's name among several: 1–63 of A-Z, a-z, 0-9, '.', '_' and '-'" })),
  retention: Type.Optional(Type.Object({ intervalMs: Type.Optional(Type.Integer({ minimum: 1000 })) }, { additionalProperties: false })),
  admin: Type.Optional(Type.Object({
    token: Type.Optional(Type.String({ minLength: ADMIN_TOKEN.min, maxLength: ADMIN_TOKEN.max, pattern: '^\\S+$', description: `must be ${ADMIN_TOKEN.min}–${ADMIN_TOKEN.max} characters without spaces` })),
    tokenHash: Type.Optional(Type.String({ pattern: SCRYPT_HASH_PATTERN.source, description: 'must be a stored scrypt hash (scrypt$N=…,r=…,p=…$salt$hash)' })),
  }, { additionalProperties: false })),
  externalBroker: Type.Optional(Type.Object({
    url: Type.String({ pattern: '^(?:mqtts?|wss?)://', format: 'uri', description: 'must be an mqtt://, mqtts://, ws:// or wss:// URL' }),
    username: Type.Optional(Type.String()), password: Type.Optional(Type.String()), caFile: Type.Optional(File),
    sessionExpirySeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 4_294_967_295 })),
  }, { additionalProperties: false })),
  credentials: Type.Optional(Type.Array(Type.Object({
    username: Id(), role: Type.Union([Type.Literal('sensor'), Type.Literal('reader')]), hash: Type.String({ pattern: SCRYPT_HASH_PATTERN.source }),
  }, { additionalProperties: false }))),
  limits: Type.Optional(Type.Record(Type.String(), Type.Integer({ exclusiveMinimum: 0 }))),
  loginLimits: Type.Optional(Type.Record(Type.String(), Type.Integer({ exclusiveMinimum: 0 }))),
  ngsiLd: Type.Optional(Type.Object({ brokerUrl: HttpUrl, tenant: Type.Optional(Type.String()), retryMs: Type.Optional(Type.Integer({ exclusiveMinimum: 0 })) })),
  publicUrls: Type.Optional(Type.Object({ http: Type.Optional(HttpUrl), mqtt: Type.Optional(Type.String({ format: 'uri' })), mqtts: Type.Optional(Type.String({ format: 'uri' })) }, { additionalProperties: false })),
}, { title: 'drukte gateway options (the data part; `drukte gateway` builds them from its flags)' });

export type GatewayOptionsJson = Static<typeof GatewayOptionsSchema>;
