/**
 * The sensor register: what the gateway knows about each sensor it accepts data from (principle III: what is
 * measured, why, by whom, until when), persisted in SQLite (gateway/store/db.ts). Every change leaves a row in the
 * append-only `register_audit` table: registration, update, owner transfer (time, from, to), retirement.
 *
 * Lifecycle: a sensor is `active` until it is retired (by the admin API); independently, it is expired after the
 * end of its expiry day (UTC), and it is suspended from the moment ingest catches it breaking its registered rules
 * (gateway/ingest/rules.ts) until an admin resumes it. Suspension and resumption are persisted and audited. Retired sensors stay in the register, marked as such: the public keeps the record.
 */
import type Database from 'better-sqlite3';
import { prepared } from './store/db.ts';
import { groupCommitOf } from './store/group-commit.ts';
import type { Clock } from '../shared/clock.ts';
import { DAY_MS, EXPIRING_DAYS, expiryEndSeconds as endOfExpiryDaySeconds } from '../shared/expiry.ts';
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_MINIMISATION, DRIVERS, MAX_HEARTBEAT_SECONDS, type Manifest, type OutputMode } from '../shared/manifest.ts';
import { Contract } from '../shared/schema/kit.ts';
import { OwnerSchema, SensorInfoSchema } from '../shared/schema/manifest.ts';
import { AREA_M2_MAX, GRANULARITY, isIntIn, K_FLOOR, LATITUDE, LONGITUDE, RETENTION_DAYS, TEXT, WINDOW_SECONDS, type TextBounds } from '../shared/schema/rules.ts';
import { isValidId } from '../shared/topics.ts';

/** A sensor as the register holds it: the public parts of its manifest, plus the hashes declared at provisioning. */
export type SensorInfo = Pick<Manifest, 'id' | 'driver' | 'owner' | 'purpose' | 'legalGround' | 'dpiaRef' | 'location' | 'expiresAt' | 'registerUrl'> & {
  areaId?: string;
  /** Monitored area; the zone polygon stays with the sensor. */
  area: { m2: number };
  /** Below this many people the sensor publishes `level: 0, count: null`. */
  kFloor: number;
  /** Aggregation window, seconds (default 60). */
  windowSeconds?: number;
  /**
   * The sensor re-publishes an unchanged result at least this often, seconds (default DEFAULT_HEARTBEAT_SECONDS,
   * the firmware's): the gateway's freshness rule follows it (shared/freshness.ts).
   */
  heartbeatSeconds?: number;
  /** History older than this many days is deleted (default DEFAULT_RETENTION_DAYS; gateway/store/retention.ts). */
  retentionDays?: number;
  /** Counts are rounded down to multiples of this (default 5). */
  granularity?: number;
  /** `level` sensors never publish counts (default `level+count`). */
  output?: OutputMode;
  /** sha256 (hex) of the minimiser sources in the sensor's bundle, as provisioned. */
  minimiserHash?: string;
  /** sha256 (hex) of the sensor's bundle, as provisioned. */
  bundleHash?: string;
};

export type Owner = SensorInfo['owner'];
export type Lifecycle = 'active' | 'retired';

export interface SensorRecord {
  info: SensorInfo;
  lifecycle: Lifecycle;
  /** Gateway times, ms. */
  registeredAt: number;
  updatedAt: number;
  retiredAt: number | null;
  retireReason: string | null;
  /** Last accepted message from the sensor (gateway time, ms), or null. */
  lastSeen: number | null;
  /** Set while the sensor is suspended for breaking its registered rules; lifted only by an admin (resume). */
  suspension: Suspension | null;
}

export interface Suspension {
  /** The rule the sensor broke (a RejectionReason, e.g. `count-below-k`). */
  reason: string;
  /** Gateway time, ms. */
  at: number;
}

export type AuditAction = 'register' | 'update' | 'transfer' | 'retire' | 'credential' | 'suspend' | 'resume';

/** An audit row before the store numbers it. */
export interface AuditInput {
  sensorId: string;
  at: number;
  action: AuditAction;
  fromOwner: Owner | null;
  toOwner: Owner | null;
  note: string | null;
}

