/**
 * The printable sign (A4 or A5, portrait) as one self-contained HTML file: no scripts, no external resources, black
 * on white, the register URL in the largest type after the title. Text from shared/sign-text.ts (the same words as
 * SIGN.txt). Printed to PDF by Chromium in `drukte sign`.
 */
import { signSections, type SignSensor } from '../shared/sign-text.ts';
import { html } from '../shared/html.ts';

export type SignSize = 'a4' | 'a5';

export function signPage(s: SignSensor, size: SignSize): string {
  const c = signSections(s);
  // Sizes in mm so the print is the same on every printer; A5 is A4 scaled by 1/√2.
  const k = size === 'a4' ? 1 : 0.71;
  const mm = (x: number) => `${(x * k).toFixed(1)}mm`;
  const css = `@page{size:${size.toUpperCase()} portrait;margin:${mm(12)}}
*{box-sizing:border-box}
html,body{margin:0;background:#fff;color:#000;font-family:"DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif}
.sign{border:${mm(1.2)} solid #000;padding:${mm(8)};min-height:calc(100vh - 1px);display:flex;flex-direction:column;gap:${mm(3)}}
h1{font-size:${mm(11)};line-height:1.1;margin:0}
h1 .en{display:block;font-size:${mm(7)};font-weight:400;margin-top:${mm(1.5)}}
.where{font-size:${mm(4.2)};margin:0}
h2{font-size:${mm(5)};margin:${mm(2)} 0 ${mm(0.8)};border-bottom:${mm(0.4)} solid #000}
h2 .en{font-weight:400}
p{margin:0 0 ${mm(1)};font-size:${mm(4.4)};line-height:1.3}
p.en{color:#222;font-style:italic}
.not p{font-size:${mm(4)}}
.url{margin-top:auto;border-top:${mm(1)} solid #000;padding-top:${mm(4)}}
.url .label{font-size:${mm(4.6)};margin:0}
.url .big{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:${mm(8.5)};font-weight:700;overflow-wrap:anywhere;line-height:1.15;margin:${mm(1)} 0 0}
.id{font-size:${mm(3.4)};margin-top:${mm(2)}}`;
  return html`<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>${c.title.nl} — ${s.id}</title>
<style>${css}</style>
</head>
<body>
<main class="sign" data-size="${size}">
<h1>${c.title.nl}<span class="en" lang="en">${c.title.en}</span></h1>
<p class="where">${s.location.description}</p>
${c.sections.filter((sec) => !sec.nl.startsWith('Meer weten')).map((sec) => html`<section class="${sec.nl.includes('NIET') ? 'not' : ''}">
<h2>${sec.nl} <span class="en" lang="en">/ ${sec.en}</span></h2>
${sec.lines.map((l) => (l.nl === l.en ? html`<p>${l.nl}</p>` : html`<p>${l.nl}</p><p class="en" lang="en">${l.en}</p>`))}
</section>`)}
<div class="url">
<p class="label">Meer weten, vragen of bezwaar: <span lang="en">More, questions or objections:</span></p>
<p class="big" id="register-url">${c.registerUrl.split(/(?<=[^/]\/)(?!\/)/).map((part, i) => (i ? html`<wbr>${part}` : part))}</p>
<p class="id">Sensor ${s.id} · drukte</p>
</div>
</main>
</body>
</html>
`.value;
}
