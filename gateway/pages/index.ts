/** GET / — the public register index: every sensor, what it is for, who owns it, and what it sees now. */
import { describeReading, DOWN_STATES, stateText, type SensorView } from './format.ts';
import { header, html, page } from './layout.ts';

function card(v: SensorView) {
  const { info, latest } = v;
  const reading = latest ? describeReading(latest, info) : null;
  const path = encodeURIComponent(info.id);
  return html`<li class="card">
<h2><a href="/sensors/${path}">${info.id}</a></h2>
<p class="muted">${info.location.description}</p>
<p><strong>Doel / Purpose:</strong> ${info.purpose}</p>
<p><strong>Eigenaar / Owner:</strong> ${info.owner.organisation} (${info.owner.name})</p>
<p><strong>Status:</strong> <span class="${DOWN_STATES.includes(v.state) ? 'state-down' : ''}">${stateText(v.state)}</span>${v.stale ? html` · <span class="state-down">verouderd / out of date</span>` : ''}</p>
<p><strong>Nu / Now:</strong> ${reading ? html`<span class="badge level-${reading.level}">${reading.letter}</span> ${reading.nl} <span class="en">/ ${reading.en}</span>` : html`<span class="muted">nog geen meting / no measurement yet</span>`}</p>
<p><a href="/sensors/${path}">Registerpagina / Register page</a> · <a href="/display/${path}">Display</a></p>
</li>`;
}

export function indexPage(views: readonly SensorView[]): string {
  return page(
    { title: 'Sensorregister drukte / Crowd sensor register' },
    html`${header()}<main class="page">
<h1>Sensorregister <span class="en">/ Sensor register</span></h1>
<p>Deze sensoren tellen hoeveel mensen ergens zijn. Ze maken geen beelden, herkennen niemand en volgen niemand.
<span class="en">These sensors count how many people are somewhere. They take no images, recognise no one and follow no one.</span></p>
${views.length ? html`<ul class="cards">${views.map(card)}</ul>` : html`<p>Er zijn nog geen sensoren geregistreerd. <span class="en">No sensors are registered yet.</span></p>`}
<p class="muted">Open data: <a href="/api/sensors">/api/sensors</a> (JSON) · <a href="/api/stream">/api/stream</a> (Server-Sent Events)</p>
</main>`,
  );
}
