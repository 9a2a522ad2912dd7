/**
 * The gateway as `drukte provision` and `drukte owner` see it, behind one interface with two implementations:
 *
 *   --gateway-data DIR                        the gateway's SQLite database in DIR (gateway/store/db.ts), directly;
 *                                             registration and the bundle's final rename happen in ONE transaction
 *   --gateway URL --admin-token-file FILE     the gateway's authenticated admin API (gateway/http/admin-contract.ts)
 *
 * Only the password's scrypt hash (gateway/credentials.ts) ever reaches the gateway; the password stays in the
 * bundle's credentials.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../shared/clock.ts';
import type { Manifest } from '../shared/manifest.ts';
import { auditJson, type AuditEntryJson, type Whereabouts } from '../gateway/http/admin-contract.ts';
import { CredentialStore } from '../gateway/credentials.ts';
import { DATABASE_FILE, openDatabase } from '../gateway/store/db.ts';
import { InvalidSensorInfo, RegisterError, SqliteSensorRegister, sensorInfoFromManifest, type Owner } from '../gateway/register.ts';
import { RegistrationService } from '../gateway/registration.ts';
import { AdminApiError, AdminClient } from './admin-client.ts';
import { CliError } from '../shared/args.ts';

export interface Registration {
  manifest: Manifest;
  bundleHash: string;
  minimiserHash: string;
  /** Stored scrypt hash of the sensor's MQTT password. */
  credentialHash: string;
}

export interface GatewayAdmin {
  /** Where, for progress lines. */
  readonly where: string;
  /** Fail early (before the bundle is built) when the id cannot be registered; no-op where that cannot be known. */
  preflight(id: string): Promise<void>;
  /** Where the gateway is reachable (register and broker URLs), where it can say: the admin API. */
  whereabouts?(): Promise<Whereabouts>;
  /** Register, then run `commit` (the bundle's rename); if `commit` throws, the registration is undone. */
  register(r: Registration, commit: () => void): Promise<void>;
  transfer(id: string, to: Owner, note?: string): Promise<AuditEntryJson>;
  audit(id: string): Promise<AuditEntryJson[]>;
  close(): void;
}

function gatewayError(err: unknown): never {
  if (err instanceof RegisterError || err instanceof InvalidSensorInfo) throw new CliError(`the gateway refuses: ${err.message}`, 1);
  throw err;
}

/** The gateway's data directory (its SQLite database), e.g. on the gateway host itself. */
export class DataDirGateway implements GatewayAdmin {
  private readonly db: ReturnType<typeof openDatabase>;
  private readonly registration: RegistrationService;

  constructor(readonly where: string) {
    if (!existsSync(join(where, DATABASE_FILE))) throw new CliError(`no gateway database (${DATABASE_FILE}) in ${where}: give the directory the gateway runs with (its --data-dir), or start the gateway there once`);
    try {
      this.db = openDatabase(where);
    } catch (err) {
      throw new CliError(`the gateway database in ${where} cannot be used: ${(err as Error).message}`, 1);
    }
    const db = this.db;
    this.registration = new RegistrationService({
      register: new SqliteSensorRegister(db, systemClock), credentials: new CredentialStore(db), atomically: (fn) => db.transaction(fn)(), clock: systemClock,
    });
  }

  async preflight(id: string): Promise<void> {
    const refusal = this.registration.refusal(id);
    if (refusal) throw new CliError(`${refusal.message} at the gateway`, 1);
  }

  async register(r: Registration, commit: () => void): Promise<void> {
    const info = sensorInfoFromManifest(r.manifest, { minimiserHash: r.minimiserHash, bundleHash: r.bundleHash });
    try {
      // commit() throws → the transaction (and so the registration) is rolled back
      this.registration.registerSensor(info, r.credentialHash, { source: 'drukte provision', generated: false, commit });
    } catch (err) {
      gatewayError(err);
    }
  }

  async transfer(id: string, to: Owner, note?: string): Promise<AuditEntryJson> {
    try {
      return auditJson(this.registration.transfer(id, to, note));
    } catch (err) {
      gatewayError(err);
    }
  }

  async audit(id: string): Promise<AuditEntryJson[]> {
    try {
      return this.registration.audit(id).map(auditJson);
    } catch (err) {
      gatewayError(err);
    }
  }

  close(): void {
    this.db.close();
  }
}

/** The gateway's admin API over HTTP(S) (cli/admin-client.ts), with the admin token from a file (never a flag). */
export class AdminApiGateway implements GatewayAdmin {
  private readonly client: AdminClient;

  constructor(readonly where: string, tokenFile: string, fetchImpl?: typeof fetch) {
    let token: string;
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw new CliError(`cannot read the admin token file ${tokenFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    if (!token) throw new CliError(`the admin token file ${tokenFile} is empty`);
    try {
      this.client = new AdminClient({ baseUrl: where, token, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
    } catch {
      throw new CliError(`--gateway must be the gateway's http(s) URL, e.g. https://gateway.example.nl/`);
    }
  }

  /** The client's errors in the technician's words. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof AdminApiError) {
        const what = err.status === 401 ? 'the admin token is not accepted' : err.body.error;
        throw new CliError(`the gateway refuses (${err.status}): ${what}${err.body.errors?.length ? `\n${err.body.errors.map((x) => `  ✗ ${x}`).join('\n')}` : ''}`, 1);
      }
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new CliError(`cannot reach the gateway at ${this.where}: ${cause}`, 1);
    }
  }

  async preflight(): Promise<void> {}

  async whereabouts(): Promise<Whereabouts> {
    return this.call(() => this.client.whereabouts());
  }

  async register(r: Registration, commit: () => void): Promise<void> {
    await this.call(() => this.client.registerSensor({ manifest: r.manifest, minimiserHash: r.minimiserHash, bundleHash: r.bundleHash, credential: r.credentialHash }));
    try {
      commit();
    } catch (err) {
      // The API keeps ids for ever; retiring is the only undo it offers (see the issue note).
      await this.client.retireSensor(r.manifest.id, 'provisioning failed after registration; never deployed').catch(() => undefined);
      throw err;
    }
  }

  async transfer(id: string, to: Owner, note?: string): Promise<AuditEntryJson> {
    return (await this.call(() => this.client.transferOwner(id, to, note))).transfer;
  }

  async audit(id: string): Promise<AuditEntryJson[]> {
    return (await this.call(() => this.client.audit(id))).entries;
  }

  close(): void {}
}

/** The gateway named by the flags, or null when none was given. */
export function gatewayFromFlags(verb: string, o: { 'gateway-data'?: string; gateway?: string; 'admin-token-file'?: string }): GatewayAdmin | null {
  if (o['gateway-data'] && o.gateway) throw new CliError(`${verb}: give --gateway-data DIR or --gateway URL, not both`);
  if (o['gateway-data']) return new DataDirGateway(o['gateway-data']);
  if (o.gateway) {
    if (!o['admin-token-file']) throw new CliError(`${verb}: --gateway URL needs --admin-token-file FILE (the admin token, one line)`);
    return new AdminApiGateway(o.gateway, o['admin-token-file']);
  }
  return null;
}
