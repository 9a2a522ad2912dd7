// @ts-check
/**
 * The kiosk display's live script (served as /static/display.js by gateway/pages/display-static.ts, which puts it
 * after shared/display-words.js in one classic script and calls `start` with the server's level words and trend
 * geometry). Checked by tsc with the DOM library (tsconfig.browser.json) and linted by ESLint.
 *
 * Live updates: EventSource on /api/stream?sensor=…, reconnecting with back-off. The mode follows the same rule as
 * the server (modeOf); age is measured on the kiosk's monotonic clock since the gateway's own age at page load, so
 * a wrong wall clock cannot hide a stale sensor. The first events after (re)connecting replay the latest aggregate:
 * an aggregate no newer than the one shown is not news.
 */
import { describeWith, DISPLAY_TIME_ZONE, MODE_TEXT, modeOf } from '../../shared/display-words.js';

/**
 * @typedef {object} DisplayData What the server serialises into the script.
 * @property {import('../../shared/display-words.js').LevelWords} levels the level letters and labels (shared/density.ts)
 * @property {{ left: number, right: number, top: number, step: number, spanSeconds: number }} trend the trend's geometry (display-trend.ts TREND)
 */
/** @typedef {{ sensor: string, level: number, count: number | null, to: number }} ShownAggregate */

/** @param {DisplayData} data */
export function start(data) {
  const TREND = data.trend;
  const root = document.getElementById('display');
  if (!root) return;
  /** Every element the script touches is rendered by the server (gateway/pages/display.ts). */
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const sensor = root.dataset.sensor ?? '';
  const kFloor = Number(root.dataset.kfloor) || 0;
  const output = root.dataset.output;
  const staleAfter = Number(root.dataset.staleAfter) || 180;
  const offlineAfter = Number(root.dataset.offlineAfter) || 600;
  /** @type {number | null} */
  let lastSeen = root.dataset.age ? performance.now() - Number(root.dataset.age) * 1000 : null;
  /** @type {number | null} */
  let latestTo = Number(root.dataset.latestTo) || null;
  /** @type {ShownAggregate | null} */
  let latest = null;
  let state = root.dataset.state || 'unknown';
  let connected = true;
  const svg = document.getElementById('trend');
  /** @type {[number, number][]} */
  let points = [];
  try {
    points = JSON.parse(svg?.dataset.points || '[]');
  } catch {
    points = [];
  }

  const mode = () => modeOf(state, lastSeen === null ? null : (performance.now() - lastSeen) / 1000, staleAfter, offlineAfter);
  const time = (/** @type {number} */ to) => new Date(to * 1000).toLocaleTimeString('nl-NL', { timeZone: DISPLAY_TIME_ZONE, hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });

  function drawTrend() {
    if (!svg || latestTo === null) return;
    const end = latestTo;
    const inside = points.filter((p) => p[0] > end - TREND.spanSeconds && p[0] <= end);
    const x = (/** @type {number} */ to) => TREND.left + ((to - (end - TREND.spanSeconds)) / TREND.spanSeconds) * (TREND.right - TREND.left);
    const y = (/** @type {number} */ level) => TREND.top + (5 - level) * TREND.step;
    /** @type {string[]} */
    const out = [];
    inside.forEach((p, i) => {
      const before = inside[i - 1];
      const startX = before ? x(before[0]) : x(p[0]) - 4;
      out.push(`${Math.max(TREND.left, startX).toFixed(1)},${y(p[1])}`, `${x(p[0]).toFixed(1)},${y(p[1])}`);
    });
    $('trend-line').setAttribute('points', out.join(' '));
    points = inside;
  }

  /** Everything that depends on the mode and the latest reading. */
  function render() {
    if (!root) return;
    const m = mode();
    const current = (m === 'live' || m === 'stale') && latest !== null;
    const r = latest ? describeWith(latest, { kFloor, output }, data.levels) : null;
    const cls = root.className.split(' ').filter((c) => !/^mode-|^level-/.test(c));
    cls.push(`mode-${m}`);
    if (latest) cls.push(`level-${latest.level}`);
    const next = cls.join(' ');
    if (root.className !== next) root.className = next;
    document.body.className = `kiosk mode-${m}`;
    root.dataset.mode = m;
    const text = MODE_TEXT[m];
    $('state').hidden = m === 'live';
    $('state-nl').textContent = text.word;
    $('state-en').textContent = text.wordEn ? `/ ${text.wordEn}` : '';
    $('conn').hidden = connected;
    $('big').textContent = r && current ? r.big : '–';
    $('line-nl').textContent = r && current ? r.nl : text.nl;
    $('line-en').textContent = r && current ? r.en : text.en;
    if (r) {
      $('letter').textContent = r.letter;
      $('letter').setAttribute('aria-label', `niveau ${r.letter} / level ${r.letter}`);
    }
    $('last-reading').textContent = r && !current ? ` · ${r.nl} / ${r.en}` : '';
    const word = $('mode-word');
    if (word.firstChild) word.firstChild.textContent = ` · ${text.nl} `;
    if (word.lastElementChild) word.lastElementChild.textContent = `/ ${text.en}`;
    for (const row of document.querySelectorAll('#legend tr.lv')) {
      if (row instanceof HTMLElement) row.classList.toggle('current', !!latest && Number(row.dataset.level) === latest.level);
    }
  }

  /** @param {unknown} x */
  function showAggregate(x) {
    const a = /** @type {Partial<ShownAggregate> | null} */ (x);
    if (!a || a.sensor !== sensor || typeof a.level !== 'number' || typeof a.to !== 'number') return;
    if (latestTo !== null && a.to <= latestTo && latest !== null) return; // a replay after (re)connecting
    const isNew = latestTo === null || a.to > latestTo;
    latest = { sensor: a.sensor, level: a.level, count: typeof a.count === 'number' ? a.count : null, to: a.to };
    if (isNew) {
      latestTo = a.to;
      lastSeen = performance.now();
      points.push([a.to, a.level]);
      drawTrend();
    }
    $('updated-time').textContent = time(a.to);
    $('updated-time').setAttribute('datetime', new Date(a.to * 1000).toISOString());
    render();
  }

  /** @param {unknown} x */
  function showStatus(x) {
    const s = /** @type {{ sensor?: unknown, state?: unknown } | null} */ (x);
    if (!s || s.sensor !== sensor || typeof s.state !== 'string' || !/^[a-z]{1,20}$/.test(s.state)) return;
    // The register's verdicts outrank what the sensor says about itself.
    if (state === 'expired' || state === 'retired' || state === 'suspended') return;
    state = s.state;
    render();
  }

  /** @param {string} text @returns {unknown} */
  function parse(text) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  let delay = 1000;
  function connect() {
    const es = new EventSource('/api/stream?sensor=' + encodeURIComponent(sensor));
    es.addEventListener('open', () => {
      connected = true;
      delay = 1000;
      render();
    });
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
      const d = /** @type {{ state?: unknown, suspension?: { reason?: unknown } }} */ (await res.json());
      if (typeof d.state !== 'string') return;
      if (VERDICTS.includes(d.state) || VERDICTS.includes(state)) {
        state = d.state;
        const reason = document.getElementById('suspension');
        if (reason && typeof d.suspension?.reason === 'string') reason.textContent = `Reden / reason: ${d.suspension.reason}`;
        render();
      }
    } catch {
      // the event stream reports the connection; nothing to add here
    }
  }

  setInterval(render, 1000);
  setInterval(() => void checkRegister(), 60000);
  connect();
}
