/**
 * GET /display/{id} — the public display next to a sensor (kiosk): the count and level, large, in Dutch and
 * English, the register URL as text (not a QR code), and a contact point. Rendered complete on the server so it
 * works without script; /static/display.js keeps it live.
 */
import { describeReading, DOWN_STATES, formatTime, stateText, type SensorView } from './format.ts';
import { html, page } from './layout.ts';

export function displayPage(v: SensorView): string {
  const { info, latest } = v;
  // A suspended sensor broke its registered rules: nothing it sent is shown, not even its last accepted reading.
  const reading = latest && v.state !== 'suspended' ? describeReading(latest, info) : null;
  const down = DOWN_STATES.includes(v.state);
  const notice = down ? `${stateText(v.state)} · gegevens kunnen verouderd zijn / data may be out of date` : v.stale ? 'verouderd / out of date' : '';
  const classes = ['display', reading ? `level-${reading.level}` : '', notice ? 'is-stale' : ''].filter(Boolean).join(' ');
  const o = info.owner;
  // The audited minimiser this sensor reports (or, before its first status, the one registered at provisioning).
  const minimiser = v.reported?.minimiser ?? info.minimiserHash ?? null;
  return page(
    { title: `Drukte · ${info.location.description}`, bodyClass: 'kiosk', scripts: ['/static/display.js'] },
    html`<main id="display" class="${classes}" data-sensor="${info.id}" data-kfloor="${info.kFloor}" data-output="${info.output ?? 'level+count'}"
 data-stale-after="${3 * (info.windowSeconds ?? 60)}" data-age="${v.ageSeconds ?? ''}" data-state="${v.state}">
<p class="where">Drukte hier <span lang="en">· Crowding here</span> — ${info.location.description}</p>
<div class="reading" aria-live="polite">
<div class="big" id="big">${reading ? reading.big : '–'}</div>
<div class="letter" id="letter" aria-label="${reading ? `niveau ${reading.letter} / level ${reading.letter}` : 'geen niveau / no level'}">${reading ? reading.letter : '–'}</div>
</div>
<p class="line nl" id="line-nl" lang="nl">${reading ? reading.nl : 'nog geen meting'}</p>
<p class="line en" id="line-en" lang="en">${reading ? reading.en : 'no measurement yet'}</p>
<p class="meta"><span>Laatste meting / Last update: <time id="updated-time"${latest ? html` datetime="${new Date(latest.to * 1000).toISOString()}"` : ''}>${latest ? formatTime(latest.to) : '–'}</time></span>
<span class="state" id="state" role="status"${notice ? '' : html` hidden`}>${notice}</span></p>
<footer>
<p>Alleen aantallen: geen beelden, geen identiteiten, geen posities. <span lang="en">Counts only: no images, no identities, no positions.</span></p>
<p>Register: <span class="url">${info.registerUrl}</span></p>
<p>Contact: ${o.organisation} · <span class="url">${o.email}</span>${o.phone ? ` · ${o.phone}` : ''}</p>
${minimiser ? html`<p class="hash-line">Minimiser (sha256): <code class="hash" id="minimiser">${minimiser}</code> <span lang="en">· verify: drukte audit</span></p>` : ''}
</footer>
</main>`,
  );
}
