/**
 * Why a sensor message was refused (broker policy) or rejected (ingest), as a closed set of short names.
 *
 * Reasons are counted and logged; payload bytes never are. A closed set keeps the counters bounded whatever a
 * client sends, and gives operators and tests stable names to look for (GET /api/health).
 */
/** Violations of the registered rules, checked on every aggregate (gateway/ingest/rules.ts); each suspends the sensor. */
export const RULE_VIOLATIONS = [
  'window-length', 'window-unaligned', 'count-from-level-only', 'level-unreachable', 'level-without-count', 'count-below-k',
  'count-off-granularity', 'level-mismatch',
] as const;
export type RuleViolation = (typeof RULE_VIOLATIONS)[number];

/** Violations found in the sensor's history: a window that repeats (other content), overlaps or goes back; a seq jump. */
export const ORDER_VIOLATIONS = ['window-repeated', 'window-overlap', 'window-back', 'seq-jump'] as const;
export type OrderViolation = (typeof ORDER_VIOLATIONS)[number];

/** Broker-level violations by an authenticated sensor (gateway/mqtt/policy.ts). */
export const BROKER_VIOLATIONS = ['qos0-aggregate'] as const;

export type Violation = RuleViolation | OrderViolation | (typeof BROKER_VIOLATIONS)[number];
const ALL_VIOLATIONS = new Set<string>([...RULE_VIOLATIONS, ...ORDER_VIOLATIONS, ...BROKER_VIOLATIONS]);
export const isViolation = (reason: string): reason is Violation => ALL_VIOLATIONS.has(reason);

/** What is wrong with the payload itself, classified from the shared validators' messages. */
export const PAYLOAD_REASONS = ['empty-payload', 'payload-too-large', 'malformed-cbor', 'not-a-map', 'unexpected-key', 'missing-key', 'invalid-value'] as const;
export type PayloadReason = (typeof PAYLOAD_REASONS)[number];

/** Broker policy (gateway/mqtt/policy.ts): publishes refused before any side effect. */
export type RefusalReason =
  | PayloadReason
  | 'topic-not-allowed'
  /** A sensor publishing on another sensor's topic. */
  | 'not-own-topic'
  /** A feed reader publishing anything. */
  | 'read-only'
  | 'not-authenticated'
  | 'sensor-mismatch'
  | 'retained-aggregate'
  /** Aggregates are QoS 1 only (MQTT contract v1); a QoS 0 aggregate from a sensor is a violation (gateway/ingest/rules.ts). */
  | 'qos0-aggregate';

/** Broker policy: connections refused at CONNECT (counted at /api/health as `broker.connectionsRefused`). */
export type ConnectRefusal =
  | 'anonymous'
  | 'bad-credentials'
  | 'rate-limited'
  | 'keepalive-out-of-range'
  | 'client-id-mismatch'
  | 'sensor-expired'
  | 'sensor-retired'
  | 'unknown-sensor'
  | 'will-not-allowed'
  | 'internal-error';

/** Ingest (gateway/ingest/ingest.ts): the second, independent check, plus what only ingest can know. */
export type RejectionReason =
  | PayloadReason
  | 'bad-topic'
  | 'sensor-mismatch'
  | 'unknown-sensor'
  | 'sensor-retired'
  | 'sensor-expired'
  | 'future-window'
  /** The exact aggregate of a window already stored (a QoS 1 redelivery): harmless, not a violation. */
  | 'duplicate'
  /** Violations of the registered rules (gateway/ingest/rules.ts): each suspends the sensor. */
  | Violation
  /** An aggregate from a suspended sensor (refused until an admin resumes it). */
  | 'sensor-suspended'
  /** The status reports another bundle, minimiser or expiry than the register holds (a swapped or rebuilt device). */
  | 'bundle-mismatch'
  | 'minimiser-mismatch'
  | 'expiry-mismatch'
  /** An aggregate from a sensor whose last status did not match the register: refused until one matches. */
  | 'identity-mismatch'
  /** A bug in the gateway, never the sender's fault; logged as an error. */
  | 'internal-error';

/**
 * Map the error list of `decodeSensorPayload` (shared/codec.ts, shared/payloads.ts) to one reason. The most basic
 * failure wins: an unreadable payload is `malformed-cbor` even if it is also too short to have keys.
 */
export function classifyPayloadErrors(errors: readonly string[]): PayloadReason {
  const has = (prefix: string) => errors.some((e) => e.startsWith(prefix));
  if (has('empty payload')) return 'empty-payload';
  if (has('payload too large')) return 'payload-too-large';
  if (has('not valid CBOR')) return 'malformed-cbor';
  if (has('not a CBOR map') || errors.some((e) => e.endsWith('must be a map/object'))) return 'not-a-map';
  if (has('unexpected key')) return 'unexpected-key';
  if (has('missing key')) return 'missing-key';
  return 'invalid-value';
}

/** Counts per reason; `snapshot()` is what /api/health shows. */
export class ReasonCounter<R extends string> {
  private readonly counts = new Map<R, number>();

  add(reason: R): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  get(reason: R): number {
    return this.counts.get(reason) ?? 0;
  }

  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
