/**
 * GET /sensors/{id} — the public register page of one sensor (the URL printed under it), in Dutch and English:
 * what is measured and what is NOT, why, by whom, on what legal ground, until when, how to reach the owner, its
 * state and level now, and the minimiser hash (as provisioned, and as the sensor itself last reported it).
 */
import { DEFAULT_RETENTION_DAYS } from '../../shared/schema/rules.ts';
import { LEVEL_LETTERS } from '../../shared/density.ts';
import type { AuditEntry } from '../register.ts';
import { describeReading, formatDateTime, registerText, stateText, type SensorView } from './format.ts';
import { CHART_PAGE_ASSETS, chartSection } from './charts.ts';
import { lifecycleNote } from './index.ts';
import { header, html, page, type Html } from './layout.ts';

const DRIVER_NAMES: Record<string, string> = {
  ld2450: 'mmWave-radar HLK-LD2450 (24 GHz)',
  'ti-people': 'mmWave-radar Texas Instruments (people counting)',
  ld2410: 'aanwezigheidsradar HLK-LD2410 / presence radar',
  beam: 'lichtsluisteller / light-beam entrance counter',
};

const when = (ms: number | null) => (ms === null ? html`<span class="muted">nog nooit / never</span>` : html`${formatDateTime(Math.floor(ms / 1000))}`);

/** A hash as provisioned, and whether the sensor reports the same one. */
function hashLine(declared: string | undefined, reported: string | undefined): Html {
  const shown = declared ?? reported;
  if (!shown) return html`<span class="muted">onbekend / unknown</span>`;
  let check = html``;
  if (declared && reported) {
    check = declared === reported
      ? html` <span class="ok" id="hash-check">✓ de sensor meldt dezelfde / the sensor reports the same</span>`
      : html` <span class="state-down" id="hash-check">✗ de sensor meldt een andere: / the sensor reports a different one: <code class="hash">${reported}</code></span>`;
  } else if (!declared) check = html` <span class="muted">(gemeld door de sensor / reported by the sensor)</span>`;
  return html`<code class="hash">${shown}</code>${check}`;
}

const ALERT_TEXT: Record<string, { nl: string; en: string }> = {
  'bundle-mismatch': { nl: 'de sensor draait andere software dan geregistreerd', en: 'the sensor runs other software than registered' },
  'minimiser-mismatch': { nl: 'de sensor meldt een andere minimiser dan geregistreerd', en: 'the sensor reports another minimiser than registered' },
  'expiry-mismatch': { nl: 'de sensor meldt een andere einddatum dan geregistreerd', en: 'the sensor reports another expiry date than registered' },
};

function alertBanner(v: SensorView): Html {
  if (!v.alert) return html``;
  const t = ALERT_TEXT[v.alert.reason] ?? { nl: `een bericht van de sensor is geweigerd (${v.alert.reason})`, en: `a message from the sensor was refused (${v.alert.reason})` };
  return html`<p class="banner alert" role="alert" id="alert">Waarschuwing: ${t.nl}; de gegevens worden niet gebruikt tot dit is opgelost. <span class="en">Alert: ${t.en}; its data is not used until this is resolved.</span> <span class="muted">(${formatDateTime(Math.floor(v.alert.at / 1000))})</span></p>`;
}

function banner(v: SensorView): Html {
  if (v.suspension && v.register !== 'retired') {
    return html`<p class="banner alert" role="alert" id="suspension">Geschorst: deze sensor hield zich niet aan zijn geregistreerde regels (${v.suspension.reason}); de gateway weigert zijn gegevens tot de gemeente de schorsing opheft. <span class="en">Suspended: this sensor broke its registered rules (${v.suspension.reason}); the gateway refuses its data until the municipality lifts the suspension.</span> <span class="muted">(${formatDateTime(Math.floor(v.suspension.at / 1000))})</span></p>`;
  }
  if (v.register === 'expired') return html`<p class="banner" role="status">${registerText('expired')}. Deze sensor meet niet meer. <span class="en">This sensor no longer measures.</span></p>`;
  if (v.register === 'retired') {
    return html`<p class="banner" role="status">${registerText('retired')}${v.retiredAt ? html` · ${formatDateTime(Math.floor(v.retiredAt / 1000))}` : ''}${v.retireReason ? html` — ${v.retireReason}` : ''}</p>`;
  }
  if (v.register === 'expiring') return html`<p class="banner warn" role="status">${lifecycleNote(v)}</p>`;
  return html``;
}

