/**
 * The admin API's wire types (JSON), shared by the gateway (gateway/http/admin.ts) and its client (cli/admin-client.ts).
 * Every request needs `Authorization: Bearer <admin token>` (or Basic with user `admin`); see docs/PROTOCOL.md.
 *
 *   POST   /api/admin/sensors                      RegisterSensorRequest  → 201 SensorCredentialResponse
 *   PUT    /api/admin/sensors/{id}                 UpdateSensorRequest    → 200 SensorResponse
 *   POST   /api/admin/sensors/{id}/transfer        TransferRequest        → 200 TransferResponse
 *   POST   /api/admin/sensors/{id}/retire          RetireRequest          → 200 SensorResponse
 *   POST   /api/admin/sensors/{id}/credentials     CredentialRequest      → 200 SensorCredentialResponse
 *   POST   /api/admin/sensors/{id}/resume          ResumeRequest          → 200 ResumeResponse (409 if not suspended)
 *   GET    /api/admin/sensors/{id}/audit                                  → 200 AuditResponse
 *   POST   /api/admin/readers                      ReaderRequest          → 201 ReaderCredentialResponse
 *   DELETE /api/admin/readers/{username}                                  → 204
 *   GET    /api/admin/whereabouts                                         → 200 Whereabouts
 *
 * Errors: { error: string, errors?: string[] } with 400 (bad JSON), 401 (no or wrong credential, always before
 * anything else), 404, 409 (exists / retired / owner change outside a transfer), 413, 415, 422 (invalid), 429.
 */
import type { CredentialRequestJson, ReaderRequestJson, ResumeRequestJson, RetireRequestJson, TransferRequestJson } from '../../shared/schema/admin.ts';
import type { AuditAction, AuditEntry, Owner, SensorInfo } from '../register.ts';

export const ADMIN_PREFIX = '/api/admin/';

/**
 * Where sensors and people reach this gateway (`drukte provision --gateway` fills a manifest's URLs from it).
 * Public URLs from `drukte gateway --public-url/--public-mqtt/--public-mqtts`, else derived from the listeners.
 */
export interface Whereabouts {
  /** The public register index, e.g. https://drukte.example.nl/ */
  http: string;
  /** A sensor's register page: `{id}` stands for the sensor id, e.g. https://drukte.example.nl/sensors/{id} */
  registerUrl: string;
  /** The broker URLs sensors connect to (null: no such listener). */
  mqtt: string | null;
  mqtts: string | null;
}

export interface RegisterSensorRequest {
  /** A sensor manifest as a technician fills it in (shared/manifest.ts); validated like `drukte provision` does. */
  manifest: unknown;
  /** sha256 (hex) of the minimiser sources and of the bundle built for this sensor, when known. */
  minimiserHash?: string;
  bundleHash?: string;
  /**
   * The sensor's MQTT password as a stored scrypt hash (`scrypt$N=…`), made where the password was made, so the
   * password never travels. Leave out to have the gateway generate one; it is then returned once.
   */
  credential?: string;
}

export type UpdateSensorRequest = Omit<RegisterSensorRequest, 'credential'>;

export interface MqttCredential {
  username: string;
  /** Sensors: exactly `sensor-{id}`. Readers: the username, or a client id starting with `{username}-`. */
  clientId: string;
  /** Only when the gateway generated it: shown this once, stored nowhere (only its scrypt hash is kept). */
  password?: string;
}

export interface SensorCredentialResponse {
  sensor: SensorInfo;
  mqtt: MqttCredential;
}

export interface SensorResponse {
  sensor: SensorInfo;
  lifecycle: 'active' | 'retired';
}

/** Request bodies are the schemas' types (shared/schema/admin.ts, published as docs/schemas/admin-*.json). */
export type TransferRequest = TransferRequestJson;

export interface AuditEntryJson {
  seq: number;
  at: string;
  action: AuditAction;
  from: Owner | null;
  to: Owner | null;
  note: string | null;
}

/** An audit entry on the wire (the admin API's answers, `drukte owner audit`). */
export const auditJson = (e: AuditEntry): AuditEntryJson => ({ seq: e.seq, at: new Date(e.at).toISOString(), action: e.action, from: e.fromOwner, to: e.toOwner, note: e.note });

export interface TransferResponse {
  transfer: AuditEntryJson;
}

export type RetireRequest = RetireRequestJson;

/** Lift a suspension (the sensor broke its registered rules); the note is kept in the audit log. */
export type ResumeRequest = ResumeRequestJson;

export interface ResumeResponse {
  sensor: string;
  state: 'resumed';
  resume: AuditEntryJson;
}

export type CredentialRequest = CredentialRequestJson;

export interface AuditResponse {
  sensor: string;
  entries: AuditEntryJson[];
}

export type ReaderRequest = ReaderRequestJson;

export interface ReaderCredentialResponse {
  mqtt: MqttCredential;
  /** What the reader may subscribe to. */
  topics: string;
}

export interface AdminErrorBody {
  error: string;
  errors?: string[];
}
