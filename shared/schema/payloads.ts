/**
 * Aggregate and Status (protocol v1, docs/PROTOCOL.md) as schemas: what the sensor's encoder and the gateway check
 * (shared/payloads.ts, compiled), and what other systems can validate our payloads with. Each top-level
 * `description` reads after "'key' must be ": it is also the validator's message. Not expressible here: `to` after
 * `from`, and a plain object (no class instance); both are checked by shared/payloads.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { HEX64_PATTERN, REASON_PATTERN, VERSION_PATTERN } from '../patterns.ts';
import { Id, IntIn, IsoDate } from './kit.ts';
import { MAX_COUNT, MAX_REASON_LENGTH, SENSOR_STATES, UINT32_MAX, UNIX_SECONDS } from './rules.ts';

const UnixSeconds = (description: string) => IntIn(UNIX_SECONDS, { description: `integer Unix seconds (2020–2100): ${description}` });
const Uint32 = (description: string) => IntIn({ min: 0, max: UINT32_MAX }, { description: `a uint32: ${description}` });
const closed = { additionalProperties: false } as const;

export const AggregateSchema = Type.Object({
  v: Type.Literal(1, { description: '1 (the protocol version)' }),
  sensor: Id({ description: 'a sensor id (^[a-z0-9][a-z0-9-]{2,62}$)' }),
  seq: Uint32('the per-sensor sequence, +1 per aggregate'),
  from: UnixSeconds('the window start (inclusive)'),
  to: UnixSeconds("the window end (exclusive), after 'from'"),
  level: IntIn({ min: 0, max: 5 }, { description: 'an integer 0–5: the density level A–F (0 below the k floor)' }),
  count: Type.Union([Type.Null(), IntIn({ min: 0, max: MAX_COUNT })], { description: `null or an integer 0–${MAX_COUNT}: the occupancy rounded down to the sensor's granularity; null below the k floor or for level-only sensors` }),
}, { ...closed, title: 'drukte aggregate (drukte/v1/sensors/{id}/aggregate, CBOR)' });

const Sha256 = (description: string) => Type.String({ pattern: HEX64_PATTERN.source, description: `a sha256 hex digest: ${description}` });
const Version = (description: string) => Type.String({ pattern: VERSION_PATTERN.source, description: `a version string: ${description}` });

export const StatusSchema = Type.Object({
  v: Type.Literal(1, { description: '1 (the protocol version)' }),
  sensor: Id({ description: 'a sensor id' }),
  state: Type.Union(SENSOR_STATES.map((s) => Type.Literal(s)), { description: `one of ${SENSOR_STATES.join(', ')}` }),
  expiresAt: IsoDate({ description: 'a date YYYY-MM-DD, compiled into the firmware' }),
  firmware: Version('the firmware version'),
  minimiser: Sha256('of the minimiser sources'),
  bundle: Sha256("of the sensor's bundle"),
  since: UnixSeconds('since when this state holds'),
  reason: Type.Optional(Type.String({ maxLength: MAX_REASON_LENGTH, pattern: REASON_PATTERN.source, description: `short plain text (≤ ${MAX_REASON_LENGTH} characters), never raw data (the pattern needs the u flag, as JSON Schema says)` })),
  radar: Type.Optional(Type.Object({
    firmware: Version('the radar firmware version'),
    bluetooth: Type.Union([Type.Literal('off'), Type.Literal('on')]),
    zoneFilter: Type.Union([Type.Literal('inside'), Type.Literal('off')]),
  }, { ...closed, description: 'exactly { firmware, bluetooth: off|on, zoneFilter: inside|off }' })),
  corrupt: Type.Optional(Uint32('how many persisted entries were found corrupt and set aside')),
}, { ...closed, title: 'drukte status (drukte/v1/sensors/{id}/status, CBOR, retained)' });

export type AggregateJson = Static<typeof AggregateSchema>;
export type StatusJson = Static<typeof StatusSchema>;
