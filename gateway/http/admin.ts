/**
 * The admin API (routes and wire types: gateway/http/admin-contract.ts). Authentication comes first, for every path and
 * method under /api/admin/: without a valid admin credential the answer is 401 whatever was asked, so nobody
 * learns which sensors or routes exist. The credential is a token checked against its scrypt hash in constant time
 * (Bearer, or Basic with user `admin`); failures are rate-limited per address and logged without the token.
 *
 * The admin credential is for this API only: it is not accepted by the MQTT broker.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/log.ts';
import { formatManifestErrors, validateManifest } from '../../shared/manifest.ts';
import type { Static, TSchema } from '@sinclair/typebox';
import { CredentialRequestSchema, ReaderRequestSchema, RegisterSensorEnvelope, ResumeRequestSchema, RetireRequestSchema, TransferRequestSchema, UpdateSensorEnvelope } from '../../shared/schema/admin.ts';
import { Contract } from '../../shared/schema/kit.ts';
import { auditJson, type MqttCredential, type SensorCredentialResponse, type Whereabouts } from './admin-contract.ts';
import { generateSecret, hashSecret, isScryptHash, verifyAgainstNothing, verifySecret, type CredentialStore, type ScryptParams } from '../credentials.ts';
import { decodeId, HttpError, jsonReply, readJsonBody, remoteAddress, send, type Reply } from '../http-kit.ts';
import type { RateLimiter } from '../mqtt/rate-limit.ts';
import { InvalidSensorInfo, RegisterError, sensorInfoFromManifest, validateOwner, type SensorInfo, type SensorRegister } from '../register.ts';
import { RegistrationService } from '../registration.ts';

export interface AdminOptions {
  /** Stored scrypt hash of the admin token; null = no admin credential (every request gets 401). */
  tokenHash: string | null;
  register: SensorRegister;
  credentials: CredentialStore;
  /** Run a function in one database transaction. */
  atomically<T>(fn: () => T): T;
  /** Close the MQTT sessions of the matching client ids (retired sensor, new password). */
  disconnect(match: (clientId: string) => boolean): void;
  limiter: RateLimiter;
  hashParams: ScryptParams;
  /** The stored form of a generated (machine) secret: the gateway's keyed hash; default scrypt. */
  hashMachineSecret?(secret: string): string;
  /** A sensor was registered or updated (its expiry may have moved): the expiry watch re-plans. */
  onRegisterChanged?(): void;
  clock: Clock;
  logger: Logger;
  /** Where this gateway is reachable (GET /api/admin/whereabouts); absent before the listeners are up. */
  whereabouts?: () => Whereabouts | null;
}

const NO_CORS = {}; // the admin API is not open data: no Access-Control-Allow-Origin
const reply = (status: number, value: unknown): Reply => jsonReply(status, value, NO_CORS);
const REGISTER = new Contract('register-sensor-request', RegisterSensorEnvelope);
const UPDATE = new Contract('update-sensor-request', UpdateSensorEnvelope);
const TRANSFER = new Contract('transfer-request', TransferRequestSchema);
const RETIRE = new Contract('retire-request', RetireRequestSchema);
const RESUME = new Contract('resume-request', ResumeRequestSchema);
const CREDENTIAL = new Contract('credential-request', CredentialRequestSchema);
const READER = new Contract('reader-request', ReaderRequestSchema);
/** Notes and reasons are kept in the audit log, trimmed, this long at most. */
const AUDIT_NOTE_KEPT = 500;

/**
 * The body as its contract (shared/schema/admin.ts) says, or 422 naming every problem. Unknown keys are named only
 * when short and printable; a wrong owner is described in the register's words (gateway/register.ts validateOwner).
 */
function bodyAs<T extends TSchema>(contract: Contract<T>, raw: unknown): Static<T> {
  if (contract.check(raw)) return raw as Static<T>;
  const errors: string[] = [];
  let owner = false;
  for (const p of contract.problems(raw)) {
    if (p.path === '') errors.push('the body must be a JSON object');
    else if (p.path.startsWith('owner')) {
      if (!owner) validateOwner((raw as Record<string, unknown>).owner, (m) => errors.push(m));
      owner = true;
    } else if (p.kind === 'unknown-key') errors.push(`unexpected key ${/^[A-Za-z_]{1,24}$/.test(p.path) ? `'${p.path}'` : '(unprintable)'}`);
    else if (p.kind === 'missing' && !p.message.endsWith('required')) errors.push(`${p.path} is required`);
    else errors.push(p.message.endsWith('required') ? p.message : `${p.path} ${p.message}`);
  }
  throw new HttpError(422, 'invalid request', errors);
}
const note = (s: string | undefined) => (s?.trim() ? s.trim().slice(0, AUDIT_NOTE_KEPT) : undefined);

