/**
 * Payload types and their strict runtime validation (protocol v1).
 *
 * The validators are allow-lists, generated from the published schemas (shared/schema/payloads.ts,
 * docs/schemas/aggregate.json and status.json) as code at build time (shared/generated/payload-checks.ts, so the
 * sensor loads no schema library): a payload with any key that is not in the contract, a wrong type or
 * an out-of-range value is refused. They are used twice, independently: by the sensor's encoder before anything is
 * written to the wire, and by the gateway before anything is passed on.
 */
import type { Level } from './density.ts';
import { AGGREGATE_CHECKER, STATUS_CHECKER, type PayloadChecker, type PayloadProperty } from './generated/payload-checks.ts';
import { REASON_PATTERN } from './patterns.ts';

export const PROTOCOL_VERSION = 1 as const;

/** The only thing a sensor ever publishes about what it measured. Exactly these 7 keys. */
export interface Aggregate {
  v: 1;
  sensor: string;
  /** Per-sensor sequence, +1 per aggregate, survives restarts (uint32). */
  seq: number;
  /** Window start, Unix seconds (inclusive). */
  from: number;
  /** Window end, Unix seconds (exclusive). */
  to: number;
  level: Level;
  /** Occupancy rounded down to the sensor's granularity; null below the k floor or for level-only sensors. */
  count: number | null;
}

export const AGGREGATE_KEYS = ['v', 'sensor', 'seq', 'from', 'to', 'level', 'count'] as const;

import { isIntIn, type SENSOR_STATES, UNIX_SECONDS } from './schema/rules.ts';

export { MAX_REASON_LENGTH, SENSOR_STATES, UINT32_MAX } from './schema/rules.ts';
export type SensorState = (typeof SENSOR_STATES)[number];

/** Retained sensor status; also the MQTT last will (state "offline"). */
export interface Status {
  v: 1;
  sensor: string;
  state: SensorState;
  /** YYYY-MM-DD, compiled into the firmware. */
  expiresAt: string;
  firmware: string;
  /** sha256 (hex) of the minimiser's sources. */
  minimiser: string;
  /** sha256 (hex) of the sensor's bundle. */
  bundle: string;
  /** Unix seconds since this state holds. */
  since: number;
  /** Short human-readable reason, never raw data. */
  reason?: string;
  /**
   * What the firmware found when it configured the radar (extension of contract v1, docs/PROTOCOL.md): its firmware
   * version, whether its Bluetooth is off (an LD2450 with Bluetooth on shows live positions to any phone), and
   * whether its own zone filter is set. Only for radars that report it.
   */
  radar?: RadarFacts;
  /**
   * How many persisted outbound entries the firmware found corrupt and set aside (extension of contract v1,
   * docs/PROTOCOL.md §0): a count only, so the register shows that data was lost to a damaged disk. Absent = 0.
   */
  corrupt?: number;
}

export interface RadarFacts {
  firmware: string;
  bluetooth: 'off' | 'on';
  zoneFilter: 'inside' | 'off';
}

export const STATUS_KEYS = ['v', 'sensor', 'state', 'expiresAt', 'firmware', 'minimiser', 'bundle', 'since', 'reason', 'radar', 'corrupt'] as const;
export const STATUS_REQUIRED_KEYS = STATUS_KEYS.filter((k) => k !== 'reason' && k !== 'radar' && k !== 'corrupt');

/** What the gateway publishes per area for the municipality's feeds (JSON, retained). */
export interface AreaDensity {
  v: 1;
  area: string;
  level: Level;
  count: number | null;
  from: number;
  to: number;
  sensors: string[];
}

/** The sensor → gateway contract as one typed map: publishing anything else does not compile. */
export interface SensorPayloads {
  aggregate: Aggregate;
  status: Status;
}
export type SensorPayloadKind = keyof SensorPayloads;

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

export { isIsoDate } from './patterns.ts';

