/**
 * GET / — the public register index: every sensor, what it is for, who owns it, until when, and what it sees now.
 * `?filter=` narrows it: active (measuring now, expiring ones included), expiring (≤ 30 days left), expired, retired.
 */
import { healthSection, type HealthSummary } from './health-section.ts';
import type { RegisterStatus } from '../register.ts';
import { describeReading, DOWN_STATES, registerText, stateText, type SensorView } from './format.ts';
import { header, html, page } from './layout.ts';

export const INDEX_FILTERS = ['all', 'active', 'expiring', 'expired', 'retired'] as const;
export type IndexFilter = (typeof INDEX_FILTERS)[number];

const FILTER_LABELS: Record<IndexFilter, string> = {
  all: 'Alle / All',
  active: 'Actief / Active',
  expiring: 'Verloopt binnenkort / Expiring',
  expired: 'Verlopen / Expired',
  retired: 'Buiten gebruik / Retired',
};

const MATCHES: Record<IndexFilter, (s: RegisterStatus) => boolean> = {
  all: () => true,
  active: (s) => s === 'active' || s === 'expiring',
  expiring: (s) => s === 'expiring',
  expired: (s) => s === 'expired',
  retired: (s) => s === 'retired',
};

export function lifecycleNote(v: SensorView) {
  if (v.register === 'expiring') return html`<span class="state-warn">${registerText(v.register)} · nog ${v.daysLeft} ${v.daysLeft === 1 ? 'dag' : 'dagen'} / ${v.daysLeft} ${v.daysLeft === 1 ? 'day' : 'days'} left</span>`;
  if (v.register === 'expired' || v.register === 'retired') return html`<span class="state-down">${registerText(v.register)}</span>`;
  return html`<span>${registerText(v.register)}</span>`;
}

function card(v: SensorView) {
  const { info, latest } = v;
  const reading = latest ? describeReading(latest, info) : null;
  const path = encodeURIComponent(info.id);
  return html`<li class="card" data-register="${v.register}">
<h2><a href="/sensors/${path}">${info.id}</a></h2>
<p class="muted">${info.location.description}</p>
<p><strong>Doel / Purpose:</strong> ${info.purpose}</p>
<p><strong>Eigenaar / Owner:</strong> ${info.owner.organisation} (${info.owner.name})</p>
<p><strong>Meet tot en met / Measures until:</strong> ${info.expiresAt} · ${lifecycleNote(v)}</p>
<p><strong>Status:</strong> <span class="${DOWN_STATES.includes(v.state) ? 'state-down' : ''}">${stateText(v.state)}</span>${v.stale ? html` · <span class="state-down">verouderd / out of date</span>` : ''}</p>
<p><strong>Nu / Now:</strong> ${reading ? html`<span class="badge level-${reading.level}">${reading.letter}</span> ${reading.nl} <span class="en">/ ${reading.en}</span>` : html`<span class="muted">nog geen meting / no measurement yet</span>`}</p>
<p><a href="/sensors/${path}">Registerpagina / Register page</a> · <a href="/display/${path}">Display</a></p>
</li>`;
}

export function indexPage(views: readonly SensorView[], filter: IndexFilter = 'all', health?: HealthSummary): string {
  const shown = views.filter((v) => MATCHES[filter](v.register));
  const nav = INDEX_FILTERS.map((f) => {
    const n = views.filter((v) => MATCHES[f](v.register)).length;
    const href = f === 'all' ? '/' : `/?filter=${f}`;
    return f === filter ? html`<a href="${href}" aria-current="page"><strong>${FILTER_LABELS[f]} (${n})</strong></a>` : html`<a href="${href}">${FILTER_LABELS[f]} (${n})</a>`;
  });
  return page(
    { title: 'Sensorregister drukte / Crowd sensor register' },
    html`${header()}<main class="page">
<h1>Sensorregister <span class="en">/ Sensor register</span></h1>
<p>Deze sensoren tellen hoeveel mensen ergens zijn. Ze maken geen beelden, herkennen niemand en volgen niemand.
<span class="en">These sensors count how many people are somewhere. They take no images, recognise no one and follow no one.</span></p>
<nav class="filters" aria-label="Filter">${nav.map((a, i) => html`${i ? ' · ' : ''}${a}`)}</nav>
${shown.length ? html`<ul class="cards">${shown.map(card)}</ul>` : html`<p id="empty">Geen sensoren in deze lijst. <span class="en">No sensors in this list.</span></p>`}
<p><a href="/areas">Gebieden / Areas</a> · <a href="/health">Overzicht beheer / Operator overview</a></p>
<p class="muted">Open data: <a href="/api/sensors">/api/sensors</a> (JSON) · <a href="/api/areas">/api/areas</a> · <a href="/api/stream">/api/stream</a> (Server-Sent Events) ·
<a href="/sta/v1.1">SensorThings API</a> · <a href="/ngsi-ld/v1/entities?type=CrowdFlowObserved">NGSI-LD</a> ·
export: <a href="/api/export/sensrnet">SensRNet</a>, <a href="/api/export/amsterdam">Amsterdam</a></p>
${health ? healthSection(health) : ''}
</main>`,
  );
}
