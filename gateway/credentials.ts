/**
 * Credentials: only a hash of a secret is ever stored; the secret itself is shown once, at creation. Two forms:
 *
 *   scrypt$N=16384,r=8,p=1$<salt, base64url>$<hash, base64url>   scrypt (RFC 7914), salted: for secrets a person may
 *                                                                 have chosen (the admin token), and credentials
 *                                                                 hashed outside the gateway (drukte provision)
 *   hmac-sha256$<mac, base64url>                                  HMAC-SHA-256 (RFC 2104) under the gateway's own
 *                                                                 key: for machine secrets (generateSecret, 256 bits)
 *
 * A slow hash only helps against guessing a secret from a stolen hash; a machine secret of ≥ 192 random bits cannot
 * be guessed however fast the hash is, so a keyed hash is as strong for it and costs microseconds instead of
 * ~27 ms of CPU per login (a reconnect storm of 2,000 sensors is 54 s of CPU with scrypt). The key (32 random bytes,
 * `<dataDir>/credential.key`, mode 0600, outside the database) adds that a stolen database alone does not even
 * allow checking a guess. A sensor credential stored as scrypt is re-stored as HMAC at its first successful login
 * when its secret has the shape of a machine secret (machineSecret()); the admin token always stays scrypt.
 *
 * Stored hashes can also come from outside (the admin API, a config file), so the parser bounds every parameter:
 * a hash with N = 2^30 would otherwise be a way to make the gateway allocate gigabytes on each login.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type Database from 'better-sqlite3';
import { prepared } from './store/db.ts';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
  /** Derived key length, bytes. */
  keyLength: number;
}

/** Node's defaults (16 MiB per hash). Sensor and reader secrets are random (192 bits), so this is defence in depth. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = { N: 16_384, r: 8, p: 1, keyLength: 32 };
const SALT_BYTES = 16;
/** Longer secrets are refused before any hashing (MQTT passwords, HTTP tokens). */
export const MAX_SECRET_BYTES = 256;

export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Parse a stored hash; null for anything malformed or with parameters outside safe bounds. */
export function parseStoredHash(stored: unknown): ParsedHash | null {
  if (typeof stored !== 'string' || stored.length > 512) return null;
  const m = /^scrypt\$N=(\d{1,8}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4]!, 'base64url');
  const hash = Buffer.from(m[5]!, 'base64url');
  const powerOfTwo = N >= 1024 && N <= 1_048_576 && (N & (N - 1)) === 0;
  if (!powerOfTwo || r < 1 || r > 16 || p < 1 || p > 4) return null;
  if (!B64URL.test(m[4]!) || salt.length < 16 || salt.length > 64 || hash.length < 16 || hash.length > 64) return null;
  return { params: { N, r, p, keyLength: hash.length }, salt, hash };
}

const HMAC_FORM = /^hmac-sha256\$([A-Za-z0-9_-]{43})$/;

/** The MAC of a stored HMAC credential, or null. */
function parseHmac(stored: unknown): Buffer | null {
  if (typeof stored !== 'string') return null;
  const m = HMAC_FORM.exec(stored);
  if (!m) return null;
  const mac = Buffer.from(m[1]!, 'base64url');
  return mac.length === 32 ? mac : null;
}

/** A stored credential in either form (scrypt within bounds, or HMAC-SHA-256). */
export function isStoredHash(x: unknown): x is string {
  return parseStoredHash(x) !== null || parseHmac(x) !== null;
}

/** Is this a scrypt hash within bounds (the only form accepted for the admin token and from outside)? */
export function isScryptHash(x: unknown): x is string {
  return parseStoredHash(x) !== null;
}

/** Is this stored form the keyed hash (no migration needed)? */
export function isHmacHash(x: unknown): boolean {
  return parseHmac(x) !== null;
}

/**
 * Does a secret look machine-made: base64url of at least 24 random bytes (192 bits; generateSecret makes 32)? Only
 * those are moved from scrypt to the keyed hash: a person's password keeps its slow hash.
 */
export function machineSecret(secret: string | Buffer): boolean {
  const s = typeof secret === 'string' ? secret : secret.toString('utf8');
  return s.length >= 32 && s.length <= 128 && B64URL.test(s);
}

/** The gateway's credential key file in a data directory. */
export const CREDENTIAL_KEY_FILE = 'credential.key';

/**
 * The HMAC key: read from `<dataDir>/credential.key` (created on first use, 32 random bytes, mode 0600); a fresh
 * in-memory key without a data directory. A key file readable by others is set back to 0600; one that is not
 * 32 bytes is refused.
 */
