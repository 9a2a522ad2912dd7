/**
 * The public routes beyond the register pages and /api (registered in http.ts with one hook, so they stay in their
 * own modules):
 *
 *   GET /areas, /areas/{id}               areas index and area pages (pages/areas.ts)
 *   GET /health                           operator's overview (pages/health.ts); JSON at /api/overview
 *   GET /api/sensors/{id}/chart           chart series (charts.ts)  ?range=24h|7d
 *   GET /api/areas/{id}/chart
 *   GET /static/uplot.js|uplot.css|charts.js|pages.css
 *   GET /sta/v1.1/…                       OGC SensorThings API 1.1, read-only (sta/)
 *   GET /ngsi-ld/v1/entities…             NGSI-LD CrowdFlowObserved entities (ngsi-ld.ts)
 */
import type { IncomingMessage } from 'node:http';
import type { RouteDeps } from './api.ts';
import { areaChart, parseChartRange, sensorChart } from './charts.ts';
import { decodeId, HTML, jsonReply, type Reply } from '../http-kit.ts';
import { ngsiLdRoutes } from '../feeds/ngsi-ld.ts';
import { overview } from '../pages/overview.ts';
import { areaPage, areasIndexPage, type AreaSummary } from '../pages/areas.ts';
import { CHARTS_JS, PAGES_CSS, uplotAssets } from '../pages/charts.ts';
import { healthPage } from '../pages/health.ts';
import { notFoundPage } from '../pages/layout.ts';
import { staRoutes } from '../feeds/sta/routes.ts';

// RouteDeps lives in api.ts beside PublicApiDeps, so ngsi-ld.ts and sta/routes.ts need not import this file.
export type { RouteDeps } from './api.ts';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

export function areaSummary(d: RouteDeps, id: string): AreaSummary {
  return { id, density: d.areas.current(id), members: d.areas.members(id).flatMap((m) => d.views.one(m.id) ?? []) };
}

/** The origin for absolute links (SensorThings selfLinks): the request's Host when it looks like a host name. */
export function requestOrigin(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host ?? '';
  const secure = 'encrypted' in req.socket && Boolean((req.socket as { encrypted?: boolean }).encrypted);
  return /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? `${secure ? 'https' : 'http'}://${host}` : fallback;
}

/** A reply for the routes above, or null when the path is not one of them. */
export function extraRoutes(d: RouteDeps, req: IncomingMessage, url: URL, origin: string): Reply | null {
  const path = url.pathname;
  const [, first, second, third, ...rest] = path.split('/');
  if (first === 'static') {
    if (path === '/static/uplot.js') return { status: 200, type: JS, body: uplotAssets().js };
    if (path === '/static/uplot.css') return { status: 200, type: CSS, body: uplotAssets().css };
    if (path === '/static/charts.js') return { status: 200, type: JS, body: CHARTS_JS };
    if (path === '/static/pages.css') return { status: 200, type: CSS, body: PAGES_CSS };
    return null;
  }
  if (first === 'sta') return staRoutes(d, url, origin);
  if (first === 'ngsi-ld') return ngsiLdRoutes(d, url, req.headers.accept ?? '');
  if (path === '/health') return { status: 200, type: HTML, body: healthPage(overview(d.views.all(), d.ingest, d.sensorHealth), d.clock.now()) };
  if (path === '/api/overview') return jsonReply(200, { at: new Date(d.clock.now()).toISOString(), sensors: overview(d.views.all(), d.ingest, d.sensorHealth) });
  if (first === 'areas' && rest.length === 0 && third === undefined) {
    if (second === undefined || second === '') return { status: 200, type: HTML, body: areasIndexPage(d.areas.areaIds().map((id) => areaSummary(d, id))) };
    const id = decodeId(second);
    if (!id || !d.areas.areaIds().includes(id)) return { status: 404, type: HTML, body: notFoundPage('Dit gebied bestaat niet. / This area does not exist.') };
    return { status: 200, type: HTML, body: areaPage(areaSummary(d, id)) };
  }
  if (first === 'api' && (second === 'sensors' || second === 'areas') && rest.length === 1 && rest[0] === 'chart') {
    const range = parseChartRange(url.searchParams.get('range'));
    if (!range) return jsonReply(400, { error: 'range must be 24h or 7d' });
    const id = decodeId(third);
    const nowS = Math.floor(d.clock.now() / 1000);
    if (second === 'sensors') {
      const info = id ? d.register.get(id) : undefined;
      if (!info) return jsonReply(404, { error: 'unknown sensor' });
      return jsonReply(200, { sensor: info.id, ...sensorChart(d.history, info, range, nowS) });
    }
    if (!id || !d.areas.areaIds().includes(id)) return jsonReply(404, { error: 'unknown area' });
    const members = d.register.list().filter((s) => s.areaId === id);
    return jsonReply(200, { area: id, ...areaChart(d.history, id, members, range, nowS) });
  }
  return null;
}