/**
 * One strict payload validator per contract: the schema (shared/schema/payloads.ts), its check generated as code
 * (shared/generated/payload-checks.ts, `npm run schemas`); the good path is one generated check, the errors are
 * only worked out for a refused payload, in the order TypeBox's error iterator gives them (missing keys, unexpected
 * keys, then each key in schema order, one message per key). `more` adds the rules JSON Schema cannot say. The
 * messages start with what gateway/reasons.ts classifies: "unexpected key", "missing key", "… must be a
 * map/object"; an unknown key is named only when it is short and printable, since it could itself carry raw data.
 */
/**
 * A key holding an object with a key missing or one too many (Status.radar) is reported as a missing or unexpected
 * key under the top-level key's name: what TypeBox's error iterator, which these messages follow, says first.
 */
function nestedFault(p: PayloadProperty, value: unknown): string | null {
  if (!p.object || value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const own = Object.getOwnPropertyNames(value);
  if (p.object.required.some((k) => !own.includes(k))) return `missing key '${p.key}'`;
  if (p.object.closed && own.some((k) => !p.object!.keys.includes(k))) return `unexpected key ${/^[A-Za-z_]{1,24}$/.test(p.key) ? `'${p.key}'` : '(unprintable)'}`;
  return null;
}

function payloadValidator<T>(kind: string, checker: PayloadChecker, more: (x: Record<string, unknown>) => readonly string[]): (x: unknown) => Validation<T> {
  const known = new Set(checker.properties.map((p) => p.key));
  return (x) => {
    if (!isPlainObject(x)) return { ok: false, errors: [`${kind} must be a map/object`] };
    const extra = more(x);
    if (checker.check(x) && extra.length === 0) return { ok: true, value: x as T };
    const errors: string[] = [];
    const keys = new Set<string>();
    const add = (key: string, message: string) => {
      if (keys.has(key)) return;
      keys.add(key);
      errors.push(message);
    };
    const present = Object.getOwnPropertyNames(x);
    for (const p of checker.properties) if (p.required && !present.includes(p.key)) add(p.key, `missing key '${p.key}'`);
    for (const key of present) if (!known.has(key)) add(key, `unexpected key ${/^[A-Za-z_]{1,24}$/.test(key) ? `'${key}'` : '(unprintable)'}`);
    // An optional key set to undefined counts as absent (TypeBox's default policy, which the generated check follows).
    for (const p of checker.properties) if ((p.required || x[p.key] !== undefined) && !p.check(x[p.key])) add(p.key, nestedFault(p, x[p.key]) ?? `'${p.key}' must be ${p.description}`);
    return { ok: false, errors: [...errors, ...extra] };
  };
}

/** Strictly validate an Aggregate: exactly the 7 contract keys, each of the right type and range, `to` after `from`. */
// (The extra rules run for every message the gateway receives: no closure or array is made for a good payload.)
const NO_ERRORS: readonly string[] = Object.freeze([]);
export const validateAggregate = payloadValidator<Aggregate>('aggregate', AGGREGATE_CHECKER, (x) =>
  isIntIn(x.from, UNIX_SECONDS) && isIntIn(x.to, UNIX_SECONDS) && (x.to as number) <= (x.from as number) ? ["'to' must be after 'from'"] : NO_ERRORS);

/** Strictly validate a Status. */
const REASON_DESCRIPTION = STATUS_CHECKER.properties.find((p) => p.key === 'reason')!.description;
export const validateStatus = payloadValidator<Status>('status', STATUS_CHECKER, (x) =>
  typeof x.reason === 'string' && !REASON_PATTERN.test(x.reason) ? [`'reason' must be ${REASON_DESCRIPTION}`] : NO_ERRORS);

export const VALIDATORS: { [K in SensorPayloadKind]: (x: unknown) => Validation<SensorPayloads[K]> } = {
  aggregate: validateAggregate,
  status: validateStatus,
};
