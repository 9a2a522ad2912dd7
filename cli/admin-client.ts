/**
 * A small typed client for the gateway's admin API (wire types: gateway/http/admin-contract.ts), used by
 * `drukte provision` and by the demo. Uses fetch; never logs or stores the token or a returned password.
 *
 *   const admin = new AdminClient({ baseUrl: 'https://gateway.example.nl', token });
 *   const { mqtt } = await admin.registerSensor({ manifest });   // mqtt.password: shown once
 */
import type {
  ResumeResponse,
  AdminErrorBody, AuditResponse, ReaderCredentialResponse, RegisterSensorRequest, SensorCredentialResponse, SensorResponse, TransferResponse,
  UpdateSensorRequest, Whereabouts,
} from '../gateway/http/admin-contract.ts';
import type { Owner } from '../gateway/register.ts';

export interface AdminClientOptions {
  /** The gateway's HTTP base URL, e.g. http://127.0.0.1:8080 (a trailing slash is fine). */
  baseUrl: string;
  /** The admin token (sent as `Authorization: Bearer …`). */
  token: string;
  /** Per request, ms (default 10 s). */
  timeoutMs?: number;
  /** For tests; default: the global fetch. */
  fetch?: typeof fetch;
}

/** A refused or failed admin request: HTTP status and the gateway's error body. */
export class AdminApiError extends Error {
  constructor(readonly status: number, readonly body: AdminErrorBody) {
    super(`admin API: ${status} ${body.error}${body.errors?.length ? `\n${body.errors.map((e) => `  ✗ ${e}`).join('\n')}` : ''}`);
    this.name = 'AdminApiError';
  }
}

export class AdminClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: AdminClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
    if (!/^https?:\/\//.test(this.base)) throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(opts.baseUrl)}`);
  }

  /** Register a sensor; without `credential` the gateway generates the MQTT password and returns it once. */
  registerSensor(req: RegisterSensorRequest): Promise<SensorCredentialResponse> {
    return this.call('POST', '/api/admin/sensors', req);
  }

  /** Replace a sensor's register details (the owner changes only through transferOwner). */
  updateSensor(id: string, req: UpdateSensorRequest): Promise<SensorResponse> {
    return this.call('PUT', `/api/admin/sensors/${encodeURIComponent(id)}`, req);
  }

  /** Hand the sensor to a new owner; the handover (time, from, to) is kept in the append-only audit trail. */
  transferOwner(id: string, owner: Owner, note?: string): Promise<TransferResponse> {
    return this.call('POST', `/api/admin/sensors/${encodeURIComponent(id)}/transfer`, { owner, ...(note ? { note } : {}) });
  }

  /** Take a sensor out of service: its credential is removed and its MQTT session closed; the record stays public. */
  resumeSensor(id: string, note: string): Promise<ResumeResponse> {
    return this.call('POST', `/api/admin/sensors/${encodeURIComponent(id)}/resume`, { note });
  }

  retireSensor(id: string, reason: string): Promise<SensorResponse> {
    return this.call('POST', `/api/admin/sensors/${encodeURIComponent(id)}/retire`, { reason });
  }

  /** A new MQTT password for a sensor (generated, or from a supplied scrypt hash); closes its current session. */
  replaceSensorCredential(id: string, credential?: string): Promise<SensorCredentialResponse> {
    return this.call('POST', `/api/admin/sensors/${encodeURIComponent(id)}/credentials`, credential ? { credential } : {});
  }

  audit(id: string): Promise<AuditResponse> {
    return this.call('GET', `/api/admin/sensors/${encodeURIComponent(id)}/audit`);
  }

  /** A read-only feed credential for drukte/v1/areas/# (the municipality's systems). */
  createReader(username: string, credential?: string): Promise<ReaderCredentialResponse> {
    return this.call('POST', '/api/admin/readers', { username, ...(credential ? { credential } : {}) });
  }

  /** Where the gateway is reachable: register URL and broker URLs (for `drukte provision --gateway`). */
  whereabouts(): Promise<Whereabouts> {
    return this.call('GET', '/api/admin/whereabouts');
  }

  async deleteReader(username: string): Promise<void> {
    await this.call('DELETE', `/api/admin/readers/${encodeURIComponent(username)}`);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetchFn(`${this.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.opts.token}`, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const b = parsed as Partial<AdminErrorBody> | null;
      throw new AdminApiError(res.status, { error: typeof b?.error === 'string' ? b.error : res.statusText, ...(Array.isArray(b?.errors) ? { errors: b.errors as string[] } : {}) });
    }
    return parsed as T;
  }
}
