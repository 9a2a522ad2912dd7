/**
 * The sensor's view of the expiry rule. The rule itself (end of the expiry day, UTC; expiring for the last 30 days)
 * lives once in shared/expiry.ts, used by the gateway too; this adds the phase, the days left and the build-time
 * bound. Pure: no IO, no clock reads (time is passed in).
 *
 *   ── active ──────────────┬── expiring (last 30 days) ──┬── expired (for ever) ──►  effective time
 *                      end − 30 d                        end
 */
import { DAY_MS, EXPIRING_DAYS, expiryEndMs, MAX_EXPIRY_DAYS } from '../../shared/expiry.ts';

export { DAY_MS, EXPIRING_DAYS, expiryEndMs } from '../../shared/expiry.ts';

export type LifecyclePhase = 'active' | 'expiring' | 'expired';
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
