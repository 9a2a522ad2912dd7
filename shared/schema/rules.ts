/**
 * The bounds of every contract, written once (issue 12). The schemas (shared/schema/*.ts, published as JSON Schema in
 * docs/schemas/) are built from these, and so are the hand-written validators that keep their own wording
 * (shared/manifest.ts) or run per message (shared/payloads.ts). The minimiser's hard lower bounds stay in
 * shared/minimisation.ts (part of the audited minimiser sources) and are used from there.
 *
 * No schema library here: the firmware imports this module.
 */
import { MIN_GRANULARITY, MIN_K_FLOOR, MIN_WINDOW_SECONDS } from '../minimisation.ts';

export interface TextBounds {
  /** Least characters once leading and trailing white space is trimmed. */
  min: number;
  /** Most characters, as given. */
  max: number;
}

/** Free-text fields of the manifest and the register (principle III: what, why, by whom). */
export const TEXT = {
  ownerName: { min: 2, max: 200 },
  organisation: { min: 2, max: 200 },
  purpose: { min: 10, max: 1000 },
  legalGround: { min: 3, max: 500 },
  dpiaRef: { min: 2, max: 200 },
  locationDescription: { min: 3, max: 300 },
  boardModel: { min: 1, max: 200 },
} as const satisfies Record<string, TextBounds>;

export const LATITUDE = { min: -90, max: 90 } as const;
export const LONGITUDE = { min: -180, max: 180 } as const;
/** Monitored area, m² (> 0). */
export const AREA_M2_MAX = 1_000_000;
/** The zone polygon: 3–32 points, each coordinate within ±100 m of the sensor, mm. */
export const ZONE = { minPoints: 3, maxPoints: 32, maxAbsMm: 100_000 } as const;

/** Minimisation settings: the minimiser's lower bounds, and upper bounds past which a setting makes no sense. */
export const WINDOW_SECONDS = { min: MIN_WINDOW_SECONDS, max: 3600 } as const;
export const K_FLOOR = { min: MIN_K_FLOOR, max: 1000 } as const;
export const GRANULARITY = { min: MIN_GRANULARITY, max: 1000 } as const;
export const OUTPUT_MODES = ['level', 'level+count'] as const;

export const DRIVERS = ['ld2450', 'ti-people', 'ld2410', 'beam'] as const;
/** Drivers that report positions and therefore need a zone polygon. */
export const POSITION_DRIVERS: readonly (typeof DRIVERS)[number][] = ['ld2450', 'ti-people'];
/** Targets a bundle can be built for (`drukte provision --arch`): Node's process.arch x64 / arm64 / arm (ARMv7). */
export const ARCHES = ['arm64', 'armv7', 'x64'] as const;

/**
 * The firmware's heartbeat when the manifest names none: an unchanged result is re-published at least every 5
 * minutes (never more often than once per window). The register holds the value too, because the gateway's
 * freshness rule follows it: a sensor is fresh for its heartbeat plus one window (shared/freshness.ts).
 */
export const DEFAULT_HEARTBEAT_SECONDS = 300;
/** The longest heartbeat a manifest may set: a silent sensor must show as stale within the hour. */
export const MAX_HEARTBEAT_SECONDS = 3600;

/**
 * How long the gateway keeps a sensor's history (retention per purpose, GDPR art. 5(1)(e)): the manifest's
 * retentionDays within these bounds; without it DEFAULT_RETENTION_DAYS.
 */
export const RETENTION_DAYS = { min: 1, max: 3650 } as const;
export const DEFAULT_RETENTION_DAYS = 400;

/** URL schemes a manifest's registerUrl / gatewayUrl may use. */
export const URL_SCHEMES = ['http', 'https', 'mqtt', 'mqtts', 'ws', 'wss'] as const;

/** Payload bounds (protocol v1). */
export const SENSOR_STATES = ['starting', 'registering', 'expiring', 'expired', 'fault', 'offline'] as const;
export const UINT32_MAX = 0xffff_ffff;
export const MAX_COUNT = 1_000_000;
export const MAX_REASON_LENGTH = 160;
/** Unix seconds we accept at all: 2020-01-01 … 2100-01-01. */
export const UNIX_SECONDS = { min: 1_577_836_800, max: 4_102_444_800 } as const;

/** TCP ports: 0 = any free port. */
export const PORT = { min: 0, max: 65535 } as const;
/** An admin token must be at least this long (it is the only thing between the internet and the register). */
export const ADMIN_TOKEN = { min: 16, max: 256 } as const;

export function isText(x: unknown, b: TextBounds): x is string {
  return typeof x === 'string' && x.trim().length >= b.min && x.length <= b.max;
}

/**
 * The same rule as isText as a JSON Schema pattern (ECMA-262): at least `min` characters from the first to the last
 * non-space character. JavaScript's \s is exactly the set String.prototype.trim removes.
 */
export function textPattern(min: number): string {
  return min <= 1 ? '\\S' : `^\\s*\\S[\\s\\S]{${min - 2},}\\S\\s*$`;
}

export function isUrl(x: unknown): x is string {
  if (typeof x !== 'string') return false;
  try {
    return (URL_SCHEMES as readonly string[]).includes(new URL(x).protocol.slice(0, -1));
  } catch {
    return false;
  }
}

export function isIntIn(x: unknown, b: { min: number; max: number }): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= b.min && x <= b.max;
}
