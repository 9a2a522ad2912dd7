/**
 * Every contract by its published name: docs/schemas/{name}.json (written by `npm run schemas`, checked by
 * tests/shared/schemas.test.ts) and GET /schemas/{name}.json on the gateway (public, docs/PROTOCOL.md), so other
 * systems can validate what we send and what they send us. JSON Schema draft-07 (also valid 2019-09 / 2020-12).
 */
import type { TSchema } from '@sinclair/typebox';
import { CredentialRequestSchema, ReaderRequestSchema, RegisterSensorRequestSchema, ResumeRequestSchema, RetireRequestSchema, TransferRequestSchema, UpdateSensorRequestSchema } from './admin.ts';
import { GatewayOptionsSchema } from './gateway-options.ts';
import { ManifestSchema, SensorInfoSchema } from './manifest.ts';
import { AggregateSchema, StatusSchema } from './payloads.ts';

export const SCHEMAS = {
  aggregate: AggregateSchema,
  status: StatusSchema,
  manifest: ManifestSchema,
  'sensor-info': SensorInfoSchema,
  'gateway-options': GatewayOptionsSchema,
  'admin-register-sensor-request': RegisterSensorRequestSchema,
  'admin-update-sensor-request': UpdateSensorRequestSchema,
  'admin-transfer-request': TransferRequestSchema,
  'admin-retire-request': RetireRequestSchema,
  'admin-resume-request': ResumeRequestSchema,
  'admin-credential-request': CredentialRequestSchema,
  'admin-reader-request': ReaderRequestSchema,
} as const satisfies Record<string, TSchema>;

export type SchemaName = keyof typeof SCHEMAS;
export const SCHEMA_NAMES = Object.keys(SCHEMAS) as SchemaName[];

export function isSchemaName(x: unknown): x is SchemaName {
  return typeof x === 'string' && Object.hasOwn(SCHEMAS, x);
}

/** The published text of a schema: plain JSON (TypeBox's symbols dropped), `$id` relative to where it is served. */
export function schemaJson(name: SchemaName): string {
  const body = JSON.parse(JSON.stringify(SCHEMAS[name])) as Record<string, unknown>;
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', $id: `${name}.json`, ...body }, null, 2)}\n`;
}
