/**
 * Static assets, served from memory: the stylesheet and the display script. No inline script or style exists
 * anywhere (the CSP forbids both), and nothing is loaded from other hosts.
 */
import { LEVEL_LABELS, LEVEL_LETTERS } from '../../shared/density.ts';
import { DISPLAY_TIME_ZONE, DOWN_STATES, GATEWAY_STATES, STATE_LABELS } from './format.ts';

/** Level colours (white text on each has a contrast ratio ≥ 4.5:1); the letter carries the meaning too. */
const LEVEL_COLOURS = ['#1b7f3b', '#3d7a22', '#8a6800', '#b34d00', '#b3261e', '#7b1fa2'];

export const STYLE_CSS = `:root{--fg:#111;--bg:#fff;--muted:#4a4a4a;--link:#0a4fc4;--line:#c8c8c8}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:1.0625rem;line-height:1.5;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
.site{padding:.75rem 1rem;border-bottom:1px solid var(--line)}
.site a{font-weight:700;text-decoration:none;color:var(--fg);margin-right:.5rem}
.muted,.en{color:var(--muted)}
.en{font-weight:400}
.page{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.7rem;line-height:1.2;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
.cards{list-style:none;padding:0;margin:0;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr))}
.card{border:1px solid var(--line);border-radius:.5rem;padding:1rem}
.card h2{margin:0 0 .25rem;font-size:1.15rem;word-break:break-word}
.card p{margin:.35rem 0}
.badge{display:inline-block;min-width:1.8em;text-align:center;font-weight:700;border-radius:.3em;padding:0 .4em;color:#fff;background:#4a4a4a}
dl.facts{display:grid;grid-template-columns:minmax(8rem,15rem) 1fr;gap:.5rem 1rem;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;word-break:break-word}
@media (max-width:36rem){dl.facts{grid-template-columns:1fr;gap:.1rem}dl.facts dd{margin-bottom:.6rem}}
.not{background:#fff4e5;border-left:.3rem solid #b34d00;padding:.5rem 1rem}
.not ul{margin:.25rem 0;padding-left:1.25rem}
.state-down{color:#8f1d16;font-weight:700}
.state-warn{color:#7a4a00;font-weight:700}
.ok{color:#1b5e20;font-weight:600}
.banner{background:#fdecea;border-left:.3rem solid #8f1d16;padding:.5rem 1rem;font-weight:700}
.banner.warn{background:#fff4e5;border-left-color:#b34d00}
code.hash{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
.filters{margin:0 0 1rem;line-height:2}
body.kiosk{background:#000;color:#fff;min-height:100vh}
.display{min-height:100vh;display:flex;flex-direction:column;padding:clamp(1rem,3vw,3rem);gap:clamp(.4rem,1.8vh,2rem)}
.display .where{font-size:clamp(1rem,2.4vw,2rem);margin:0;color:#d0d0d0}
.reading{display:flex;align-items:center;gap:clamp(1rem,4vw,4rem);flex-wrap:wrap}
.big{font-size:clamp(3.5rem,min(24vw,32vh),22rem);font-weight:800;line-height:1;font-variant-numeric:tabular-nums}
.letter{font-size:clamp(2.5rem,min(12vw,16vh),11rem);font-weight:800;line-height:1;padding:.08em .3em;border-radius:.15em;background:#4a4a4a;color:#fff}
.line{font-size:clamp(1.25rem,min(5vw,7vh),4.5rem);line-height:1.15;margin:0;font-weight:700}
.line.en{color:#e0e0e0;font-weight:500}
.meta{font-size:clamp(1rem,min(2.2vw,3.2vh),2rem);color:#e0e0e0;margin:0;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
.state{display:inline-block;background:#ffd54f;color:#000;padding:.1em .5em;border-radius:.2em;font-weight:700}
.state[hidden]{display:none}
.display.is-stale .big,.display.is-stale .letter{opacity:.55}
.display footer{margin-top:auto;font-size:clamp(.95rem,min(1.8vw,2.6vh),1.6rem);color:#e0e0e0;border-top:1px solid #555;padding-top:1rem}
.display footer p{margin:.2rem 0}
.display footer .hash-line{font-size:.7em;color:#bdbdbd}
.url{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;color:#fff;word-break:break-all}
${LEVEL_COLOURS.map((c, i) => `.level-${i} .letter,.badge.level-${i}{background:${c}}`).join('\n')}
`;

