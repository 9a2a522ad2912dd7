/**
 * HTML building blocks. Every value that is not a literal of this file goes through `esc()`; pages are built
 * with the `html` tag, which escapes interpolations unless they are already `Html` (built by `html` itself).
 */

/** Trusted markup (made by the `html` tag). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return esc(part);
}

/** Template tag: literal parts are markup, interpolations are escaped (arrays are joined). */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((part, i) => {
    out += render(part) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

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
