/**
 * Token buckets for failed logins, on an injected clock (monotonic time, so a wall-clock jump cannot refill them).
 *
 * Only failures take tokens: a sensor with the right password reconnecting every 2 s is never limited. While a
 * bucket is empty every attempt for that key is refused without checking the password (no scrypt work, and no
 * way to learn that a guess was right), until tokens trickle back.
 *
 * Trade-off, on purpose: a per-username bucket lets someone who floods wrong passwords for `dam-noord` keep the real
 * sensor out for as long as the flood lasts (it then queues its aggregates on disk and sends them later). Without it,
 * a guesser spread over many addresses would only be slowed by the per-address bucket.
 */
import type { Clock } from '../shared/clock.ts';
import { isValidId } from '../shared/topics.ts';

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
}

/** Defaults: 10 failures per address, then one per 6 s; 5 per username, then one per 12 s. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddress: { capacity: 10, refillPerSecond: 1 / 6 },
  perUsername: { capacity: 5, refillPerSecond: 1 / 12 },
};

/** Failed-login limits per remote address and per username (usernames only when they look like ids). */
export class LoginLimiter {
  private readonly byAddress: RateLimiter;
  private readonly byUsername: RateLimiter;

  constructor(clock: Clock, readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.byAddress = new RateLimiter(clock, limits.perAddress);
    this.byUsername = new RateLimiter(clock, limits.perUsername);
  }

  allows(address: string, username: string | undefined): boolean {
    return this.byAddress.allows(address) && (!isValidId(username) || this.byUsername.allows(username));
  }

  fail(address: string, username: string | undefined): void {
    this.byAddress.take(address);
    if (isValidId(username)) this.byUsername.take(username);
  }
}
