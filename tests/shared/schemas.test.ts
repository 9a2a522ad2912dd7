/**
 * The contracts' JSON Schemas (shared/schema/, issue 12): the committed docs/schemas/ are what `npm run schemas`
 * writes; another system's validator (Ajv, with the published files only) agrees with the gateway's own validators
 * on generated inputs; the register refuses what the manifest refuses; the gateway serves the same files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { validateManifest } from '../../shared/manifest.ts';
import { validateAggregate, validateStatus } from '../../shared/payloads.ts';
import { SCHEMA_NAMES, schemaJson } from '../../shared/schema/index.ts';
import { validateSensorInfo } from '../../gateway/register.ts';
import { ADMIN_TOKEN, aggregate, sensorInfo, startTestGateway, status, T0, testManifest, type TestGateway } from '../gateway/helpers.ts';

const DIR = join(import.meta.dirname, '..', '..', 'docs', 'schemas');
const ajv = new (Ajv as unknown as typeof Ajv.default)({ strict: true, allErrors: true, allowUnionTypes: true });
(addFormats as unknown as typeof addFormats.default)(ajv);
for (const name of SCHEMA_NAMES) ajv.addSchema(JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')));
const published = (name: string) => ajv.getSchema(`${name}.json`)!;

describe('docs/schemas', () => {
  it('holds exactly what `npm run schemas` writes (run it and commit when this fails)', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(SCHEMA_NAMES.map((n) => `${n}.json`).sort());
    for (const name of SCHEMA_NAMES) expect(readFileSync(join(DIR, `${name}.json`), 'utf8'), name).toBe(schemaJson(name));
  });

  it('compiles in a strict validator elsewhere and accepts our own valid examples', () => {
    expect(published('aggregate')(aggregate('dam-noord', 7))).toBe(true);
    expect(published('status')(status('dam-noord', 'registering'))).toBe(true);
    expect(published('status')({ ...status('dam-noord', 'registering'), reason: 'radar gave no frames for 30 s', corrupt: 2 })).toBe(true);
    expect(published('manifest')(testManifest('dam-noord'))).toBe(true);
    expect(published('sensor-info')(sensorInfo('dam-noord'))).toBe(true);
    expect(published('admin-transfer-request')({ owner: { name: 'Team X', organisation: 'Gemeente Y', email: 'x@y.nl' }, note: 'n' })).toBe(true);
    expect(published('admin-transfer-request')({ owner: { name: 'Team X', organisation: 'Gemeente Y', email: 'nope' } })).toBe(false);
  });
});

/** A field replaced by something from a pool of near-misses and good values (bounds ± 1, wrong types, junk keys). */
const junk = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 5 }), fc.double(), fc.string({ maxLength: 8 }), fc.constant({}), fc.constant([]));
const unix = fc.oneof(fc.integer({ min: 1_577_836_790, max: 1_577_836_810 }), fc.integer({ min: 4_102_444_790, max: 4_102_444_810 }), fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }));
const mutated = <T extends Record<string, unknown>>(base: T, pools: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(Object.fromEntries(Object.entries(pools).map(([k, a]) => [k, fc.oneof(fc.constant(base[k]), a, junk)])), { requiredKeys: [] })
    .chain((changes) => fc.option(fc.constantFrom('x', 'extra_key', '\u0000raw', 'positions'), { nil: undefined }).map((extra) => {
      const out: Record<string, unknown> = { ...base };
      for (const [k, v] of Object.entries(changes)) if (v === undefined) delete out[k]; else out[k] = v;
      if (extra) out[extra] = 1;
      return out;
    }));

describe('the validators (TypeBox over shared/schema/) agree with the published schemas run by another validator (Ajv)', () => {
  it('Aggregate (the schema cannot say "to after from": that rule is checked on top)', () => {
    const base = aggregate('dam-noord', 7) as unknown as Record<string, unknown>;
    fc.assert(fc.property(mutated(base, {
      v: fc.constantFrom(0, 1, 2, '1'), sensor: fc.constantFrom('ab', 'abc', 'Dam', '-ab', 'a'.repeat(63), 'a'.repeat(64)),
      seq: fc.constantFrom(-1, 0, 0xffff_ffff, 0x1_0000_0000, 1.5), from: unix, to: unix,
      level: fc.integer({ min: -1, max: 6 }), count: fc.constantFrom(null, -1, 0, 1_000_000, 1_000_001, 2.5),
    }), (x) => {
      const schemaOk = published('aggregate')(x) && (x.to as number) > (x.from as number);
      expect(validateAggregate(x).ok).toBe(schemaOk);
    }), { numRuns: 2000 });
  });

  it('Status', () => {
    const base = status('dam-noord', 'registering') as unknown as Record<string, unknown>;
    fc.assert(fc.property(mutated(base, {
      state: fc.constantFrom('starting', 'expired', 'offline', 'asleep'), expiresAt: fc.constantFrom('2027-02-28', '2027-02-29', '2027-2-1', '2028-02-29'),
      firmware: fc.constantFrom('1.0.0', 'v1+b', '', 'a'.repeat(33), '1 0'), minimiser: fc.constantFrom('a'.repeat(64), 'A'.repeat(64), 'a'.repeat(63)),
      since: unix, reason: fc.oneof(fc.string({ maxLength: 170 }), fc.constantFrom('a'.repeat(160), 'a'.repeat(161), 'tab\there', 'ok, fine.')),
      radar: fc.constantFrom({ firmware: 'V1.02', bluetooth: 'off', zoneFilter: 'inside' }, { firmware: 'V1.02', bluetooth: 'off' }, { firmware: 'V1.02', bluetooth: 'maybe', zoneFilter: 'off' }),
      corrupt: fc.constantFrom(0, 3, -1, 0x1_0000_0000),
    }), (x) => {
      expect(validateStatus(x).ok).toBe(published('status')(x));
    }), { numRuns: 2000 });
  });

  it('Manifest: a field the schema refuses is a field validateManifest names (it adds cross-field rules on top), never an unprintable key', () => {
    const base = testManifest('dam-noord') as Record<string, unknown>;
    fc.assert(fc.property(mutated(base, {
      id: fc.constantFrom('ab', 'dam-zuid', 'Dam'), purpose: fc.constantFrom('short', '   padded    ', 'a'.repeat(1001), 'Why we count people here'),
      owner: fc.constantFrom({ name: 'A', organisation: 'Gemeente', email: 'a@b.nl' }, { name: 'Team', organisation: 'Gemeente', email: 'a@b', phone: '12' }),
      location: fc.constantFrom({ lat: 91, lon: 4, description: 'Dam' }, { lat: 52, lon: -180, description: 'Dam' }, { lat: 52, lon: 4, description: '  ' }),
      area: fc.constantFrom({ m2: 0 }, { m2: 1_000_001 }, { m2: 40, zone: [[0, 0], [1, 0], [1, 100_001]] }, { m2: 40, zone: [[0, 0], [1000, 0], [0, 1000]] }),
      minimisation: fc.constantFrom({ windowSeconds: 3601 }, { kFloor: 1001 }, { kFloor: 2 }, { granularity: 0 }, { output: 'count' }, { windowSeconds: 60, kFloor: 5, granularity: 5 }),
      registerUrl: fc.constantFrom('ftp://x.nl/', 'https://x.nl/s', 'not a url'), board: fc.constantFrom({ arch: 'arm64' }, { arch: 'sparc' }, { arch: 'x64', model: '' }),
    }), (x) => {
      const validate = published('manifest');
      void validate(x); // a synchronous schema: the errors are on validate.errors
      const schemaFields = new Set((validate.errors ?? []).map((e) => (e.instancePath === '' ? String(e.params.additionalProperty ?? e.params.missingProperty) : e.instancePath.split('/')[1]!)));
      const r = validateManifest(x, T0);
      const ownFields = new Set(r.ok ? [] : r.errors.map((e) => e.path.split(/[.[]/)[0]!));
      // An unknown key that is not printable is reported without its name (path '', shown as "(manifest)").
      for (const f of schemaFields) expect(ownFields.has(/^[\x21-\x7e]+$/.test(f) ? f : ''), `schema refuses ${JSON.stringify(f)}`).toBe(true);
      if (!r.ok) expect(JSON.stringify(r.errors)).not.toContain('\\u0000');
      if (r.ok) expect(validate.errors ?? []).toEqual([]);
    }), { numRuns: 1500 });
  });
});

describe('the register takes its rules from the manifest', () => {
  it('refuses what `drukte provision` refuses (it used to skip these)', () => {
    expect(validateSensorInfo(sensorInfo('dam-noord'))).toEqual([]);
    const bad = sensorInfo('dam-noord', { location: { lat: 91, lon: 4.9, description: 'Dam' }, area: { m2: 2_000_000 }, windowSeconds: 4000, kFloor: 2000 });
    bad.owner = { ...bad.owner, name: 'X' };
    expect(validateSensorInfo(bad)).toEqual([
      'dam-noord: owner needs a name and an organisation',
      'dam-noord: location needs lat (-90–90), lon (-180–180) and a description (3–300 characters)',
      'dam-noord: area.m2 must be > 0 and ≤ 1000000',
      'dam-noord: kFloor must be an integer from 3–1000',
      'dam-noord: windowSeconds must be an integer from 10–3600',
    ]);
  });
});

describe('GET /schemas/{name}.json', () => {
  let t: TestGateway | null = null;
  afterEach(async () => {
    await t?.gw.stop();
    t = null;
  });

  it('serves the published files to anyone, and lists them', async () => {
    t = await startTestGateway([]);
    for (const name of SCHEMA_NAMES) {
      const res = await fetch(`${t.base}/schemas/${name}.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/schema+json');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.text()).toBe(readFileSync(join(DIR, `${name}.json`), 'utf8'));
    }
    const list = await (await fetch(`${t.base}/schemas/`)).json();
    expect(list.schemas).toContain('/schemas/aggregate.json');
    expect((await fetch(`${t.base}/schemas/nope.json`)).status).toBe(404);
    expect((await fetch(`${t.base}/schemas/..%2Fpackage.json`)).status).toBe(404);
  });

  it('the admin API checks every body against its schema: no unchecked owner, unknown keys named only when printable', async () => {
    t = await startTestGateway();
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${t!.base}/api/admin/sensors/dam-noord/${path}`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };
    expect(await post('transfer', { owner: 'Gemeente Y' })).toEqual({ status: 422, body: { error: 'invalid request', errors: ['owner needs a name and an organisation'] } });
    expect(await post('transfer', { owner: { name: 'Team X', organisation: 'Gemeente Y', email: 'x@y.nl', extra: 1 } })).toMatchObject({ status: 422, body: { errors: ["owner: unknown key 'extra'"] } });
    expect(await post('retire', { reason: 'gone', 'raw\u0000key': 1 })).toMatchObject({ status: 422, body: { errors: ['unexpected key (unprintable)'] } });
    expect(await post('resume', {})).toMatchObject({ status: 422, body: { errors: ['a note saying why the sensor may publish again is required'] } });
    expect(await post('credentials', { credential: 'plain' })).toMatchObject({ status: 422, body: { errors: [expect.stringMatching(/^credential must be a stored scrypt hash/)] } });
    expect(t.gw.register.get('dam-noord')?.owner.organisation).toBe(sensorInfo('dam-noord').owner.organisation);
  });
});