/** An audit row as stored: numbered per sensor. */
export interface AuditEntry extends AuditInput {
  seq: number;
}

export interface SensorRegister {
  get(id: string): SensorInfo | undefined;
  /** All sensors (retired ones too), ordered by id. */
  list(): SensorInfo[];
  record(id: string): SensorRecord | undefined;
  records(): SensorRecord[];
  /** The register's own record, not a copy (the hot path: ingest reads one per message). Never change it. */
  view(id: string): Readonly<SensorRecord> | undefined;
  /** Add or replace a sensor (start-up import); an owner change is recorded as a transfer. */
  upsert(info: SensorInfo, note?: string): void;
  /** Add a new sensor; RegisterError('exists') if the id was ever registered. */
  create(info: SensorInfo, note?: string): void;
  /** Replace a sensor's details; the owner changes only through transfer(). */
  update(info: SensorInfo, note?: string): void;
  transfer(id: string, to: Owner, note?: string): AuditEntry;
  retire(id: string, reason: string): void;
  /** Record something that happened to a sensor's credential (never the credential itself). */
  note(id: string, action: 'credential', note: string): void;
  audit(id: string): AuditEntry[];
  markSeen(id: string, atMs: number): void;
  /** Suspend a sensor (ingest, on a rule violation); false if it was already suspended (the first reason stays). */
  suspend(id: string, reason: string): boolean;
  /** Lift a suspension (admin only), with a note saying why; RegisterError('not-suspended') if there is none. */
  resume(id: string, note: string): AuditEntry;
  /** Grows on every change of a record (not on markSeen): caches built from the register (areas) compare it. */
  readonly revision: number;
}

