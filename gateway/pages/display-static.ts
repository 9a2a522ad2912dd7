/**
 * The kiosk display's stylesheet part and its script (served by static.ts; no inline style or script anywhere).
 *
 * Colours meet WCAG 2.1 AA (contrast ≥ 4.5:1 for text; tests/gateway/display-states.browser.test.ts measures the
 * rendered page): white on every level colour, black on the stale yellow, white on the offline red and suspended
 * purple.
 */
import { LEVEL_LABELS, LEVEL_LETTERS } from '../../shared/density.ts';
import { DISPLAY_TIME_ZONE, MODE_TEXT } from '../../shared/display-content.ts';
import { TREND } from './display-trend.ts';

/** Level colours (white text on each has a contrast ratio ≥ 4.5:1); the letter carries the meaning too. */
export const LEVEL_COLOURS = ['#1b7f3b', '#3d7a22', '#8a6800', '#b34d00', '#b3261e', '#7b1fa2'];

export const KIOSK_CSS = `body.kiosk{background:#000;color:#fff;height:100vh;overflow:hidden}
.display{height:100vh;display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);grid-template-rows:auto minmax(0,1fr) auto;grid-template-areas:"where where" "now side" "about about";gap:1.6vh 2.6vw;padding:2.2vh 2.6vw;font-size:clamp(11px,min(2.35vh,1.32vw),40px);line-height:1.25}
.display .en{color:#d0d0d0;font-weight:400}
.display .where{grid-area:where;margin:0;font-size:1.45em;display:flex;gap:.3em 1em;flex-wrap:wrap;align-items:baseline}
.display .where .title{font-weight:800}
.display .where .place{color:#e0e0e0}
.display .now{grid-area:now;display:flex;flex-direction:column;justify-content:center;gap:.8vh;min-height:0;padding-left:1.6vw;border-left:.9vw solid #4a4a4a}
.display .reading{display:flex;align-items:center;gap:2.5vw;flex-wrap:nowrap}
.display .big{font-size:min(30vh,16vw);font-weight:800;line-height:.9;font-variant-numeric:tabular-nums;white-space:nowrap}
.display .letter{font-size:min(15vh,8vw);font-weight:800;line-height:1;padding:.06em .28em;border-radius:.14em;background:#4a4a4a;color:#fff}
.display .line{margin:0;font-size:2.5em;line-height:1.1;font-weight:800}
.display .line.en{font-size:1.75em;font-weight:500;color:#e0e0e0}
.display .updated{margin:.4vh 0 0;font-size:1.15em;color:#e0e0e0}
.display .state{margin:0;align-self:flex-start;font-size:2.1em;font-weight:800;line-height:1.15;padding:.15em .45em;border-radius:.15em;background:#ffd54f;color:#000}
.display .state .en{color:inherit;font-weight:700}
.display .conn{margin:0;align-self:flex-start;font-size:1.2em;font-weight:700;background:#ffd54f;color:#000;padding:.1em .4em;border-radius:.15em}
.display .conn .en{color:#000}
.display .conn[hidden]{display:none}
.display .reason{margin:0;font-size:1.2em;color:#e0e0e0}
.display .state[hidden]{display:none}
.display .side{grid-area:side;display:flex;flex-direction:column;gap:1.2vh;min-height:0;justify-content:center}
.display .trend-box{margin:0}
.display .trend-box figcaption{font-weight:700;font-size:1.05em}
.display svg.trend{display:block;width:100%;height:auto;max-height:27vh}
.display svg.trend .grid{stroke:#444;stroke-width:1}
.display svg.trend .axis{fill:#e0e0e0;font-size:15px;font-family:inherit}
.display svg.trend .line{fill:none;stroke:#fff;stroke-width:4;stroke-linejoin:round}
.display table.legend{border-collapse:collapse;width:100%;font-size:1em}
.display table.legend caption{text-align:left;font-weight:700;padding-bottom:.3em}
.display table.legend th,.display table.legend td{padding:.12em .35em;text-align:left;border-bottom:1px solid #333}
.display table.legend td.num{white-space:nowrap;font-variant-numeric:tabular-nums}
.display table.legend tr.current{outline:.18em solid #fff;font-weight:800}
.display .chip{display:inline-block;min-width:1.7em;text-align:center;font-weight:800;border-radius:.2em;color:#fff}
.display .about{grid-area:about;border-top:2px solid #555;padding-top:1vh;font-size:1.08em}
.display .about p{margin:.15em 0}
.display .url{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;color:#fff;word-break:break-all}
.display .register{font-size:1.15em}
.display .big-url{font-size:1.55em;font-weight:800}
.display .hash-line{font-size:.7em;color:#bdbdbd}
${LEVEL_COLOURS.map((c, i) => `.display.level-${i} .letter,.level-bg-${i}{background:${c};fill:${c}}\n.display.level-${i} .now{border-left-color:${c}}`).join('\n')}
body.kiosk.mode-stale{background:repeating-linear-gradient(135deg,#262000 0 3vw,#161300 3vw 6vw)}
.display.mode-stale .big{color:#c8c8c8}
.display.mode-stale .now{border-left-style:dashed;border-left-color:#ffd54f}
.display.mode-waiting .reading,.display.mode-offline .reading,.display.mode-expired .reading,.display.mode-suspended .reading,.display.mode-retired .reading{display:none}
.display.mode-waiting .state,.display.mode-offline .state,.display.mode-expired .state,.display.mode-suspended .state,.display.mode-retired .state{font-size:min(10vh,4.4vw)}
.display:not(.mode-live):not(.mode-stale) .state .en{display:block;font-size:.5em}
body.kiosk.mode-waiting{background:#0d1b2a}
.display.mode-waiting .state{background:#e8e8e8;color:#000}
.display.mode-waiting .now{border-left-color:#e8e8e8}
body.kiosk.mode-offline{background:#2a0606}
.display.mode-offline .state{background:#b3261e;color:#fff}
.display.mode-offline .now{border-left-color:#b3261e}
body.kiosk.mode-expired,body.kiosk.mode-retired{background:#1e1e1e}
.display.mode-expired .state,.display.mode-retired .state{background:#5f6368;color:#fff}
.display.mode-expired .now,.display.mode-retired .now{border-left-color:#9e9e9e}
body.kiosk.mode-suspended{background:#1f0a2b}
.display.mode-suspended .state{background:#7b1fa2;color:#fff}
.display.mode-suspended .now{border-left-color:#ce93d8}
.display:not(.mode-live):not(.mode-stale) tr.current{outline:none;font-weight:400}
.display:not(.mode-live):not(.mode-stale) #mode-word,.display:not(.mode-offline) #last-reading{display:none}
@media (max-aspect-ratio:1/1){.display{grid-template-columns:1fr;grid-template-rows:auto auto minmax(0,1fr) auto;grid-template-areas:"where" "now" "side" "about"}}
`;

