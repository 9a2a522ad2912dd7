/**
 * GET /display/{id} — the public display next to a sensor (kiosk), Dutch first with English. At a glance: the count
 * (or "minder dan k") with the level word and colour, a legend of the six levels in people per m² and whole people
 * for THIS zone, the time of the last update with its time zone, a trend of the last hour, why the sensor is there,
 * until when it measures, who owns it and how to reach them, and the register URL in large type (a URL, not a QR
 * code).
 *
 * The state (shared/display-content.ts displayMode: live, waiting, stale, offline, expired, suspended, retired) sets a class
 * on the whole page, so each looks different from across the street: not only a banner, the background, the big
 * figure and the words change. Rendered complete on the server; /static/display.js keeps it live over the event
 * stream; without JavaScript a <noscript> meta refresh reloads it. Laid out for landscape screens from 800×480 to
 * 1920×1080 (two columns, sizes in viewport units, nothing scrolls).
 */
import { describeReading, displayMode, legend, MODE_TEXT, decimalNl, timeWithZone, untilDate, staleAfter, offlineAfter } from '../../shared/display-content.ts';
import type { Aggregate } from '../../shared/payloads.ts';
import { trendSvg } from './display-trend.ts';
import type { SensorView } from './format.ts';
import { html, page } from './layout.ts';

/** Seconds between reloads for browsers without JavaScript: the window, within 10–60 s. */
export const noScriptRefreshSeconds = (windowSeconds: number): number => Math.max(10, Math.min(60, windowSeconds));

export function displayPage(v: SensorView, lastHour: readonly Pick<Aggregate, 'to' | 'level'>[] = []): string {
  const { info, latest } = v;
  const window = info.windowSeconds ?? 60;
  const mode = displayMode({ sensor: info, latest, state: v.state, ageSeconds: v.ageSeconds });
  // A suspended sensor broke its registered rules: nothing it sent is shown, not even its last accepted reading.
  const reading = latest && mode !== 'suspended' ? describeReading(latest, info) : null;
  const text = MODE_TEXT[mode];
  const until = untilDate(info.expiresAt);
  const rows = legend(info.area.m2);
  const o = info.owner;
  const classes = ['display', `mode-${mode}`, reading ? `level-${reading.level}` : ''].filter(Boolean).join(' ');
  const minimiser = v.reported?.minimiser ?? info.minimiserHash ?? null;
  const current = (mode === 'live' || mode === 'stale') && reading !== null;
  const big = current ? reading.big : '–';
  const suspension = mode === 'suspended' && v.suspension ? v.suspension.reason : '';
  return page(
    {
      title: `Drukte · ${info.location.description}`,
      bodyClass: `kiosk mode-${mode}`,
      scripts: ['/static/display.js'],
      head: html`<noscript><meta http-equiv="refresh" content="${noScriptRefreshSeconds(window)}"></noscript>`,
    },
    html`<main id="display" class="${classes}" data-sensor="${info.id}" data-kfloor="${info.kFloor}" data-output="${info.output ?? 'level+count'}"
 data-stale-after="${staleAfter(info)}" data-offline-after="${offlineAfter(info)}" data-age="${v.ageSeconds ?? ''}" data-state="${v.state}" data-mode="${mode}" data-latest-to="${latest?.to ?? ''}">
<header class="where"><span class="title">Drukte hier <span lang="en" class="en">· Crowding here</span></span> <span class="place">${info.location.description}</span></header>
<section class="now" aria-live="polite">
<p class="state" id="state" role="status"${mode === 'live' ? html` hidden` : ''}><span id="state-nl">${text.word}</span> <span class="en" lang="en" id="state-en">${text.wordEn ? `/ ${text.wordEn}` : ''}</span></p>
<div class="reading">
<div class="big" id="big">${big}</div>
<div class="letter" id="letter" aria-label="${reading ? `niveau ${reading.letter} / level ${reading.letter}` : 'geen niveau / no level'}">${reading ? reading.letter : '–'}</div>
</div>
<p class="line nl" id="line-nl" lang="nl">${current ? reading!.nl : text.nl}</p>
<p class="line en" id="line-en" lang="en">${current ? reading!.en : text.en}</p>
<p class="conn" id="conn" role="status" hidden>Verbinding met de gateway verbroken <span class="en" lang="en">/ connection to the gateway lost</span></p>
${suspension ? html`<p class="reason" id="suspension">Reden / reason: ${suspension}</p>
` : ''}<p class="updated">Laatste meting <span class="en" lang="en">/ Last update</span>: <time id="updated-time"${latest ? html` datetime="${new Date(latest.to * 1000).toISOString()}"` : ''}>${latest ? timeWithZone(latest.to) : '–'}</time><span id="last-reading">${!current && reading ? ` · ${reading.nl} / ${reading.en}` : ''}</span><span id="mode-word"> · ${text.nl} <span class="en" lang="en">/ ${text.en}</span></span></p>
</section>
<aside class="side">
<figure class="trend-box"><figcaption>Laatste uur <span class="en" lang="en">/ Last hour</span></figcaption>
${trendSvg(lastHour.map((a) => ({ to: a.to, level: a.level })), latest?.to ?? null)}
</figure>
<table class="legend" id="legend">
<caption>Niveaus in deze zone van ${decimalNl(info.area.m2)} m² <span class="en" lang="en">/ Levels in this ${info.area.m2} m² zone</span></caption>
<tbody>
${rows.map((r) => html`<tr class="lv lv-${r.level}${reading && reading.level === r.level ? ' current' : ''}" data-level="${r.level}"><th scope="row"><span class="chip level-bg-${r.level}">${r.letter}</span></th><td>${r.nl} <span class="en" lang="en">/ ${r.en}</span></td><td class="num">${r.maxPerM2 === null ? `> ${decimalNl(rows[4]!.maxPerM2!)}` : `≤ ${decimalNl(r.maxPerM2)}`} p/m²</td><td class="num">${r.people} <span class="en">mensen / people</span></td></tr>`)}
</tbody>
</table>
</aside>
<footer class="about">
<p class="purpose" id="purpose"><b>Waarom <span class="en" lang="en">/ Why</span>:</b> ${info.purpose}</p>
<p class="until" id="until">Meet tot en met <b>${until.nl}</b> <span class="en" lang="en">/ measures until <b>${until.en}</b></span></p>
<p class="owner" id="owner">${o.organisation} · <span class="url">${o.email}</span>${o.phone ? ` · ${o.phone}` : ''} <span class="en">· alleen aantallen: geen beelden, geen identiteiten, geen posities / counts only: no images, no identities, no positions</span></p>
<p class="register">Register: <span class="url big-url" id="register-url">${info.registerUrl}</span></p>
${minimiser ? html`<p class="hash-line">Minimiser (sha256): <code class="hash" id="minimiser">${minimiser}</code> <span lang="en">· verify: drukte audit</span></p>` : ''}
</footer>
</main>`,
  );
}

