/**
 * The expiry rule, pure (no IO, no clock reads: time is passed in). Shared by the firmware's lifecycle, `drukte
 * provision` and `drukte doctor`, and the same rule as the gateway's `expiryEndSeconds` (gateway/register.ts; a test
 * checks they agree):
 *
 *   expiresAt = "2027-03-31"  ─►  the sensor works through 2027-03-31 23:59:59.999 UTC and is expired from
 *                                  2027-04-01T00:00:00Z (the end of the expiry day, UTC) on.
 *
 *   ── active ──────────────┬── expiring (last 30 days) ──┬── expired (for ever) ──►  effective time
 *                      end − 30 d                        end
 */
import { MAX_EXPIRY_DAYS } from '../../shared/manifest.ts';
import { isIsoDate } from '../../shared/payloads.ts';

export type LifecyclePhase = 'active' | 'expiring' | 'expired';

export const DAY_MS = 86_400_000;
/** From this many days before the end of the expiry day, the sensor's status is `expiring`. */
export const EXPIRING_DAYS = 30;

/** First millisecond after the expiry day (UTC). Throws on anything that is not a real YYYY-MM-DD date. */
export function expiryEndMs(expiresAt: string): number {
  if (!isIsoDate(expiresAt)) throw new RangeError(`expiresAt must be a date YYYY-MM-DD, got ${JSON.stringify(expiresAt)}`);
  return Date.parse(`${expiresAt}T00:00:00Z`) + DAY_MS;
}

/** The phase at effective time `effectiveMs`. */
export function phaseAt(effectiveMs: number, expiresAt: string): LifecyclePhase {
  const end = expiryEndMs(expiresAt);
  if (effectiveMs >= end) return 'expired';
  if (effectiveMs >= end - EXPIRING_DAYS * DAY_MS) return 'expiring';
  return 'active';
}

/** Whole days left until the end of the expiry day (0 on the last day, negative once expired). */
export function daysLeft(effectiveMs: number, expiresAt: string): number {
  return Math.ceil((expiryEndMs(expiresAt) - effectiveMs) / DAY_MS) - 1;
}

/**
 * The bound `drukte provision` enforces (shared/manifest.ts: at most 2 years after provisioning), checked again by
 * the firmware against its own build time, so a hand-edited bundle with a far expiry does not run either.
 */
export function expiryWithinBound(expiresAt: string, builtAtMs: number): boolean {
  return Date.parse(`${expiresAt}T00:00:00Z`) - builtAtMs <= MAX_EXPIRY_DAYS * DAY_MS;
}
