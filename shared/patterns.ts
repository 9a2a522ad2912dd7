/**
 * The text patterns of every contract, written once (issue 12): the schema module (shared/schema/), the manifest,
 * the payload validators, the register and the admin API all use these. Plain RegExps with no flags (but
 * REASON_PATTERN), so their `.source` is also the JSON Schema `pattern` (ECMA-262 dialect) published in docs/schemas/.
 */

/** Sensor, area and reader ids: lower-case letters, digits and dashes, 3–63 characters, not starting with a dash. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,62}$/;
/** An e-mail address someone can reach: something@domain.tld, no spaces. */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** A sha256 digest, lower-case hex (minimiser and bundle hashes). */
export const HEX64_PATTERN = /^[0-9a-f]{64}$/;
/** A calendar date, YYYY-MM-DD (isIsoDate also checks that the day exists). */
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
/** A firmware version (the sensor's and the radar's). */
export const VERSION_PATTERN = /^[0-9A-Za-z.+-]{1,32}$/;
/** A phone number like +31 20 123 4567. */
export const PHONE_PATTERN = /^\+?[0-9 ()-]{6,20}$/;
/**
 * A status reason: letters, digits, punctuation and spaces of any script (no control or format characters). The one
 * pattern here that needs the u flag: JSON Schema reads patterns as Unicode, TypeBox compiles them without it, so
 * shared/payloads.ts tests this RegExp itself.
 */
export const REASON_PATTERN = /^[\p{L}\p{N}\p{P}\p{Zs}]*$/u;

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

export function isEmail(x: unknown): x is string {
  return typeof x === 'string' && EMAIL_PATTERN.test(x);
}

export function isHex64(x: unknown): x is string {
  return typeof x === 'string' && HEX64_PATTERN.test(x);
}

/** A real YYYY-MM-DD date (2027-02-30 is not). */
export function isIsoDate(x: unknown): x is string {
  if (typeof x !== 'string' || !DATE_PATTERN.test(x)) return false;
  const d = new Date(`${x}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === x;
}

/**
 * The shape of a stored scrypt hash (`scrypt$N=…,r=…,p=…$salt$hash`, base64url); gateway/credentials.ts
 * parseStoredHash also checks the parameters' bounds.
 */
export const SCRYPT_HASH_PATTERN = /^scrypt\$N=\d{1,8},r=\d{1,2},p=\d{1,2}\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/;
