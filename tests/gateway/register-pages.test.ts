/** The public register: index filters, the complete page per sensor, the machine-readable entry and the exports. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateTopic, statusTopic } from '../../shared/topics.ts';
import { aggregate, encodeAggregate, encodeStatus, fetchJson, sensorInfo, startTestGateway, status, type TestGateway } from './helpers.ts';

const HASH = 'a'.repeat(64); // what helpers' status() reports as the minimiser hash
let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway([
    sensorInfo('dam-noord', { areaId: 'dam', minimiserHash: HASH, bundleHash: 'e'.repeat(64) }), // active until 2026-05-31
    sensorInfo('dam-zuid', { expiresAt: '2025-06-20', output: 'level', driver: 'ld2410', minimiserHash: 'f'.repeat(64) }), // 20 days left, today included
    sensorInfo('oude-markt', { expiresAt: '2025-05-31' }), // expired yesterday
    sensorInfo('tramhalte', { driver: 'beam' }),
  ]);
  t.gw.register.retire('tramhalte', 'stop moved');
  t.gw.ingest.handle(statusTopic('dam-noord'), encodeStatus(status('dam-noord', 'registering', { bundle: 'e'.repeat(64) })));
  t.gw.ingest.handle(aggregateTopic('dam-noord'), encodeAggregate(aggregate('dam-noord', 1, { count: 15, level: 4 })));
  t.gw.ingest.handle(statusTopic('dam-zuid'), encodeStatus(status('dam-zuid', 'registering', { expiresAt: '2025-06-20' })));
});
afterAll(() => t.gw.stop());

const page = async (path: string) => (await fetch(`${t.base}${path}`)).text();
const listed = (html: string) => [...html.matchAll(/<li class="card" data-register="([a-z]+)">\s*<h2><a href="\/sensors\/([a-z-]+)"/g)].map((m) => `${m[2]}:${m[1]}`);

describe('register index', () => {
  it('lists everything, or only active / expiring / expired / retired sensors, with counts', async () => {
    const all = await page('/');
    expect(listed(all)).toEqual(['dam-noord:active', 'dam-zuid:expiring', 'oude-markt:expired', 'tramhalte:retired']);
    expect(all).toContain('Actief / Active (2)');
    expect(all).toContain('Verloopt binnenkort / Expiring (1)');
    expect(listed(await page('/?filter=active'))).toEqual(['dam-noord:active', 'dam-zuid:expiring']);
    expect(listed(await page('/?filter=expiring'))).toEqual(['dam-zuid:expiring']);
    expect(listed(await page('/?filter=expired'))).toEqual(['oude-markt:expired']);
    expect(listed(await page('/?filter=retired'))).toEqual(['tramhalte:retired']);
    expect(listed(await page('/?filter=<script>'))).toHaveLength(4);
    expect(all).toContain('nog 20 dagen / 20 days left'); // 1 … 20 June
    expect(all).toContain('verlopen — wordt verwijderd / expired — to be removed');
  });
});

describe('register page', () => {
  it('says what is measured and what is not, why, by whom, until when, how to reach them, the state and the minimiser hash', async () => {
    const html = await page('/sensors/dam-noord');
    for (const s of [
      'Wat wordt gemeten', 'What is measured', 'Wat NIET wordt gemeten', 'What is NOT measured',
      'Geen beelden of geluid.', 'No images or sound.', 'No identities', 'No positions or paths',
      'Waarom', 'Crowd safety on the square during events', // why
      'Team Openbare Ruimte, Gemeente Voorbeeld', 'mailto:drukte@voorbeeld.nl', 'tel:+31201234567', // by whom, contact
      'AVG art. 6(1)(e), Gemeentewet art. 172', 'DPIA-2025-017', '2026-05-31', 'actief / active', // legal, until when
      'meet / measuring', '15 mensen · erg druk', '15 people · very busy', // state and level now
      HASH, 'de sensor meldt dezelfde / the sensor reports the same', 'e'.repeat(64),
    ]) expect(html, s).toContain(s);
  });

  it('shows a minimiser that differs from the provisioned one', async () => {
    const html = await page('/sensors/dam-zuid');
    expect(html).toContain('f'.repeat(64));
    expect(html).toMatch(/the sensor reports a different one: <code class="hash">a{64}<\/code>/);
    expect(html).toContain('Alleen het drukteniveau'); // level-only sensor
  });

  it('marks expired sensors "verlopen — wordt verwijderd / expired — to be removed", retired ones as retired', async () => {
    expect(await page('/sensors/oude-markt')).toContain('<p class="banner" role="status">verlopen — wordt verwijderd / expired — to be removed.');
    const retired = await page('/sensors/tramhalte');
    expect(retired).toContain('buiten gebruik / retired');
    expect(retired).toContain('stop moved');
  });

  it('serves the same entry as JSON', async () => {
    const e = await fetchJson(`${t.base}/api/sensors/dam-noord`);
    expect(e).toMatchObject({
      id: 'dam-noord', purpose: 'Crowd safety on the square during events', legalGround: 'AVG art. 6(1)(e), Gemeentewet art. 172', dpiaRef: 'DPIA-2025-017',
      expiresAt: '2026-05-31', minimiserHash: HASH, state: 'registering', latest: aggregate('dam-noord', 1, { count: 15, level: 4 }),
      register: { status: 'active', daysLeft: 365, registeredAt: '2025-06-01T12:00:00.000Z', lastSeen: '2025-06-01T12:00:00.000Z', retiredAt: null },
      reported: { minimiser: HASH, bundle: 'e'.repeat(64), firmware: '0.1.0' }, ownerHistory: [],
    });
    const list = await fetchJson(`${t.base}/api/sensors`);
    expect(list.map((s: { id: string; state: string }) => `${s.id}:${s.state}`)).toEqual(['dam-noord:registering', 'dam-zuid:registering', 'oude-markt:expired', 'tramhalte:retired']);
  });
});

describe("exports in the registers' published data models", () => {
  const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: true, allErrors: true });
  (addFormats as unknown as typeof addFormats.default)(ajv);
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  const validator = (f: string) => {
    if (!compiled.has(f)) compiled.set(f, ajv.compile(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'registers', f), 'utf8'))));
    return compiled.get(f)!;
  };

  it("SensRNet: exactly the registry node's query model (legal entities, devices with sensors and datastreams, goals, relations); no retired sensors", async () => {
    const x = await fetchJson(`${t.base}/api/export/sensrnet`);
    const validate = validator('sensrnet.schema.json');
    expect(validate(x), JSON.stringify(validate.errors)).toBe(true);
    expect(x.legalEntities).toEqual([{ _id: 'le-gemeente-voorbeeld', name: 'Gemeente Voorbeeld', contactDetails: [{ _id: 'le-gemeente-voorbeeld-contact-1', name: 'Team Openbare Ruimte', email: 'drukte@voorbeeld.nl', phone: '+31 20 123 4567', isPublic: true }] }]);
    expect(x.devices.map((d: { _id: string }) => d._id)).toEqual(['dam-noord', 'dam-zuid', 'oude-markt']);
    const noord = x.devices[0];
    expect(noord).toMatchObject({ location: { type: 'Point', coordinates: [4.8922, 52.3731] }, sensors: [{ _id: 'dam-noord-sensor', type: 'radar' }] });
    expect(noord.datastreams.map((d: { _id: string }) => d._id)).toEqual(['dam-noord-level', 'dam-noord-count']);
    expect(noord.datastreams[1]).toMatchObject({ sensorId: 'dam-noord-sensor', isActive: true, isOpenData: true, containsPersonalInfoData: false, observationGoalIds: ['dam-noord-goal'], dataLink: 'https://register.voorbeeld.nl/api/sensors/dam-noord/history' });
    expect(x.devices[1].datastreams.map((d: { _id: string }) => d._id)).toEqual(['dam-zuid-level']); // level-only: no count stream
    expect(x.devices[2].datastreams[0].isActive).toBe(false);
    expect(x.observationGoals[0]).toEqual({ _id: 'dam-noord-goal', name: 'Crowd safety on the square during events', description: 'Crowd safety on the square during events', legalGround: 'AVG art. 6(1)(e), Gemeentewet art. 172' });
    expect(x.relations[0]).toEqual({ legalEntityId: 'le-gemeente-voorbeeld', relationVariant: 0, targetVariant: 0, targetId: 'dam-noord' });
  });

  it("Amsterdam: exactly the 12 fields of the register API's device records, within its field limits", async () => {
    const x = await fetchJson(`${t.base}/api/export/amsterdam`);
    const validate = validator('amsterdam.schema.json');
    expect(validate(x), JSON.stringify(validate.errors)).toBe(true);
    expect(x.map((r: { reference: string }) => r.reference)).toEqual(['dam-noord', 'dam-zuid', 'oude-markt']);
    expect(x[0]).toEqual({
      owner: { name: 'Team Openbare Ruimte', email: 'drukte@voorbeeld.nl', organisation: 'Gemeente Voorbeeld', telephone: '+31 20 123 4567', website: null },
      type: 'Radarsensor (mmWave, HLK-LD2450)', regions: ['dam'], location: { latitude: 52.3731, longitude: 4.8922 }, location_description: 'Dam, north side, lamp post 12',
      datastream: 'Aantal aanwezigen en drukteniveau (geen beelden, identiteiten of posities)', themes: ['Drukte'], contains_pi_data: false,
      observation_goals: [{ observation_goal: 'Crowd safety on the square during events', privacy_declaration: 'https://register.voorbeeld.nl/sensors/dam-noord', legal_ground: 'AVG art. 6(1)(e), Gemeentewet art. 172' }],
      project_paths: [], active_until: '2026-05-31', reference: 'dam-noord',
    });
    expect(x[2].active_until).toBe('2025-05-31');
  });

  it('a key the register does not know fails the schema (the check is not vacuous)', async () => {
    const x = await fetchJson(`${t.base}/api/export/amsterdam`);
    const validate = validator('amsterdam.schema.json');
    expect(validate([{ ...x[0], status: 'active' }])).toBe(false);
    expect(validate([{ ...x[0], reference: 'x'.repeat(65) }])).toBe(false);
    const s = await fetchJson(`${t.base}/api/export/sensrnet`);
    const v2 = validator('sensrnet.schema.json');
    expect(v2({ ...s, devices: [{ ...s.devices[0], legalEntityId: 'x' }] })).toBe(false);
  });
});
