/**
 * The public JSON API (open data, any origin; GET and HEAD only). Contract in docs/PROTOCOL.md.
 *
 *   /api/sensors                      list: id, owner, purpose, expiresAt, state, latest (exactly these keys)
 *   /api/sensors/{id}                 the register entry, machine-readable
 *   /api/sensors/{id}/history         the sensor's aggregates      ?from=&to= (Unix s or ISO 8601) &format=csv
 *   /api/areas                        every area: its sensors and its current density
 *   /api/areas/{id}/history           published area densities    ?from=&to= &format=csv
 *   /api/export/sensrnet|amsterdam    the register in other registers' shapes (gateway/http/exports.ts)
 *   /api/health                       counters
 */
import { DEFAULT_RETENTION_DAYS } from '../../shared/schema/rules.ts';
import type { Clock } from '../../shared/clock.ts';
import { LEVEL_LETTERS, type Level } from '../../shared/density.ts';
import type { AreaFeed } from '../ingest/areas.ts';
import { amsterdamExport, sensrnetExport } from './exports.ts';
import type { History } from '../store/history.ts';
import type { Ingest } from '../ingest/ingest.ts';
import { decodeId, jsonReply, OPEN_DATA_HEADERS, type Reply } from '../http-kit.ts';
import type { SensorView } from '../pages/format.ts';
import type { SensorRegister } from '../register.ts';
import type { SensorHealth } from '../ingest/sensor-health.ts';
import type { Views } from './views.ts';

/** The longest history range per request. */
export const MAX_HISTORY_RANGE_SECONDS = 31 * 86_400;

export interface PublicApiDeps {
  views: Views;
  register: SensorRegister;
  areas: AreaFeed;
  history: History;
  clock: Clock;
  health: () => Record<string, unknown>;
}

/** What the routes beyond the public API need (routes.ts). */
export interface RouteDeps extends PublicApiDeps {
  ingest: Ingest;
  sensorHealth: SensorHealth;
}

/** GET /api/sensors entry: exactly the contract fields. */
function listEntry(v: SensorView) {
  const { id, owner, purpose, expiresAt } = v.info;
  return { id, owner, purpose, expiresAt, retentionDays: v.info.retentionDays ?? DEFAULT_RETENTION_DAYS, state: v.state, latest: v.latest };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** GET /api/sensors/{id}: the public register entry. */
function detailEntry(v: SensorView, register: SensorRegister) {
  const transfers = register.audit(v.info.id).filter((a) => a.action === 'transfer');
  return {
    ...v.info,
    retentionDays: v.info.retentionDays ?? DEFAULT_RETENTION_DAYS,
    state: v.state,
    stale: v.stale,
    latest: v.latest,
    ageSeconds: v.ageSeconds,
    suspension: v.suspension ? { reason: v.suspension.reason, at: iso(v.suspension.at) } : null,
    register: { status: v.register, daysLeft: v.daysLeft, registeredAt: iso(v.registeredAt), lastSeen: iso(v.lastSeen), retiredAt: iso(v.retiredAt), retireReason: v.retireReason },
    reported: v.reported,
    ownerHistory: transfers.map((t) => ({ at: iso(t.at), from: t.fromOwner?.organisation ?? null, to: t.toOwner?.organisation ?? null })),
  };
}

type Range = { ok: true; from: number; to: number } | { ok: false; error: string };

function parseTime(raw: string | null): number | null | undefined {
  if (raw === null || raw === '') return undefined;
  if (/^\d{1,12}$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** ?from=&to= in Unix seconds or ISO 8601; default: the last 24 hours. */
export function parseRange(params: URLSearchParams, nowS: number): Range {
  const to = parseTime(params.get('to'));
  const from = parseTime(params.get('from'));
  if (to === null || from === null) return { ok: false, error: 'from and to must be Unix seconds or ISO 8601 times' };
  const end = to ?? nowS;
  const start = from ?? end - 86_400;
  if (start > end) return { ok: false, error: 'from must not be after to' };
  if (end - start > MAX_HISTORY_RANGE_SECONDS) return { ok: false, error: `at most ${MAX_HISTORY_RANGE_SECONDS / 86_400} days per request` };
  return { ok: true, from: start, to: end };
}

interface Row { from: number; to: number; level: Level; count: number | null }

function csv(name: string, header: string[], rows: Array<Array<string | number>>): Reply {
  const body = [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
  return { status: 200, type: 'text/csv; charset=utf-8', body, headers: { ...OPEN_DATA_HEADERS, 'Content-Disposition': `attachment; filename="${name}.csv"` } };
}

const timeCells = (r: Row) => [r.from, r.to, new Date(r.from * 1000).toISOString(), new Date(r.to * 1000).toISOString(), r.level, LEVEL_LETTERS[r.level], r.count ?? ''];
const TIME_HEADER = ['from', 'to', 'from_utc', 'to_utc', 'level', 'letter', 'count'];

export function publicApi(d: PublicApiDeps, url: URL): Reply | null {
  const [, api, first, second, third, ...rest] = url.pathname.split('/');
  if (api !== 'api' || rest.length) return null;
  const nowS = Math.floor(d.clock.now() / 1000);
  const asCsv = url.searchParams.get('format') === 'csv';

  if (first === 'health' && second === undefined) return jsonReply(200, d.health());
  if (first === 'sensors' && second === undefined) return jsonReply(200, d.views.all().map(listEntry));
  if (first === 'sensors') {
    const view = decodeId(second) ? d.views.one(decodeId(second)!) : null;
    if (!view) return jsonReply(404, { error: 'unknown sensor' });
    if (third === undefined) return jsonReply(200, detailEntry(view, d.register));
    if (third !== 'history') return jsonReply(404, { error: 'not found' });
    const range = parseRange(url.searchParams, nowS);
    if (!range.ok) return jsonReply(400, { error: range.error });
    const items = d.history.sensorHistory(view.info.id, range.from, range.to);
    if (asCsv) return csv(`${view.info.id}-history`, ['sensor', 'seq', ...TIME_HEADER], items.map((a) => [a.sensor, a.seq, ...timeCells(a)]));
    return jsonReply(200, { sensor: view.info.id, from: range.from, to: range.to, items });
  }
  if (first === 'areas' && second === undefined) {
    return jsonReply(200, d.areas.areaIds().map((id) => ({ area: id, sensors: d.areas.members(id).map((m) => m.id), density: d.areas.current(id) })));
  }
  if (first === 'areas' && third === 'history') {
    const id = decodeId(second);
    if (!id || !d.areas.areaIds().includes(id)) return jsonReply(404, { error: 'unknown area' });
    const range = parseRange(url.searchParams, nowS);
    if (!range.ok) return jsonReply(400, { error: range.error });
    const items = d.history.areaHistory(id, range.from, range.to);
    if (asCsv) return csv(`${id}-history`, ['area', ...TIME_HEADER, 'sensors'], items.map((a) => [a.area, ...timeCells(a), a.sensors.join(';')]));
    return jsonReply(200, { area: id, from: range.from, to: range.to, items });
  }
  if (first === 'export' && third === undefined && (second === 'sensrnet' || second === 'amsterdam')) {
    const records = d.register.records();
    return jsonReply(200, second === 'sensrnet' ? sensrnetExport(records, d.clock.now()) : amsterdamExport(records, d.clock.now()));
  }
  return jsonReply(404, { error: 'not found' });
}
