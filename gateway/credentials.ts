/**
 * Credentials: scrypt hashes (RFC 7914, node:crypto) with a salt per credential, compared in constant time.
 * Only the hash, its salt and its parameters are ever stored; the secret itself is shown once, at creation.
 *
 *   scrypt$N=16384,r=8,p=1$<salt, base64url>$<hash, base64url>        (the stored form; PHC-like)
 *
 * Stored hashes can also come from outside (the admin API, a config file), so the parser bounds every parameter:
 * a hash with N = 2^30 would otherwise be a way to make the gateway allocate gigabytes on each login.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type Database from 'better-sqlite3';

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

export function isStoredHash(x: unknown): x is string {
  return parseStoredHash(x) !== null;
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

/** A new random secret: 24 bytes, base64url (32 characters, 192 bits). */
export function generateSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Who a credential belongs to: a sensor (username = sensor id) or a feed reader (the municipality). */
export type CredentialRole = 'sensor' | 'reader';

export interface StoredCredential {
  username: string;
  role: CredentialRole;
  /** The stored scrypt hash (never the secret). */
  hash: string;
  createdAt: number;
}

/** MQTT credentials in SQLite (table `credentials`, see gateway/db.ts). */
export class CredentialStore {
  constructor(private readonly db: Database.Database) {}

  get(username: string): StoredCredential | undefined {
    const row = this.db.prepare('SELECT username, role, hash, created_at AS createdAt FROM credentials WHERE username = ?').get(username) as StoredCredential | undefined;
    return row ? { ...row } : undefined;
  }

  /** Add or replace the credential of `username`. */
  set(username: string, role: CredentialRole, hash: string, atMs: number): void {
    if (!isStoredHash(hash)) throw new RangeError('not a stored scrypt hash (scrypt$N=…,r=…,p=…$salt$hash) within bounds');
    this.db.prepare('INSERT INTO credentials (username, role, hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET role = excluded.role, hash = excluded.hash, created_at = excluded.created_at').run(username, role, hash, atMs);
  }

  delete(username: string): boolean {
    return this.db.prepare('DELETE FROM credentials WHERE username = ?').run(username).changes > 0;
  }

  /** Usernames and roles (no hashes): for the effective configuration and health. */
  count(): Record<CredentialRole, number> {
    const rows = this.db.prepare('SELECT role, COUNT(*) AS n FROM credentials GROUP BY role').all() as Array<{ role: CredentialRole; n: number }>;
    const out: Record<CredentialRole, number> = { sensor: 0, reader: 0 };
    for (const r of rows) out[r.role] = r.n;
    return out;
  }
}
