/** Area densities: the combination rule, the feed topic, /api/areas and the history in JSON and CSV. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregateTopic } from '../../shared/topics.ts';
import { AreaFeed, combineArea, type AreaMember } from '../../gateway/ingest/areas.ts';
import { silentLogger } from '../../shared/log.ts';
import { aggregate, encodeAggregate, fetchJson, sensorInfo, startTestGateway, T0S, type TestGateway } from './helpers.ts';

const member = (id: string, latest: Partial<ReturnType<typeof aggregate>> | null, freshSeconds = 180): AreaMember => ({
  id, freshSeconds, latest: latest === null ? null : aggregate(id, 1, latest),
});

describe('combineArea', () => {
  it('sums the counts and takes the highest level when every member is fresh and counted', () => {
    expect(combineArea('dam', [member('a-1', { count: 10, level: 1 }), member('b-1', { count: 25, level: 3, from: T0S - 50, to: T0S + 10 })], T0S)).toEqual({
      v: 1, area: 'dam', level: 3, count: 35, from: T0S - 60, to: T0S + 10, sensors: ['a-1', 'b-1'],
    });
  });

  it('gives no count when any member is below its k floor or level-only (null), but still the level', () => {
    expect(combineArea('dam', [member('a-1', { count: 10, level: 1 }), member('b-1', { count: null, level: 0 })], T0S)).toMatchObject({ level: 1, count: null, sensors: ['a-1', 'b-1'] });
  });

  it('leaves out members not heard from for longer than their freshness, and then gives no count either', () => {
    const stale = member('b-1', { count: 30, level: 4, from: T0S - 300, to: T0S - 240 }, 180);
    expect(combineArea('dam', [member('a-1', { count: 10, level: 1 }), stale], T0S + 1)).toMatchObject({ level: 1, count: null, sensors: ['a-1'] });
    expect(combineArea('dam', [member('a-1', { count: 10, level: 1 }), stale], T0S - 60)).toMatchObject({ level: 4, count: 40 }); // exactly its freshness: still fresh
    expect(combineArea('dam', [member('a-1', null), member('b-1', null)], T0S)).toBeNull();
  });
});

/** 30 m², granularity 5: 10 people → B (0.33/m²), 15 and 20 → C. */
const DAM = { areaId: 'dam', area: { m2: 30 }, granularity: 5 };

