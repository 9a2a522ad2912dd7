/**
 * GET /schemas/{name}.json: the JSON Schemas of our contracts (shared/schema/index.ts, the same text as
 * docs/schemas/), public and open to other origins, so other municipalities' systems can validate our payloads;
 * GET /schemas/ lists them. Built once, at first request.
 */
import { isSchemaName, SCHEMA_NAMES, schemaJson } from '../../shared/schema/index.ts';
import { jsonReply, OPEN_DATA_HEADERS, type Reply } from '../http-kit.ts';

const cache = new Map<string, string>();

export function schemaReply(file: string | undefined): Reply {
  if (file === undefined || file === '') return jsonReply(200, { schemas: SCHEMA_NAMES.map((n) => `/schemas/${n}.json`) });
  const name = file.endsWith('.json') ? file.slice(0, -5) : '';
  if (!isSchemaName(name)) return jsonReply(404, { error: 'no such schema', schemas: SCHEMA_NAMES.map((n) => `/schemas/${n}.json`) });
  let body = cache.get(name);
  if (body === undefined) cache.set(name, (body = schemaJson(name)));
  return { status: 200, type: 'application/schema+json', body, headers: { ...OPEN_DATA_HEADERS, 'Cache-Control': 'public, max-age=3600' } };
}