/** The secret from `Authorization: Bearer <token>` or `Basic base64(admin:<token>)`; undefined if neither. */
export function adminSecret(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer ([\x21-\x7e]{1,256})$/.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic ([A-Za-z0-9+/=]{1,400})$/.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && decoded.slice(0, colon) === 'admin' ? decoded.slice(colon + 1) : undefined;
}

export class AdminApi {
  private readonly log: Logger;
  private readonly registration: RegistrationService;

  constructor(private readonly o: AdminOptions) {
    this.log = o.logger.child({ module: 'admin' });
    this.registration = new RegistrationService(o);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let r: Reply;
    try {
      r = await this.authenticated(req);
    } catch (err) {
      const known = err instanceof HttpError ? err : registerErrorReply(err);
      if (known) r = reply(known.status, { error: known.message, ...(known.errors ? { errors: known.errors } : {}) });
      else {
        this.log.error({ err: (err as Error).message }, 'admin request failed');
        r = reply(500, { error: 'internal error' });
      }
    }
    if (r.status === 401) r.headers = { ...r.headers, 'WWW-Authenticate': 'Bearer realm="drukte admin", Basic realm="drukte admin"' };
    if (!res.headersSent) send(res, r);
  }

  private async authenticated(req: IncomingMessage): Promise<Reply> {
    const address = remoteAddress(req);
    if (!this.o.limiter.allows(address)) {
      this.log.debug({ address }, 'admin request refused: rate-limited');
      return reply(429, { error: 'too many failed attempts; try again later' });
    }
    const secret = adminSecret(req.headers.authorization);
    const ok = secret !== undefined && this.o.tokenHash !== null ? await verifySecret(secret, this.o.tokenHash) : await verifyAgainstNothing(secret, this.o.hashParams);
    if (!ok) {
      this.o.limiter.take(address);
      this.log.warn({ address, reason: secret === undefined ? 'no credential' : 'wrong credential' }, 'admin request refused');
      return reply(401, { error: 'authentication required' });
    }
    return this.route(req);
  }

  private async route(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const [, , , kind, rawId, action, ...rest] = url.pathname.split('/'); // '', api, admin, kind, id, action
    const m = req.method ?? 'GET';
    if (rest.length) throw new HttpError(404, 'not found');
    if (kind === 'sensors' && rawId === undefined && m === 'POST') return this.registerSensor(await readJsonBody(req));
    if (kind === 'readers' && rawId === undefined && m === 'POST') return this.createReader(await readJsonBody(req));
    if (kind === 'whereabouts' && rawId === undefined && m === 'GET') return this.whereabouts();
    const id = decodeId(rawId);
    if (!id) throw new HttpError(404, 'not found');
    if (kind === 'readers' && action === undefined && m === 'DELETE') return this.deleteReader(id);
    if (kind !== 'sensors') throw new HttpError(404, 'not found');
    if (action === undefined && m === 'PUT') return this.updateSensor(id, await readJsonBody(req));
    if (action === 'audit' && m === 'GET') return this.audit(id);
    if (m !== 'POST') throw new HttpError(405, 'method not allowed');
    if (action === 'transfer') return this.transfer(id, await readJsonBody(req));
    if (action === 'retire') return this.retire(id, await readJsonBody(req));
    if (action === 'credentials') return this.rotate(id, await readJsonBody(req));
    if (action === 'resume') return this.resume(id, await readJsonBody(req));
    throw new HttpError(404, 'not found');
  }

  private whereabouts(): Reply {
    const w = this.o.whereabouts?.();
    if (!w) throw new HttpError(503, 'the gateway is still starting');
    return reply(200, w);
  }

  /** The manifest (validated as `drukte provision` does) and declared hashes, as a register entry. */
  private sensorFrom(body: Static<typeof UpdateSensorEnvelope>): SensorInfo {
    const result = validateManifest(body.manifest, this.o.clock.now());
    if (!result.ok) throw new HttpError(422, 'invalid manifest', formatManifestErrors(result.errors).split('\n').map((l) => l.replace(/^\s*✗ /, '')));
    const { minimiserHash, bundleHash } = body;
    return sensorInfoFromManifest(result.manifest, { ...(minimiserHash ? { minimiserHash } : {}), ...(bundleHash ? { bundleHash } : {}) });
  }

  /** The supplied hash, or a new password and its hash. */
  private async credentialFrom(body: { credential?: string }): Promise<{ hash: string; password?: string }> {
    if (body.credential !== undefined) {
      if (!isScryptHash(body.credential)) throw new HttpError(422, 'invalid request', ['credential must be a stored scrypt hash: scrypt$N=…,r=…,p=…$salt$hash (N 2^10–2^20)']);
      return { hash: body.credential };
    }
    const password = generateSecret();
    return { hash: this.o.hashMachineSecret ? this.o.hashMachineSecret(password) : await hashSecret(password, this.o.hashParams), password };
  }

