/**
 * The kiosk's "last hour" trend: the level of each accepted aggregate as a step line, drawn as inline SVG on the
 * server (so it is there without JavaScript) and redrawn by /static/display.js with the same geometry (TREND below).
 * No chart library: six levels and an hour of windows need a polyline.
 */
import { LEVEL_LETTERS } from '../../shared/density.ts';
import { html, type Html } from './layout.ts';

/** viewBox geometry, shared with the display script. */
export const TREND = { width: 600, height: 150, left: 34, right: 590, top: 12, step: 22, spanSeconds: 3600 } as const;

export interface TrendPoint {
  to: number;
  level: number;
}

const x = (to: number, end: number) => TREND.left + ((to - (end - TREND.spanSeconds)) / TREND.spanSeconds) * (TREND.right - TREND.left);
const y = (level: number) => TREND.top + (5 - level) * TREND.step;

/** The polyline's points: a step per window, ending at `end` (Unix s). */
export function trendPoints(points: readonly TrendPoint[], end: number): string {
  const inside = points.filter((p) => p.to > end - TREND.spanSeconds && p.to <= end);
  const out: string[] = [];
  inside.forEach((p, i) => {
    const startX = i === 0 ? x(p.to, end) - 4 : x(inside[i - 1]!.to, end);
    out.push(`${Math.max(TREND.left, startX).toFixed(1)},${y(p.level)}`, `${x(p.to, end).toFixed(1)},${y(p.level)}`);
  });
  return out.join(' ');
}

export function trendSvg(points: readonly TrendPoint[], end: number | null): Html {
  const base = y(0) + 14;
  return html`<svg id="trend" class="trend" viewBox="0 0 ${TREND.width} ${TREND.height}" role="img" aria-labelledby="trend-title" data-end="${end ?? ''}" data-points="${JSON.stringify(points.map((p) => [p.to, p.level]))}">
<title id="trend-title">Drukteniveau in het laatste uur / Level in the last hour</title>
${LEVEL_LETTERS.map((l, i) => html`<line class="grid" x1="${TREND.left}" x2="${TREND.right}" y1="${y(i)}" y2="${y(i)}"></line><rect class="band level-bg-${i}" x="${TREND.left - 8}" y="${y(i) - 8}" width="5" height="16"></rect><text class="axis" x="${TREND.left - 12}" y="${y(i) + 5}" text-anchor="end">${l}</text>`)}
<polyline id="trend-line" class="line" points="${end === null ? '' : trendPoints(points, end)}"></polyline>
<text class="axis" x="${TREND.left}" y="${base}" text-anchor="start">−60 min</text>
<text class="axis" x="${TREND.right}" y="${base}" text-anchor="end">nu / now</text>
</svg>`;
}
