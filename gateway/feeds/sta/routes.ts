/**
 * OGC SensorThings API 1.1 Part 1: Sensing, read-only, at /sta/v1.1 (OGC 18-088). Resource paths (clause 9.2):
 *
 *   /sta/v1.1                                 service root: the entity sets and serverSettings.conformance
 *   /sta/v1.1/{Set}                           a collection          ?$filter $orderby $top $skip $count $select $expand
 *   /sta/v1.1/{Set}('{id}')                   one entity            ?$select $expand
 *   /sta/v1.1/{Set}('{id}')/{navigation}      related entity or collection (and further: /{navigation}('{id}')…)
 *   /sta/v1.1/{Set}('{id}')/{property}        {"property": value};  /{property}/$value: the raw value
 *   …/$ref                                    association links only: {"@iot.selfLink": …}
 *
 * Every entity carries @iot.id, @iot.selfLink and {navigation}@iot.navigationLink (clause 8.2); collections carry
 * @iot.count when asked and @iot.nextLink when there is more (clause 9.3.3.3: pages of $top, by default PAGE_SIZE,
 * at most MAX_PAGE per response). Write methods are refused by http.ts (405): this service is read-only.
 */
import { jsonReply, OPEN_DATA_HEADERS, TEXT, type Reply } from '../../http-kit.ts';
import type { FeedDeps } from '../deps.ts';
import type { SensorRecord } from '../../register.ts';
import {
  datastream, ENTITY_SETS, featureOfInterest, historicalLocation, kindsOf, location, NAVIGATION, OBSERVED_PROPERTIES, observation, ObservationStore,
  parseDatastreamId, parseObservationId, sensor, thing, TIME_PROPERTIES, type Entity, type EntitySet, type ObservationScope, type Span,
} from './model.ts';
import { evaluate, parseOptions, StaError, type QueryOptions } from './query.ts';

export const STA_PATH = '/sta/v1.1';
export const PAGE_SIZE = 100;
export const MAX_PAGE = 1000;
export const CONFORMANCE = [
  'http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities',
];

interface Ctx {
  records: SensorRecord[];
  nowMs: number;
  /** Datastream time spans, looked up once per request and sensor. */
  span(sensorId: string): Span | undefined;
  store: ObservationStore;
  root: string;
}

/** A collection to list: in-memory members matching `pred`, or observations in SQL. */
type Collection = { set: EntitySet; pred: (e: Entity) => boolean; scope?: ObservationScope };
type Target = { kind: 'collection'; c: Collection } | { kind: 'entity'; set: EntitySet; e: Entity | null };

const quote = (id: string) => `'${id.replace(/'/g, "''")}'`;

function listAll(set: EntitySet, ctx: Ctx): Entity[] {
  const rs = ctx.records;
  switch (set) {
    case 'Things': return rs.map((r) => thing(r, ctx.nowMs));
    case 'Locations': return rs.map(location);
    case 'HistoricalLocations': return rs.map(historicalLocation);
    case 'Sensors': return rs.map(sensor);
    case 'FeaturesOfInterest': return rs.map(featureOfInterest);
    case 'ObservedProperties': return [...OBSERVED_PROPERTIES];
    case 'Datastreams': return rs.flatMap((r) => kindsOf(r).map((k) => datastream(r, k, ctx.span(r.info.id))));
    case 'Observations': return []; // never listed in memory
  }
}

function findOne(set: EntitySet, id: string, ctx: Ctx): Entity | null {
  if (set === 'Observations') {
    const scope = parseObservationId(id);
    if (!scope) return null;
    const [row] = ctx.store.list(scope, null, [], 1, 0);
    return row ? observation(row) : null;
  }
  return listAll(set, ctx).find((e) => e['@iot.id'] === id) ?? null;
}

/** Where a navigation property leads from an entity (clause 8.2 relations). */
function navigate(set: EntitySet, e: Entity, nav: string, ctx: Ctx): Target {
  const target = NAVIGATION[set][nav];
  if (!target) throw new StaError(404, `${set} has no navigation property ${nav}`);
  const [to, many] = target;
  const id = e['@iot.id'];
  const sensorOf = set === 'Datastreams' ? parseDatastreamId(id)?.sensorId : set === 'Observations' ? parseObservationId(id)?.sensorId : id;
  if (!many) {
    let toId = sensorOf ?? '';
    if (set === 'Datastreams' && nav === 'ObservedProperty') toId = parseDatastreamId(id)?.kind === 'count' ? 'people-count' : 'density-level';
    if (set === 'Observations' && nav === 'Datastream') toId = id.split(':').slice(0, 2).join(':');
    return { kind: 'entity', set: to, e: findOne(to, toId, ctx) };
  }
  if (to === 'Observations') {
    const scope: ObservationScope = set === 'Datastreams' ? { ...parseDatastreamId(id)! } : { sensorId: id };
    return { kind: 'collection', c: { set: to, pred: () => true, scope } };
  }
  if (set === 'ObservedProperties') return { kind: 'collection', c: { set: to, pred: (x) => x['@iot.id'].endsWith(id === 'people-count' ? ':count' : ':level') } };
  if (to === 'Datastreams') return { kind: 'collection', c: { set: to, pred: (x) => x['@iot.id'].startsWith(`${id}:`) } };
  return { kind: 'collection', c: { set: to, pred: (x) => x['@iot.id'] === id } };
}