export class InvalidSensorInfo extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid sensor: ${errors.join('; ')}`);
    this.name = 'InvalidSensorInfo';
  }
}

export type RegisterErrorCode = 'not-found' | 'exists' | 'retired' | 'owner-change' | 'not-suspended';

export class RegisterError extends Error {
  constructor(readonly code: RegisterErrorCode, message: string) {
    super(message);
    this.name = 'RegisterError';
  }
}

const text = (x: unknown): x is string => typeof x === 'string' && x.trim().length > 0;

const OWNER = new Contract('owner', OwnerSchema);
const SENSOR_INFO = new Contract('sensor-info', SensorInfoSchema);
const range = (b: { min: number; max: number }) => `${b.min}–${b.max}`;
const chars = (b: TextBounds) => `${b.min}–${b.max} characters`;

/**
 * The register's words for a problem with a top-level field (the rule itself is the manifest's schema, shared by
 * `drukte provision`, the admin API and this register: shared/schema/manifest.ts).
 */
const FIELD_MESSAGES: Record<string, (v: unknown) => string> = {
  id: (v) => `id ${JSON.stringify(v)} must be 3–63 of a-z, 0-9 and '-'`,
  areaId: () => `areaId must be 3–63 of a-z, 0-9 and '-'`,
  driver: () => `driver must be one of ${DRIVERS.join(', ')}`,
  purpose: (v) => (text(v) ? `purpose must be ${chars(TEXT.purpose)}` : 'purpose is required'),
  legalGround: (v) => (text(v) ? `legalGround must be ${chars(TEXT.legalGround)}` : 'legalGround is required'),
  dpiaRef: (v) => (text(v) ? `dpiaRef must be ${chars(TEXT.dpiaRef)}` : 'dpiaRef is required'),
  location: () => `location needs lat (${range(LATITUDE)}), lon (${range(LONGITUDE)}) and a description (${chars(TEXT.locationDescription)})`,
  area: () => `area.m2 must be > 0 and ≤ ${AREA_M2_MAX}`,
  expiresAt: () => 'expiresAt must be a date YYYY-MM-DD',
  registerUrl: (v) => (text(v) ? 'registerUrl must be an http(s) URL' : 'registerUrl is required'),
  kFloor: () => `kFloor must be an integer from ${range(K_FLOOR)}`,
  windowSeconds: () => `windowSeconds must be an integer from ${range(WINDOW_SECONDS)}`,
  retentionDays: () => `retentionDays must be an integer from ${range(RETENTION_DAYS)}`,
  heartbeatSeconds: () => `heartbeatSeconds must be an integer from the window to ${MAX_HEARTBEAT_SECONDS}`,
  granularity: () => `granularity must be an integer from ${range(GRANULARITY)}`,
  output: () => "output must be 'level' or 'level+count'",
  minimiserHash: () => 'minimiserHash must be a sha256 hex digest',
  bundleHash: () => 'bundleHash must be a sha256 hex digest',
};

/** The first problem with an owner, in the register's words (the rules: shared/schema/manifest.ts OwnerSchema). */
export function validateOwner(o: unknown, err: (m: string) => void): void {
  if (OWNER.check(o)) return;
  const first = OWNER.problems(o)[0]!;
  if (first.path === '' || first.path === 'name' || first.path === 'organisation') err('owner needs a name and an organisation');
  else if (first.path === 'email') err('owner needs a reachable e-mail address');
  else if (first.path === 'phone') err('owner.phone must be a phone number like +31 20 123 4567');
  else err(`owner: unknown key ${printableKey(first.path)}`);
}

/** An unknown key is named only when it is short and printable: it could itself carry raw data. */
function printableKey(key: string): string {
  return /^[A-Za-z_]{1,24}$/.test(key) ? `'${key}'` : '(unprintable)';
}

/**
 * Every problem with a SensorInfo at once (empty list = fine). Mandatory per principles II and V. The rules are the
 * manifest's (SensorInfoSchema is built from ManifestSchema's fields), so the register cannot accept what
 * `drukte provision` refuses; the heartbeat's lower bound (the window) is the one cross-field rule.
 */
export function validateSensorInfo(info: SensorInfo): string[] {
  const errors: string[] = [];
  const i = info as Partial<SensorInfo> & Record<string, unknown>;
  const at = isValidId(i.id) ? `${i.id}: ` : '';
  const err = (m: string) => errors.push(at + m);
  if (!SENSOR_INFO.check(info)) {
    const fields = new Set<string>();
    for (const p of SENSOR_INFO.problems(info)) {
      const field = p.path.split(/[.[]/)[0]!;
      if (fields.has(field)) continue;
      fields.add(field);
      if (p.path === '' && p.kind === 'invalid') err('a sensor must be a map of keys');
      else if (field === 'owner') validateOwner(i.owner, err);
      else if (FIELD_MESSAGES[field] && !(p.kind === 'unknown-key' && p.path === field)) err(FIELD_MESSAGES[field]!(i[field]));
      else err(`unknown key ${printableKey(field)}`);
    }
  }
  if (isIntIn(i.heartbeatSeconds, { min: 0, max: MAX_HEARTBEAT_SECONDS }) && i.heartbeatSeconds < (isIntIn(i.windowSeconds, WINDOW_SECONDS) ? i.windowSeconds : DEFAULT_MINIMISATION.windowSeconds)) {
    err(FIELD_MESSAGES.heartbeatSeconds!(i.heartbeatSeconds));
  }
  return errors;
}

/** The register entry for a validated manifest (the zone polygon and the gateway URL stay with the sensor). */
export function sensorInfoFromManifest(m: Manifest, hashes: { minimiserHash?: string; bundleHash?: string } = {}): SensorInfo {
  return {
    id: m.id,
    ...(m.areaId ? { areaId: m.areaId } : {}),
    driver: m.driver,
    owner: { ...m.owner },
    purpose: m.purpose,
    legalGround: m.legalGround,
    dpiaRef: m.dpiaRef,
    location: { ...m.location },
    area: { m2: m.area.m2 },
    expiresAt: m.expiresAt,
    registerUrl: m.registerUrl,
    kFloor: m.minimisation.kFloor,
    windowSeconds: m.minimisation.windowSeconds,
    heartbeatSeconds: Math.max(m.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS, m.minimisation.windowSeconds),
    granularity: m.minimisation.granularity,
    output: m.minimisation.output,
    ...(m.retentionDays !== undefined ? { retentionDays: m.retentionDays } : {}),
    ...(hashes.minimiserHash ? { minimiserHash: hashes.minimiserHash } : {}),
    ...(hashes.bundleHash ? { bundleHash: hashes.bundleHash } : {}),
  };
}

/** First Unix second after the expiry day (UTC): the sensor stops at the end of `expiresAt` (shared/expiry.ts). */
export function expiryEndSeconds(info: Pick<SensorInfo, 'expiresAt'>): number {
  return endOfExpiryDaySeconds(info.expiresAt);
}
export type RegisterStatus = 'active' | 'expiring' | 'expired' | 'retired';

/** A sensor's place in its lifecycle at `nowMs`, as the public register shows it. */
export function registerStatus(r: Pick<SensorRecord, 'info' | 'lifecycle'>, nowMs: number): RegisterStatus {
  if (r.lifecycle === 'retired') return 'retired';
  const end = expiryEndSeconds(r.info) * 1000;
  if (nowMs >= end) return 'expired';
  return end - nowMs <= EXPIRING_DAYS * DAY_MS ? 'expiring' : 'active';
}

export type Row = Record<string, string | number | null>;

/** The sensors table's columns as the register writes them (both store engines: gateway/store/). */
export const COLUMNS = 'id, area_id, driver, owner_name, owner_organisation, owner_email, owner_phone, purpose, legal_ground, dpia_ref, lat, lon, location_description, area_m2, expires_at, register_url, k_floor, window_seconds, granularity, output, minimiser_hash, bundle_hash, heartbeat_seconds, retention_days';

export function toParams(i: SensorInfo): unknown[] {
  return [i.id, i.areaId ?? null, i.driver, i.owner.name, i.owner.organisation, i.owner.email, i.owner.phone ?? null, i.purpose, i.legalGround, i.dpiaRef,
    i.location.lat, i.location.lon, i.location.description, i.area.m2, i.expiresAt, i.registerUrl, i.kFloor, i.windowSeconds ?? null,
    i.granularity ?? null, i.output ?? null, i.minimiserHash ?? null, i.bundleHash ?? null, i.heartbeatSeconds ?? null, i.retentionDays ?? null];
}

export function toRecord(r: Row): SensorRecord {
  // PostgreSQL returns BIGINT columns as strings: numbers are numbers again here.
  const num = (v: string | number | null | undefined) => (v === null || v === undefined ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v);
  r = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, NUMERIC.has(k) ? num(v) as string | number | null : v]));
  const opt = <K extends string>(key: K, v: string | number | null | undefined) => (v === null || v === undefined ? {} : { [key]: v });
  const info = {
    id: r.id, ...opt('areaId', r.area_id), driver: r.driver,
    owner: { name: r.owner_name, organisation: r.owner_organisation, email: r.owner_email, ...opt('phone', r.owner_phone) },
    purpose: r.purpose, legalGround: r.legal_ground, dpiaRef: r.dpia_ref,
    location: { lat: r.lat, lon: r.lon, description: r.location_description }, area: { m2: r.area_m2 },
    expiresAt: r.expires_at, registerUrl: r.register_url, kFloor: r.k_floor,
    ...opt('windowSeconds', r.window_seconds), ...opt('heartbeatSeconds', r.heartbeat_seconds), ...opt('granularity', r.granularity), ...opt('output', r.output),
    ...opt('minimiserHash', r.minimiser_hash), ...opt('bundleHash', r.bundle_hash), ...opt('retentionDays', r.retention_days),
  } as unknown as SensorInfo;
  return {
    info, lifecycle: r.lifecycle as Lifecycle, registeredAt: r.registered_at as number, updatedAt: r.updated_at as number,
    retiredAt: r.retired_at as number | null, retireReason: r.retire_reason as string | null, lastSeen: r.last_seen as number | null,
    suspension: r.suspended_at === null || r.suspended_at === undefined ? null : { reason: r.suspend_reason as string, at: r.suspended_at as number },
  };
}

const NUMERIC = new Set(['lat', 'lon', 'area_m2', 'k_floor', 'window_seconds', 'granularity', 'heartbeat_seconds', 'retention_days', 'registered_at', 'updated_at', 'retired_at', 'last_seen', 'suspended_at']);

/** A deep copy of a record (its objects are one level deep: info, owner, location, area, suspension). */
function copyRecord(r: SensorRecord): SensorRecord {
  const i = r.info;
  return { ...r, info: { ...i, owner: { ...i.owner }, location: { ...i.location }, area: { ...i.area } }, suspension: r.suspension ? { ...r.suspension } : null };
}

const sameOwner = (a: Owner, b: Owner) => a.name === b.name && a.organisation === b.organisation && a.email === b.email && (a.phone ?? null) === (b.phone ?? null);

/**
 * last_seen is written to the database at most this often (and at close); memory has the exact time. A write per
 * sensor per group commit was a third scattered B-tree write per stored aggregate under load (docs/BENCHMARKS.md).
 */
export const SEEN_WRITE_MS = 10_000;

/**
 * The register on SQLite. Every method validates first and writes in one transaction. Reads come from memory: the
 * whole register is loaded once and reloaded after each change (changes are rare; ingest reads a record per
 * message). markSeen() only updates memory and queues the write in the group commit (gateway/store/group-commit.ts), at most
 * once per SEEN_WRITE_MS.
 */
export class SqliteSensorRegister implements SensorRegister {
  private cache: Map<string, SensorRecord> | null = null;
  private readonly seen = new Map<string, number>();
  private seenQueued = false;
  private seenWrittenAt = -Infinity;
  /** A sensor was added to the in-memory copy after it was loaded: records() sorts again. */
  private unsorted = false;
  revision = 0;

  constructor(private readonly db: Database.Database, private readonly clock: Clock) {
    groupCommitOf(db).onFailure(() => (this.seenQueued = false)); // a rolled-back batch: queue the times again
    // Times seen since the last write are written when the database is closed (the gateway's stop).
    const close = db.close.bind(db);
    db.close = () => {
      if (db.open && !this.seenQueued && this.seen.size > 0) {
        try {
          db.transaction(() => this.writeSeen())();
        } catch { /* closing anyway; at most SEEN_WRITE_MS of last-seen times are lost */ }
      }
      return close();
    };
  }

  private all(): Map<string, SensorRecord> {
    if (this.cache) return this.cache;
    const rows = prepared(this.db, 'SELECT * FROM sensors ORDER BY id').all() as Row[];
    const cache = new Map<string, SensorRecord>();
    for (const row of rows) {
      const r = toRecord(row);
      const seen = this.seen.get(r.info.id);
      if (seen !== undefined) r.lastSeen = seen;
      cache.set(r.info.id, r);
    }
    return (this.cache = cache);
  }

  /** Told after every committed change of a sensor, with the audit rows it appended (gateway/store/pg-sync.ts). */
  private readonly changeListeners = new Set<(id: string, audit: AuditInput[]) => void>();
  private depth = 0;
  private pendingAudit: AuditInput[] = [];

  onChange(listener: (id: string, audit: AuditInput[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Another gateway instance changed sensor `id` in the shared store (already copied to this database). */
  reload(id: string): void {
    this.refresh(id);
    this.revision++;
  }

  /** Run a change to sensor `id` in a transaction; whatever happens, its in-memory copy is reloaded after it. */
  private write<T>(id: string, fn: () => T): T {
    this.depth++;
    let ok = false;
    try {
      const out = this.db.transaction(fn)();
      ok = true;
      return out;
    } finally {
      this.depth--;
      this.refresh(id);
      this.revision++;
      if (this.depth === 0) {
        const audit = this.pendingAudit;
        this.pendingAudit = [];
        if (ok) for (const l of this.changeListeners) l(id, audit);
      }
    }
  }

  private refresh(id: string): void {
    const cache = this.cache;
    if (!cache) return;
    const row = prepared(this.db, 'SELECT * FROM sensors WHERE id = ?').get(id) as Row | undefined;
    if (!row) return void cache.delete(id);
    const r = toRecord(row);
    const seen = this.seen.get(id);
    if (seen !== undefined) r.lastSeen = seen;
    if (!cache.has(id)) this.unsorted = true;
    cache.set(id, r);
  }

  get(id: string): SensorInfo | undefined {
    return this.record(id)?.info;
  }

  list(): SensorInfo[] {
    return this.records().map((r) => r.info);
  }

  record(id: string): SensorRecord | undefined {
    const r = this.all().get(id);
    return r ? copyRecord(r) : undefined;
  }

  view(id: string): Readonly<SensorRecord> | undefined {
    return this.all().get(id);
  }

  records(): SensorRecord[] {
    const all = this.all();
    if (this.unsorted) {
      this.cache = new Map([...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      this.unsorted = false;
    }
    return [...this.all().values()].map(copyRecord);
  }

  upsert(info: SensorInfo, note?: string): void {
    const existing = this.record(info.id);
    if (!existing) return this.create(info, note);
    check(info);
    if (existing.lifecycle === 'active' && JSON.stringify(toParams(existing.info)) === JSON.stringify(toParams(info))) return; // unchanged: no audit row
    this.write(info.id, () => {
      if (!sameOwner(existing.info.owner, info.owner)) this.transfer(info.id, info.owner, note ?? 'owner changed by an import');
      this.update(info, note);
    });
  }

  create(info: SensorInfo, note?: string): void {
    check(info);
    const now = this.clock.now();
    this.write(info.id, () => {
      if (this.record(info.id)) throw new RegisterError('exists', `sensor ${info.id} is already registered (ids are never reused)`);
      prepared(this.db, `INSERT INTO sensors (${COLUMNS}, registered_at, updated_at) VALUES (${'?, '.repeat(24)}?, ?)`).run(...toParams(info), now, now);
      this.audit_(info.id, now, 'register', null, info.owner, note ?? null);
    });
  }

  update(info: SensorInfo, note?: string): void {
    check(info);
    const now = this.clock.now();
    this.write(info.id, () => {
      const existing = this.active(info.id);
      if (!sameOwner(existing.info.owner, info.owner)) throw new RegisterError('owner-change', `the owner of ${info.id} changes only by a transfer (records the handover)`);
      const sets = COLUMNS.split(', ').slice(1).map((c) => `${c} = ?`).join(', ');
      prepared(this.db, `UPDATE sensors SET ${sets}, updated_at = ? WHERE id = ?`).run(...toParams(info).slice(1), now, info.id);
      this.audit_(info.id, now, 'update', null, null, note ?? null);
    });
  }

  transfer(id: string, to: Owner, note?: string): AuditEntry {
    const errors: string[] = [];
    validateOwner(to, (m) => errors.push(m));
    if (errors.length) throw new InvalidSensorInfo(errors);
    const now = this.clock.now();
    return this.write(id, () => {
      const existing = this.active(id);
      const owner: Owner = { name: to.name, organisation: to.organisation, email: to.email, ...(to.phone ? { phone: to.phone } : {}) };
      prepared(this.db, 'UPDATE sensors SET owner_name = ?, owner_organisation = ?, owner_email = ?, owner_phone = ?, updated_at = ? WHERE id = ?')
        .run(owner.name, owner.organisation, owner.email, owner.phone ?? null, now, id);
      const seq = this.audit_(id, now, 'transfer', existing.info.owner, owner, note ?? null);
      return { seq, sensorId: id, at: now, action: 'transfer' as const, fromOwner: existing.info.owner, toOwner: owner, note: note ?? null };
    });
  }

  retire(id: string, reason: string): void {
    if (!text(reason)) throw new InvalidSensorInfo(['a reason for retiring is required']);
    const now = this.clock.now();
    this.write(id, () => {
      this.active(id);
      prepared(this.db, "UPDATE sensors SET lifecycle = 'retired', retired_at = ?, retire_reason = ?, updated_at = ? WHERE id = ?").run(now, reason, now, id);
      this.audit_(id, now, 'retire', null, null, reason);
    });
  }

  note(id: string, action: 'credential', note: string): void {
    if (!this.record(id)) throw new RegisterError('not-found', `sensor ${id} is not registered`);
    this.write(id, () => this.audit_(id, this.clock.now(), action, null, null, note));
  }

  audit(id: string): AuditEntry[] {
    const rows = prepared(this.db, 'SELECT seq, sensor_id, at, action, from_owner, to_owner, note FROM register_audit WHERE sensor_id = ? ORDER BY seq').all(id) as Row[];
    return rows.map((r) => ({
      seq: r.seq as number, sensorId: r.sensor_id as string, at: r.at as number, action: r.action as AuditAction,
      fromOwner: r.from_owner === null ? null : (JSON.parse(r.from_owner as string) as Owner),
      toOwner: r.to_owner === null ? null : (JSON.parse(r.to_owner as string) as Owner),
      note: r.note as string | null,
    }));
  }

  markSeen(id: string, atMs: number): void {
    const r = this.all().get(id);
    if (r) r.lastSeen = atMs;
    this.seen.set(id, atMs);
    if (this.seenQueued || atMs - this.seenWrittenAt < SEEN_WRITE_MS) return;
    this.seenQueued = true;
    this.seenWrittenAt = atMs;
    // One write per sensor per SEEN_WRITE_MS at most, in a batch's transaction.
    void groupCommitOf(this.db).add(() => {
      this.seenQueued = false;
      this.writeSeen();
    }, (b) => {
      for (const [sensorId, at] of this.seen) b.lastSeen.push({ sensorId, at });
    });
  }

  private writeSeen(): void {
    const update = prepared(this.db, 'UPDATE sensors SET last_seen = ? WHERE id = ?');
    for (const [sensor, at] of this.seen) update.run(at, sensor);
    this.seen.clear();
  }

  suspend(id: string, reason: string): boolean {
    const now = this.clock.now();
    return this.write(id, () => {
      const r = this.record(id);
      if (!r || r.suspension) return false;
      prepared(this.db, 'UPDATE sensors SET suspended_at = ?, suspend_reason = ? WHERE id = ?').run(now, reason, id);
      this.audit_(id, now, 'suspend', null, null, reason);
      return true;
    });
  }

  resume(id: string, note: string): AuditEntry {
    if (!text(note)) throw new InvalidSensorInfo(['a note saying why the sensor may publish again is required']);
    const now = this.clock.now();
    return this.write(id, () => {
      const r = this.active(id);
      if (!r.suspension) throw new RegisterError('not-suspended', `sensor ${id} is not suspended`);
      prepared(this.db, 'UPDATE sensors SET suspended_at = NULL, suspend_reason = NULL WHERE id = ?').run(id);
      const full = `resumed after ${r.suspension.reason}: ${note}`;
      const seq = this.audit_(id, now, 'resume', null, null, full);
      return { seq, sensorId: id, at: now, action: 'resume' as const, fromOwner: null, toOwner: null, note: full };
    });
  }

  /** The record of an active sensor, or the reason there is none. */
  private active(id: string): SensorRecord {
    const r = this.record(id);
    if (!r) throw new RegisterError('not-found', `sensor ${id} is not registered`);
    if (r.lifecycle === 'retired') throw new RegisterError('retired', `sensor ${id} is retired`);
    return r;
  }

  private audit_(id: string, at: number, action: AuditAction, from: Owner | null, to: Owner | null, note: string | null): number {
    this.pendingAudit.push({ sensorId: id, at, action, fromOwner: from, toOwner: to, note });
    const res = prepared(this.db, 'INSERT INTO register_audit (sensor_id, at, action, from_owner, to_owner, note) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, at, action, from ? JSON.stringify(from) : null, to ? JSON.stringify(to) : null, note);
    return Number(res.lastInsertRowid);
  }
}

function check(info: SensorInfo): void {
  const errors = validateSensorInfo(info);
  if (errors.length) throw new InvalidSensorInfo(errors);
}
