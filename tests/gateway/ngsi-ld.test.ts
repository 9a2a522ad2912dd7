/**
 * NGSI-LD CrowdFlowObserved (gateway/feeds/ngsi-ld.ts, ngsi-ld-push.ts): every entity the gateway serves or pushes is
 * validated against the published Smart Data Models schema (tests/fixtures/standards, CC-BY-4.0) with ajv
 * (JSON Schema 2020-12, formats on), offline: the schema's $refs resolve to the local common-schema copy. The
 * push goes to a real local HTTP server standing in for the context broker.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aggregateTopic } from '../../shared/topics.ts';
import { aggregate, encodeAggregate, sensorInfo, startTestGateway, T0S, type TestGateway } from './helpers.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'standards');
const load = (f: string) => JSON.parse(readFileSync(join(FIXTURES, f), 'utf8'));

const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true, loadSchema: () => Promise.reject(new Error('no network')) });
(addFormats as unknown as typeof addFormats.default)(ajv);
ajv.addSchema(load('common-schema.json'));
const validate = ajv.compile(load('CrowdFlowObserved.schema.json'));

/** Normalized → key values, as a context broker's ?options=keyValues would give (ETSI GS CIM 009, 4.5.4). */
function keyValues(e: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'id' || k === 'type') out[k] = v;
    else if (k === '@context') continue;
    else if (v.type === 'Relationship') out[k] = v.object;
    else if (v.type === 'Property' || v.type === 'GeoProperty') out[k] = v.value && typeof v.value === 'object' && '@value' in v.value ? v.value['@value'] : v.value;
    else throw new Error(`${k} is neither a Property, a GeoProperty nor a Relationship`);
  }
  return out;
}

const NEVER = ['averageHeadwayTime', 'averageCrowdSpeed', 'direction', 'peopleCountTowards', 'peopleCountAway', 'occupancy'];

function expectValid(entity: Record<string, unknown>) {
  const ok = validate(entity);
  expect(validate.errors ?? [], JSON.stringify(entity)).toEqual([]);
  expect(ok).toBe(true);
  for (const key of NEVER) expect(entity, key).not.toHaveProperty(key);
}

describe('the validator itself', () => {
  it('accepts the published example and rejects a broken entity (so a pass means something)', () => {
    const example = keyValues(load('CrowdFlowObserved.example-normalized.jsonld'));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, peopleCount: -1 })).toBe(false);
    expect(validate({ ...example, dateObservedFrom: 'yesterday' })).toBe(false); // formats are checked
    const { dateObserved: _, ...undated } = example;
    expect(validate(undated)).toBe(false);
  });
});

