/**
 * The SensorThings data model (OGC 18-088, clause 8) over what drukte already publishes: the register (Things,
 * Locations, HistoricalLocations, Sensors, FeaturesOfInterest) and the aggregates (Datastreams, Observations).
 * Nothing else: no positions, no raw data, no gateway-internal times. Mapping field by field in docs/FORMATS.md.
 *
 *   Thing               one per registered sensor, @iot.id = sensor id; properties = register fields
 *   Location            the sensor's point (application/geo+json)
 *   HistoricalLocation  one per Thing: placed at its location when it was registered
 *   Sensor              the device type and its register page (metadata), the minimiser hash
 *   ObservedProperty    'people-count' and 'density-level'
 *   Datastream          '{sensor}:count' (not for level-only sensors) and '{sensor}:level'
 *   FeatureOfInterest   the sensor's monitored zone (its point; the polygon stays on the sensor)
 *   Observation         '{sensor}:{count|level}:{seq}': phenomenonTime = the window, resultTime = its end;
 *                       below the k floor the count is null with parameters.fewerThan = k (never 0)
 */
import { LEVEL_LETTERS } from '../../../shared/density.ts';
import type { History } from '../../store/history.ts';
import type { SensorRecord } from '../../register.ts';
import { registerStatus } from '../../register.ts';
import { heartbeatOf } from '../../../shared/freshness.ts';
import type { CompareOp, FilterNode, OrderItem } from './query.ts';
import { StaError } from './query.ts';

export type EntitySet = 'Things' | 'Locations' | 'HistoricalLocations' | 'Sensors' | 'ObservedProperties' | 'Datastreams' | 'Observations' | 'FeaturesOfInterest';
export const ENTITY_SETS: readonly EntitySet[] = ['Things', 'Locations', 'HistoricalLocations', 'Datastreams', 'Sensors', 'Observations', 'ObservedProperties', 'FeaturesOfInterest'];

/** Navigation properties per entity set (clause 8.2): name → [target set, to-many]. */
export const NAVIGATION: Readonly<Record<EntitySet, Readonly<Record<string, readonly [EntitySet, boolean]>>>> = {
  Things: { Locations: ['Locations', true], HistoricalLocations: ['HistoricalLocations', true], Datastreams: ['Datastreams', true] },
  Locations: { Things: ['Things', true], HistoricalLocations: ['HistoricalLocations', true] },
  HistoricalLocations: { Thing: ['Things', false], Locations: ['Locations', true] },
  Datastreams: { Thing: ['Things', false], Sensor: ['Sensors', false], ObservedProperty: ['ObservedProperties', false], Observations: ['Observations', true] },
  Sensors: { Datastreams: ['Datastreams', true] },
  ObservedProperties: { Datastreams: ['Datastreams', true] },
  Observations: { Datastream: ['Datastreams', false], FeatureOfInterest: ['FeaturesOfInterest', false] },
  FeaturesOfInterest: { Observations: ['Observations', true] },
};

/** Properties holding times, per set (compared by the time rule of query.ts). */
export const TIME_PROPERTIES: Readonly<Record<EntitySet, ReadonlySet<string>>> = {
  Things: new Set(), Locations: new Set(), Sensors: new Set(), ObservedProperties: new Set(), FeaturesOfInterest: new Set(),
  HistoricalLocations: new Set(['time']),
  Datastreams: new Set(['phenomenonTime', 'resultTime']),
  Observations: new Set(['phenomenonTime', 'resultTime']),
};

const OM = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/';
const GEOJSON = 'application/geo+json';
type Kind = 'count' | 'level';

/** An entity without its control information (added by routes.ts). */
export type Entity = Record<string, unknown> & { '@iot.id': string };

const DRIVER_NAMES: Record<string, string> = {
  ld2450: 'mmWave radar HLK-LD2450', 'ti-people': 'mmWave radar, TI people counting', ld2410: 'presence radar HLK-LD2410', beam: 'two-beam light-barrier entrance counter',
};

const iso = (s: number) => new Date(s * 1000).toISOString();
const point = (r: SensorRecord) => ({ type: 'Point', coordinates: [r.info.location.lon, r.info.location.lat] });
export const kindsOf = (r: SensorRecord): Kind[] => (r.info.output === 'level' ? ['level'] : ['count', 'level']);

export const OBSERVED_PROPERTIES: readonly Entity[] = [
  { '@iot.id': 'people-count', name: 'People count', definition: 'urn:drukte:observed-property:people-count', description: 'People present in the monitored zone: the lower median of the per-frame counts over the window, rounded down to the sensor\'s granularity; below the k floor only "fewer than k".', properties: {} },
  { '@iot.id': 'density-level', name: 'Density level', definition: 'urn:drukte:observed-property:density-level', description: `Pedestrian level of service (Fruin) ${LEVEL_LETTERS.join(', ')} as 0–5, from people per m² in the monitored zone.`, properties: { letters: LEVEL_LETTERS } },
];

