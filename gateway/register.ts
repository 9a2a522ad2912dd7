/**
 * The sensor register: what the gateway knows about each sensor it accepts data from (principle III: what is
 * measured, why, by whom, until when). Behind an interface so a SQLite register can replace the in-memory one.
 */
import { isIsoDate } from '../shared/payloads.ts';
import { DRIVERS, MIN_GRANULARITY, MIN_K_FLOOR, MIN_WINDOW_SECONDS, type Manifest, type OutputMode } from '../shared/manifest.ts';
import { isValidId } from '../shared/topics.ts';

/** A sensor as the register holds it: the public parts of its manifest. */
export type SensorInfo = Pick<Manifest, 'id' | 'driver' | 'owner' | 'purpose' | 'legalGround' | 'dpiaRef' | 'location' | 'expiresAt' | 'registerUrl'> & {
  areaId?: string;
  /** Monitored area; the zone polygon stays with the sensor. */
  area: { m2: number };
  /** Below this many people the sensor publishes `level: 0, count: null`. */
  kFloor: number;
  /** Aggregation window, seconds (default 60). */
  windowSeconds?: number;
  /** Counts are rounded down to multiples of this (default 5). */
  granularity?: number;
  /** `level` sensors never publish counts (default `level+count`). */
  output?: OutputMode;
};

export interface SensorRegister {
  get(id: string): SensorInfo | undefined;
  /** All sensors, ordered by id. */
  list(): SensorInfo[];
  /** Add or replace a sensor; throws InvalidSensorInfo listing every problem. */
  upsert(info: SensorInfo): void;
}

export class InvalidSensorInfo extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid sensor: ${errors.join('; ')}`);
    this.name = 'InvalidSensorInfo';
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const text = (x: unknown): x is string => typeof x === 'string' && x.trim().length > 0;

/** Every problem with a SensorInfo at once (empty list = fine). Mandatory per principles II and V. */
export function validateSensorInfo(info: SensorInfo): string[] {
  const errors: string[] = [];
  const i = info as Partial<SensorInfo> & Record<string, unknown>;
  const at = isValidId(i.id) ? `${i.id}: ` : '';
  const err = (m: string) => errors.push(at + m);
  if (!isValidId(i.id)) err(`id ${JSON.stringify(i.id)} must be 3–63 of a-z, 0-9 and '-'`);
  if (!(DRIVERS as readonly unknown[]).includes(i.driver)) err(`driver must be one of ${DRIVERS.join(', ')}`);
  if (!i.owner || !text(i.owner.name) || !text(i.owner.organisation)) err('owner needs a name and an organisation');
  else if (!(typeof i.owner.email === 'string' && EMAIL.test(i.owner.email))) err('owner needs a reachable e-mail address');
  if (!text(i.purpose)) err('purpose is required');
  if (!text(i.legalGround)) err('legalGround is required');
  if (!text(i.dpiaRef)) err('dpiaRef is required');
  if (!i.location || typeof i.location.lat !== 'number' || typeof i.location.lon !== 'number' || !text(i.location.description)) err('location needs lat, lon and a description');
  if (!i.area || !(typeof i.area.m2 === 'number' && i.area.m2 > 0)) err('area.m2 must be > 0');
  if (!isIsoDate(i.expiresAt)) err('expiresAt must be a date YYYY-MM-DD');
  if (!(Number.isInteger(i.kFloor) && (i.kFloor as number) >= MIN_K_FLOOR)) err(`kFloor must be an integer ≥ ${MIN_K_FLOOR}`);
  if (i.windowSeconds !== undefined && !(Number.isInteger(i.windowSeconds) && i.windowSeconds >= MIN_WINDOW_SECONDS)) err(`windowSeconds must be an integer ≥ ${MIN_WINDOW_SECONDS}`);
  if (i.granularity !== undefined && !(Number.isInteger(i.granularity) && i.granularity >= MIN_GRANULARITY)) err(`granularity must be an integer ≥ ${MIN_GRANULARITY}`);
  if (i.output !== undefined && i.output !== 'level' && i.output !== 'level+count') err("output must be 'level' or 'level+count'");
  if (!text(i.registerUrl)) err('registerUrl is required');
  return errors;
}

/** The register entry for a validated manifest. */
export function sensorInfoFromManifest(m: Manifest): SensorInfo {
  return {
    id: m.id,
    ...(m.areaId ? { areaId: m.areaId } : {}),
    driver: m.driver,
    owner: { ...m.owner },
    purpose: m.purpose,
    legalGround: m.legalGround,
    dpiaRef: m.dpiaRef,
    location: { ...m.location },
    area: { m2: m.area.m2 },
    expiresAt: m.expiresAt,
    registerUrl: m.registerUrl,
    kFloor: m.minimisation.kFloor,
    windowSeconds: m.minimisation.windowSeconds,
    granularity: m.minimisation.granularity,
    output: m.minimisation.output,
  };
}

/** First Unix second after the expiry day (UTC): the sensor stops at the end of `expiresAt`. */
export function expiryEndSeconds(info: Pick<SensorInfo, 'expiresAt'>): number {
  return Date.parse(`${info.expiresAt}T00:00:00Z`) / 1000 + 86_400;
}

/** Register held in memory: the walking skeleton's implementation, filled from start-up options. */
export class InMemorySensorRegister implements SensorRegister {
  private readonly sensors = new Map<string, SensorInfo>();

  constructor(initial: readonly SensorInfo[] = []) {
    for (const info of initial) this.upsert(info);
  }

  get(id: string): SensorInfo | undefined {
    const info = this.sensors.get(id);
    return info ? structuredClone(info) : undefined;
  }

  list(): SensorInfo[] {
    return [...this.sensors.keys()].sort().map((id) => structuredClone(this.sensors.get(id)!));
  }

  upsert(info: SensorInfo): void {
    const errors = validateSensorInfo(info);
    if (errors.length) throw new InvalidSensorInfo(errors);
    this.sensors.set(info.id, structuredClone(info));
  }
}
