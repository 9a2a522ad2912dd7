/**
 * GET /sensors/{id} — the public register page of one sensor (the URL printed under it): what is measured and
 * what is not, why, by whom, on what legal ground, and until when. The full register comes in a later issue.
 */
import { LEVEL_LETTERS } from '../../shared/density.ts';
import { describeReading, formatDateTime, stateText, type SensorView } from './format.ts';
import { header, html, page } from './layout.ts';

const DRIVER_NAMES: Record<string, string> = {
  ld2450: 'mmWave-radar HLK-LD2450 (24 GHz)',
  'ti-people': 'mmWave-radar Texas Instruments (people counting)',
  ld2410: 'aanwezigheidsradar HLK-LD2410 / presence radar',
  beam: 'lichtsluisteller / light-beam entrance counter',
};

export function sensorPage(v: SensorView): string {
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
  return page(
    { title: `Sensor ${info.id} · register` },
    html`${header()}<main class="page">
<h1>Sensor ${info.id}</h1>
<p class="muted">${info.location.description}</p>

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

<h2>Gegevens <span class="en">/ Details</span></h2>
<dl class="facts">
<dt>Doel <span class="en">/ Purpose</span></dt><dd>${info.purpose}</dd>
<dt>Eigenaar <span class="en">/ Owner</span></dt><dd>${o.name}, ${o.organisation}</dd>
<dt>Contact</dt><dd><a href="mailto:${o.email}">${o.email}</a>${o.phone ? html` · <a href="tel:${o.phone.replace(/[^+0-9]/g, '')}">${o.phone}</a>` : ''}</dd>
<dt>Wettelijke grondslag <span class="en">/ Legal ground</span></dt><dd>${info.legalGround}</dd>
<dt>DPIA</dt><dd>${info.dpiaRef}</dd>
<dt>Locatie <span class="en">/ Location</span></dt><dd>${info.location.description} (${info.location.lat.toFixed(5)}, ${info.location.lon.toFixed(5)})</dd>
<dt>Sensortype <span class="en">/ Sensor type</span></dt><dd>${DRIVER_NAMES[info.driver] ?? info.driver}</dd>
<dt>Meet tot en met <span class="en">/ Measures until</span></dt><dd>${info.expiresAt} <span class="muted">(daarna stopt de sensor / after this the sensor stops)</span></dd>
<dt>Status</dt><dd>${stateText(v.state)}${v.stale ? ' · verouderd / out of date' : ''}</dd>
<dt>Laatste meting <span class="en">/ Latest</span></dt><dd>${reading && latest ? html`<span class="badge level-${reading.level}">${reading.letter}</span> ${reading.nl} <span class="en">/ ${reading.en}</span> <span class="muted">(${formatDateTime(latest.to)})</span>` : html`<span class="muted">nog geen meting / no measurement yet</span>`}</dd>
</dl>

<h2>Vragen of bezwaar? <span class="en">/ Questions or objections?</span></h2>
<p>Neem contact op met ${o.organisation}: <a href="mailto:${o.email}">${o.email}</a>. <span class="en">Contact ${o.organisation}: ${o.email}.</span></p>

<p><a href="/display/${path}">Display</a> · <a href="/api/sensors/${path}">JSON</a> · <a href="/">Alle sensoren / All sensors</a></p>
</main>`,
  );
}
