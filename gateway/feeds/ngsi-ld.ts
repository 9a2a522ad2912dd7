/**
 * FIWARE NGSI-LD: the feeds as Smart Data Models `CrowdFlowObserved` entities (dataModel.Transportation), one per
 * sensor and one per area, read at GET /ngsi-ld/v1/entities and optionally pushed to a context broker
 * (ngsi-ld-push.ts). Field-by-field mapping in docs/FORMATS.md.
 *
 *   id              urn:ngsi-ld:CrowdFlowObserved:sensor:{id} / urn:ngsi-ld:CrowdFlowObserved:area:{id}
 *   dateObserved    end of the window (ISO 8601 UTC); dateObservedFrom / dateObservedTo: the window
 *   peopleCount     the published count; absent when there is none (below the k floor, level-only sensor, or an
 *                   area without a complete total) — never 0 for "fewer than k"
 *   congested       level E or F (Fruin: flow breaks down)
 *   location        the sensor's point; an area: the points of its members (MultiPoint)
 *   refDevice       Relationship to urn:ngsi-ld:Device:{sensor id} (an area: the sensors counted)
 *   name, description, dataProvider, source
 *   extensions      densityLevel (0–5), levelOfService (A–F), peopleCountBelow (k: "fewer than k people")
 *
 * Never filled: occupancy (the model's fraction of time a person occupied the walkway — not what a drukte sensor
 * measures), averageHeadwayTime, averageCrowdSpeed, direction, peopleCountTowards/Away: they describe individual
 * movement, which never leaves a sensor.
 *
 * Representations (ETSI GS CIM 009): normalized by default; `?options=keyValues` (or `simplified`) gives the
 * key-value form, which is what the Smart Data Models JSON Schema describes. With `Accept: application/ld+json`
 * the @context is in the body, otherwise in a Link header (clause 6.3.5).
 */
import { LEVEL_LETTERS } from '../../shared/density.ts';
import type { Aggregate, AreaDensity } from '../../shared/payloads.ts';
import { JSON_TYPE, OPEN_DATA_HEADERS, type Reply } from '../http-kit.ts';
import type { FeedDeps } from './deps.ts';
import type { SensorInfo } from '../register.ts';

export const NGSI_LD_CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld';
export const CROWDFLOW_CONTEXT = 'https://raw.githubusercontent.com/smart-data-models/dataModel.Transportation/master/context.jsonld';
export const CONTEXT = [CROWDFLOW_CONTEXT, NGSI_LD_CORE_CONTEXT];
export const ENTITY_TYPE = 'CrowdFlowObserved';
/** From level E on, pedestrian flow breaks down (Fruin): "congested". */
export const CONGESTED_FROM_LEVEL = 4;

const PREFIX = `urn:ngsi-ld:${ENTITY_TYPE}:`;
export const sensorEntityId = (id: string) => `${PREFIX}sensor:${id}`;
export const areaEntityId = (id: string) => `${PREFIX}area:${id}`;
export const deviceUrn = (id: string) => `urn:ngsi-ld:Device:${id}`;

/** Key-value form (what the Smart Data Models schema validates). */
export type KeyValues = Record<string, unknown> & { id: string; type: typeof ENTITY_TYPE };

const isoS = (s: number) => new Date(s * 1000).toISOString();

function observation(a: Pick<Aggregate, 'from' | 'to' | 'level' | 'count'>) {
  return {
    dateObserved: isoS(a.to),
    dateObservedFrom: isoS(a.from),
    dateObservedTo: isoS(a.to),
    ...(a.count !== null ? { peopleCount: a.count } : {}),
    congested: a.level >= CONGESTED_FROM_LEVEL,
    densityLevel: a.level,
    levelOfService: LEVEL_LETTERS[a.level],
  };
}

export function sensorEntity(info: SensorInfo, a: Aggregate): KeyValues {
  const belowK = a.count === null && a.level === 0 && info.output !== 'level';
  return {
    id: sensorEntityId(info.id),
    type: ENTITY_TYPE,
    name: info.id,
    description: info.purpose,
    dataProvider: info.owner.organisation,
    source: info.registerUrl,
    location: { type: 'Point', coordinates: [info.location.lon, info.location.lat] },
    ...observation(a),
    ...(belowK ? { peopleCountBelow: info.kFloor } : {}),
    refDevice: deviceUrn(info.id),
  };
}

export function areaEntity(d: AreaDensity, members: readonly SensorInfo[]): KeyValues {
  const counted = members.filter((m) => d.sensors.includes(m.id));
  return {
    id: areaEntityId(d.area),
    type: ENTITY_TYPE,
    name: d.area,
    description: `Area ${d.area}: the highest level of its sensors, and their total count when every sensor has a current count`,
    ...(counted[0] ? { dataProvider: counted[0].owner.organisation } : {}),
    location: { type: 'MultiPoint', coordinates: counted.map((m) => [m.location.lon, m.location.lat]) },
    ...observation(d),
    refDevice: d.sensors.map(deviceUrn),
  };
}

