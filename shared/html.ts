/**
 * The `html` template tag: literal parts are markup, every interpolation goes through `esc()` unless it is already
 * `Html` (built by `html` itself). Shared by the gateway's pages (gateway/pages/layout.ts) and the printable sign
 * (display/sign-page.ts). Pure: no IO.
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
