/**
 * HTML building blocks. Every value that is not a literal of this file goes through `esc()`; pages are built
 * with the `html` tag, which escapes interpolations unless they are already `Html` (built by `html` itself).
 */

import { html, type Html } from '../../shared/html.ts';

// The tag lives in shared/html.ts (the sign page uses it too); re-exported for the pages that import it from here.
export { esc, html, Html } from '../../shared/html.ts';

export interface PageOptions {
  title: string;
  /** Extra class on <body>, e.g. "kiosk". */
  bodyClass?: string;
  /** Same-origin scripts to load (no inline script: the CSP forbids it). */
  scripts?: string[];
  /** Extra same-origin stylesheets after /static/style.css. */
  styles?: string[];
  lang?: string;
  /** Extra markup in <head> (e.g. the kiosk's <noscript> meta refresh). */
  head?: Html;
}

export function page(opts: PageOptions, body: Html): string {
  return html`<!doctype html>
<html lang="${opts.lang ?? 'nl'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${opts.title}</title>
<link rel="stylesheet" href="/static/style.css">
${(opts.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
<link rel="icon" href="/static/icon.svg" type="image/svg+xml">
${(opts.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
${opts.head ?? ''}
</head>
<body class="${opts.bodyClass ?? ''}">
${body}
</body>
</html>
`.value;
}

/** The common header of the register pages. */
export function header(): Html {
  return html`<header class="site"><a href="/">drukte</a> <span class="muted">sensorregister · sensor register</span></header>`;
}

export function notFoundPage(what: string): string {
  return page(
    { title: 'Niet gevonden / Not found' },
    html`${header()}<main class="page">
<h1>Niet gevonden <span class="en">/ Not found</span></h1>
<p>${what}</p>
<p><a href="/">Naar het sensorregister / To the sensor register</a></p>
</main>`,
  );
}
