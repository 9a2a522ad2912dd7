/**
 * The register's charts: uPlot (MIT, npm `uplot`), served by the gateway itself from node_modules (no CDN, nothing
 * from the internet at run time). Chosen because it is one ~50 kB file without dependencies, draws time series on a
 * canvas, leaves null points as gaps and sets styles only through the DOM (our CSP forbids inline style and script).
 *
 * The page holds <figure class="chart" data-src="/api/…/chart?range=24h">; /static/charts.js fetches the series
 * (gateway/http/charts.ts) and draws: people (stepped line), level A–F (right axis), and below the k floor a grey band
 * from 0 to k labelled "fewer than k" (never a 0), gaps as gaps. A text summary under each chart says the same
 * for people who cannot see it, and the CSV link is always there.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { LEVEL_LETTERS } from '../../shared/density.ts';
import { DISPLAY_TIME_ZONE } from './format.ts';
import { html, type Html } from './layout.ts';

const require = createRequire(import.meta.url);
let uplot: { js: string; css: string } | null = null;

/** uPlot's own files, read once. */
export function uplotAssets(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

export const PAGES_CSS = `table.grid{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.98rem}
table.grid th,table.grid td{border-bottom:1px solid var(--line,#c8c8c8);padding:.4rem .5rem;text-align:left;vertical-align:top}
table.grid th{background:#f3f3f3}
.table-wrap{overflow-x:auto}
ul.plain{list-style:none;margin:0;padding:0}
.attn{display:inline-block;border-radius:.3em;padding:0 .4em;margin:0 .2em .2em 0;font-weight:700;font-size:.9em;background:#e0e0e0;color:#111}
.attn-alert,.attn-suspended,.attn-fault{background:#8f1d16;color:#fff}
.attn-silent,.attn-expired{background:#b34d00;color:#fff}
.attn-expiring,.attn-refusing{background:#ffd54f;color:#000}
.attn-ok{background:#1b7f3b;color:#fff}
figure.chart{margin:0 0 1.25rem;border:1px solid var(--line,#c8c8c8);border-radius:.5rem;padding:.5rem .75rem}
figure.chart figcaption{font-weight:600;margin-bottom:.25rem}
.chart-box{min-height:240px;width:100%;overflow:hidden}
.chart-summary{font-size:.95rem;color:#4a4a4a;margin:.25rem 0 0}
figure.chart[data-state="error"] .chart-box{min-height:0}
.u-legend{font-size:.9rem}
`;

/** Stylesheet of the tables and charts of the register's extra pages. */
export const PAGES_STYLES = ['/static/pages.css'];
export const CHART_PAGE_ASSETS = { scripts: ['/static/uplot.js', '/static/charts.js'], styles: ['/static/uplot.css', ...PAGES_STYLES] };

export const CHARTS_JS = `'use strict';
(() => {
  const LETTERS = ${JSON.stringify(LEVEL_LETTERS)};
  const TZ = ${JSON.stringify(DISPLAY_TIME_ZONE)};
  const figures = document.querySelectorAll('figure.chart[data-src]');
  for (const fig of figures) load(fig);

  async function load(fig) {
    fig.dataset.state = 'loading';
    const summary = fig.querySelector('.chart-summary');
    try {
      const res = await fetch(fig.dataset.src, { headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      draw(fig, await res.json());
    } catch (err) {
      fig.dataset.state = 'error';
      summary.textContent = 'Grafiek niet beschikbaar / Chart unavailable (' + err.message + ')';
    }
  }

  function draw(fig, s) {
    const box = fig.querySelector('.chart-box');
    const withCount = fig.dataset.count === '1';
    const k = s.kFloor;
    const stepped = uPlot.paths.stepped({ align: 1 });
    const line = { paths: stepped, spanGaps: false, points: { show: false } };
    const series = [{ label: 'tijd / time' }];
    const data = [s.t];
    const long = s.to - s.from > 2 * 86400;
    const fmt = new Intl.DateTimeFormat('nl-NL', long ? { timeZone: TZ, day: 'numeric', month: 'short' } : { timeZone: TZ, hour: '2-digit', minute: '2-digit' });
    const axes = [{ values: (u, splits) => splits.map((ts) => fmt.format(new Date(ts * 1000))) }];
    if (withCount) {
      if (k !== null) {
        series.push({ ...line, label: 'minder dan ' + k + ' / fewer than ' + k, scale: 'n', stroke: '#8a8a8a', fill: 'rgba(138,138,138,0.35)', width: 1,
          value: (u, v) => (v == null ? '–' : '< ' + k) });
        data.push(s.belowK.map((b) => (b ? k : null)));
      }
      series.push({ ...line, label: 'mensen / people', scale: 'n', stroke: '#0a4fc4', width: 2 });
      data.push(s.count);
      axes.push({ scale: 'n', label: 'mensen / people' });
    }
    series.push({ ...line, label: 'niveau / level', scale: 'lvl', stroke: '#b34d00', width: 2, ...(withCount ? { dash: [6, 4] } : {}),
      value: (u, v) => (v == null ? '–' : LETTERS[v]) });
    data.push(s.level);
    axes.push({ scale: 'lvl', side: withCount ? 1 : 3, label: 'niveau / level', splits: () => [0, 1, 2, 3, 4, 5], values: (u, vals) => vals.map((v) => LETTERS[v] ?? ''), grid: { show: !withCount } });
    const countMax = Math.max(k ?? 0, ...s.count.filter((v) => v !== null));
    const opts = {
      width: Math.max(280, box.clientWidth || 600),
      height: 240,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TZ),
      scales: { x: { time: true, range: [s.from, s.to] }, n: { range: [0, Math.max(5, Math.ceil(countMax * 1.1))] }, lvl: { range: [0, 5] } },
      series,
      axes,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(opts, data, box);
    new ResizeObserver(() => plot.setSize({ width: Math.max(280, box.clientWidth), height: 240 })).observe(box);
    const m = s.summary;
    fig.dataset.state = 'ready';
    fig.dataset.measured = String(m.measured);
    fig.dataset.belowK = String(m.belowK);
    fig.dataset.gaps = String(m.gaps);
    const minutes = s.bucketSeconds / 60;
    fig.querySelector('.chart-summary').textContent =
      'Per ' + minutes + ' min het hoogste niveau en aantal: ' + m.measured + ' met metingen' + (k !== null && withCount ? ', ' + m.belowK + ' met minder dan ' + k + ' mensen' : '') + ', ' + m.gaps + ' zonder gegevens (gat). ' +
      '/ Per ' + minutes + ' min the highest level and count: ' + m.measured + ' with measurements' + (k !== null && withCount ? ', ' + m.belowK + ' with fewer than ' + k + ' people' : '') + ', ' + m.gaps + ' without data (gap).';
  }
})();
`;

const RANGES = [
  { range: '24h', nl: 'Laatste 24 uur', en: 'Last 24 hours' },
  { range: '7d', nl: 'Laatste 7 dagen', en: 'Last 7 days' },
];

/** One chart of the last 24 hours (the areas index). */
export function smallChart(kind: 'sensors' | 'areas', id: string, withCount: boolean): Html {
  return html`<figure class="chart" data-src="/api/${kind}/${encodeURIComponent(id)}/chart?range=24h" data-count="${withCount ? '1' : '0'}">
<figcaption>${id} · laatste 24 uur <span class="en">/ last 24 hours</span></figcaption>
<div class="chart-box"></div>
<p class="chart-summary">Grafiek laden… / Loading chart…</p>
</figure>`;
}

/** The two charts (24 hours, 7 days) of a sensor or an area, with the history links. */
export function chartSection(kind: 'sensors' | 'areas', id: string, withCount: boolean): Html {
  const path = `/api/${kind}/${encodeURIComponent(id)}`;
  return html`<h2>Verloop <span class="en">/ History</span></h2>
${RANGES.map((r) => html`<figure class="chart" id="chart-${r.range}" data-src="${path}/chart?range=${r.range}" data-count="${withCount ? '1' : '0'}">
<figcaption>${r.nl} <span class="en">/ ${r.en}</span></figcaption>
<div class="chart-box"></div>
<p class="chart-summary">Grafiek laden… / Loading chart…</p>
</figure>`)}
<p class="muted">Gegevens / Data: <a href="${path}/history">JSON</a> · <a href="${path}/history?format=csv">CSV</a> (24 uur / hours; <code>?from=&amp;to=</code> voor meer / for more)</p>`;
}
