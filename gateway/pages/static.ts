/**
 * Static assets, served from memory: the stylesheet and the display script. No inline script or style exists
 * anywhere (the CSP forbids both), and nothing is loaded from other hosts.
 */
import { DISPLAY_JS, KIOSK_CSS, LEVEL_COLOURS } from './display-static.ts';


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
${LEVEL_COLOURS.map((c, i) => `.badge.level-${i}{background:${c}}`).join('\n')}
${KIOSK_CSS}
`;

/** A plain icon, so browsers do not ask for /favicon.ico. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1b7f3b"/><text x="16" y="23" font-family="sans-serif" font-size="20" font-weight="700" fill="#fff" text-anchor="middle">d</text></svg>
`;

export { DISPLAY_JS };
