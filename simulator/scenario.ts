/**
 * A deterministic crowd scenario with ground truth, in the sensor's own coordinates (mm; Y = distance in front of
 * the sensor, X = left/right). People arrive, linger in the monitored zone and leave; others walk past outside it.
 * Arrivals follow a periodic intensity with one busy peak per cycle, so a long-running demo keeps moving.
 *
 * Everything is generated once from the seed in the constructor; `people(t)` and `groundTruth(t)` are then pure
 * functions of time (no clock inside), periodic with the cycle: the same t always gives the same crowd.
 */
import { exponential, mulberry32, uniform } from './random.ts';

export type PointMm = readonly [number, number];
export interface RectMm {
  xMinMm: number;
  xMaxMm: number;
  yMinMm: number;
  yMaxMm: number;
}
/** A polygon of [x, y] points (mm), or an axis-aligned rectangle. */
export type ZoneSpec = readonly PointMm[] | RectMm;

/** One simulated person at one instant (simulator ground truth, not sensor data). */
export interface PersonState {
  xMm: number;
  yMm: number;
  vxMmS: number;
  vyMmS: number;
}

export interface CrowdScenarioOptions {
  seed: number;
  zone: ZoneSpec;
  /** Length of one cycle; the scenario repeats after it. Default 150 s, minimum 30 s. */
  cycleSeconds?: number;
  /** Mean number of people in the zone at the peak. Default 6. */
  peakPeople?: number;
  /** Mean number of people in the zone in quiet times. Default 0.5. */
  quietPeople?: number;
  /** Hard cap on people visiting the zone at once. Default ceil(1.5 × peakPeople). */
  maxPeople?: number;
  /** Where the peak is, as a fraction of the cycle. Default 0.5. */
  peakAt?: number;
  /** Full width of the peak, as a fraction of the cycle. Default 0.4. */
  peakWidth?: number;
  /** Mean time a visitor lingers in the zone. Default 20 s. */
  dwellSeconds?: number;
  /** People walking past outside the zone, per minute (doubled at the peak). Default 4. */
  passersPerMinute?: number;
  /** Mean walking speed. Default 1200 mm/s. */
  walkSpeedMmS?: number;
}

interface Key {
  t: number; // ms from the start of the cycle in which the visit began
  x: number;
  y: number;
}
interface Visit {
  start: number;
  end: number;
  keys: Key[];
}

