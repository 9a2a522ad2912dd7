/**
 * The sensor manifest and the register's sensor info, as schemas. Each `description` is what a field must be, worded
 * to follow "required: " or "must be ": validateManifest (shared/manifest.ts) shows it as the error message, so the
 * published schema and `drukte provision` say the same thing. Sensor info is built from the manifest's own field
 * schemas, so the register can never accept what `drukte provision` refuses (issue 12: it used to skip the lat/lon
 * ranges, the owner-name length, area.m2 ≤ 1e6, windowSeconds ≤ 3600 and kFloor ≤ 1000).
 *
 * Cross-field rules are not JSON Schema: the zone polygon required for position radars, heartbeat ≥ window,
 * granularity ≤ k floor, level bands wide enough (shared/manifest.ts minimisationProblems) and the expiry bound.
 */
import { Type, type Static } from '@sinclair/typebox';
import { LEVEL_SCHEMES } from '../density.ts';
import { PHONE_PATTERN } from '../patterns.ts';
import { Email, Hex64, Id, IntIn, IsoDate, Text, Url } from './kit.ts';
import { ARCHES, AREA_M2_MAX, DRIVERS, POSITION_DRIVERS, GRANULARITY, DEFAULT_RETENTION_DAYS, MAX_HEARTBEAT_SECONDS, K_FLOOR, RETENTION_DAYS, LATITUDE, LONGITUDE, OUTPUT_MODES, TEXT, WINDOW_SECONDS, ZONE } from './rules.ts';


const closed = { additionalProperties: false } as const;

export const OwnerSchema = Type.Object({
  name: Text(TEXT.ownerName, { description: 'the name of the responsible person or department' }),
  organisation: Text(TEXT.organisation, { description: 'the organisation that owns the sensor' }),
  email: Email({ description: 'a reachable e-mail address' }),
  phone: Type.Optional(Type.String({ pattern: PHONE_PATTERN.source, description: 'a phone number like +31 20 123 4567' })),
}, { ...closed, description: 'the one reachable owner (name, organisation, email, optional phone)' });

export const LocationSchema = Type.Object({
  lat: Type.Number({ minimum: LATITUDE.min, maximum: LATITUDE.max, description: 'latitude in degrees (−90…90)' }),
  lon: Type.Number({ minimum: LONGITUDE.min, maximum: LONGITUDE.max, description: 'longitude in degrees (−180…180)' }),
  description: Text(TEXT.locationDescription, { description: 'where the sensor hangs, in words' }),
}, { ...closed, description: 'lat, lon and a description' });

const AreaM2 = Type.Number({ exclusiveMinimum: 0, maximum: AREA_M2_MAX, description: `monitored area in square metres (> 0, at most ${AREA_M2_MAX})` });
const Point = Type.Array(Type.Number({ minimum: -ZONE.maxAbsMm, maximum: ZONE.maxAbsMm }), { minItems: 2, maxItems: 2, description: `[x, y] in mm (|value| ≤ ${ZONE.maxAbsMm})` });
const intFrom = (b: { min: number; max: number }, what: string) => `an integer from ${b.min} to ${b.max} (${what})`;
const WindowSeconds = IntIn(WINDOW_SECONDS, { description: intFrom(WINDOW_SECONDS, 'the aggregation window, seconds') });
const KFloor = IntIn(K_FLOOR, { description: intFrom(K_FLOOR, 'below this many people only level 0 and no count are published') });
const Granularity = IntIn(GRANULARITY, { description: intFrom(GRANULARITY, 'counts are rounded down to multiples of this') });
const Output = Type.Union(OUTPUT_MODES.map((m) => Type.Literal(m)), { description: "'level' or 'level+count'" });
const HeartbeatSeconds = Type.Integer({ minimum: WINDOW_SECONDS.min, maximum: MAX_HEARTBEAT_SECONDS, description: `an integer from the window to ${MAX_HEARTBEAT_SECONDS}: an unchanged result is re-published at least this often, seconds` });
const RetentionDays = IntIn(RETENTION_DAYS, { description: `an integer from ${RETENTION_DAYS.min} to ${RETENTION_DAYS.max}: the gateway deletes history older than this many days (default ${DEFAULT_RETENTION_DAYS})` });
/** The zone polygon's words (also used for the cross-field rule: required for the position radars). */
export const ZONE_DESCRIPTION = `a polygon of ${ZONE.minPoints}–${ZONE.maxPoints} [x, y] points in the sensor's coordinates, mm`;
const ExpiresAt = IsoDate({ description: 'the date after which the sensor stops, YYYY-MM-DD (at most 2 years after provisioning)' });