describe('area feed and history', () => {
  let t: TestGateway | null = null;
  const dirs: string[] = [];
  afterEach(async () => {
    await t?.gw.stop();
    t = null;
    dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  const publish = (id: string, seq: number, over: Partial<ReturnType<typeof aggregate>>) => t!.gw.ingest.handle(aggregateTopic(id), encodeAggregate(aggregate(id, seq, over)));

  it('lists areas at /api/areas and keeps every published density in the history (JSON and CSV)', async () => {
    t = await startTestGateway([sensorInfo('dam-noord', DAM), sensorInfo('dam-zuid', DAM), sensorInfo('kiosk-1')]);
    // A second apart: each aggregate gives its own density (at most one per second per area).
    publish('dam-noord', 1, { count: 10, level: 1, from: T0S - 120, to: T0S - 60 });
    t.clock.advance(1_000);
    publish('dam-zuid', 1, { count: 20, level: 2, from: T0S - 120, to: T0S - 60 });
    t.clock.advance(1_000);
    publish('dam-noord', 2, { count: 15, level: 2, from: T0S - 60, to: T0S });
    await expect.poll(() => t!.gw.history.areaHistory('dam', 0, T0S).length).toBe(3);

    expect(await fetchJson(`${t.base}/api/areas`)).toEqual([{ area: 'dam', sensors: ['dam-noord', 'dam-zuid'], density: { v: 1, area: 'dam', level: 2, count: 35, from: T0S - 120, to: T0S, sensors: ['dam-noord', 'dam-zuid'] } }]);
    const hist = await fetchJson(`${t.base}/api/areas/dam/history?from=${T0S - 3600}&to=${T0S}`);
    expect(hist.items.map((d: { count: number | null }) => d.count)).toEqual([null, 30, 35]);
    const csvRes = await fetch(`${t.base}/api/areas/dam/history?from=2025-06-01T11:00:00Z&format=csv`);
    expect(csvRes.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csvRes.text()).trim().split('\n');
    expect(lines[0]).toBe('area,from,to,from_utc,to_utc,level,letter,count,sensors');
    expect(lines[1]).toBe(`dam,${T0S - 120},${T0S - 60},2025-06-01T11:58:00.000Z,2025-06-01T11:59:00.000Z,1,B,,dam-noord`);
    expect(lines[3]).toBe(`dam,${T0S - 120},${T0S},2025-06-01T11:58:00.000Z,2025-06-01T12:00:00.000Z,2,C,35,dam-noord;dam-zuid`);
    const sensorCsv = (await (await fetch(`${t.base}/api/sensors/dam-noord/history?format=csv`)).text()).trim().split('\n');
    expect(sensorCsv).toEqual(['sensor,seq,from,to,from_utc,to_utc,level,letter,count', expect.stringMatching(/^dam-noord,1,/), expect.stringMatching(/^dam-noord,2,.*,2,C,15$/)]);

    for (const bad of ['from=10&to=5', `from=${T0S - 40 * 86_400}&to=${T0S}`, 'from=yesterday']) {
      expect((await fetch(`${t.base}/api/areas/dam/history?${bad}`)).status, bad).toBe(400);
    }
    expect((await fetch(`${t.base}/api/areas/nowhere/history`)).status).toBe(404);
  });

  it('re-publishes the last densities after a restart, retained, for readers that connect then', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'drukte-areas-'));
    dirs.push(dataDir);
    t = await startTestGateway([sensorInfo('dam-noord', DAM)], { dataDir });
    publish('dam-noord', 1, { count: 10, level: 1 });
    await expect.poll(() => t!.gw.history.areaHistory('dam', 0, T0S).length).toBe(1);
    await t.gw.stop();
    t = await startTestGateway([sensorInfo('dam-noord', DAM)], { dataDir });
    const r = await t.connectReader();
    const got = new Promise<any>((resolve) => r.once('message', (_topic, p, packet) => resolve({ retain: packet.retain, body: JSON.parse(p.toString()) })));
    await r.subscribeAsync('drukte/v1/areas/#', { qos: 1 });
    expect(await got).toMatchObject({ retain: true, body: { area: 'dam', count: 10 } });
    await r.endAsync();
  });

  it('combines aggregates that arrive within a second into one density per area, from memory, not per aggregate', async () => {
    t = await startTestGateway([sensorInfo('dam-noord', DAM), sensorInfo('dam-zuid', DAM), sensorInfo('kiosk-1', { areaId: 'kiosk', area: { m2: 30 }, granularity: 5 })]);
    t.gw.areas.stop(); // this test drives its own feed, with an injected timer
    const g = t.gw;
    const sent: any[] = [];
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const feed = new AreaFeed({
      register: g.register, ingest: g.ingest, history: g.history, clock: t.clock, logger: silentLogger(),
      publish: async (_topic, payload) => void sent.push(JSON.parse(payload.toString())),
      setTimer: (fn, ms) => {
        const entry = { fn, ms };
        timers.push(entry);
        return () => void timers.splice(timers.indexOf(entry), 1);
      },
    });
    await feed.start();
    const records = g.register.records.bind(g.register);
    let scans = 0;
    g.register.records = () => (scans++, records());
    publish('dam-noord', 1, { count: 10, level: 1, from: T0S - 120, to: T0S - 60 }); // at once
    for (let seq = 2; seq <= 6; seq++) publish('dam-noord', seq, { count: 10, level: 1, from: T0S - 180 + 60 * seq, to: T0S - 120 + 60 * seq });
    publish('dam-zuid', 1, { count: 20, level: 2, from: T0S - 120, to: T0S - 60 });
    publish('kiosk-1', 1, { count: 10, level: 1, from: T0S - 120, to: T0S - 60 }); // another area: its own interval
    await Promise.resolve();
    expect(sent.map((d) => [d.area, d.count])).toEqual([['dam', null], ['kiosk', 10]]);
    expect(timers.map((x) => x.ms)).toEqual([1_000]); // one planned density for 'dam', however many aggregates
    t.clock.advance(1_000);
    timers.splice(0)[0]!.fn();
    await Promise.resolve();
    expect(sent.slice(2)).toEqual([{ v: 1, area: 'dam', level: 2, count: 30, from: T0S - 120, to: T0S + 240, sensors: ['dam-noord', 'dam-zuid'] }]);
    expect(scans).toBe(0); // membership came from the in-memory index, built once
    // A register change (a new member) rebuilds the index once.
    g.register.upsert(sensorInfo('dam-oost', DAM));
    expect(feed.members('dam').map((m) => m.id)).toEqual(['dam-noord', 'dam-oost', 'dam-zuid']);
    expect(scans).toBe(1);
    feed.stop();
  });
});