const DATE_KEYS = new Set(['dateObserved', 'dateObservedFrom', 'dateObservedTo']);

/** Key values → NGSI-LD normalized form (Property / GeoProperty / Relationship). */
export function normalize(e: KeyValues): Record<string, unknown> {
  const out: Record<string, unknown> = { id: e.id, type: e.type };
  for (const [k, v] of Object.entries(e)) {
    if (k === 'id' || k === 'type') continue;
    if (k === 'location') out[k] = { type: 'GeoProperty', value: v };
    else if (k === 'refDevice') out[k] = { type: 'Relationship', object: v };
    else if (DATE_KEYS.has(k)) out[k] = { type: 'Property', value: { '@type': 'DateTime', '@value': v } };
    else out[k] = { type: 'Property', value: v };
  }
  return out;
}

/** Every entity there is now: sensors with a latest aggregate, areas with a current or last published density. */
export function allEntities(d: FeedDeps): KeyValues[] {
  const out: KeyValues[] = [];
  for (const info of d.register.list()) {
    const a = d.ingest.latest(info.id).aggregate;
    if (a) out.push(sensorEntity(info, a));
  }
  const published = d.history.latestAreaDensities();
  for (const id of d.areas.areaIds()) {
    const density = d.areas.current(id) ?? published.get(id) ?? null;
    if (density) out.push(areaEntity(density, d.register.list().filter((s) => s.areaId === id)));
  }
  return out;
}

function problem(status: number, type: string, title: string, detail: string): Reply {
  return { status, type: 'application/json; charset=utf-8', body: `${JSON.stringify({ type: `https://uri.etsi.org/ngsi-ld/errors/${type}`, title, detail }, null, 2)}\n`, headers: OPEN_DATA_HEADERS };
}

const MAX_LIMIT = 1000;

/** GET /ngsi-ld/v1/entities[?type=&id=&options=&limit=&offset=] and GET /ngsi-ld/v1/entities/{id}. */
export function ngsiLdRoutes(d: FeedDeps, url: URL, accept = ''): Reply | null {
  const parts = url.pathname.split('/');
  if (parts[2] !== 'v1' || parts[3] !== 'entities' || parts.length > 5) return problem(404, 'ResourceNotFound', 'Not found', 'this gateway serves GET /ngsi-ld/v1/entities and /ngsi-ld/v1/entities/{id}');
  const options = (url.searchParams.get('options') ?? '').split(',');
  const keyValues = options.includes('keyValues') || options.includes('simplified');
  const ld = /application\/ld\+json/.test(accept);
  const shape = (e: KeyValues) => {
    const body: Record<string, unknown> = keyValues ? { ...e } : normalize(e);
    if (ld) body['@context'] = CONTEXT;
    return body;
  };
  const reply = (value: unknown): Reply => ({
    status: 200,
    type: ld ? 'application/ld+json' : JSON_TYPE,
    body: `${JSON.stringify(value, null, 2)}\n`,
    headers: { ...OPEN_DATA_HEADERS, ...(ld ? {} : { Link: `<${CROWDFLOW_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"` }) },
  });

  if (parts.length === 5 && parts[4] !== '') {
    let id: string;
    try {
      id = decodeURIComponent(parts[4]!);
    } catch {
      return problem(400, 'BadRequestData', 'Bad entity id', 'the entity id is not valid percent-encoding');
    }
    const e = allEntities(d).find((x) => x.id === id);
    return e ? reply(shape(e)) : problem(404, 'ResourceNotFound', 'Entity not found', `no entity ${id}`);
  }
  const type = url.searchParams.get('type');
  if (!type && !url.searchParams.get('id')) return problem(400, 'BadRequestData', 'Missing type', 'give ?type=CrowdFlowObserved (or ?id=…): clause 5.7.2 needs a type, id, attrs or q');
  const limit = Number(url.searchParams.get('limit') ?? 20);
  const offset = Number(url.searchParams.get('offset') ?? 0);
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT || !Number.isInteger(offset) || offset < 0) {
    return problem(400, 'BadRequestData', 'Bad limit or offset', `limit must be an integer 0–${MAX_LIMIT}, offset an integer ≥ 0`);
  }
  const ids = url.searchParams.get('id')?.split(',');
  const types = type?.split(',');
  const matching = allEntities(d).filter((e) => (!types || types.includes(e.type) || types.includes(`https://smartdatamodels.org/dataModel.Transportation/${ENTITY_TYPE}`)) && (!ids || ids.includes(e.id)));
  const page = matching.slice(offset, offset + limit).map(shape);
  const r = reply(page);
  if (url.searchParams.get('count') === 'true') r.headers = { ...r.headers, 'NGSILD-Results-Count': String(matching.length) };
  return r;
}
