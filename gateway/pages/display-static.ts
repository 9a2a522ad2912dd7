/**
 * The kiosk display's stylesheet part and its script (served by static.ts; no inline style or script anywhere).
 *
 * Colours meet WCAG 2.1 AA (contrast ≥ 4.5:1 for text; tests/gateway/display-states.browser.test.ts measures the
 * rendered page): white on every level colour, black on the stale yellow, white on the offline red and suspended
 * purple.
 */
import { readFileSync } from 'node:fs';
import { LEVEL_WORDS } from '../../shared/display-content.ts';
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
 * An ES module's text as part of one classic script (the page loads /static/display.js with a plain <script>): its
 * imports are the parts before it, its exports become plain declarations. Only the forms the two parts use.
 */
export function asScriptPart(module: string): string {
  return module.replace(/^\/\/ @ts-check\n/, '').replace(/^import [^;]*;\n/gm, '').replace(/^export (?=(?:async )?function |const |let )/gm, '');
}

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

/**
 * /static/display.js: the display words and mode rule the server uses too (shared/display-words.js), the live script
 * (display-client.js, both `// @ts-check`ed), started with the level words and the trend geometry.
 */
export const DISPLAY_JS = `'use strict';
(() => {
${asScriptPart(read('../../shared/display-words.js'))}
${asScriptPart(read('./display-client.js'))}
start(${JSON.stringify({ levels: LEVEL_WORDS, trend: TREND })});
})();
`;