export function sensorPage(v: SensorView, audit: readonly AuditEntry[] = []): string {
  const { info, latest } = v;
  const window = info.windowSeconds ?? 60;
  const granularity = info.granularity ?? 5;
  const levelOnly = info.output === 'level';
  const reading = latest ? describeReading(latest, info) : null;
  const o = info.owner;
  const measuredNl = levelOnly
    ? `Alleen het drukteniveau (${LEVEL_LETTERS.join(', ')}) in een zone van ${info.area.m2} m², per ${window} seconden. Er worden geen aantallen gepubliceerd.`
    : `Het aantal aanwezigen in een zone van ${info.area.m2} m², naar beneden afgerond op ${granularity}, en het drukteniveau ${LEVEL_LETTERS[0]}–${LEVEL_LETTERS[5]}, per ${window} seconden. Bij minder dan ${info.kFloor} mensen alleen "minder dan ${info.kFloor}".`;
  const measuredEn = levelOnly
    ? `Only the density level (${LEVEL_LETTERS.join(', ')}) in a zone of ${info.area.m2} m², every ${window} seconds. No counts are published.`
    : `The number of people in a zone of ${info.area.m2} m², rounded down to ${granularity}, and the density level ${LEVEL_LETTERS[0]}–${LEVEL_LETTERS[5]}, every ${window} seconds. Below ${info.kFloor} people only "fewer than ${info.kFloor}".`;
  const path = encodeURIComponent(info.id);
  const transfers = audit.filter((a) => a.action === 'transfer');
  return page(
    { title: `Sensor ${info.id} · register`, ...CHART_PAGE_ASSETS },
    html`${header()}<main class="page">
<h1>Sensor ${info.id}</h1>
<p class="muted">${info.location.description}</p>
${banner(v)}
${alertBanner(v)}
<h2>Wat wordt gemeten <span class="en">/ What is measured</span></h2>
<p>${measuredNl}<br><span class="en">${measuredEn}</span></p>

<div class="not">
<h2>Wat NIET wordt gemeten <span class="en">/ What is NOT measured</span></h2>
<ul>
<li>Geen beelden of geluid. <span class="en">No images or sound.</span></li>
<li>Geen identiteiten: geen gezichten, telefoons of andere kenmerken. <span class="en">No identities: no faces, phones or other identifiers.</span></li>
<li>Geen posities of looproutes: de sensor rekent ter plekke om naar een aantal; niemand wordt gevolgd. <span class="en">No positions or paths: the sensor reduces everything to a count on the spot; no one is followed.</span></li>
</ul>
</div>

<h2>Waarom <span class="en">/ Why</span></h2>
<p id="purpose">${info.purpose}</p>

<h2>Gegevens <span class="en">/ Details</span></h2>
<dl class="facts">
<dt>Eigenaar <span class="en">/ Owner</span></dt><dd id="owner">${o.name}, ${o.organisation}</dd>
<dt>Contact</dt><dd><a href="mailto:${o.email}">${o.email}</a>${o.phone ? html` · <a href="tel:${o.phone.replace(/[^+0-9]/g, '')}">${o.phone}</a>` : ''}</dd>
<dt>Wettelijke grondslag <span class="en">/ Legal ground</span></dt><dd>${info.legalGround}</dd>
<dt>DPIA</dt><dd>${info.dpiaRef}</dd>
<dt>Locatie <span class="en">/ Location</span></dt><dd>${info.location.description} (${info.location.lat.toFixed(5)}, ${info.location.lon.toFixed(5)})${info.areaId ? html` · gebied / area <a href="/areas/${encodeURIComponent(info.areaId)}">${info.areaId}</a>` : ''}</dd>
<dt>Sensortype <span class="en">/ Sensor type</span></dt><dd>${DRIVER_NAMES[info.driver] ?? info.driver}</dd>
<dt>Meet tot en met <span class="en">/ Measures until</span></dt><dd id="expires">${info.expiresAt} <span class="muted">(daarna stopt de sensor / after this the sensor stops)</span> · ${lifecycleNote(v)}</dd>
<dt>Bewaartermijn <span class="en">/ Retention</span></dt><dd id="retention">${String(info.retentionDays ?? DEFAULT_RETENTION_DAYS)} dagen <span class="en">/ days</span> <span class="muted">(oudere metingen worden automatisch gewist / older measurements are deleted automatically)</span></dd>
<dt>Status</dt><dd id="state">${stateText(v.state)}${v.stale ? ' · verouderd / out of date' : ''}</dd>
<dt>Laatste meting <span class="en">/ Latest</span></dt><dd id="latest">${reading && latest ? html`<span class="badge level-${reading.level}">${reading.letter}</span> ${reading.nl} <span class="en">/ ${reading.en}</span> <span class="muted">(${formatDateTime(latest.to)})</span>` : html`<span class="muted">nog geen meting / no measurement yet</span>`}</dd>
<dt>Laatst gezien <span class="en">/ Last seen</span></dt><dd>${when(v.lastSeen)}</dd>
<dt>In het register sinds <span class="en">/ Registered</span></dt><dd>${when(v.registeredAt)}</dd>
<dt>Minimiser (sha256)</dt><dd id="minimiser">${hashLine(info.minimiserHash, v.reported?.minimiser)}</dd>
<dt>Bundel <span class="en">/ Bundle</span> (sha256)</dt><dd>${hashLine(info.bundleHash, v.reported?.bundle)}</dd>
${v.reported ? html`<dt>Firmware</dt><dd>${v.reported.firmware}</dd>` : ''}
${v.reported?.radar ? html`<dt>Radar</dt><dd id="radar">firmware ${v.reported.radar.firmware} · Bluetooth ${v.reported.radar.bluetooth === 'off' ? 'uit / off' : 'AAN / ON'} · zonefilter ${v.reported.radar.zoneFilter === 'inside' ? 'aan / on' : 'uit / off'}</dd>` : ''}
</dl>
${chartSection('sensors', info.id, !levelOnly)}
${transfers.length ? html`<h2>Eerdere eigenaren <span class="en">/ Earlier owners</span></h2>
<ul>${transfers.map((t) => html`<li>${formatDateTime(Math.floor(t.at / 1000))}: ${t.fromOwner?.organisation ?? '?'} → ${t.toOwner?.organisation ?? '?'}</li>`)}</ul>` : ''}
<h2>Vragen of bezwaar? <span class="en">/ Questions or objections?</span></h2>
<p>Neem contact op met ${o.organisation}: <a href="mailto:${o.email}">${o.email}</a>. <span class="en">Contact ${o.organisation}: ${o.email}.</span></p>

<p><a href="/display/${path}">Display</a> · <a href="/api/sensors/${path}">JSON</a> · <a href="/api/sensors/${path}/history?format=csv">CSV</a> · <a href="/">Alle sensoren / All sensors</a></p>
</main>`,
  );
}
