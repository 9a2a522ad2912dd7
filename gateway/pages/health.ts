/**
 * GET /health — the operator's overview (gateway/pages/overview.ts): every sensor, what needs a person first. Public: no
 * credential, address or payload appears, only register facts, states and reason names.
 */
import { ATTENTION_LABELS, type OverviewRow } from './overview.ts';
import { formatDateTime, registerText, STATE_LABELS, stateText, type ShownState } from './format.ts';
import { PAGES_STYLES } from './charts.ts';
import { header, html, page, type Html } from './layout.ts';

function age(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

const at = (iso: string | null) => (iso ? formatDateTime(Math.floor(Date.parse(iso) / 1000)) : '');

function reasons(r: OverviewRow): Html {
  const parts: Html[] = [];
  if (r.alert) parts.push(html`<li>alert: <code>${r.alert.reason}</code> <span class="muted">(${at(r.alert.at)})</span></li>`);
  if (r.suspension) parts.push(html`<li>opgeschort / suspended: ${r.suspension.reason}${r.suspension.at ? html` <span class="muted">(${at(r.suspension.at)})</span>` : ''}</li>`);
  if (r.reportedReason) parts.push(html`<li>sensor: ${r.reportedReason}</li>`);
  return parts.length ? html`<ul class="plain">${parts}</ul>` : html`<span class="muted">–</span>`;
}

function row(r: OverviewRow): Html {
  const path = encodeURIComponent(r.id);
  return html`<tr data-sensor="${r.id}" data-attention="${r.attention.join(' ')}">
<td><a href="/sensors/${path}">${r.id}</a>${r.areaId ? html`<br><span class="muted">gebied / area <a href="/areas/${encodeURIComponent(r.areaId)}">${r.areaId}</a></span>` : ''}</td>
<td>${r.attention.map((a) => html`<span class="attn attn-${a}">${ATTENTION_LABELS[a].nl} / ${ATTENTION_LABELS[a].en}</span>`)}</td>
<td>${Object.hasOwn(STATE_LABELS, r.state) ? stateText(r.state as ShownState) : r.state}${r.fresh ? '' : html`<br><span class="state-down">niet actueel / not current</span>`}</td>
<td>${r.lastSeen ? html`${at(r.lastSeen)}${r.ageSeconds !== null ? html`<br><span class="muted">meting ${age(r.ageSeconds)} geleden / data ${age(r.ageSeconds)} ago</span>` : ''}` : html`<span class="muted">nooit / never</span>`}</td>
<td class="refused">${r.refused.length ? html`<ul class="plain">${r.refused.map((x) => html`<li><code>${x.reason}</code> × ${x.count}</li>`)}</ul>` : html`<span class="muted">0</span>`}</td>
<td>${reasons(r)}</td>
<td>${r.expiresAt}<br><span class="${r.daysLeft <= 30 ? 'state-warn' : 'muted'}">${r.register === 'expired' ? 'verlopen / expired' : `nog ${r.daysLeft} d / ${r.daysLeft} d left`}</span><br><span class="muted">${registerText(r.register)}</span></td>
</tr>`;
}

export function healthPage(rows: readonly OverviewRow[], nowMs: number): string {
  const needing = rows.filter((r) => r.attention[0] !== 'ok' && r.attention[0] !== 'retired').length;
  return page(
    { title: 'Overzicht beheer / Operator overview · drukte', styles: PAGES_STYLES },
    html`${header()}<main class="page">
<h1>Overzicht <span class="en">/ Operator overview</span></h1>
<p id="summary">${needing} van ${rows.length} sensoren vragen aandacht; bovenaan wat het eerst een mens nodig heeft. <span class="en">${needing} of ${rows.length} sensors need attention; what needs a person first is at the top.</span> <span class="muted">(${formatDateTime(Math.floor(nowMs / 1000))})</span></p>
<div class="table-wrap"><table class="grid" id="overview">
<thead><tr><th>Sensor</th><th>Aandacht <span class="en">/ Attention</span></th><th>Status</th><th>Laatst gezien <span class="en">/ Last seen</span></th><th>Geweigerd <span class="en">/ Refused</span></th><th>Redenen <span class="en">/ Reasons</span></th><th>Einddatum <span class="en">/ Expiry</span></th></tr></thead>
<tbody>${rows.map(row)}</tbody>
</table></div>
<p class="muted">Geweigerde berichten tellen sinds de start van de gateway; <code>duplicate</code> is een normale QoS 1-herhaling. <span class="en">Refused messages count since the gateway started; <code>duplicate</code> is a normal QoS 1 redelivery.</span>
JSON: <a href="/api/overview">/api/overview</a> · <a href="/api/health">/api/health</a> · <a href="/areas">Gebieden / Areas</a> · <a href="/">Register</a></p>
</main>`,
  );
}
