/**
 * OGC SensorThings API 1.1 Part 1: Sensing (OGC 18-088), read-only at /sta/v1.1, tested as the standard's abstract
 * test suite puts it (Annex A): the Sensing Core class (entities, their mandatory properties and control
 * information, clause 8), resource paths (clause 9.2), the request-data query options (clause 9.3: $top, $skip,
 * $count, $orderby, $expand, $select, server-driven paging with @iot.nextLink) and the filtering subset this
 * server implements (comparisons on phenomenonTime and resultTime, and/or/not; everything else a clear 400).
 * The tests read the service as a generic client does: from the service root, by following the links it returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { levelFor } from '../../shared/density.ts';
import { aggregateTopic } from '../../shared/topics.ts';
import { encodeAggregate, sensorInfo, startTestGateway, T0, T0S, type TestGateway } from './helpers.ts';

let t: TestGateway;
let root: string;
const N = 30; // windows of dam-noord
const iso = (s: number) => new Date(s * 1000).toISOString();

async function get(url: string): Promise<{ status: number; body: any; type: string | null }> {
  const res = await fetch(url);
  const type = res.headers.get('content-type');
  return { status: res.status, type, body: type?.startsWith('application/json') ? await res.json() : await res.text() };
}

/** Every member of a collection, following @iot.nextLink as a client must (clause 9.3.3.3). */
async function all(url: string): Promise<any[]> {
  const out: any[] = [];
  let next: string | undefined = url;
  for (let pages = 0; next; pages++) {
    if (pages > 100) throw new Error('nextLink loop');
    const { status, body } = await get(next);
    expect(status, next).toBe(200);
    out.push(...body.value);
    next = body['@iot.nextLink'];
  }
  return out;
}

beforeAll(async () => {
  t = await startTestGateway([
    sensorInfo('dam-noord', { areaId: 'dam', kFloor: 5 }),
    sensorInfo('kiosk-level', { output: 'level', driver: 'ld2410', location: { lat: 52.379, lon: 4.9, description: 'Above the kiosk' } }),
  ]);
  // dam-noord: N windows of 60 s on the grid ending at T0S - (N-1-i)·60; every 5th below the k floor. Each must pass
  // the registered rules (gateway/ingest/rules.ts): the level is the one the count implies on the registered 12 m².
  for (let i = 0; i < N; i++) {
    const to = T0S - (N - 1 - i) * 60;
    const count = i % 5 === 0 ? null : 10 + i;
    t.clock.setWall(to * 1000);
    const r = t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate({ v: 1, sensor: 'dam-noord', seq: i + 1, from: to - 60, to, level: count === null ? 0 : levelFor(count, 12), count }), { qos: 1 });
    expect(r, `dam-noord window ${i}`).toEqual({ ok: true });
  }
  // kiosk-level (level only): levels 1..3 are all reachable from some count ≥ k on 12 m².
  for (let i = 0; i < 3; i++) {
    const to = T0S - (2 - i) * 600;
    t.clock.setWall(to * 1000);
    const r = t.gw.ingest.handle(aggregateTopic('kiosk-level'), encodeAggregate({ v: 1, sensor: 'kiosk-level', seq: i + 1, from: to - 60, to, level: (i + 1) as 1, count: null }), { qos: 1 });
    expect(r, `kiosk-level window ${i}`).toEqual({ ok: true });
  }
  t.clock.setWall(T0);
  root = `${t.base}/sta/v1.1`;
});

afterAll(async () => {
  await t?.gw.stop();
});

describe('A.1 Sensing Core: service root and entity sets (clause 9.2.1)', () => {
  it('lists the eight entity sets with their URLs, and the conformance classes it meets', async () => {
    const { status, body } = await get(root);
    expect(status).toBe(200);
    expect(body.value.map((s: { name: string }) => s.name).sort()).toEqual(['Datastreams', 'FeaturesOfInterest', 'HistoricalLocations', 'Locations', 'Observations', 'ObservedProperties', 'Sensors', 'Things']);
    for (const s of body.value) expect(s.url).toBe(`${root}/${s.name}`);
    expect(body.serverSettings.conformance).toContain('http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel');
    for (const s of body.value) expect((await get(s.url)).status, s.url).toBe(200);
  });
});