export function thing(r: SensorRecord, nowMs: number): Entity {
  const i = r.info;
  return {
    '@iot.id': i.id, name: i.id, description: i.purpose,
    properties: {
      owner: i.owner.organisation, legalGround: i.legalGround, dpiaRef: i.dpiaRef, expiresAt: i.expiresAt, registerUrl: i.registerUrl, status: registerStatus(r, nowMs),
      areaId: i.areaId ?? null, areaM2: i.area.m2, windowSeconds: i.windowSeconds ?? 60, heartbeatSeconds: heartbeatOf(i), kFloor: i.kFloor, granularity: i.granularity ?? 5, output: i.output ?? 'level+count',
    },
  };
}

export const location = (r: SensorRecord): Entity => ({ '@iot.id': r.info.id, name: r.info.location.description, description: `Where sensor ${r.info.id} hangs`, encodingType: GEOJSON, location: point(r) });
export const historicalLocation = (r: SensorRecord): Entity => ({ '@iot.id': r.info.id, time: new Date(r.registeredAt).toISOString() });
export const sensor = (r: SensorRecord): Entity => ({
  '@iot.id': r.info.id, name: DRIVER_NAMES[r.info.driver] ?? r.info.driver, description: `${DRIVER_NAMES[r.info.driver] ?? r.info.driver}; on-device minimisation to aggregates`, encodingType: 'text/html', metadata: r.info.registerUrl,
  properties: { driver: r.info.driver, minimiserHash: r.info.minimiserHash ?? null, bundleHash: r.info.bundleHash ?? null },
});
export const featureOfInterest = (r: SensorRecord): Entity => ({
  '@iot.id': r.info.id, name: r.info.location.description, description: `The zone sensor ${r.info.id} monitors (${r.info.area.m2} m²)`, encodingType: GEOJSON, feature: point(r),
});

export function datastream(r: SensorRecord, kind: Kind, span: Span | undefined): Entity {
  const i = r.info;
  const window = i.windowSeconds ?? 60;
  const common = { observedArea: point(r), ...(span ? { phenomenonTime: `${iso(span.from)}/${iso(span.to)}`, resultTime: `${iso(span.firstTo)}/${iso(span.to)}` } : {}), properties: { windowSeconds: window, kFloor: i.kFloor, granularity: i.granularity ?? 5 } };
  if (kind === 'count') {
    return {
      '@iot.id': `${i.id}:count`, name: `${i.id} people count`, description: `People in the zone per ${window} s window, rounded down to ${i.granularity ?? 5}; null below ${i.kFloor} (fewer than ${i.kFloor})`,
      unitOfMeasurement: { name: 'person', symbol: '{persons}', definition: 'http://unitsofmeasure.org/ucum.html#para-curly' }, observationType: `${OM}OM_CountObservation`, ...common,
    };
  }
  return {
    '@iot.id': `${i.id}:level`, name: `${i.id} density level`, description: `Fruin level of service per ${window} s window: 0 = ${LEVEL_LETTERS[0]} … 5 = ${LEVEL_LETTERS[5]}`,
    unitOfMeasurement: { name: 'level of service (0 = A … 5 = F)', symbol: 'LoS', definition: 'urn:drukte:observed-property:density-level' }, observationType: `${OM}OM_Observation`, ...common,
  };
}

export interface Span {
  from: number;
  firstTo: number;
  to: number;
}

/** Observations are rows of the aggregates table, once per datastream kind; queried in SQL. */
export interface ObservationRow {
  sensor_id: string;
  seq: number;
  from_s: number;
  to_s: number;
  level: number;
  count: number | null;
  kind: Kind;
  k_floor: number;
  output: string | null;
}

export function observation(row: ObservationRow): Entity {
  const below = row.kind === 'count' && row.count === null;
  return {
    '@iot.id': `${row.sensor_id}:${row.kind}:${row.seq}`,
    phenomenonTime: `${iso(row.from_s)}/${iso(row.to_s)}`,
    resultTime: iso(row.to_s),
    result: row.kind === 'level' ? row.level : row.count,
    ...(below ? { parameters: { fewerThan: row.k_floor } } : {}),
  };
}

/** Which observations: all, one sensor's, one datastream's, or one by id. */
export interface ObservationScope {
  sensorId?: string;
  kind?: Kind;
  seq?: number;
}

const BASE = `FROM aggregates a JOIN sensors s ON s.id = a.sensor_id
  JOIN (SELECT 'count' AS kind UNION ALL SELECT 'level') k ON (k.kind = 'level' OR COALESCE(s.output, 'level+count') = 'level+count')`;
const COLUMNS = 'a.sensor_id, a.seq, a.from_s, a.to_s, a.level, a.count, k.kind, s.k_floor, s.output';

