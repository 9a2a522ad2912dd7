/**
 * The register's health section: how busy the gateway is against its resource limits (issue 10). Numbers only —
 * no addresses, no client ids — so it can be public.
 */
import type { HttpLimits } from '../http-kit.ts';
import { html, type Html } from './layout.ts';

export interface HealthSummary {
  http: { connections: number; streams: number; limits: HttpLimits; refused: { connections429: number; connections503: number; streams429: number; streams503: number } };
  broker: { connections: number; maxConnectionsPerAddress: number } | null;
}

export function healthSection(h: HealthSummary): Html {
  const l = h.http.limits;
  const r = h.http.refused;
  return html`<section id="health" aria-labelledby="health-title">
<h2 id="health-title">Gezondheid gateway <span class="en">/ Gateway health</span></h2>
<table class="health">
<tr><th scope="row">HTTP-verbindingen <span class="en">/ HTTP connections</span></th><td>${h.http.connections} / ${l.maxConnections} (max ${l.maxConnectionsPerAddress} per adres / per address)</td></tr>
<tr><th scope="row">Live-streams <span class="en">/ Event streams</span></th><td>${h.http.streams} / ${l.maxStreams} (max ${l.maxStreamsPerAddress} per adres / per address)</td></tr>
<tr><th scope="row">Geweigerd <span class="en">/ Refused</span></th><td>${r.connections429 + r.streams429} × 429, ${r.connections503 + r.streams503} × 503</td></tr>
${h.broker ? html`<tr><th scope="row">MQTT-verbindingen <span class="en">/ MQTT connections</span></th><td>${h.broker.connections} (max ${h.broker.maxConnectionsPerAddress} per adres / per address)</td></tr>` : ''}
</table>
<p class="muted">Boven een limiet per adres antwoordt de gateway 429, boven een totale limiet 503, zodat de sensoren altijd binnenkomen.
<span class="en">Beyond a per-address limit the gateway answers 429, beyond a total limit 503, so sensors always get in.</span></p>
</section>`;
}