  private async registerSensor(raw: unknown): Promise<Reply> {
    const body = bodyAs(REGISTER, raw);
    const info = this.sensorFrom(body);
    const cred = await this.credentialFrom(body);
    this.registration.registerSensor(info, cred.hash, { source: 'the admin API', generated: cred.password !== undefined });
    this.log.info({ sensor: info.id, credential: cred.password ? 'generated' : 'supplied' }, 'admin: sensor registered');
    const body2: SensorCredentialResponse = { sensor: this.o.register.get(info.id)!, mqtt: this.mqtt(info.id, cred.password) };
    return reply(201, body2);
  }

  private mqtt(id: string, password?: string): MqttCredential {
    return { username: id, clientId: `sensor-${id}`, ...(password ? { password } : {}) };
  }

  private updateSensor(id: string, raw: unknown): Reply {
    const info = this.sensorFrom(bodyAs(UPDATE, raw));
    if (info.id !== id) throw new HttpError(422, 'invalid request', [`manifest.id ${info.id} is not the sensor in the path (${id})`]);
    this.registration.updateSensor(info, 'the admin API');
    this.log.info({ sensor: id }, 'admin: sensor updated');
    return reply(200, { sensor: this.o.register.get(id), lifecycle: 'active' });
  }

  private transfer(id: string, raw: unknown): Reply {
    const body = bodyAs(TRANSFER, raw);
    const entry = this.registration.transfer(id, body.owner, note(body.note));
    this.log.info({ sensor: id, to: entry.toOwner?.organisation }, 'admin: owner transferred');
    return reply(200, { transfer: auditJson(entry) });
  }

  private retire(id: string, raw: unknown): Reply {
    const reason = note(bodyAs(RETIRE, raw).reason) ?? '';
    this.registration.retire(id, reason);
    this.log.info({ sensor: id }, 'admin: sensor retired, its credential removed');
    return reply(200, { sensor: this.o.register.get(id), lifecycle: 'retired' });
  }

  /**
   * Lift a suspension (issue 9): a person looked at why the sensor broke its registered rules and decided it may
   * publish again. The note is required and kept, with the reason, in the append-only audit log.
   */
  private resume(id: string, raw: unknown): Reply {
    const entry = this.registration.resume(id, note(bodyAs(RESUME, raw).note) ?? '');
    this.log.warn({ sensor: id }, 'admin: sensor suspension lifted');
    return reply(200, { sensor: id, state: 'resumed', resume: auditJson(entry) });
  }

  private async rotate(id: string, raw: unknown): Promise<Reply> {
    const record = this.o.register.record(id);
    if (!record) throw new HttpError(404, 'unknown sensor');
    if (record.lifecycle === 'retired') throw new HttpError(409, `sensor ${id} is retired`);
    const cred = await this.credentialFrom(bodyAs(CREDENTIAL, raw));
    this.registration.replaceCredential(id, cred.hash, cred.password !== undefined);
    this.log.info({ sensor: id }, 'admin: sensor credential replaced');
    return reply(200, { sensor: record.info, mqtt: this.mqtt(id, cred.password) });
  }

  private audit(id: string): Reply {
    if (!this.o.register.record(id)) throw new HttpError(404, 'unknown sensor');
    return reply(200, { sensor: id, entries: this.registration.audit(id).map(auditJson) });
  }

  private async createReader(raw: unknown): Promise<Reply> {
    const body = bodyAs(READER, raw);
    const username = body.username;
    const cred = await this.credentialFrom(body);
    this.registration.createReader(username, cred.hash);
    this.log.info({ reader: username, credential: cred.password ? 'generated' : 'supplied' }, 'admin: feed reader created');
    return reply(201, { mqtt: { username, clientId: username, ...(cred.password ? { password: cred.password } : {}) }, topics: 'drukte/v1/areas/#' });
  }

  private deleteReader(username: string): Reply {
    if (this.o.credentials.get(username)?.role !== 'reader') throw new HttpError(404, 'unknown reader');
    this.registration.deleteReader(username);
    this.log.info({ reader: username }, 'admin: feed reader removed');
    return { status: 204, type: 'text/plain; charset=utf-8', body: '' };
  }
}

/** Register errors as HTTP statuses. */
function registerErrorReply(err: unknown): HttpError | null {
  if (err instanceof RegisterError) return new HttpError(err.code === 'not-found' ? 404 : 409, err.message);
  if (err instanceof InvalidSensorInfo) return new HttpError(422, 'invalid request', err.errors);
  return null;
}