function selfLink(set: EntitySet, id: string, ctx: Ctx): string {
  return `${ctx.root}/${set}(${quote(id)})`;
}

/** An entity with its control information, expanded and selected as asked. */
function present(set: EntitySet, e: Entity, o: QueryOptions, ctx: Ctx): Record<string, unknown> {
  const self = selfLink(set, e['@iot.id'], ctx);
  const out: Record<string, unknown> = { '@iot.selfLink': self, ...e };
  for (const nav of Object.keys(NAVIGATION[set])) out[`${nav}@iot.navigationLink`] = `${self}/${nav}`;
  const expanded: string[] = [];
  for (const item of o.expand) {
    if (!NAVIGATION[set][item.name]) throw new StaError(400, `$expand: ${set} has no navigation property ${item.name}`);
    const t = navigate(set, e, item.name, ctx);
    expanded.push(item.name);
    if (t.kind === 'entity') out[item.name] = t.e ? present(t.set, t.e, item.options, ctx) : null;
    else {
      const page = collection(t.c, item.options, ctx, null);
      out[item.name] = page.value;
      if (page['@iot.count'] !== undefined) out[`${item.name}@iot.count`] = page['@iot.count'];
      if (page['@iot.nextLink']) out[`${item.name}@iot.nextLink`] = page['@iot.nextLink'];
    }
  }
  if (!o.select) return out;
  const picked: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out)) {
    const base = k.split('@iot.navigationLink')[0]!;
    if (o.select.includes(k) || (k.endsWith('@iot.navigationLink') && o.select.includes(base)) || expanded.includes(k) || expanded.some((x) => k.startsWith(`${x}@iot.`))) picked[k] = v;
  }
  return picked;
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return a < b ? -1 : 1;
}

/** A page of a collection: value, @iot.count, @iot.nextLink (nextUrl: the request URL, null inside $expand). */
function collection(c: Collection, o: QueryOptions, ctx: Ctx, nextUrl: URL | null): { value: unknown[]; '@iot.count'?: number; '@iot.nextLink'?: string } {
  const wanted = Math.min(o.top ?? PAGE_SIZE, MAX_PAGE);
  let page: Entity[];
  let more: boolean;
  let total: number | undefined;
  if (c.set === 'Observations') {
    const scope = c.scope ?? {};
    const rows = ctx.store.list(scope, o.filter, o.orderby, wanted + 1, o.skip);
    more = rows.length > wanted;
    page = rows.slice(0, wanted).map(observation);
    if (o.count) total = ctx.store.count(scope, o.filter);
  } else {
    let all = listAll(c.set, ctx).filter(c.pred);
    if (o.filter) all = all.filter((e) => evaluate(o.filter!, e, TIME_PROPERTIES[c.set]));
    if (o.orderby.length) {
      all = [...all].sort((a, b) => {
        for (const { property, desc } of o.orderby) {
          const r = compareValues(a[property], b[property]);
          if (r) return desc ? -r : r;
        }
        return 0;
      });
    }
    total = o.count ? all.length : undefined;
    page = all.slice(o.skip, o.skip + wanted);
    more = all.length > o.skip + wanted;
  }
  const out: { value: unknown[]; '@iot.count'?: number; '@iot.nextLink'?: string } = { value: page.map((e) => present(c.set, e, o, ctx)) };
  if (total !== undefined) out['@iot.count'] = total;
  // $top sets the page size: the next page has the same $top, after what this one held (as the standard's
  // example in 9.3.3.3 pages with $top=5&$skip=5).
  if (more && nextUrl) {
    const next = new URL(nextUrl.href);
    next.searchParams.set('$skip', String(o.skip + page.length));
    out['@iot.nextLink'] = `${ctx.root}${next.pathname.slice(STA_PATH.length)}${next.search}`;
  }
  return out;
}

const SEGMENT = /^([A-Za-z]+)(?:\((.*)\))?$/;

function parseKey(raw: string): string {
  const m = /^'((?:[^']|'')*)'$/.exec(raw);
  if (m) return m[1]!.replace(/''/g, "'");
  if (/^\d+$/.test(raw)) return raw;
  throw new StaError(400, `entity id ${raw} must be a quoted string, e.g. ('dam-noord')`);
}

