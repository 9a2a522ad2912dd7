/**
 * Chart data for the register's pictures (GET /api/sensors/{id}/chart, GET /api/areas/{id}/chart, ?range=24h|7d),
 * built from the same history as /api/…/history, in fixed buckets so a week of 10 s windows stays one small reply.
 *
 *   bucket with windows      level = the highest level, count = the highest count in the bucket
 *                            (a chart of crowding shows the peaks); `belowK` when every window in it was below the
 *                            sensor's k floor (level 0, no count): drawn as "fewer than k", never as 0
 *   bucket without windows   the last value carried on while the sensor is fresh (it only re-publishes an unchanged
 *                            result once per heartbeat, gateway/freshness.ts), else a gap: level and count null
 *
 * Nothing here is finer than what the sensors published: maxima over published aggregates, and the k floor
 * stays a floor (a bucket mixing "fewer than k" and counts shows the highest count, which was published).
 */
import { freshForSeconds } from '../../shared/freshness.ts';
import type { BucketLast, BucketRow, History } from '../store/history.ts';
import type { SensorInfo } from '../register.ts';

export const CHART_RANGES = { '24h': { seconds: 86_400, bucket: 60 }, '7d': { seconds: 7 * 86_400, bucket: 600 } } as const;
export type ChartRange = keyof typeof CHART_RANGES;

export interface ChartSeries {
  range: ChartRange;
  /** Unix seconds: the chart covers (from, to]. */
  from: number;
  to: number;
  bucketSeconds: number;
  /** How long a value is carried before a missing bucket becomes a gap. */
  freshSeconds: number;
  /** The sensor's k floor (null for areas and level-only sensors: they have no "fewer than k"). */
  kFloor: number | null;
  /** Bucket ends, Unix seconds. */
  t: number[];
  level: Array<number | null>;
  count: Array<number | null>;
  /** 1 where the bucket was below the k floor. */
  belowK: Array<0 | 1>;
  /** Buckets with a published window, below the k floor, and gaps. */
  summary: { measured: number; belowK: number; gaps: number };
}

export function parseChartRange(raw: string | null): ChartRange | null {
  if (raw === null || raw === '') return '24h';
  return Object.hasOwn(CHART_RANGES, raw) ? (raw as ChartRange) : null;
}

/** The series from bucket rows (pure; `kFloor` null = no k floor to draw). */
export function buildSeries(range: ChartRange, nowS: number, freshSeconds: number, kFloor: number | null, rows: { buckets: BucketRow[]; before: BucketLast | null }): ChartSeries {
  const { seconds, bucket } = CHART_RANGES[range];
  const from = nowS - seconds;
  const n = seconds / bucket;
  const byIndex = new Map(rows.buckets.map((r) => [r.i, r]));
  let last = rows.before;
  const out: ChartSeries = { range, from, to: nowS, bucketSeconds: bucket, freshSeconds, kFloor, t: [], level: [], count: [], belowK: [], summary: { measured: 0, belowK: 0, gaps: 0 } };
  const isBelow = (level: number, count: number | null) => kFloor !== null && level === 0 && count === null;
  for (let i = 0; i < n; i++) {
    const end = from + (i + 1) * bucket;
    const row = byIndex.get(i);
    let level: number | null = null;
    let count: number | null = null;
    let below = false;
    if (row) {
      out.summary.measured++;
      below = kFloor !== null && row.below === row.n;
      level = row.level;
      count = below ? null : row.count;
      last = row;
    } else if (last && end - bucket < last.lastTo + freshSeconds) {
      level = last.lastLevel;
      count = last.lastCount;
      below = isBelow(last.lastLevel, last.lastCount);
    } else out.summary.gaps++;
    if (below) out.summary.belowK++;
    out.t.push(end);
    out.level.push(level);
    out.count.push(count);
    out.belowK.push(below ? 1 : 0);
  }
  return out;
}

export function sensorChart(history: History, info: SensorInfo, range: ChartRange, nowS: number): ChartSeries {
  const { seconds, bucket } = CHART_RANGES[range];
  const kFloor = info.output === 'level' ? null : info.kFloor;
  return buildSeries(range, nowS, freshForSeconds(info), kFloor, history.sensorBuckets(info.id, nowS - seconds, nowS, bucket));
}

/** An area is fresh as long as its most patient member. */
export function areaChart(history: History, areaId: string, members: readonly SensorInfo[], range: ChartRange, nowS: number): ChartSeries {
  const { seconds, bucket } = CHART_RANGES[range];
  const fresh = Math.max(0, ...members.map((m) => freshForSeconds(m)));
  return buildSeries(range, nowS, fresh, null, history.areaBuckets(areaId, nowS - seconds, nowS, bucket));
}