export const MinimisationSchema = Type.Object({
  windowSeconds: Type.Optional(WindowSeconds),
  kFloor: Type.Optional(KFloor),
  granularity: Type.Optional(Granularity),
  output: Type.Optional(Output),
}, { ...closed, description: 'a map (windowSeconds, kFloor, granularity, output)' });

/** Who, what, why and where: the manifest's public fields, the register's too (principle III). */
const PUBLIC_FIELDS = {
  id: Id({ description: '3–63 characters of a-z, 0-9 and -, e.g. "dam-square-north"' }),
  areaId: Type.Optional(Id({ description: 'an id like "dam-square": the area this sensor counts for' })),
  driver: Type.Union(DRIVERS.map((d) => Type.Literal(d)), { description: `one of ${DRIVERS.join(', ')}` }),
  owner: OwnerSchema,
  purpose: Text(TEXT.purpose, { description: `why this sensor measures (at least ${TEXT.purpose.min} characters), e.g. "crowd safety on the square during events"` }),
  legalGround: Text(TEXT.legalGround, { description: 'the legal ground (e.g. "AVG art. 6(1)(e), Gemeentewet art. 172")' }),
  dpiaRef: Text(TEXT.dpiaRef, { description: 'the reference of the DPIA that covers this sensor' }),
  location: LocationSchema,
};

export const ManifestSchema = Type.Object({
  ...PUBLIC_FIELDS,
  area: Type.Object({
    m2: AreaM2,
    zone: Type.Optional(Type.Array(Point, { minItems: ZONE.minPoints, maxItems: ZONE.maxPoints, description: `${ZONE_DESCRIPTION} (required for ${POSITION_DRIVERS.join(' and ')})` })),
  }, { ...closed, description: 'the monitored area (m2, and for radars the zone polygon in mm)' }),
  // null: an empty YAML section (`minimisation:`), read as the defaults.
  levelScheme: Type.Optional(Type.Union([...Object.keys(LEVEL_SCHEMES).map((s) => Type.Literal(s)), Type.Null()], { default: 'fruin-walkway', description: `one of ${Object.keys(LEVEL_SCHEMES).join(', ')}` })),
  minimisation: Type.Optional(Type.Union([MinimisationSchema, Type.Null()], { description: MinimisationSchema.description })),
  heartbeatSeconds: Type.Optional(HeartbeatSeconds),
  retentionDays: Type.Optional(RetentionDays),
  expiresAt: ExpiresAt,
  registerUrl: Url({ description: 'the public register URL printed under the sensor (http/https)' }),
  gatewayUrl: Url({ description: 'the gateway broker URL, e.g. mqtts://gateway.example.nl:8883' }),
  board: Type.Optional(Type.Object({
    arch: Type.Union(ARCHES.map((a) => Type.Literal(a)), { description: `one of ${ARCHES.join(', ')} (arm64: 64-bit Raspberry Pi OS; armv7: 32-bit)` }),
    model: Type.Optional(Text(TEXT.boardModel, { description: 'a short text, e.g. "Raspberry Pi 4"' })),
  }, { ...closed, description: 'the device the bundle is for (arch, optional model)' })),
}, { ...closed, title: 'drukte sensor manifest' });

/** What the register holds per sensor: the public parts of the manifest, its minimisation flattened, the hashes. */
export const SensorInfoSchema = Type.Object({
  ...PUBLIC_FIELDS,
  area: Type.Object({ m2: AreaM2 }, closed),
  expiresAt: ExpiresAt,
  registerUrl: ManifestSchema.properties.registerUrl,
  kFloor: KFloor,
  windowSeconds: Type.Optional(WindowSeconds),
  heartbeatSeconds: Type.Optional(HeartbeatSeconds),
  retentionDays: Type.Optional(RetentionDays),
  granularity: Type.Optional(Granularity),
  output: Type.Optional(Output),
  minimiserHash: Type.Optional(Hex64({ description: 'sha256 (hex) of the minimiser sources in the bundle' })),
  bundleHash: Type.Optional(Hex64({ description: 'sha256 (hex) of the bundle' })),
}, { ...closed, title: 'drukte register entry (GET /api/sensors)' });

export type OwnerJson = Static<typeof OwnerSchema>;
export type SensorInfoJson = Static<typeof SensorInfoSchema>;