/**
 * Live updates: EventSource on /api/stream?sensor=…, reconnecting with back-off. The state word follows the same
 * rules as shared/display-content.ts displayMode; age is measured on the kiosk's monotonic clock since the gateway's own
 * age at page load, so a wrong wall clock cannot hide a stale sensor. The first events after (re)connecting replay
 * the latest aggregate: an aggregate no newer than the one shown is not news.
 */
export const DISPLAY_JS = `'use strict';
(() => {
  const LABELS = ${JSON.stringify(LEVEL_LABELS)};
  const LETTERS = ${JSON.stringify(LEVEL_LETTERS)};
  const MODES = ${JSON.stringify(MODE_TEXT)};
  const TREND = ${JSON.stringify(TREND)};
  const TZ = ${JSON.stringify(DISPLAY_TIME_ZONE)};
  const root = document.getElementById('display');
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const sensor = root.dataset.sensor;
  const kFloor = Number(root.dataset.kfloor) || 0;
  const levelOnly = root.dataset.output === 'level';
  const staleAfterMs = (Number(root.dataset.staleAfter) || 180) * 1000;
  const offlineAfterMs = (Number(root.dataset.offlineAfter) || 600) * 1000;
  let lastSeen = root.dataset.age ? performance.now() - Number(root.dataset.age) * 1000 : null;
  let latestTo = Number(root.dataset.latestTo) || null;
  let latest = null;
  let state = root.dataset.state || 'unknown';
  let connected = true;
  const svg = $('trend');
  let points = [];
  try { points = JSON.parse(svg.dataset.points || '[]'); } catch { points = []; }

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

  function mode() {
    if (state === 'suspended' || state === 'expired' || state === 'retired') return state;
    if (state === 'offline' || state === 'fault') return 'offline';
    if (lastSeen === null) return 'waiting';
    const age = performance.now() - lastSeen;
    if (age > offlineAfterMs) return 'offline';
    if (age > staleAfterMs) return 'stale';
    return 'live';
  }

  const time = (to) => new Date(to * 1000).toLocaleTimeString('nl-NL', { timeZone: TZ, hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

  function drawTrend() {
    if (!svg || latestTo === null) return;
    const end = latestTo;
    const inside = points.filter((p) => p[0] > end - TREND.spanSeconds && p[0] <= end);
    const x = (to) => TREND.left + ((to - (end - TREND.spanSeconds)) / TREND.spanSeconds) * (TREND.right - TREND.left);
    const y = (level) => TREND.top + (5 - level) * TREND.step;
    const out = [];
    inside.forEach((p, i) => {
      const startX = i === 0 ? x(p[0]) - 4 : x(inside[i - 1][0]);
      out.push(Math.max(TREND.left, startX).toFixed(1) + ',' + y(p[1]), x(p[0]).toFixed(1) + ',' + y(p[1]));
    });
    $('trend-line').setAttribute('points', out.join(' '));
    points = inside;
  }

  /** Everything that depends on the mode and the latest reading. */
  function render() {
    const m = mode();
    const current = (m === 'live' || m === 'stale') && latest !== null;
    const r = latest ? describe(latest) : null;
    const cls = root.className.split(' ').filter((c) => !/^mode-|^level-/.test(c));
    cls.push('mode-' + m);
    if (latest) cls.push('level-' + latest.level);
    const next = cls.join(' ');
    if (root.className !== next) root.className = next;
    document.body.className = 'kiosk mode-' + m;
    root.dataset.mode = m;
    const text = MODES[m];
    const banner = $('state');
    banner.hidden = m === 'live';
    $('state-nl').textContent = text.word;
    $('state-en').textContent = text.wordEn ? '/ ' + text.wordEn : '';
    $('conn').hidden = connected;
    if (r && current) {
      $('big').textContent = r.big;
      $('line-nl').textContent = r.nl;
      $('line-en').textContent = r.en;
    } else {
      $('big').textContent = '–';
      $('line-nl').textContent = text.nl;
      $('line-en').textContent = text.en;
    }
    if (r) {
      $('letter').textContent = r.letter;
      $('letter').setAttribute('aria-label', 'niveau ' + r.letter + ' / level ' + r.letter);
    }
    $('last-reading').textContent = r && !current ? ' · ' + r.nl + ' / ' + r.en : '';
    $('mode-word').firstChild.textContent = ' · ' + text.nl + ' ';
    $('mode-word').lastElementChild.textContent = '/ ' + text.en;
    for (const row of document.querySelectorAll('#legend tr.lv')) row.classList.toggle('current', !!latest && Number(row.dataset.level) === latest.level);
  }

  function showAggregate(a) {
    if (!a || a.sensor !== sensor || typeof a.level !== 'number' || typeof a.to !== 'number') return;
    if (latestTo !== null && a.to <= latestTo && latest !== null) return; // a replay after (re)connecting
    const isNew = latestTo === null || a.to > latestTo;
    latest = a;
    if (isNew) {
      latestTo = a.to;
      lastSeen = performance.now();
      points.push([a.to, a.level]);
      drawTrend();
    }
    const t = new Date(a.to * 1000);
    $('updated-time').textContent = time(a.to);
    $('updated-time').setAttribute('datetime', t.toISOString());
    render();
  }

  function showStatus(s) {
    if (!s || s.sensor !== sensor || typeof s.state !== 'string' || !/^[a-z]{1,20}$/.test(s.state)) return;
    // The register's verdicts outrank what the sensor says about itself.
    if (state === 'expired' || state === 'retired' || state === 'suspended') return;
    state = s.state;
    render();
  }

  function parse(text) {
    try { return JSON.parse(text); } catch { return null; }
  }

  let delay = 1000;
  function connect() {
    const es = new EventSource('/api/stream?sensor=' + encodeURIComponent(sensor));
    es.addEventListener('open', () => { connected = true; delay = 1000; render(); });
    es.addEventListener('aggregate', (e) => showAggregate(parse(e.data)));
    es.addEventListener('status', (e) => showStatus(parse(e.data)));
    es.addEventListener('error', () => {
      connected = false;
      render();
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      }
    });
  }

  // The register's verdicts (expired at the end of the expiry day, retired, suspended, or a suspension lifted) do not
  // come over the event stream: read the public register entry every minute.
  const VERDICTS = ['expired', 'retired', 'suspended'];
  async function checkRegister() {
    try {
      const res = await fetch('/api/sensors/' + encodeURIComponent(sensor), { headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      const d = await res.json();
      if (typeof d.state !== 'string') return;
      if (VERDICTS.includes(d.state) || VERDICTS.includes(state)) {
        state = d.state;
        const reason = $('suspension');
        if (reason && d.suspension && typeof d.suspension.reason === 'string') reason.textContent = 'Reden / reason: ' + d.suspension.reason;
        render();
      }
    } catch {
      // the event stream reports the connection; nothing to add here
    }
  }

  setInterval(render, 1000);
  setInterval(checkRegister, 60000);
  connect();
})();
`;
