/**
 * Payload types and their strict runtime validation (protocol v1).
 *
 * The validators are allow-lists: a payload with any key that is not in the contract, a wrong type or an
 * out-of-range value is refused. They are used twice, independently: by the sensor's encoder before anything is
 * written to the wire, and by the gateway before anything is passed on.
 */
import { isLevel, type Level } from './density.ts';
import { HEX64_PATTERN as HEX64, isIsoDate, isValidId, VERSION_PATTERN } from './patterns.ts';

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

import { MAX_COUNT, MAX_REASON_LENGTH, SENSOR_STATES, UINT32_MAX, UNIX_SECONDS } from './schema/rules.ts';

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

const MIN_TIME = UNIX_SECONDS.min;
const MAX_TIME = UNIX_SECONDS.max;

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isUint(x: unknown, max = Number.MAX_SAFE_INTEGER): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max;
}

function isUnixSeconds(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= MIN_TIME && x <= MAX_TIME;
}

export { isIsoDate } from './patterns.ts';

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], required: readonly string[], errors: string[]): void {
  for (const key of Object.keys(obj)) {
    // Name the key only when it is short and printable: an unknown key could itself carry raw data.
    if (!allowed.includes(key)) errors.push(`unexpected key ${/^[A-Za-z_]{1,24}$/.test(key) ? `'${key}'` : '(unprintable)'}`);
  }
  for (const key of required) if (!(key in obj)) errors.push(`missing key '${key}'`);
}

/** Strictly validate an Aggregate: exactly the 7 contract keys, each of the right type and range. */
export function validateAggregate(x: unknown): Validation<Aggregate> {
  if (!isPlainObject(x)) return { ok: false, errors: ['aggregate must be a map/object'] };
  const errors: string[] = [];
  checkKeys(x, AGGREGATE_KEYS, AGGREGATE_KEYS, errors);
  if ('v' in x && x.v !== PROTOCOL_VERSION) errors.push(`'v' must be ${PROTOCOL_VERSION}`);
  if ('sensor' in x && !isValidId(x.sensor)) errors.push(`'sensor' must be a sensor id (^[a-z0-9][a-z0-9-]{2,62}$)`);
  if ('seq' in x && !isUint(x.seq, UINT32_MAX)) errors.push(`'seq' must be a uint32`);
  if ('from' in x && !isUnixSeconds(x.from)) errors.push(`'from' must be integer Unix seconds`);
  if ('to' in x && !isUnixSeconds(x.to)) errors.push(`'to' must be integer Unix seconds`);
  if (isUnixSeconds(x.from) && isUnixSeconds(x.to) && x.to <= x.from) errors.push(`'to' must be after 'from'`);
  if ('level' in x && !isLevel(x.level)) errors.push(`'level' must be an integer 0–5`);
  if ('count' in x && x.count !== null && !isUint(x.count, MAX_COUNT)) errors.push(`'count' must be null or an integer 0–${MAX_COUNT}`);
  return errors.length ? { ok: false, errors } : { ok: true, value: x as unknown as Aggregate };
}

/** Strictly validate a Status. */
export function validateStatus(x: unknown): Validation<Status> {
  if (!isPlainObject(x)) return { ok: false, errors: ['status must be a map/object'] };
  const errors: string[] = [];
  checkKeys(x, STATUS_KEYS, STATUS_REQUIRED_KEYS, errors);
  if ('v' in x && x.v !== PROTOCOL_VERSION) errors.push(`'v' must be ${PROTOCOL_VERSION}`);
  if ('sensor' in x && !isValidId(x.sensor)) errors.push(`'sensor' must be a sensor id`);
  if ('state' in x && !(SENSOR_STATES as readonly unknown[]).includes(x.state)) errors.push(`'state' must be one of ${SENSOR_STATES.join(', ')}`);
  if ('expiresAt' in x && !isIsoDate(x.expiresAt)) errors.push(`'expiresAt' must be a date YYYY-MM-DD`);
  if ('firmware' in x && !(typeof x.firmware === 'string' && VERSION_PATTERN.test(x.firmware))) errors.push(`'firmware' must be a version string`);
  if ('minimiser' in x && !(typeof x.minimiser === 'string' && HEX64.test(x.minimiser))) errors.push(`'minimiser' must be a sha256 hex digest`);
  if ('bundle' in x && !(typeof x.bundle === 'string' && HEX64.test(x.bundle))) errors.push(`'bundle' must be a sha256 hex digest`);
  if ('since' in x && !isUnixSeconds(x.since)) errors.push(`'since' must be integer Unix seconds`);
  if ('reason' in x && !(typeof x.reason === 'string' && x.reason.length <= MAX_REASON_LENGTH && /^[\p{L}\p{N}\p{P}\p{Zs}]*$/u.test(x.reason))) {
    errors.push(`'reason' must be short plain text (≤ ${MAX_REASON_LENGTH} characters)`);
  }
  if ('radar' in x) {
    const r = x.radar;
    const ok = isPlainObject(r) && Object.keys(r).length === 3
      && typeof r.firmware === 'string' && VERSION_PATTERN.test(r.firmware)
      && (r.bluetooth === 'off' || r.bluetooth === 'on') && (r.zoneFilter === 'inside' || r.zoneFilter === 'off');
    if (!ok) errors.push(`'radar' must be exactly { firmware, bluetooth: off|on, zoneFilter: inside|off }`);
  }
  if ('corrupt' in x && !isUint(x.corrupt, UINT32_MAX)) errors.push(`'corrupt' must be a uint32 count`);
  return errors.length ? { ok: false, errors } : { ok: true, value: x as unknown as Status };
}

export const VALIDATORS: { [K in SensorPayloadKind]: (x: unknown) => Validation<SensorPayloads[K]> } = {
  aggregate: validateAggregate,
  status: validateStatus,
};
