/**
 * GET /areas — every area with its density now; GET /areas/{id} — one area: its density now, its members and which
 * of them are missing (no current aggregate), the charts of the last 24 hours and 7 days, and the data links.
 * The density is the rule of gateway/ingest/areas.ts (docs/PROTOCOL.md, "Area densities"), computed at request time.
 */
import { LEVEL_LABELS, LEVEL_LETTERS } from '../../shared/density.ts';
import type { AreaDensity } from '../../shared/payloads.ts';
import { CHART_PAGE_ASSETS, chartSection, smallChart } from './charts.ts';
import { describeReading, DOWN_STATES, formatDateTime, stateText, type SensorView } from './format.ts';
import { header, html, page, type Html } from './layout.ts';

export interface AreaSummary {
  id: string;
  density: AreaDensity | null;
  /** The members counted in the area (registered, not retired, not expired), by id. */
  members: SensorView[];
}

/** Members that are not in the density: no current aggregate. */
export function missingMembers(a: AreaSummary): SensorView[] {
  const counted = new Set(a.density?.sensors ?? []);
  return a.members.filter((m) => !counted.has(m.info.id));
}

function densityText(a: AreaSummary): Html {
  const d = a.density;
  if (!d) return html`<span class="muted">geen actuele meting / no current data</span>`;
  const label = html`<span class="badge level-${d.level}">${LEVEL_LETTERS[d.level]}</span> ${LEVEL_LABELS.nl[d.level] ?? ''} <span class="en">/ ${LEVEL_LABELS.en[d.level] ?? ''}</span>`;
  if (d.count !== null) return html`${label} · <strong>${d.count}</strong> ${d.count === 1 ? 'persoon / person' : 'mensen / people'}`;
  return html`${label} · <span class="muted">geen totaal: een sensor ontbreekt, telt niet of zit onder zijn k-drempel / no total: a sensor is missing, counts no people or is below its k floor</span>`;
}

export function areasIndexPage(areas: readonly AreaSummary[]): string {
  return page(
    { title: 'Gebieden / Areas · drukte', ...CHART_PAGE_ASSETS },
    html`${header()}<main class="page">
<h1>Gebieden <span class="en">/ Areas</span></h1>
<p>Een gebied combineert de sensoren die er staan: het hoogste niveau, en het totaal als elke sensor een actueel aantal heeft.
<span class="en">An area combines its sensors: the highest level, and the total when every sensor has a current count.</span></p>
${areas.length ? html`<table class="grid" id="areas">
<thead><tr><th>Gebied <span class="en">/ Area</span></th><th>Nu <span class="en">/ Now</span></th><th>Sensoren <span class="en">/ Sensors</span></th><th>Ontbreekt <span class="en">/ Missing</span></th></tr></thead>
<tbody>${areas.map((a) => {
      const missing = missingMembers(a);
      return html`<tr data-area="${a.id}"><td><a href="/areas/${encodeURIComponent(a.id)}">${a.id}</a></td><td>${densityText(a)}</td><td>${a.members.length}</td><td class="${missing.length ? 'state-down' : ''}">${missing.length ? missing.map((m, i) => html`${i ? ', ' : ''}${m.info.id}`) : '–'}</td></tr>`;
    })}</tbody></table>
<h2>Verloop <span class="en">/ History</span></h2>
${areas.map((a) => smallChart('areas', a.id, true))}` : html`<p id="empty">Geen gebieden in het register. <span class="en">No areas in the register.</span></p>`}
<p class="muted">Open data: <a href="/api/areas">/api/areas</a> (JSON) · <a href="/ngsi-ld/v1/entities?type=CrowdFlowObserved">NGSI-LD</a> · <a href="/sta/v1.1">SensorThings API</a> · <a href="/health">Overzicht / Overview</a> · <a href="/">Sensoren / Sensors</a></p>
</main>`,
  );
}

function memberRow(m: SensorView, counted: boolean): Html {
  const reading = m.latest ? describeReading(m.latest, m.info) : null;
  const path = encodeURIComponent(m.info.id);
  return html`<tr data-sensor="${m.info.id}" data-counted="${counted ? 'yes' : 'no'}">
<td><a href="/sensors/${path}">${m.info.id}</a><br><span class="muted">${m.info.location.description}</span></td>
<td class="${DOWN_STATES.includes(m.state) ? 'state-down' : ''}">${stateText(m.state)}</td>
<td>${counted ? html`<span class="ok">✓ meegeteld / counted</span>` : html`<span class="state-down">✗ ontbreekt / missing</span><br><span class="muted">geen actuele meting / no current data</span>`}</td>
<td>${reading && m.latest ? html`<span class="badge level-${reading.level}">${reading.letter}</span> ${reading.nl} <span class="en">/ ${reading.en}</span><br><span class="muted">${formatDateTime(m.latest.to)}</span>` : html`<span class="muted">nog geen meting / no measurement yet</span>`}</td>
</tr>`;
}

export function areaPage(a: AreaSummary): string {
  const counted = new Set(a.density?.sensors ?? []);
  const path = encodeURIComponent(a.id);
  const missing = missingMembers(a);
  return page(
    { title: `Gebied ${a.id} · drukte`, ...CHART_PAGE_ASSETS },
    html`${header()}<main class="page">
<h1>Gebied <span class="en">/ Area</span> ${a.id}</h1>
<p id="density"><strong>Nu <span class="en">/ Now</span>:</strong> ${densityText(a)}${a.density ? html` <span class="muted">(${formatDateTime(a.density.from)} – ${formatDateTime(a.density.to)})</span>` : ''}</p>
${missing.length ? html`<p class="banner warn" role="status" id="missing">Ontbreekt <span class="en">/ Missing</span>: ${missing.map((m, i) => html`${i ? ', ' : ''}<a href="/sensors/${encodeURIComponent(m.info.id)}">${m.info.id}</a>`)}</p>` : ''}
<h2>Sensoren <span class="en">/ Sensors</span></h2>
${a.members.length ? html`<table class="grid" id="members"><thead><tr><th>Sensor</th><th>Status</th><th>In het totaal <span class="en">/ In the total</span></th><th>Laatste meting <span class="en">/ Latest</span></th></tr></thead>
<tbody>${a.members.map((m) => memberRow(m, counted.has(m.info.id)))}</tbody></table>` : html`<p class="muted">Geen actieve sensoren. <span class="en">No active sensors.</span></p>`}
${chartSection('areas', a.id, true)}
<p><a href="/api/areas">JSON (alle gebieden / all areas)</a> · <a href="/api/areas/${path}/history">JSON</a> · <a href="/api/areas/${path}/history?format=csv">CSV</a> ·
<a href="/ngsi-ld/v1/entities/${encodeURIComponent(`urn:ngsi-ld:CrowdFlowObserved:area:${a.id}`)}">NGSI-LD</a> · <a href="/areas">Alle gebieden / All areas</a></p>
</main>`,
  );
}