describe('NGSI-LD entities over HTTP', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway([
      sensorInfo('dam-noord', { areaId: 'dam' }),
      sensorInfo('dam-zuid', { areaId: 'dam', location: { lat: 52.3729, lon: 4.8926, description: 'Dam, south side' } }),
      sensorInfo('kiosk-level', { areaId: 'kiosk', output: 'level', driver: 'ld2410' }),
      sensorInfo('not-yet-seen'),
    ]);
    // Each passes the registered rules (gateway/ingest/rules.ts): 25 people on 12 m² is level E (4).
    expect(t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 1, { count: 25, level: 4 })), { qos: 1 })).toEqual({ ok: true });
    expect(t.gw.ingest.handle(aggregateTopic('dam-zuid'), encodeAggregate(aggregate('dam-zuid', 1, { count: null, level: 0 })), { qos: 1 })).toEqual({ ok: true });
    expect(t.gw.ingest.handle(aggregateTopic('kiosk-level'), encodeAggregate(aggregate('kiosk-level', 1, { count: null, level: 2 })), { qos: 1 })).toEqual({ ok: true });
  });
  afterAll(async () => {
    await t?.gw.stop();
  });

  it('serves one entity per sensor and area, each valid against the published schema in both forms', async () => {
    const res = await fetch(`${t.base}/ngsi-ld/v1/entities?type=CrowdFlowObserved&count=true`);
    expect(res.status).toBe(200);
    expect(res.headers.get('link')).toContain('rel="http://www.w3.org/ns/json-ld#context"');
    expect(res.headers.get('ngsild-results-count')).toBe('5');
    const normalized = (await res.json()) as Array<Record<string, any>>;
    expect(normalized.map((e) => e.id)).toEqual([
      'urn:ngsi-ld:CrowdFlowObserved:sensor:dam-noord', 'urn:ngsi-ld:CrowdFlowObserved:sensor:dam-zuid', 'urn:ngsi-ld:CrowdFlowObserved:sensor:kiosk-level',
      'urn:ngsi-ld:CrowdFlowObserved:area:dam', 'urn:ngsi-ld:CrowdFlowObserved:area:kiosk',
    ]);
    for (const e of normalized) expectValid(keyValues(e));
    const kv = (await (await fetch(`${t.base}/ngsi-ld/v1/entities?type=CrowdFlowObserved&options=keyValues`)).json()) as Array<Record<string, any>>;
    for (const e of kv) expectValid(e);
    expect(kv.map(keyValuesOf)).toEqual(normalized.map(keyValues).map(keyValuesOf));

    const [noord, zuid, kiosk, dam] = kv;
    expect(noord).toMatchObject({ peopleCount: 25, congested: true, densityLevel: 4, levelOfService: 'E', dateObserved: new Date(T0S * 1000).toISOString(), refDevice: 'urn:ngsi-ld:Device:dam-noord', location: { type: 'Point', coordinates: [4.8922, 52.3731] } });
    // Below the k floor: no peopleCount (never 0), "fewer than 5" as the documented extension.
    expect(zuid).not.toHaveProperty('peopleCount');
    expect(zuid).toMatchObject({ peopleCountBelow: 5, densityLevel: 0 });
    expect(kiosk).not.toHaveProperty('peopleCount');
    expect(kiosk).not.toHaveProperty('peopleCountBelow');
    // The area: no total (a member is below its k floor), its level, both members as devices.
    expect(dam).not.toHaveProperty('peopleCount');
    expect(dam).toMatchObject({ densityLevel: 4, refDevice: ['urn:ngsi-ld:Device:dam-noord', 'urn:ngsi-ld:Device:dam-zuid'], location: { type: 'MultiPoint' } });
    expect(normalized[0]!.refDevice).toEqual({ type: 'Relationship', object: 'urn:ngsi-ld:Device:dam-noord' });
  });

  it('serves one entity by id, the @context in the body for application/ld+json, and clear errors', async () => {
    const id = encodeURIComponent('urn:ngsi-ld:CrowdFlowObserved:area:dam');
    const res = await fetch(`${t.base}/ngsi-ld/v1/entities/${id}`, { headers: { Accept: 'application/ld+json' } });
    expect(res.headers.get('content-type')).toBe('application/ld+json');
    const body = (await res.json()) as Record<string, any>;
    expect(body['@context']).toContain('https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld');
    expectValid(keyValues(body));
    const missing = await fetch(`${t.base}/ngsi-ld/v1/entities/${encodeURIComponent('urn:ngsi-ld:CrowdFlowObserved:sensor:nobody')}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).type).toBe('https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
    const noType = await fetch(`${t.base}/ngsi-ld/v1/entities`);
    expect(noType.status).toBe(400);
    expect(((await noType.json()) as any).type).toBe('https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    expect((await fetch(`${t.base}/ngsi-ld/v1/entities?type=CrowdFlowObserved&limit=-1`)).status).toBe(400);
    expect(await (await fetch(`${t.base}/ngsi-ld/v1/entities?type=Building`)).json()).toEqual([]);
    const paged = (await (await fetch(`${t.base}/ngsi-ld/v1/entities?type=CrowdFlowObserved&limit=2&offset=2`)).json()) as any[];
    expect(paged.map((e: { id: string }) => e.id)).toEqual(['urn:ngsi-ld:CrowdFlowObserved:sensor:kiosk-level', 'urn:ngsi-ld:CrowdFlowObserved:area:dam']);
  });
});

const keyValuesOf = (e: Record<string, unknown>) => JSON.stringify(Object.entries(e).sort(([a], [b]) => a.localeCompare(b)));

describe('push to a context broker', () => {
  let t: TestGateway | null = null;
  let server: Server | null = null;
  afterEach(async () => {
    await t?.gw.stop();
    t = null;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
  });

  interface Received { path: string; type: string | undefined; tenant: string | undefined; body: Array<Record<string, any>> }

  /** A small context broker: records batch upserts; answers `status` (a function, so a test can flip it). */
  async function contextBroker(status: () => number): Promise<{ url: string; received: Received[] }> {
    const received: Received[] = [];
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const code = status();
        if (code < 300) received.push({ path: req.url ?? '', type: req.headers['content-type'], tenant: req.headers['ngsild-tenant'] as string | undefined, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(code).end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, received };
  }

  it('upserts the sensor and area entities after each aggregate, valid against the schema', async () => {
    const broker = await contextBroker(() => 204);
    t = await startTestGateway([sensorInfo('dam-noord', { areaId: 'dam' })], { ngsiLd: { brokerUrl: broker.url, tenant: 'gemeente' } });
    // 10 people on 12 m² is level D (3), as the registered rules require.
    expect(t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 1, { count: 10, level: 3 })), { qos: 1 })).toEqual({ ok: true });
    await expect.poll(() => broker.received.length).toBe(1);
    const [req] = broker.received;
    expect(req).toMatchObject({ path: '/ngsi-ld/v1/entityOperations/upsert', type: 'application/ld+json', tenant: 'gemeente' });
    expect(req!.body.map((e) => e.id)).toEqual(['urn:ngsi-ld:CrowdFlowObserved:sensor:dam-noord', 'urn:ngsi-ld:CrowdFlowObserved:area:dam']);
    for (const e of req!.body) {
      expect(e['@context']).toBeDefined();
      expectValid(keyValues(e));
    }
    expect(req!.body[0]!.peopleCount).toEqual({ type: 'Property', value: 10 });
  });

  it('keeps the latest entity while the broker refuses, and delivers it when it is back', async () => {
    let code = 503;
    const broker = await contextBroker(() => code);
    const pending: Array<() => void> = [];
    const timers = { setTimeout: (fn: () => void) => pending.push(fn), clearTimeout: () => undefined };
    t = await startTestGateway([sensorInfo('dam-noord', { areaId: 'dam' })], { ngsiLd: { brokerUrl: broker.url, timers } });
    expect(t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 1, { count: 10, level: 3 })), { qos: 1 })).toEqual({ ok: true });
    await expect.poll(() => t!.gw.ngsiLd!.stats().failed).toBe(1);
    // The next window on the grid; 15 people on 12 m² is level E (4).
    expect(t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 2, { count: 15, level: 4 })), { qos: 1 })).toEqual({ ok: true });
    await expect.poll(() => t!.gw.ngsiLd!.stats().failed).toBe(2);
    expect(t.gw.ngsiLd!.stats().waiting).toBe(2); // one sensor entity, one area entity: the newest of each
    code = 201;
    pending.shift()!();
    await expect.poll(() => broker.received.length).toBe(1);
    expect(broker.received[0]!.body.find((e) => e.id.endsWith('sensor:dam-noord'))!.peopleCount.value).toBe(15);
    expect(t.gw.ngsiLd!.stats()).toMatchObject({ waiting: 0, pushed: 2 });
    expect(t.logs.text()).toContain('NGSI-LD push failed');
  });

  it('refuses a broker URL that is not http(s) or holds credentials, at start', async () => {
    await expect(startTestGateway([sensorInfo('dam-noord')], { ngsiLd: { brokerUrl: 'ftp://x' } })).rejects.toThrow(/NGSI-LD broker/);
    await expect(startTestGateway([sensorInfo('dam-noord')], { ngsiLd: { brokerUrl: 'http://user:pw@x' } })).rejects.toThrow(/credentials/);
  });
});