export function loadCredentialKey(dataDir: string | null): Buffer {
  if (dataDir === null) return randomBytes(32);
  const file = join(dataDir, CREDENTIAL_KEY_FILE);
  try {
    writeFileSync(file, randomBytes(32), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the credential key ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const st = statSync(file);
  if ((st.mode & 0o077) !== 0) {
    chmodSync(file, 0o600);
  }
  const key = readFileSync(file);
  if (key.length !== 32) throw new Error(`the credential key ${file} is damaged (${key.length} bytes, not 32): restore it from the backup of the data directory, or move it aside and issue new sensor credentials`);
  return key;
}

/** The keyed hash of machine secrets (see the top of this file). */
export class CredentialHasher {
  private readonly dummy: string;

  constructor(private readonly key: Buffer) {
    this.dummy = this.hash(randomBytes(32).toString('base64url'));
  }

  /** The stored form of a machine secret. */
  hash(secret: string | Buffer): string {
    return `hmac-sha256$${createHmac('sha256', this.key).update(secret).digest('base64url')}`;
  }

  /** Check a secret against a stored credential of either form; false (never a throw) for malformed input. */
  async verify(secret: string | Buffer | undefined, stored: string): Promise<boolean> {
    const mac = parseHmac(stored);
    if (!mac) return verifySecret(secret, stored);
    if (secret === undefined) return false;
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
    if (bytes.length === 0 || bytes.length > MAX_SECRET_BYTES) return false;
    return timingSafeEqual(createHmac('sha256', this.key).update(bytes).digest(), mac);
  }

  /** The same work as a check of an HMAC credential, for a username that has none. */
  async verifyAgainstNothing(secret: string | Buffer | undefined): Promise<false> {
    await this.verify(secret ?? 'x', this.dummy);
    return false;
  }
}

function derive(secret: Buffer, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(secret, salt, params.keyLength, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Hash a secret with a fresh salt; returns the stored form. */
export async function hashSecret(secret: string | Buffer, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length === 0 || bytes.length > MAX_SECRET_BYTES) throw new RangeError(`a secret must be 1–${MAX_SECRET_BYTES} bytes`);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(bytes, salt, params);
  const out = `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  if (!isStoredHash(out)) throw new RangeError('scrypt parameters out of bounds');
  return out;
}

/** Whether `secret` matches `stored`; constant-time compare; false (never a throw) for malformed input. */
export async function verifySecret(secret: string | Buffer | undefined, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (!parsed || secret === undefined) return false;
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length === 0 || bytes.length > MAX_SECRET_BYTES) return false;
  const key = await derive(bytes, parsed.salt, parsed.params);
  return key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
}

const dummies = new Map<string, Promise<string>>();
/**
 * Spend the same work as a real check when there is no credential for a username, so response times do not tell
 * which usernames exist. `params` should be those of the real hashes (the gateway's hashParams).
 */
export async function verifyAgainstNothing(secret: string | Buffer | undefined, params: ScryptParams = DEFAULT_SCRYPT): Promise<false> {
  const key = `${params.N},${params.r},${params.p},${params.keyLength}`;
  let dummy = dummies.get(key);
  if (!dummy) dummies.set(key, (dummy = hashSecret(randomBytes(24), params)));
  await verifySecret(secret ?? 'x', await dummy);
  return false;
}

/** A new random secret: 32 bytes, base64url (43 characters, 256 bits). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Who a credential belongs to: a sensor (username = sensor id) or a feed reader (the municipality). */
export type CredentialRole = 'sensor' | 'reader';

export interface StoredCredential {
  username: string;
  role: CredentialRole;
  /** The stored hash (never the secret). */
  hash: string;
  createdAt: number;
  /** The scrypt hash this keyed hash replaced at a first login, if any. */
  replacedHash?: string | null;
}

/** MQTT credentials in SQLite (table `credentials`, see gateway/store/db.ts). */
export class CredentialStore {
  /** Told after every change (gateway/store/pg-sync.ts copies it to the shared store). */
  onChange: ((username: string) => void) | null = null;

  constructor(private readonly db: Database.Database) {}

  get(username: string): StoredCredential | undefined {
    const row = prepared(this.db, 'SELECT username, role, hash, created_at AS createdAt, replaced_hash AS replacedHash FROM credentials WHERE username = ?').get(username) as StoredCredential | undefined;
    return row ? { ...row } : undefined;
  }

  /** Add or replace the credential of `username`. */
  set(username: string, role: CredentialRole, hash: string, atMs: number, replacedHash: string | null = null): void {
    if (!isStoredHash(hash)) throw new RangeError('not a stored hash (scrypt$N=…,r=…,p=…$salt$hash within bounds, or hmac-sha256$mac)');
    prepared(this.db, 'INSERT INTO credentials (username, role, hash, created_at, replaced_hash) VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET role = excluded.role, hash = excluded.hash, created_at = excluded.created_at, replaced_hash = excluded.replaced_hash').run(username, role, hash, atMs, replacedHash);
    this.onChange?.(username);
  }

  delete(username: string): boolean {
    const gone = this.db.prepare('DELETE FROM credentials WHERE username = ?').run(username).changes > 0;
    if (gone) this.onChange?.(username);
    return gone;
  }

  /** Usernames and roles (no hashes): for the effective configuration and health. */
  count(): Record<CredentialRole, number> {
    const rows = this.db.prepare('SELECT role, COUNT(*) AS n FROM credentials GROUP BY role').all() as Array<{ role: CredentialRole; n: number }>;
    const out: Record<CredentialRole, number> = { sensor: 0, reader: 0 };
    for (const r of rows) out[r.role] = r.n;
    return out;
  }
}
