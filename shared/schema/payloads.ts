/**
 * Aggregate and Status (protocol v1, docs/PROTOCOL.md) as schemas, for other systems to validate our payloads with.
 * The gateway and the sensor's encoder run the hand-written allow-lists in shared/payloads.ts (per message, no
 * allocation on the good path); tests/shared/schemas.test.ts checks on generated inputs that both say the same, with
 * the published JSON Schema run by Ajv. Not expressible here: `to` after `from` (checked by validateAggregate).
 */
import { Type, type Static } from '@sinclair/typebox';
import { HEX64_PATTERN, VERSION_PATTERN } from '../patterns.ts';
import { Id, IntIn, IsoDate } from './kit.ts';
import { MAX_COUNT, MAX_REASON_LENGTH, SENSOR_STATES, UINT32_MAX, UNIX_SECONDS } from './rules.ts';

const UnixSeconds = (description: string) => IntIn(UNIX_SECONDS, { description: `${description}, Unix seconds (2020–2100)` });
const closed = { additionalProperties: false } as const;

export const AggregateSchema = Type.Object({
  v: Type.Literal(1),
  sensor: Id({ description: 'the sensor id' }),
  seq: IntIn({ min: 0, max: UINT32_MAX }, { description: 'per-sensor sequence, +1 per aggregate (uint32)' }),
  from: UnixSeconds('window start (inclusive)'),
  to: UnixSeconds('window end (exclusive), after from'),
  level: IntIn({ min: 0, max: 5 }, { description: 'density level 0–5 (A–F; 0 below the k floor)' }),
  count: Type.Union([Type.Null(), IntIn({ min: 0, max: MAX_COUNT })], { description: "occupancy rounded down to the sensor's granularity; null below the k floor or for level-only sensors" }),
}, { ...closed, title: 'drukte aggregate (drukte/v1/sensors/{id}/aggregate, CBOR)' });

const Sha256 = (description: string) => Type.String({ pattern: HEX64_PATTERN.source, description });
const Version = (description: string) => Type.String({ pattern: VERSION_PATTERN.source, description });

export const StatusSchema = Type.Object({
  v: Type.Literal(1),
  sensor: Id(),
  state: Type.Union(SENSOR_STATES.map((s) => Type.Literal(s))),
  expiresAt: IsoDate({ description: 'compiled into the firmware' }),
  firmware: Version('firmware version'),
  minimiser: Sha256('sha256 (hex) of the minimiser sources'),
  bundle: Sha256("sha256 (hex) of the sensor's bundle"),
  since: UnixSeconds('since when this state holds'),
  reason: Type.Optional(Type.String({ maxLength: MAX_REASON_LENGTH, pattern: '^[\\p{L}\\p{N}\\p{P}\\p{Zs}]*$', description: 'short plain text, never raw data (pattern needs the u flag, as JSON Schema says)' })),
  radar: Type.Optional(Type.Object({
    firmware: Version('radar firmware version'),
    bluetooth: Type.Union([Type.Literal('off'), Type.Literal('on')]),
    zoneFilter: Type.Union([Type.Literal('inside'), Type.Literal('off')]),
  }, closed)),
  corrupt: Type.Optional(IntIn({ min: 0, max: UINT32_MAX }, { description: 'persisted entries found corrupt and set aside' })),
}, { ...closed, title: 'drukte status (drukte/v1/sensors/{id}/status, CBOR, retained)' });

export type AggregateJson = Static<typeof AggregateSchema>;
export type StatusJson = Static<typeof StatusSchema>;
