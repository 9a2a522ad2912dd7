/**
 * Sensor manifest: what a technician fills in (YAML or JSON). Validated once, every error reported at once, unknown
 * and retired keys refused by name. Defaults are applied only where the contract gives one.
 */
import { LEVEL_LETTERS, LEVEL_SCHEMES } from './density.ts';
import { levelBandWidths } from './level-bands.ts';
import { ARCHES, AREA_M2_MAX, DEFAULT_HEARTBEAT_SECONDS, DEFAULT_RETENTION_DAYS, DRIVERS, GRANULARITY, isIntIn, isText, isUrl, K_FLOOR, LATITUDE, LONGITUDE, MAX_HEARTBEAT_SECONDS, RETENTION_DAYS, TEXT, WINDOW_SECONDS, ZONE } from './schema/rules.ts';
import { EMAIL_PATTERN as EMAIL, isIsoDate, isValidId, PHONE_PATTERN } from './patterns.ts';
import { DEFAULT_MINIMISATION, type Minimisation, type PointMm } from './minimisation.ts';

export { DEFAULT_MINIMISATION, MIN_GRANULARITY, MIN_K_FLOOR, MIN_WINDOW_SECONDS, type Minimisation, type OutputMode, type PointMm } from './minimisation.ts';

export type DriverName = (typeof DRIVERS)[number];
/** Drivers that report positions and therefore need a zone polygon. */
export const POSITION_DRIVERS: readonly DriverName[] = ['ld2450', 'ti-people'];

export const MAX_EXPIRY_DAYS = 731; // "at most 2 years after provisioning", leap day included

export { ARCHES, DEFAULT_HEARTBEAT_SECONDS, DEFAULT_RETENTION_DAYS, DRIVERS, MAX_HEARTBEAT_SECONDS, RETENTION_DAYS } from './schema/rules.ts';

export interface Manifest {
  id: string;
  areaId?: string;
  driver: DriverName;
  owner: { name: string; organisation: string; email: string; phone?: string };
  purpose: string;
  legalGround: string;
  dpiaRef: string;
  location: { lat: number; lon: number; description: string };
  area: { m2: number; zone?: PointMm[] };
  levelScheme: string;
  minimisation: Minimisation;
  /** Re-publish an unchanged result at least this often, seconds (≥ the window; default DEFAULT_HEARTBEAT_SECONDS). */
  heartbeatSeconds?: number;
  /** The gateway deletes this sensor's history older than this many days (default DEFAULT_RETENTION_DAYS). */
  retentionDays?: number;
  expiresAt: string;
  registerUrl: string;
  gatewayUrl: string;
  /** Optional: the device the bundle is for; `drukte provision` warns when it builds for another architecture. */
  board?: Board;
}

export type Arch = (typeof ARCHES)[number];
export interface Board {
  arch: Arch;
  /** Free text for people, e.g. "Raspberry Pi 4, Raspberry Pi OS 64-bit". */
  model?: string;
}

export interface ManifestError {
  path: string;
  message: string;
}

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; errors: ManifestError[] };

const TOP_KEYS = ['id', 'areaId', 'driver', 'owner', 'purpose', 'legalGround', 'dpiaRef', 'location', 'area', 'levelScheme', 'minimisation', 'heartbeatSeconds', 'retentionDays', 'expiresAt', 'registerUrl', 'gatewayUrl', 'board'];
/** Keys that once existed or that people reach for, refused with a pointer to what to use instead. */
const RETIRED_KEYS: Record<string, string> = {
  expiry: "'expiry' is not a manifest key; use 'expiresAt: YYYY-MM-DD'",
  k: "'k' is not a manifest key; use 'minimisation.kFloor'",
  window: "'window' is not a manifest key; use 'minimisation.windowSeconds'",
  positions: 'publishing positions is not possible in drukte; remove this key',
};

function isObj(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}


/**
 * Validate a parsed manifest. `provisionedAt` (ms) bounds the expiry: not in the past, at most 2 years ahead.
 * Pass null to check the date's form only (e.g. replaying a recording with an expired sensor's manifest).
 */
