/**
 * Chart series (gateway/http/charts.ts): buckets from the history, the k floor as "fewer than k" (never a 0), gaps as
 * gaps (null), a steady sensor's silence between heartbeats carried, not shown as a gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSeries } from '../../gateway/http/charts.ts';
import type { BucketRow } from '../../gateway/store/history.ts';
import { getJson, type TestGateway } from './helpers.ts';
import { seedChartGateway, SEED } from './chart-seed.ts';

const row = (i: number, over: Partial<BucketRow> = {}): BucketRow => ({ i, level: 2, count: 10, below: 0, n: 1, lastTo: 0, lastLevel: 2, lastCount: 10, ...over });

describe('buildSeries', () => {
  const now = 1_000_000 * 60;
  const from = now - 86_400;
  it('carries a value while fresh and leaves a gap after', () => {
    const s = buildSeries('24h', now, 360, 5, { buckets: [row(0, { lastTo: from + 60 })], before: null });
    expect(s.t).toHaveLength(1440);
    expect(s.count.slice(0, 7)).toEqual([10, 10, 10, 10, 10, 10, 10]); // fresh until from + 60 + 360: buckets starting before carry
    expect(s.count[7]).toBeNull();
    expect(s.level[7]).toBeNull();
    expect(s.summary).toMatchObject({ measured: 1, belowK: 0 });
    expect(s.summary.gaps).toBe(1440 - 7);
  });

  it('marks buckets whose every window was below the k floor, with no count', () => {
    const s = buildSeries('24h', now, 360, 5, { buckets: [row(0, { level: 0, count: null, below: 3, n: 3, lastTo: from + 60, lastLevel: 0, lastCount: null }), row(1, { level: 1, count: 5, below: 1, n: 2, lastTo: from + 120 })], before: null });
    expect(s.belowK.slice(0, 2)).toEqual([1, 0]);
    expect(s.count.slice(0, 2)).toEqual([null, 5]); // mixed bucket: the highest published count
    expect(s.level.slice(0, 2)).toEqual([0, 1]);
  });

  it('has no k floor to draw for level-only sensors and areas', () => {
    const s = buildSeries('24h', now, 360, null, { buckets: [row(0, { level: 0, count: null, below: 1, n: 1, lastTo: from + 60 })], before: null });
    expect(s.belowK[0]).toBe(0);
    expect(s.level[0]).toBe(0);
  });

  it('starts from the last window before the range', () => {
    const s = buildSeries('24h', now, 360, 5, { buckets: [], before: { lastTo: from - 100, lastLevel: 1, lastCount: 5 } });
    expect(s.count.slice(0, 6)).toEqual([5, 5, 5, 5, 5, null]); // fresh until from + 260
  });
});

describe('chart API', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await seedChartGateway();
  });
  afterAll(async () => {
    await t?.gw.stop();
  });

  it('draws the seeded day: measurements, "fewer than k" and the gap where the sensor was silent', async () => {
    const { status, body } = await getJson(`${t.base}/api/sensors/dam-noord/chart?range=24h`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ sensor: 'dam-noord', range: '24h', bucketSeconds: 60, freshSeconds: 360, kFloor: 5, to: SEED.nowS });
    const at = (s: number) => body.t.indexOf(s - ((s - SEED.nowS) % 60 + 60) % 60);
    const gap = at(SEED.gap.from + 2 * 3600);
    expect(body.level[gap]).toBeNull();
    expect(body.count[gap]).toBeNull();
    const below = at(SEED.belowK.from + 3600);
    expect(body.belowK[below]).toBe(1);
    expect(body.count[below]).toBeNull(); // never 0
    expect(body.level[below]).toBe(0);
    const counted = at(SEED.busy.from + 3600);
    expect(body.count[counted]).toBeGreaterThan(0);
    // Not one bucket shows a count of 0 people: below the k floor is "fewer than k".
    expect(body.count.filter((c: number | null) => c === 0)).toEqual([]);
    expect(body.summary.gaps).toBeGreaterThan(200);
    expect(body.summary.belowK).toBeGreaterThan(200);
  });

  it('serves 7 days in 600 s buckets, areas too, and refuses other ranges', async () => {
    const week = await getJson(`${t.base}/api/sensors/dam-noord/chart?range=7d`);
    expect(week.body.t).toHaveLength(1008);
    const area = await getJson(`${t.base}/api/areas/dam/chart?range=24h`);
    expect(area.status).toBe(200);
    expect(area.body).toMatchObject({ area: 'dam', kFloor: null });
    expect(area.body.summary.measured).toBeGreaterThan(0);
    expect((await getJson(`${t.base}/api/sensors/dam-noord/chart?range=1y`)).status).toBe(400);
    expect((await getJson(`${t.base}/api/sensors/nobody-here/chart`)).status).toBe(404);
    expect((await getJson(`${t.base}/api/areas/nowhere/chart`)).status).toBe(404);
  });
});