/** Even-odd ray casting: is (x, y) inside the polygon? */
export function pointInPolygon(x: number, y: number, polygon: readonly PointMm[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] as PointMm;
    const [xj, yj] = polygon[j] as PointMm;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const toPolygon = (zone: ZoneSpec): PointMm[] =>
  'xMinMm' in zone
    ? [[zone.xMinMm, zone.yMinMm], [zone.xMaxMm, zone.yMinMm], [zone.xMaxMm, zone.yMaxMm], [zone.xMinMm, zone.yMaxMm]]
    : zone.map((p) => [p[0], p[1]] as const);

const MARGIN_MM = 1000; // visitors appear/disappear this far outside the zone's bounding box
const MIN_Y_MM = 300; // nobody walks right against the sensor

export class CrowdScenario {
  readonly zone: readonly PointMm[];
  readonly cycleMs: number;
  readonly #visits: Visit[] = [];
  readonly #bbox: RectMm;
  readonly #o: Required<Omit<CrowdScenarioOptions, 'zone'>>;

  constructor(options: CrowdScenarioOptions) {
    const o = {
      seed: options.seed,
      zone: options.zone,
      cycleSeconds: options.cycleSeconds ?? 150,
      peakPeople: options.peakPeople ?? 6,
      quietPeople: options.quietPeople ?? 0.5,
      peakAt: options.peakAt ?? 0.5,
      peakWidth: options.peakWidth ?? 0.4,
      dwellSeconds: options.dwellSeconds ?? 20,
      passersPerMinute: options.passersPerMinute ?? 4,
      walkSpeedMmS: options.walkSpeedMmS ?? 1200,
    };
    const maxPeople = options.maxPeople ?? Math.ceil(1.5 * o.peakPeople);
    this.#o = { ...o, maxPeople };
    const errors: string[] = [];
    const check = (ok: boolean, msg: string): void => void (ok || errors.push(msg));
    check(Number.isInteger(o.seed), 'seed must be an integer');
    check(o.cycleSeconds >= 30, 'cycleSeconds must be ≥ 30');
    check(o.peakPeople > 0 && o.quietPeople >= 0 && o.quietPeople <= o.peakPeople, 'need 0 ≤ quietPeople ≤ peakPeople, peakPeople > 0');
    check(Number.isInteger(maxPeople) && maxPeople >= 1, 'maxPeople must be an integer ≥ 1');
    check(o.peakAt >= 0 && o.peakAt < 1 && o.peakWidth > 0 && o.peakWidth <= 1, 'peakAt in [0, 1), peakWidth in (0, 1]');
    check(o.dwellSeconds > 0 && o.passersPerMinute >= 0 && o.walkSpeedMmS > 0, 'dwellSeconds, walkSpeedMmS > 0; passersPerMinute ≥ 0');
    const zone = toPolygon(o.zone);
    check(zone.length >= 3 && zone.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)), 'zone needs ≥ 3 finite points');
    if (errors.length) throw new RangeError(`CrowdScenario: ${errors.join('; ')}`);
    this.zone = Object.freeze(zone);
    this.cycleMs = o.cycleSeconds * 1000;
    const xs = zone.map((p) => p[0]);
    const ys = zone.map((p) => p[1]);
    this.#bbox = { xMinMm: Math.min(...xs), xMaxMm: Math.max(...xs), yMinMm: Math.min(...ys), yMaxMm: Math.max(...ys) };
    this.#generate(mulberry32(o.seed));
  }

  /** Is (x, y) inside the monitored zone? */
  zoneContains(xMm: number, yMm: number): boolean {
    return pointInPolygon(xMm, yMm, this.zone);
  }

  /** Peak shape in [0, 1] at time t: a raised cosine around peakAt, periodic with the cycle. */
  peakFactor(tMs: number): number {
    const phase = this.#mod(tMs) / this.cycleMs;
    const d = ((phase - this.#o.peakAt + 1.5) % 1) - 0.5; // circular distance in [-0.5, 0.5)
    const half = this.#o.peakWidth / 2;
    return Math.abs(d) >= half ? 0 : 0.5 * (1 + Math.cos((Math.PI * d) / half));
  }

  /** The mean zone occupancy the arrivals are drawn for (the realised count is groundTruth). */
  expectedOccupancy(tMs: number): number {
    return this.#o.quietPeople + (this.#o.peakPeople - this.#o.quietPeople) * this.peakFactor(tMs);
  }

  /** Everyone near the sensor at time t (inside the zone and walking past), in a stable order. */
  people(tMs: number): PersonState[] {
    const tc = this.#mod(tMs);
    const out: PersonState[] = [];
    for (const v of this.#visits) {
      // A visit starts within [0, cycle) and may run on into the next cycle(s).
      for (let at = tc; at < v.end; at += this.cycleMs) if (at >= v.start) out.push(stateAt(v.keys, at));
    }
    return out;
  }

  /** Ground truth: the number of people inside the zone at time t. */
  groundTruth(tMs: number): number {
    return this.people(tMs).filter((p) => this.zoneContains(p.xMm, p.yMm)).length;
  }

  #mod(tMs: number): number {
    return ((tMs % this.cycleMs) + this.cycleMs) % this.cycleMs;
  }

  #generate(rand: () => number): void {
    const o = this.#o;
    // Visitors: arrival intensity λ(t) = expectedOccupancy(t) / stay (Little's law L = λW). Arrival n is placed at
    // Λ⁻¹(n + u), u uniform in [0, 1), Λ the cumulative intensity: stratified, so the realised crowd follows the
    // intended curve closely (a plain Poisson process makes the peak of a short cycle hit or miss).
    const stayMs = o.dwellSeconds * 1000 + 2000; // linger + walking inside
    const lagMs = stayMs / 2 + 1000; // arrive ahead of the time one's stay is centred on (walking in takes a while)
    const stepMs = 100;
    const cumulative: number[] = [0];
    for (let t = 0; t < this.cycleMs; t += stepMs) {
      cumulative.push((cumulative[cumulative.length - 1] ?? 0) + (this.expectedOccupancy(t + stepMs / 2 + lagMs) / stayMs) * stepMs);
    }
    const total = cumulative[cumulative.length - 1] ?? 0;
    let i = 1; // targets only grow, so the search for Λ⁻¹ resumes where it stopped
    for (let n = 0; n < total; n++) {
      const target = n + rand();
      const visit = this.#visitor(rand, 0); // drawn before the check, so one rejection does not shift the rest
      if (target >= total) continue;
      while ((cumulative[i] ?? total) < target) i++;
      const lo = cumulative[i - 1] ?? 0;
      const hi = cumulative[i] ?? total;
      const start = (i - 1 + (hi > lo ? (target - lo) / (hi - lo) : 0)) * stepMs;
      const shifted = shift(visit, start);
      if (this.#concurrent(shifted) < o.maxPeople) this.#visits.push(shifted);
    }
    // Passers-by: outside the zone all the time; more of them around the peak.
    const passRate = (2 * o.passersPerMinute) / 60_000;
    if (passRate > 0) {
      for (let t = exponential(rand, 1 / passRate); t < this.cycleMs; t += exponential(rand, 1 / passRate)) {
        const visit = this.#passer(rand, t);
        if (rand() < (1 + this.peakFactor(t)) / 2) this.#visits.push(visit);
      }
    }
    this.#visits.sort((a, b) => a.start - b.start);
  }

  /** Most visitors present at once during the candidate's stay (accepted visits, this and neighbouring cycles). */
  #concurrent(c: Visit): number {
    const spans = this.#visits.flatMap((v) => [-1, 0, 1].map((k) => [v.start + k * this.cycleMs, v.end + k * this.cycleMs] as const));
    const probes = [c.start, ...spans.map((s) => s[0]).filter((s) => s > c.start && s < c.end)];
    return Math.max(0, ...probes.map((p) => spans.filter(([s, e]) => s <= p && p < e).length));
  }

  #speed(rand: () => number): number {
    return this.#o.walkSpeedMmS * uniform(rand, 0.75, 1.25);
  }

  /** A point outside the zone's bounding box: on its left, right or far side (never behind the sensor). */
  #edgePoint(rand: () => number): PointMm {
    const b = this.#bbox;
    const side = Math.floor(rand() * 3);
    const yLow = Math.max(MIN_Y_MM, b.yMinMm - MARGIN_MM);
    if (side === 2) return [uniform(rand, b.xMinMm - MARGIN_MM, b.xMaxMm + MARGIN_MM), b.yMaxMm + MARGIN_MM];
    return [side === 0 ? b.xMinMm - MARGIN_MM : b.xMaxMm + MARGIN_MM, uniform(rand, yLow, b.yMaxMm + MARGIN_MM)];
  }

  #insidePoint(rand: () => number): PointMm {
    const b = this.#bbox;
    for (let i = 0; i < 100; i++) {
      const p: PointMm = [uniform(rand, b.xMinMm, b.xMaxMm), uniform(rand, b.yMinMm, b.yMaxMm)];
      if (this.zoneContains(p[0], p[1])) return p;
    }
    return this.zone.find((v) => this.zoneContains(v[0], v[1])) ?? this.zone[0] ?? [0, 0]; // degenerate zone
  }

  /** Walk in from an edge, linger (shuffling a little), walk out. */
  #visitor(rand: () => number, start: number): Visit {
    const speed = this.#speed(rand);
    const keys: Key[] = [];
    let t = start;
    const walkTo = ([x, y]: PointMm, mmPerS: number): void => {
      const last = keys[keys.length - 1];
      if (last) t += (Math.hypot(x - last.x, y - last.y) / mmPerS) * 1000;
      keys.push({ t, x, y });
    };
    walkTo(this.#edgePoint(rand), speed);
    const spot = this.#insidePoint(rand);
    walkTo(spot, speed);
    const dwellEnd = t + Math.min(uniform(rand, 0.5, 1.5) * this.#o.dwellSeconds * 1000, this.cycleMs * 0.5);
    while (t < dwellEnd) {
      const pause = uniform(rand, 2000, 5000);
      const sway: PointMm = [spot[0] + uniform(rand, -250, 250), spot[1] + uniform(rand, -250, 250)];
      const next = this.zoneContains(sway[0], sway[1]) ? sway : spot;
      t += pause;
      keys.push({ t, x: next[0], y: next[1] });
    }
    walkTo(this.#edgePoint(rand), speed);
    return { start, end: t, keys };
  }

  /** Walk straight past the zone: beyond its far side, or along its left or right side. */
  #passer(rand: () => number, start: number): Visit {
    const b = this.#bbox;
    const speed = this.#speed(rand);
    const forward = rand() < 0.5;
    const kind = Math.floor(rand() * 3);
    let from: PointMm;
    let to: PointMm;
    if (kind === 2) {
      const y = b.yMaxMm + uniform(rand, 600, 2000);
      from = [b.xMinMm - 2500, y];
      to = [b.xMaxMm + 2500, y];
    } else {
      const x = kind === 0 ? b.xMinMm - uniform(rand, 600, 1500) : b.xMaxMm + uniform(rand, 600, 1500);
      from = [x, Math.max(MIN_Y_MM, b.yMinMm - MARGIN_MM)];
      to = [x, b.yMaxMm + 2000];
    }
    if (!forward) [from, to] = [to, from];
    const end = start + (Math.hypot(to[0] - from[0], to[1] - from[1]) / speed) * 1000;
    return { start, end, keys: [{ t: start, x: from[0], y: from[1] }, { t: end, x: to[0], y: to[1] }] };
  }
}

/** The same visit, starting at `start` instead of its own start. */
const shift = (v: Visit, start: number): Visit => ({
  start,
  end: v.end - v.start + start,
  keys: v.keys.map((k) => ({ ...k, t: k.t - v.start + start })),
});

/** Linear interpolation between keyframes; velocity is the current segment's slope (mm/s). */
function stateAt(keys: readonly Key[], t: number): PersonState {
  for (let i = 1; i < keys.length; i++) {
    const a = keys[i - 1] as Key;
    const b = keys[i] as Key;
    if (t < b.t || i === keys.length - 1) {
      const dt = b.t - a.t;
      const f = dt > 0 ? Math.min(Math.max((t - a.t) / dt, 0), 1) : 1;
      const vx = dt > 0 ? ((b.x - a.x) / dt) * 1000 : 0;
      const vy = dt > 0 ? ((b.y - a.y) / dt) * 1000 : 0;
      return { xMm: a.x + (b.x - a.x) * f, yMm: a.y + (b.y - a.y) * f, vxMmS: vx, vyMmS: vy };
    }
  }
  const k = keys[0] ?? { x: 0, y: 0 };
  return { xMm: k.x, yMm: k.y, vxMmS: 0, vyMmS: 0 };
}