export function validateManifest(input: unknown, provisionedAt: number | null): ManifestResult {
  const errors: ManifestError[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
  if (!isObj(input)) return { ok: false, errors: [{ path: '', message: 'the manifest must be a map of keys (YAML or JSON object)' }] };

  for (const key of Object.keys(input)) {
    if (RETIRED_KEYS[key]) err(key, RETIRED_KEYS[key]);
    else if (!TOP_KEYS.includes(key)) err(key, `unknown key '${key}'; allowed: ${TOP_KEYS.join(', ')}`);
  }

  if (!isValidId(input.id)) err('id', 'required: 3–63 characters of a-z, 0-9 and -, e.g. "dam-square-north"');
  if (input.areaId !== undefined && !isValidId(input.areaId)) err('areaId', 'must be an id like "dam-square"');
  const driver = input.driver;
  if (!(DRIVERS as readonly unknown[]).includes(driver)) err('driver', `required: one of ${DRIVERS.join(', ')}`);

  const owner = input.owner;
  if (!isObj(owner)) err('owner', 'required: the one reachable owner (name, organisation, email, optional phone)');
  else {
    for (const k of Object.keys(owner)) if (!['name', 'organisation', 'email', 'phone'].includes(k)) err(`owner.${k}`, 'unknown key');
    if (!isText(owner.name, TEXT.ownerName)) err('owner.name', 'required: the name of the responsible person or department');
    if (!isText(owner.organisation, TEXT.organisation)) err('owner.organisation', 'required: the organisation that owns the sensor');
    if (!(typeof owner.email === 'string' && EMAIL.test(owner.email))) err('owner.email', 'required: a reachable e-mail address');
    if (owner.phone !== undefined && !(typeof owner.phone === 'string' && PHONE_PATTERN.test(owner.phone))) err('owner.phone', 'must be a phone number like +31 20 123 4567');
  }
  if (!isText(input.purpose, TEXT.purpose)) err('purpose', 'required: why this sensor measures (at least 10 characters), e.g. "crowd safety on the square during events"');
  if (!isText(input.legalGround, TEXT.legalGround)) err('legalGround', 'required: the legal ground (e.g. "AVG art. 6(1)(e), Gemeentewet art. 172")');
  if (!isText(input.dpiaRef, TEXT.dpiaRef)) err('dpiaRef', 'required: the reference of the DPIA that covers this sensor');

  const loc = input.location;
  if (!isObj(loc)) err('location', 'required: lat, lon and a description');
  else {
    if (!(typeof loc.lat === 'number' && loc.lat >= LATITUDE.min && loc.lat <= LATITUDE.max)) err('location.lat', 'required: latitude in degrees (−90…90)');
    if (!(typeof loc.lon === 'number' && loc.lon >= LONGITUDE.min && loc.lon <= LONGITUDE.max)) err('location.lon', 'required: longitude in degrees (−180…180)');
    if (!isText(loc.description, TEXT.locationDescription)) err('location.description', 'required: where the sensor hangs, in words');
  }

  const area = input.area;
  let zone: PointMm[] | undefined;
  if (!isObj(area)) err('area', 'required: the monitored area (m2, and for radars the zone polygon in mm)');
  else {
    if (!(typeof area.m2 === 'number' && area.m2 > 0 && area.m2 <= AREA_M2_MAX)) err('area.m2', 'required: monitored area in square metres (> 0)');
    if (area.zone !== undefined || POSITION_DRIVERS.includes(driver as DriverName)) {
      if (!Array.isArray(area.zone) || area.zone.length < ZONE.minPoints || area.zone.length > ZONE.maxPoints) {
        err('area.zone', `${POSITION_DRIVERS.includes(driver as DriverName) ? 'required for this radar: ' : ''}a polygon of 3–32 [x, y] points in the sensor's coordinates, mm`);
      } else {
        zone = [];
        area.zone.forEach((p: unknown, i: number) => {
          if (Array.isArray(p) && p.length === 2 && p.every((c) => typeof c === 'number' && Number.isFinite(c) && Math.abs(c) <= ZONE.maxAbsMm)) zone!.push([p[0], p[1]]);
          else err(`area.zone[${i}]`, `must be [x, y] in mm (|value| ≤ ${ZONE.maxAbsMm})`);
        });
      }
    }
  }

  const levelScheme = input.levelScheme ?? 'fruin-walkway';
  if (typeof levelScheme !== 'string' || !LEVEL_SCHEMES[levelScheme]) err('levelScheme', `must be one of ${Object.keys(LEVEL_SCHEMES).join(', ')}`);

  const min = input.minimisation ?? {};
  const minimisation: Minimisation = { ...DEFAULT_MINIMISATION };
  if (!isObj(min)) err('minimisation', 'must be a map (windowSeconds, kFloor, granularity, output)');
  else {
    for (const k of Object.keys(min)) if (!['windowSeconds', 'kFloor', 'granularity', 'output'].includes(k)) err(`minimisation.${k}`, 'unknown key');
    const intIn = (key: 'windowSeconds' | 'kFloor' | 'granularity', b: { min: number; max: number }) => {
      const v = min[key];
      if (v === undefined) return;
      if (isIntIn(v, b)) minimisation[key] = v;
      else err(`minimisation.${key}`, `must be an integer from ${b.min} to ${b.max}`);
    };
    intIn('windowSeconds', WINDOW_SECONDS);
    intIn('kFloor', K_FLOOR);
    intIn('granularity', GRANULARITY);
    if (min.output !== undefined) {
      if (min.output === 'level' || min.output === 'level+count') minimisation.output = min.output;
      else err('minimisation.output', "must be 'level' or 'level+count'");
    }
  }
  if (driver === 'ld2410') minimisation.output = 'level'; // presence radar: level only (hardware minimisation)
  const hb = input.heartbeatSeconds;
  if (hb !== undefined && !(isIntIn(hb, { min: minimisation.windowSeconds, max: MAX_HEARTBEAT_SECONDS }))) {
    err('heartbeatSeconds', `must be an integer from the window (${minimisation.windowSeconds}) to ${MAX_HEARTBEAT_SECONDS}; leave it out for the default ${DEFAULT_HEARTBEAT_SECONDS}`);
  }
  const retention = input.retentionDays;
  if (retention !== undefined && !isIntIn(retention, RETENTION_DAYS)) {
    err('retentionDays', `must be an integer from ${RETENTION_DAYS.min} to ${RETENTION_DAYS.max} days; leave it out for the default ${DEFAULT_RETENTION_DAYS}`);
  }
  if (isObj(min) && !errors.some((e) => e.path.startsWith('minimisation'))) {
    for (const e of minimisationProblems(minimisation, isObj(area) && typeof area.m2 === 'number' && area.m2 > 0 ? area.m2 : null)) err(e.path, e.message);
  }

  const expiresAt = input.expiresAt instanceof Date ? input.expiresAt.toISOString().slice(0, 10) : input.expiresAt;
  if (!isIsoDate(expiresAt)) err('expiresAt', 'required: the date after which the sensor stops, YYYY-MM-DD');
  else if (provisionedAt !== null) {
    const expiry = Date.parse(`${expiresAt}T00:00:00Z`);
    const days = (expiry - provisionedAt) / 86_400_000;
    if (days <= 0) err('expiresAt', `${expiresAt} is not in the future`);
    else if (days > MAX_EXPIRY_DAYS) err('expiresAt', `${expiresAt} is more than 2 years after provisioning; choose a date before ${new Date(provisionedAt + MAX_EXPIRY_DAYS * 86_400_000).toISOString().slice(0, 10)}`);
  }
  if (!isUrl(input.registerUrl)) err('registerUrl', 'required: the public register URL printed under the sensor (http/https); `drukte provision --gateway URL` fills it in from the gateway');
  if (!isUrl(input.gatewayUrl)) err('gatewayUrl', 'required: the gateway broker URL, e.g. mqtts://gateway.example.nl:8883; `drukte provision --gateway URL` fills it in from the gateway');
  const board = input.board;
  if (board !== undefined) {
    if (!isObj(board) || !ARCHES.includes(board.arch as Arch)) err('board.arch', `must be one of ${ARCHES.join(', ')} (arm64: 64-bit Raspberry Pi OS; armv7: 32-bit)`);
    else if (Object.keys(board).some((k) => k !== 'arch' && k !== 'model')) err('board', "only 'arch' and 'model' are allowed");
    else if (board.model !== undefined && !isText(board.model, TEXT.boardModel)) err('board.model', 'must be a short text');
  }

  if (errors.length) return { ok: false, errors };
  const i = input as Record<string, any>;
  const manifest: Manifest = {
    id: i.id,
    ...(i.areaId ? { areaId: i.areaId } : {}),
    driver: i.driver,
    owner: { name: i.owner.name, organisation: i.owner.organisation, email: i.owner.email, ...(i.owner.phone ? { phone: i.owner.phone } : {}) },
    purpose: i.purpose.trim(),
    legalGround: i.legalGround.trim(),
    dpiaRef: i.dpiaRef.trim(),
    location: { lat: i.location.lat, lon: i.location.lon, description: i.location.description.trim() },
    area: { m2: i.area.m2, ...(zone ? { zone } : {}) },
    levelScheme: levelScheme as string,
    minimisation,
    ...(hb !== undefined ? { heartbeatSeconds: hb as number } : {}),
    ...(retention !== undefined ? { retentionDays: retention as number } : {}),
    expiresAt: expiresAt as string,
    registerUrl: i.registerUrl,
    gatewayUrl: i.gatewayUrl,
    ...(i.board ? { board: { arch: i.board.arch, ...(i.board.model ? { model: i.board.model.trim() } : {}) } } : {}),
  };
  return { ok: true, manifest };
}

/**
 * Minimisation settings that would make an aggregate say more than intended (issue 9, item 6):
 *
 * - granularity > k floor: rounding down would publish "0 people" for k … granularity−1 people (k 3, granularity 10:
 *   3–9 people shown as 0). The granularity must not exceed k.
 * - a level-only sensor whose area makes a level band hold fewer whole people (≥ k) than the granularity: the level
 *   alone would then pin the count down more finely than the granularity (on 10 m², level B means exactly 4 people).
 *   The gateway cannot check a level-only sensor's level against a count, so the band itself must be wide enough.
 */
export function minimisationProblems(m: Minimisation, areaM2: number | null): ManifestError[] {
  const out: ManifestError[] = [];
  if (m.granularity > m.kFloor) {
    out.push({ path: 'minimisation.granularity', message: `${m.granularity} is larger than the k floor (${m.kFloor}): ${m.kFloor}–${m.granularity - 1} people would be published as 0; choose a granularity ≤ ${m.kFloor}` });
  }
  if (m.output === 'level' && areaM2 !== null) {
    const widths = levelBandWidths({ areaM2, kFloor: m.kFloor });
    const narrow = widths.map((w, level) => ({ w, level })).filter(({ w, level }) => level > 0 && w > 0 && w < m.granularity);
    if (narrow.length) {
      const list = narrow.map(({ w, level }) => `${LEVEL_LETTERS[level]} = ${w} ${w === 1 ? 'person' : 'people'}`).join(', ');
      out.push({ path: 'area.m2', message: `on ${areaM2} m² a level says more than the granularity (${m.granularity}) allows: ${list}; choose a larger area, a smaller granularity or output level+count` });
    }
  }
  return out;
}

/** The most people a device can ever report in one frame (LD2450: 3 tracked targets; LD2410: presence only). */
export const DEVICE_MAX_PEOPLE: Readonly<Record<DriverName, number>> = { ld2450: 3, ld2410: 1, 'ti-people': 250, beam: Number.POSITIVE_INFINITY };

/** Settings that are allowed but useless: a k floor the device can never reach publishes nothing but level 0. */
export function minimisationWarnings(m: Manifest): string[] {
  const max = DEVICE_MAX_PEOPLE[m.driver];
  if (m.minimisation.kFloor <= max) return [];
  return [`minimisation.kFloor ${m.minimisation.kFloor} is higher than a ${m.driver} can ever count (at most ${max}): this sensor will only ever publish level 0, "fewer than ${m.minimisation.kFloor}"`];
}

export function formatManifestErrors(errors: ManifestError[]): string {
  return errors.map((e) => `  ✗ ${e.path || '(manifest)'}: ${e.message}`).join('\n');
}