/** A plain icon, so browsers do not ask for /favicon.ico. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1b7f3b"/><text x="16" y="23" font-family="sans-serif" font-size="20" font-weight="700" fill="#fff" text-anchor="middle">d</text></svg>
`;

/**
 * The display page's live updates: EventSource on /api/stream?sensor=…, reconnecting with back-off; staleness is
 * measured on the kiosk's monotonic clock since the last update, so a wrong wall clock cannot hide it.
 */
export const DISPLAY_JS = `'use strict';
(() => {
  const LABELS = ${JSON.stringify(LEVEL_LABELS)};
  const LETTERS = ${JSON.stringify(LEVEL_LETTERS)};
  const STATES = ${JSON.stringify(STATE_LABELS)};
  const DOWN = ${JSON.stringify(DOWN_STATES)};
  const GATEWAY = ${JSON.stringify(GATEWAY_STATES)};
  const root = document.getElementById('display');
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const sensor = root.dataset.sensor;
  const kFloor = Number(root.dataset.kfloor) || 0;
  const levelOnly = root.dataset.output === 'level';
  const staleAfterMs = (Number(root.dataset.staleAfter) || 180) * 1000;
  let lastSeen = root.dataset.age ? performance.now() - Number(root.dataset.age) * 1000 : null;
  let state = root.dataset.state || 'unknown';
  let connected = true;

  function describe(a) {
    const letter = LETTERS[a.level] || '?';
    const nl = LABELS.nl[a.level] || '';
    const en = LABELS.en[a.level] || '';
    if (a.count !== null) {
      const one = a.count === 1;
      return { letter, big: String(a.count), nl: a.count + (one ? ' persoon · ' : ' mensen · ') + nl, en: a.count + (one ? ' person · ' : ' people · ') + en };
    }
    if (a.level === 0 && !levelOnly && kFloor > 0) {
      return { letter, big: '<' + kFloor, nl: 'minder dan ' + kFloor + ' mensen · ' + nl, en: 'fewer than ' + kFloor + ' people · ' + en };
    }
    return { letter, big: letter, nl, en };
  }

  function refresh() {
    const down = DOWN.includes(state);
    const stale = lastSeen !== null && performance.now() - lastSeen > staleAfterMs;
    let text = '';
    if (!connected) text = 'verbinding verbroken / connection lost';
    else if (down) text = STATES[state].nl + ' / ' + STATES[state].en + ' · gegevens kunnen verouderd zijn / data may be out of date';
    else if (stale) text = 'verouderd / out of date';
    const el = $('state');
    el.textContent = text;
    el.hidden = text === '';
    root.classList.toggle('is-stale', text !== '');
  }

  function showAggregate(a) {
    if (!a || a.sensor !== sensor || typeof a.level !== 'number') return;
    const r = describe(a);
    $('big').textContent = r.big;
    $('letter').textContent = r.letter;
    $('letter').setAttribute('aria-label', 'niveau ' + r.letter + ' / level ' + r.letter);
    $('line-nl').textContent = r.nl;
    $('line-en').textContent = r.en;
    for (let i = 0; i < 6; i++) root.classList.remove('level-' + i);
    root.classList.add('level-' + a.level);
    const t = new Date(a.to * 1000);
    $('updated-time').textContent = t.toLocaleTimeString('nl-NL', { timeZone: ${JSON.stringify(DISPLAY_TIME_ZONE)}, hour: '2-digit', minute: '2-digit' });
    $('updated-time').setAttribute('datetime', t.toISOString());
    lastSeen = performance.now();
    refresh();
  }

  function showStatus(s) {
    if (!s || s.sensor !== sensor || !STATES[s.state]) return;
    if (GATEWAY.includes(state)) return; // suspended/expired/retired is the gateway's word, not the sensor's
    state = s.state;
    refresh();
  }

  function parse(text) {
    try { return JSON.parse(text); } catch { return null; }
  }

  let delay = 1000;
  function connect() {
    const es = new EventSource('/api/stream?sensor=' + encodeURIComponent(sensor));
    es.addEventListener('open', () => { connected = true; delay = 1000; refresh(); });
    es.addEventListener('aggregate', (e) => showAggregate(parse(e.data)));
    es.addEventListener('status', (e) => showStatus(parse(e.data)));
    es.addEventListener('error', () => {
      connected = false;
      refresh();
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      }
    });
  }

  setInterval(refresh, 5000);
  connect();
})();
`;
