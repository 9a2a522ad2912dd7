/**
 * The expiry rule, written once (issue 12) and used by the firmware's lifecycle (firmware/lifecycle/expiry.ts),
 * `drukte provision` and `drukte doctor`, and the gateway (register, ingest, broker policy, expiry watch):
 *
 *   expiresAt = "2027-03-31"  ─►  the sensor works through 2027-03-31 23:59:59.999 UTC and is expired from
 *                                  2027-04-01T00:00:00Z (the end of the expiry day, UTC) on.
 *
 * Pure: no IO, no clock reads (time is passed in).
 */
import { isIsoDate } from './patterns.ts';

export const DAY_MS = 86_400_000;
/** From this many days before the end of the expiry day, a sensor is `expiring` (firmware status and register). */
export const EXPIRING_DAYS = 30;
/** The latest expiry a manifest may set: "at most 2 years after provisioning", leap day included. */
export const MAX_EXPIRY_DAYS = 731;

/** First millisecond after the expiry day (UTC). Throws on anything that is not a real YYYY-MM-DD date. */
export function expiryEndMs(expiresAt: string): number {
  if (!isIsoDate(expiresAt)) throw new RangeError(`expiresAt must be a date YYYY-MM-DD, got ${JSON.stringify(expiresAt)}`);
  return endOfDayMs(expiresAt);
}

/**
 * First Unix second after the expiry day (UTC): the same rule in the gateway's unit. The register only holds
 * validated dates, so this does not check again (NaN for a non-date, as before).
 */
export function expiryEndSeconds(expiresAt: string): number {
  return endOfDayMs(expiresAt) / 1000;
}

/** Parsed ends by date: the gateway asks for every message, and a fleet has few distinct expiry dates. */
const ends = new Map<string, number>();

function endOfDayMs(expiresAt: string): number {
  let end = ends.get(expiresAt);
  if (end === undefined) {
    end = Date.parse(`${expiresAt}T00:00:00Z`) + DAY_MS;
    if (ends.size >= 4096) ends.clear(); // bounded whatever strings come in
    ends.set(expiresAt, end);
  }
  return end;
}
