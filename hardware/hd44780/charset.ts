/**
 * Text → HD44780 character codes (ROM code A00, the Japanese ROM on nearly every module sold) and back.
 *
 * A00 (datasheet table 4): 0x20–0x7D are ASCII except 0x5C (¥); 0x7E is →, 0x7F is ←; 0xA5 is a middle dot; a few
 * Latin letters live in the upper half (ä 0xE1, ß 0xE2, µ 0xE4, ñ 0xEE, ö 0xEF, ü 0xF5, ° 0xDF). Codes 0x00–0x07
 * (mirrored at 0x08–0x0F) are the eight user-defined CGRAM characters; 0x10–0x1F hold no character.
 *
 * Dutch text is transliterated: letters with accents the ROM lacks lose them (é → e, ë → e, ĳ → ij), typographic
 * punctuation becomes ASCII (– → -, ’ → '), ² → 2, € → EUR; anything else becomes '?'.
 */

const UPPER: Readonly<Record<string, number>> = { 'ä': 0xe1, 'ß': 0xe2, 'µ': 0xe4, 'ñ': 0xee, 'ö': 0xef, 'ü': 0xf5, '°': 0xdf, '·': 0xa5, '→': 0x7e, '←': 0x7f };
const REPLACE: Readonly<Record<string, string>> = {
  '–': '-', '—': '-', '‑': '-', '’': "'", '‘': "'", '“': '"', '”': '"', '…': '...', '²': '2', '³': '3', '€': 'EUR', '\\': '/', '~': '-',
  'ĳ': 'ij', 'Ĳ': 'IJ', '×': 'x', '≤': '<', '≥': '>', '\u00a0': ' ', '\u202f': ' ',
};

/** Level-bar glyphs (the LCD defines them in CGRAM 0–4: 1…5 pixel columns lit). */
export const BAR_GLYPHS = ['▏', '▎', '▌', '▊', '█'] as const;

/** CGRAM bitmaps (8 rows × 5 bits) for BAR_GLYPHS: `n` columns lit from the left, the cursor row (8th) blank. */
export function barBitmap(columns: number): number[] {
  const row = (0x1f << (5 - columns)) & 0x1f;
  return [row, row, row, row, row, row, row, 0];
}

/** One character → its A00 code(s). */
function encodeChar(ch: string, out: number[]): void {
  const bar = BAR_GLYPHS.indexOf(ch as (typeof BAR_GLYPHS)[number]);
  if (bar >= 0) return void out.push(bar);
  const code = ch.codePointAt(0)!;
  if (code >= 0x20 && code <= 0x7d && ch !== '\\') return void out.push(code);
  if (UPPER[ch] !== undefined) return void out.push(UPPER[ch]);
  if (REPLACE[ch] !== undefined) return void out.push(...[...REPLACE[ch]].map((c) => c.charCodeAt(0)));
  // Strip accents the ROM does not have (NFD splits é into e + U+0301).
  const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  if (base !== ch && base.length > 0) return void [...base].forEach((c) => encodeChar(c, out));
  out.push(0x3f); // '?'
}

/** `text` as A00 codes. The result can be longer than `text` (€ → EUR). */
export function encodeText(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) encodeChar(ch, out);
  return out;
}

/** `text` as exactly `width` codes: cut, or padded with spaces. */
export function encodeLine(text: string, width: number): number[] {
  const codes = encodeText(text).slice(0, width);
  while (codes.length < width) codes.push(0x20);
  return codes;
}

const DECODE_UPPER = new Map(Object.entries(UPPER).map(([ch, code]) => [code, ch]));

/** What a person sees for a ROM code (CGRAM codes are decoded by the caller, who knows the bitmaps). */
export function decodeRom(code: number): string {
  if (code === 0x5c) return '¥';
  if (code >= 0x20 && code <= 0x7d) return String.fromCharCode(code);
  return DECODE_UPPER.get(code) ?? '?';
}

/** Codes with no glyph in ROM A00 (a driver that swaps nibbles writes these for letters such as 'A' → 0x14). */
export function isUndefinedCode(code: number): boolean {
  return code >= 0x10 && code <= 0x1f;
}
