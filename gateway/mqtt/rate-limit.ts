/**
 * Token buckets for failed logins, on an injected clock (monotonic time, so a wall-clock jump cannot refill them).
 *
 * Only failures take tokens, and an empty bucket SLOWS attempts, it never refuses a right password
 * (docs/PROTOCOL.md §2, "Login throttling"):
 *   - per username: checked after the password. A right password is accepted at once, whatever others did with the
 *     same username; a wrong one, when the username's bucket is empty, is answered only after `holdMs` (it keeps the
 *     guesser's connection busy). So nobody can lock a sensor out by failing logins with its id.
 *   - per address: checked before the password. While the address' bucket is empty every attempt from it is held
 *     `holdMs` before its password is checked, then decided on its merit: a sensor behind the same NAT as an attacker
 *     gets in one hold later (well inside its 10 s connect timeout), while the attacker's scrypt work per address is
 *     bounded by (connections per address) / holdMs.
 * Passwords are 192-bit random secrets (credentials.ts), so guessing is hopeless whatever the rate; the limits exist
 * against load and noise, and availability of the honest sensor wins over slowing a guesser further.
 */
import type { Clock } from '../../shared/clock.ts';
import { isValidId } from '../../shared/topics.ts';

export interface BucketOptions {
  /** Tokens when full: the burst of failures allowed. */
  capacity: number;
  /** Tokens regained per second. */
  refillPerSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: Clock, readonly options: BucketOptions, private readonly maxKeys = 10_000) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) throw new RangeError('a bucket needs capacity ≥ 1 and refillPerSecond > 0');
  }

  private bucket(key: string): Bucket {
    const now = this.clock.monotonic();
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.options.capacity, at: now };
    const tokens = Math.min(this.options.capacity, b.tokens + ((now - b.at) / 1000) * this.options.refillPerSecond);
    return { tokens, at: now };
  }

  /** Whether one more attempt may be checked now. */
  allows(key: string): boolean {
    return this.bucket(key).tokens >= 1;
  }

  /** Take one token (a failed attempt). */
  take(key: string): void {
    const b = this.bucket(key);
    this.buckets.delete(key); // re-insert: Map order = least recently used first
    this.buckets.set(key, { tokens: Math.max(0, b.tokens - 1), at: b.at });
    if (this.buckets.size > this.maxKeys) this.prune();
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Forget full buckets; if still too many, the least recently used ones (bounded memory whatever the keys). */
  private prune(): void {
    for (const key of [...this.buckets.keys()]) if (this.bucket(key).tokens >= this.options.capacity) this.buckets.delete(key);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

export interface LoginLimits {
  perAddress: BucketOptions;
  perUsername: BucketOptions;
  /** How long a throttled attempt is held (before its check per address, before its refusal per username), ms. */
  holdMs: number;
}

/** Defaults: 10 failures per address, 5 per username, each then one per 6 s / 12 s; throttled attempts held 2 s. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddress: { capacity: 10, refillPerSecond: 1 / 6 },
  perUsername: { capacity: 5, refillPerSecond: 1 / 12 },
  holdMs: 2000,
};

/** Failed-login limits per remote address and per username (usernames only when they look like ids). */
export class LoginLimiter {
  private readonly byAddress: RateLimiter;
  private readonly byUsername: RateLimiter;
  /** Attempts held because their address or username was throttled. */
  held = 0;

  constructor(clock: Clock, readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    if (!(limits.holdMs >= 0)) throw new RangeError('holdMs must be ≥ 0');
    this.byAddress = new RateLimiter(clock, limits.perAddress);
    this.byUsername = new RateLimiter(clock, limits.perUsername);
  }

  /** Before the password is checked: how long to hold this attempt (0 unless its address is throttled). */
  holdBeforeCheck(address: string): number {
    if (this.byAddress.allows(address)) return 0;
    this.held++;
    return this.limits.holdMs;
  }

  /** A failed attempt: take the tokens; returns how long to hold the refusal (its username was throttled). */
  fail(address: string, username: string | undefined): number {
    this.byAddress.take(address);
    if (!isValidId(username)) return 0;
    const throttled = !this.byUsername.allows(username);
    this.byUsername.take(username);
    if (!throttled) return 0;
    this.held++;
    return this.limits.holdMs;
  }
}