/** Mandatory properties (clause 8.2, tables 2–17) and navigation properties per entity type. */
const MANDATORY: Record<string, { props: string[]; nav: string[] }> = {
  Things: { props: ['name', 'description'], nav: ['Locations', 'HistoricalLocations', 'Datastreams'] },
  Locations: { props: ['name', 'description', 'encodingType', 'location'], nav: ['Things', 'HistoricalLocations'] },
  HistoricalLocations: { props: ['time'], nav: ['Thing', 'Locations'] },
  Datastreams: { props: ['name', 'description', 'unitOfMeasurement', 'observationType'], nav: ['Thing', 'Sensor', 'ObservedProperty', 'Observations'] },
  Sensors: { props: ['name', 'description', 'encodingType', 'metadata'], nav: ['Datastreams'] },
  ObservedProperties: { props: ['name', 'definition', 'description'], nav: ['Datastreams'] },
  Observations: { props: ['phenomenonTime', 'result', 'resultTime'], nav: ['Datastream', 'FeatureOfInterest'] },
  FeaturesOfInterest: { props: ['name', 'description', 'encodingType', 'feature'], nav: ['Observations'] },
};

describe('A.1 Sensing Core: entities and control information (clause 8)', () => {
  for (const [set, { props, nav }] of Object.entries(MANDATORY)) {
    it(`${set}: every entity has its mandatory properties, @iot.id, a dereferenceable @iot.selfLink and navigation links`, async () => {
      const entities = await all(`${root}/${set}`);
      expect(entities.length).toBeGreaterThan(0);
      for (const e of entities.slice(0, 12)) {
        for (const p of props) expect(e, `${set}.${p}`).toHaveProperty([p]);
        expect(e['@iot.id']).toBeDefined();
        const self = await get(e['@iot.selfLink']);
        expect(self.status).toBe(200);
        expect(self.body['@iot.id']).toBe(e['@iot.id']);
        for (const n of nav) {
          expect(e[`${n}@iot.navigationLink`]).toBe(`${e['@iot.selfLink']}/${n}`);
          expect((await get(e[`${n}@iot.navigationLink`])).status, `${set} → ${n}`).toBe(200);
        }
      }
    });
  }

  it('gives Datastreams a unitOfMeasurement with name, symbol and definition, and ISO 8601 intervals', async () => {
    const ds = await all(`${root}/Datastreams`);
    expect(ds.map((d) => d['@iot.id']).sort()).toEqual(['dam-noord:count', 'dam-noord:level', 'kiosk-level:level']); // a level-only sensor has no counts
    for (const d of ds) expect(Object.keys(d.unitOfMeasurement).sort()).toEqual(['definition', 'name', 'symbol']);
    const count = ds.find((d) => d['@iot.id'] === 'dam-noord:count');
    expect(count.observationType).toBe('http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation');
    expect(count.phenomenonTime).toBe(`${iso(T0S - N * 60)}/${iso(T0S)}`);
  });

  it('keeps the k floor a floor: below it the count is null with parameters.fewerThan, never 0', async () => {
    const obs = await all(`${root}/Datastreams('dam-noord:count')/Observations`);
    expect(obs).toHaveLength(N);
    const below = obs.filter((o) => o.result === null);
    expect(below).toHaveLength(N / 5);
    for (const o of below) expect(o.parameters).toEqual({ fewerThan: 5 });
    expect(obs.some((o) => o.result === 0)).toBe(false);
    for (const o of obs) expect(o.phenomenonTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });
});

describe('A.1 resource paths (clause 9.2)', () => {
  it('addresses an entity, a property, its raw $value, a to-one and a to-many navigation, nested paths and $ref', async () => {
    expect((await get(`${root}/Things('dam-noord')`)).body.name).toBe('dam-noord');
    expect((await get(`${root}/Things('dam-noord')/name`)).body).toEqual({ name: 'dam-noord' });
    const raw = await get(`${root}/Things('dam-noord')/name/$value`);
    expect(raw.type).toMatch(/^text\/plain/);
    expect(raw.body).toBe('dam-noord');
    expect((await get(`${root}/Datastreams('dam-noord:count')/Thing`)).body['@iot.id']).toBe('dam-noord');
    expect((await get(`${root}/Datastreams('dam-noord:count')/ObservedProperty`)).body['@iot.id']).toBe('people-count');
    expect((await get(`${root}/Things('dam-noord')/Datastreams`)).body.value.map((d: any) => d['@iot.id']).sort()).toEqual(['dam-noord:count', 'dam-noord:level']);
    const nested = await get(`${root}/Things('dam-noord')/Datastreams('dam-noord:level')/Observations?$top=2`);
    expect(nested.body.value).toHaveLength(2);
    expect((await get(`${root}/Things('kiosk-level')/Datastreams('dam-noord:level')`)).status).toBe(404); // not one of this Thing's
    const refs = await get(`${root}/Things('dam-noord')/Datastreams/$ref`);
    expect(refs.body.value).toEqual([{ '@iot.selfLink': `${root}/Datastreams('dam-noord:count')` }, { '@iot.selfLink': `${root}/Datastreams('dam-noord:level')` }]);
    expect((await get(`${root}/Datastreams('dam-noord:count')/Sensor/$ref`)).body).toEqual({ '@iot.selfLink': `${root}/Sensors('dam-noord')` });
  });

  it('answers 404 for what does not exist and refuses to change anything', async () => {
    for (const path of ["/Things('nobody')", '/Widgets', "/Things('dam-noord')/colour", "/Observations('dam-noord:count:999')", "/Things('dam-noord')/Sensor"]) {
      expect((await get(`${root}${path}`)).status, path).toBe(404);
    }
    expect((await get(`${t.base}/sta/v1.0/Things`)).status).toBe(404);
    const post = await fetch(`${root}/Things`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"x","description":"y"}' });
    expect(post.status).toBe(405);
  });
});

describe('A.1 request data: query options (clause 9.3)', () => {
  let obsUrl = '';
  beforeAll(() => {
    obsUrl = `${root}/Datastreams('dam-noord:level')/Observations`;
  });

  it('$top, $skip and @iot.nextLink page through every observation exactly once', async () => {
    const first = await get(`${obsUrl}?$orderby=phenomenonTime&$top=7`);
    expect(first.body.value).toHaveLength(7);
    const next = new URL(first.body['@iot.nextLink']);
    expect(next.searchParams.get('$top')).toBe('7');
    expect(next.searchParams.get('$skip')).toBe('7');
    expect(next.searchParams.get('$orderby')).toBe('phenomenonTime');
    const pagedBy7 = await all(`${obsUrl}?$orderby=phenomenonTime&$top=7`);
    const atOnce = (await get(`${obsUrl}?$orderby=phenomenonTime&$top=1000`)).body.value;
    expect(atOnce).toHaveLength(N);
    expect(pagedBy7.map((o) => o['@iot.id'])).toEqual(atOnce.map((o: any) => o['@iot.id']));
    expect(new Set(pagedBy7.map((o) => o['@iot.id'])).size).toBe(N);
    const last = await get(`${obsUrl}?$orderby=phenomenonTime&$skip=28`);
    expect(last.body.value.map((o: any) => o['@iot.id'])).toEqual(atOnce.slice(28).map((o: any) => o['@iot.id']));
    expect(last.body['@iot.nextLink']).toBeUndefined();
  });

  it('pages a long collection by itself (server-driven paging) with @iot.nextLink', async () => {
    const everything = await all(`${root}/Observations`);
    expect(everything).toHaveLength(N * 2 + 3);
    expect(new Set(everything.map((o) => o['@iot.id'])).size).toBe(N * 2 + 3);
  });

  it('$count=true gives the number matching the filter, whatever $top says', async () => {
    const { body } = await get(`${obsUrl}?$count=true&$top=1`);
    expect(body['@iot.count']).toBe(N);
    expect(body.value).toHaveLength(1);
    expect((await get(`${obsUrl}?$count=false`)).body['@iot.count']).toBeUndefined();
  });

  it('$orderby sorts ascending and descending', async () => {
    const desc = (await get(`${obsUrl}?$orderby=phenomenonTime desc&$top=3`)).body.value.map((o: any) => o.resultTime);
    expect(desc).toEqual([iso(T0S), iso(T0S - 60), iso(T0S - 120)]);
    const things = (await get(`${root}/Things?$orderby=name desc`)).body.value.map((x: any) => x.name);
    expect(things).toEqual(['kiosk-level', 'dam-noord']);
  });

  it('$expand includes related entities inline, nested and with their own options', async () => {
    const { body } = await get(`${root}/Things('dam-noord')?$expand=Datastreams($orderby=name;$expand=Observations($top=2;$orderby=phenomenonTime desc)),Locations`);
    expect(body.Locations[0].location).toEqual({ type: 'Point', coordinates: [4.8922, 52.3731] });
    expect(body.Datastreams).toHaveLength(2);
    for (const d of body.Datastreams) {
      expect(d.Observations).toHaveLength(2);
      expect(d.Observations[0].resultTime).toBe(iso(T0S));
    }
    const path = await get(`${root}/Things?$expand=Datastreams/Observations($top=1)`);
    expect(path.body.value[0].Datastreams[0].Observations).toHaveLength(1);
    const toOne = await get(`${root}/Observations?$top=1&$expand=Datastream,FeatureOfInterest`);
    expect(toOne.body.value[0].Datastream['@iot.id']).toMatch(/:(count|level)$/);
    expect(toOne.body.value[0].FeatureOfInterest.feature.type).toBe('Point');
  });

  it('$select returns only the properties asked for', async () => {
    const { body } = await get(`${obsUrl}?$select=result,phenomenonTime&$top=1`);
    expect(Object.keys(body.value[0]).sort()).toEqual(['phenomenonTime', 'result']);
  });

  it('refuses unknown or malformed query options with 400 and a reason', async () => {
    for (const q of ['$top=-1', '$top=x', '$skip=1.5', '$count=yes', '$orderby=colour%20sideways', '$expand=Nothing', '$format=xml', '$resultFormat=dataArray']) {
      const { status, body } = await get(`${obsUrl}?${q}`);
      expect(status, q).toBe(400);
      expect(body.message, q).toBeTruthy();
    }
  });
});

describe('A.2 filtering (clause 9.3.3.5), the comparison subset', () => {
  let obsUrl = '';
  beforeAll(() => {
    obsUrl = `${root}/Datastreams('dam-noord:count')/Observations`;
  });
  const ids = async (filter: string) => (await all(`${obsUrl}?$orderby=phenomenonTime&$filter=${encodeURIComponent(filter)}`)).map((o) => o.resultTime);
  const ends = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => iso(T0S - (N - 1 - (from + k)) * 60)); // windows from..to by index

  it('compares a window (phenomenonTime) with an instant: before, after, starting at', async () => {
    const t10 = iso(T0S - (N - 1 - 10) * 60); // end of window 10 = start of window 11
    expect(await ids(`phenomenonTime lt ${t10}`)).toEqual(ends(0, 10)); // windows that end by t10
    expect(await ids(`phenomenonTime le ${t10}`)).toEqual(ends(0, 10));
    expect(await ids(`phenomenonTime ge ${t10}`)).toEqual(ends(11, N - 1)); // windows that start at or after t10
    expect(await ids(`phenomenonTime gt ${t10}`)).toEqual(ends(12, N - 1));
    expect(await ids(`${t10} gt phenomenonTime`)).toEqual(ends(0, 10)); // literal first: the same comparison
  });

  it('compares resultTime (an instant) and combines with and, or, not and parentheses', async () => {
    const a = iso(T0S - 20 * 60);
    const b = iso(T0S - 10 * 60);
    expect(await ids(`resultTime ge ${a} and resultTime le ${b}`)).toEqual(ends(N - 1 - 20, N - 1 - 10));
    expect(await ids(`resultTime lt ${a} or resultTime gt ${b}`)).toHaveLength(N - 11);
    expect(await ids(`not (resultTime lt ${a} or resultTime gt ${b})`)).toEqual(ends(N - 1 - 20, N - 1 - 10));
    expect(await ids(`resultTime eq ${b}`)).toEqual([b]);
    expect((await get(`${obsUrl}?$count=true&$top=0&$filter=${encodeURIComponent(`resultTime ne ${b}`)}`)).body['@iot.count']).toBe(N - 1);
    expect(await ids('result eq null')).toHaveLength(N / 5);
  });

  it('filters Datastreams by their phenomenonTime and expanded Observations within $expand', async () => {
    const d = await all(`${root}/Datastreams?$filter=${encodeURIComponent(`phenomenonTime lt ${iso(T0S + 1)}`)}`);
    expect(d.map((x) => x['@iot.id']).sort()).toEqual(['dam-noord:count', 'dam-noord:level', 'kiosk-level:level']);
    const { body } = await get(`${root}/Datastreams('dam-noord:level')?$expand=Observations($filter=${encodeURIComponent(`resultTime gt ${iso(T0S - 120)}`)})`);
    expect(body.Observations.map((o: any) => o.resultTime).sort()).toEqual([iso(T0S - 60), iso(T0S)]);
  });

  it('filters other entity sets on their plain properties, with quoted strings', async () => {
    const named = await all(`${root}/Things?$filter=${encodeURIComponent("name eq 'dam-noord'")}`);
    expect(named.map((x) => x['@iot.id'])).toEqual(['dam-noord']);
    expect(await all(`${root}/Things?$filter=${encodeURIComponent("name eq 'it''s' or name eq 'nobody'")}`)).toHaveLength(0);
    expect((await all(`${root}/Sensors?$filter=${encodeURIComponent("encodingType eq 'text/html' and not (name eq 'x')")}`)).length).toBe(2);
  });

  it('answers what it does not support with 400 and says what it does support', async () => {
    for (const f of ["substringof('a', name)", 'year(resultTime) eq 2025', 'result add 1 gt 3', 'phenomenonTime', `resultTime gt`, `(resultTime gt ${iso(T0S)}`, "resultTime gt 'soon'", 'name eq 3', "geo.intersects(location, geography'POINT(1 2)')"]) {
      const { status, body } = await get(`${obsUrl}?$filter=${encodeURIComponent(f)}`);
      expect(status, f).toBe(400);
      expect(body.message, f).toMatch(/\$filter/);
    }
  });
});