/** $filter on Observations as SQL (the time rule of query.ts, in seconds). */
function filterSql(n: FilterNode, params: unknown[]): string {
  if (n.type === 'and' || n.type === 'or') return `(${filterSql(n.left, params)} ${n.type.toUpperCase()} ${filterSql(n.right, params)})`;
  if (n.type === 'not') return `(NOT ${filterSql(n.expr, params)})`;
  const { property, op, literal } = n;
  const SQL_OPS: Record<CompareOp, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };
  if (property === 'phenomenonTime' || property === 'resultTime') {
    if (literal.kind !== 'time') throw new StaError(400, `$filter: ${property} compares with a date-time such as 2025-06-01T12:00:00Z`);
    const t = literal.ms / 1000;
    if (property === 'resultTime') return (params.push(t), `a.to_s ${SQL_OPS[op]} ?`);
    if (op === 'eq' || op === 'ne') return (params.push(t, t), `(${op === 'ne' ? 'NOT ' : ''}(a.from_s = ? AND a.to_s = ?))`);
    if (op === 'lt' || op === 'le') return (params.push(t), 'a.to_s <= ?');
    return (params.push(t), `a.from_s ${SQL_OPS[op]} ?`);
  }
  if (property === 'result') {
    const value = "(CASE k.kind WHEN 'level' THEN a.level ELSE a.count END)";
    if (literal.kind === 'null') {
      if (op !== 'eq' && op !== 'ne') throw new StaError(400, '$filter: null can only be compared with eq or ne');
      return `${value} IS ${op === 'ne' ? 'NOT ' : ''}NULL`;
    }
    if (literal.kind !== 'number') throw new StaError(400, '$filter: result compares with a number');
    return (params.push(literal.value), op === 'ne' ? `(${value} IS NULL OR ${value} <> ?)` : `${value} ${SQL_OPS[op]} ?`);
  }
  throw new StaError(400, `$filter on Observations supports phenomenonTime, resultTime and result, not ${property}`);
}

const ORDER_COLUMNS: Record<string, string> = { phenomenonTime: 'a.from_s', resultTime: 'a.to_s', result: "(CASE k.kind WHEN 'level' THEN a.level ELSE a.count END)", '@iot.id': 'a.sensor_id' };

export class ObservationStore {
  constructor(private readonly history: History) {}

  private where(scope: ObservationScope, filter: FilterNode | null, params: unknown[]): string {
    const parts: string[] = [];
    if (scope.sensorId !== undefined) (parts.push('a.sensor_id = ?'), params.push(scope.sensorId));
    if (scope.kind !== undefined) (parts.push('k.kind = ?'), params.push(scope.kind));
    if (scope.seq !== undefined) (parts.push('a.seq = ?'), params.push(scope.seq));
    if (filter) parts.push(filterSql(filter, params));
    return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
  }

  count(scope: ObservationScope, filter: FilterNode | null): number {
    const params: unknown[] = [];
    const sql = `SELECT COUNT(*) AS n ${BASE} ${this.where(scope, filter, params)}`;
    this.history.flush();
    return (this.history.db.prepare(sql).get(...params) as { n: number }).n;
  }

  list(scope: ObservationScope, filter: FilterNode | null, orderby: readonly OrderItem[], limit: number, offset: number): ObservationRow[] {
    const params: unknown[] = [];
    const where = this.where(scope, filter, params);
    const order = orderby.map((o) => {
      const col = ORDER_COLUMNS[o.property];
      if (!col) throw new StaError(400, `$orderby on Observations supports ${Object.keys(ORDER_COLUMNS).join(', ')}, not ${o.property}`);
      return `${col} ${o.desc ? 'DESC' : 'ASC'}`;
    });
    // Stable paging: the id's parts break every tie.
    order.push('a.sensor_id ASC', 'k.kind ASC', 'a.seq ASC');
    params.push(limit, offset);
    this.history.flush(); // queued writes first (group commit)
    return this.history.db.prepare(`SELECT ${COLUMNS} ${BASE} ${where} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`).all(...params) as ObservationRow[];
  }

  /** First window start, first window end and last window end of a sensor's history (index lookups only). */
  span(sensorId: string): Span | undefined {
    this.history.flush();
    const db = this.history.db;
    const first = db.prepare('SELECT from_s, to_s FROM aggregates WHERE sensor_id = ? ORDER BY to_s ASC LIMIT 1').get(sensorId) as { from_s: number; to_s: number } | undefined;
    if (!first) return undefined;
    const last = db.prepare('SELECT to_s FROM aggregates WHERE sensor_id = ? ORDER BY to_s DESC LIMIT 1').get(sensorId) as { to_s: number };
    return { from: first.from_s, firstTo: first.to_s, to: last.to_s };
  }
}

/** Parse an Observation id '{sensor}:{kind}:{seq}'. */
export function parseObservationId(id: string): ObservationScope | null {
  const m = /^([a-z0-9-]{3,63}):(count|level):(\d{1,15})$/.exec(id);
  return m ? { sensorId: m[1]!, kind: m[2] as Kind, seq: Number(m[3]) } : null;
}

/** Parse a Datastream id '{sensor}:{kind}'. */
export function parseDatastreamId(id: string): { sensorId: string; kind: Kind } | null {
  const m = /^([a-z0-9-]{3,63}):(count|level)$/.exec(id);
  return m ? { sensorId: m[1]!, kind: m[2] as Kind } : null;
}