function resolve(segments: string[], ctx: Ctx): { target: Target; rest: string[] } {
  const first = SEGMENT.exec(segments[0]!);
  if (!first || !(ENTITY_SETS as readonly string[]).includes(first[1]!)) throw new StaError(404, `no entity set ${segments[0]}; the sets are ${ENTITY_SETS.join(', ')}`);
  const set = first[1] as EntitySet;
  let target: Target = first[2] === undefined ? { kind: 'collection', c: { set, pred: () => true } } : { kind: 'entity', set, e: findOne(set, parseKey(first[2]), ctx) };
  let i = 1;
  for (; i < segments.length; i++) {
    const seg = segments[i]!;
    if (target.kind === 'entity' && !target.e) break;
    const m = SEGMENT.exec(seg);
    if (!m) break;
    if (target.kind === 'entity' && NAVIGATION[target.set][m[1]!]) {
      target = navigate(target.set, target.e!, m[1]!, ctx);
      if (m[2] !== undefined) {
        if (target.kind !== 'collection') throw new StaError(400, `${m[1]} is a single entity: no id after it`);
        const id = parseKey(m[2]);
        const c: Collection = target.c;
        const e = findOne(c.set, id, ctx);
        const belongs = e && (c.set === 'Observations' ? c.scope && Object.entries(c.scope).every(([k, v]) => (parseObservationId(id) as Record<string, unknown> | null)?.[k] === v) : c.pred(e));
        target = { kind: 'entity', set: c.set, e: belongs ? e : null };
      }
      continue;
    }
    break;
  }
  return { target, rest: segments.slice(i) };
}

function staError(err: unknown): Reply {
  if (err instanceof StaError) return jsonReply(err.status, { code: err.status, type: 'error', message: err.message });
  throw err;
}

export function staRoutes(d: FeedDeps, url: URL, origin: string): Reply | null {
  if (url.pathname !== STA_PATH && !url.pathname.startsWith(`${STA_PATH}/`)) {
    if (url.pathname === '/sta' || url.pathname === '/sta/') return jsonReply(404, { code: 404, type: 'error', message: `this server implements SensorThings API 1.1 at ${STA_PATH}` });
    return jsonReply(404, { code: 404, type: 'error', message: `unknown SensorThings version; use ${STA_PATH}` });
  }
  const root = `${origin}${STA_PATH}`;
  try {
    const segments = url.pathname.slice(STA_PATH.length).split('/').filter(Boolean).map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new StaError(400, 'the path is not valid percent-encoding');
      }
    });
    if (!segments.length) {
      return jsonReply(200, { value: ENTITY_SETS.map((name) => ({ name, url: `${root}/${name}` })), serverSettings: { conformance: CONFORMANCE } });
    }
    const store = new ObservationStore(d.history);
    const spans = new Map<string, Span | undefined>();
    const span = (id: string) => {
      if (!spans.has(id)) spans.set(id, store.span(id));
      return spans.get(id);
    };
    const ctx: Ctx = { records: d.register.records(), nowMs: d.clock.now(), span, store, root };
    const options = parseOptions(url.searchParams);
    const { target, rest } = resolve(segments, ctx);
    if (target.kind === 'entity' && !target.e) return jsonReply(404, { code: 404, type: 'error', message: 'no such entity' });
    if (rest.length === 0) {
      if (target.kind === 'entity') return jsonReply(200, present(target.set, target.e!, options, ctx));
      return jsonReply(200, collection(target.c, options, ctx, url));
    }
    if (rest.length === 1 && rest[0] === '$ref') {
      if (target.kind === 'entity') return jsonReply(200, { '@iot.selfLink': selfLink(target.set, target.e!['@iot.id'], ctx) });
      const page = collection(target.c, { ...options, select: ['@iot.selfLink'], expand: [] }, ctx, url);
      return jsonReply(200, { ...page, value: page.value.map((e) => ({ '@iot.selfLink': (e as Record<string, unknown>)['@iot.selfLink'] })) });
    }
    if (target.kind === 'entity' && rest.length <= 2 && (rest.length === 1 || rest[1] === '$value')) {
      const property = rest[0]!;
      if (!(property in target.e!) || property.startsWith('@')) return jsonReply(404, { code: 404, type: 'error', message: `${target.set} has no property ${property}` });
      const value = target.e![property];
      if (rest.length === 1) return jsonReply(200, { [property]: value });
      return { status: 200, type: TEXT, body: typeof value === 'string' ? value : JSON.stringify(value), headers: OPEN_DATA_HEADERS };
    }
    return jsonReply(404, { code: 404, type: 'error', message: `cannot resolve ${rest.join('/')}` });
  } catch (err) {
    return staError(err);
  }
}
