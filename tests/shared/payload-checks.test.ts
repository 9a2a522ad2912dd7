/**
 * The generated payload checkers (shared/generated/payload-checks.ts, issue 14 item 8): the committed file is what
 * `npm run schemas` writes; the sensor's module graph holds no schema library; and on seeded random and mutated
 * payloads the validators give the same verdict, and the same messages in the same order, as TypeBox's own compiled
 * checker and error iterator over the same schema (what shared/payloads.ts ran before).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { moduleGraph } from '../../firmware/bundle/build.ts';
import { REPO_ROOT } from '../../firmware/identity.ts';
import { REASON_PATTERN } from '../../shared/patterns.ts';
import { validateAggregate, validateStatus, type Validation } from '../../shared/payloads.ts';
import { checkedSchema, GENERATED_PAYLOAD_CHECKS, payloadChecksSource } from '../../shared/schema/codegen.ts';
import { AggregateSchema, StatusSchema } from '../../shared/schema/payloads.ts';
import { UNIX_SECONDS } from '../../shared/schema/rules.ts';
import { mulberry32 } from '../../simulator/random.ts';

describe('shared/generated/payload-checks.ts', () => {
  it('is what `npm run schemas` writes (run it and commit when this fails)', () => {
    expect(readFileSync(join(REPO_ROOT, GENERATED_PAYLOAD_CHECKS), 'utf8')).toBe(payloadChecksSource());
  });

  it('evaluates nothing at run time', () => {
    const text = readFileSync(join(REPO_ROOT, GENERATED_PAYLOAD_CHECKS), 'utf8');
    expect(text.replace(/^\/\/.*$/gm, '')).not.toMatch(/\bnew Function\b|\beval\s*\(|@sinclair/);
  });
});

describe("the sensor's module graph", () => {
  it('holds no TypeBox module, directly or through a package it ships', async () => {
    const graph = await moduleGraph();
    expect(graph.files).toContain('shared/payloads.ts'); // the check is not vacuous: the validators are in it
    expect(graph.files).toContain('shared/generated/payload-checks.ts');
    expect(graph.files.filter((f) => /typebox|shared\/schema\/(?!rules\.ts$)/.test(f))).toEqual([]);
    expect(graph.packages).not.toContain('@sinclair/typebox');
    // …nor as a dependency of a package that goes into the bundle.
    const seen = new Set<string>();
    const visit = (name: string, from: string) => {
      let pkgFile: string;
      try {
        pkgFile = createRequire(join(from, 'package.json')).resolve(`${name}/package.json`);
      } catch {
        return; // an optional package not installed here, or one without an exported package.json
      }
      if (seen.has(pkgFile)) return;
      seen.add(pkgFile);
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
      for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
        expect(dep, `${name} depends on it`).not.toBe('@sinclair/typebox');
        visit(dep, join(pkgFile, '..'));
      }
    };
    for (const p of graph.packages) visit(p, REPO_ROOT);
    expect(seen.size).toBeGreaterThan(graph.packages.length - 1);
  }, 60_000);
});

// ---- The reference: TypeBox's compiled checker and error iterator, as shared/payloads.ts used them before. ----

function typeboxValidator(kind: string, schema: TObject, more: (x: Record<string, unknown>) => string[]): (x: unknown) => Validation<unknown> {
  const compiled = TypeCompiler.Compile(checkedSchema(schema));
  return (x) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x) || ![Object.prototype, null].includes(Object.getPrototypeOf(x))) return { ok: false, errors: [`${kind} must be a map/object`] };
    const obj = x as Record<string, unknown>;
    const extra = more(obj);
    if (compiled.Check(x) && extra.length === 0) return { ok: true, value: x };
    const errors: string[] = [];
    const keys = new Set<string>();
    for (const e of compiled.Errors(x)) {
      const key = e.path.split('/')[1]!;
      if (keys.has(key)) continue;
      keys.add(key);
      if (e.type === ValueErrorType.ObjectAdditionalProperties) errors.push(`unexpected key ${/^[A-Za-z_]{1,24}$/.test(key) ? `'${key}'` : '(unprintable)'}`);
      else if (e.type === ValueErrorType.ObjectRequiredProperty) errors.push(`missing key '${key}'`);
      else errors.push(`'${key}' must be ${schema.properties[key]!.description}`);
    }
    return { ok: false, errors: [...errors, ...extra] };
  };
}
const isUnix = (t: unknown) => Number.isInteger(t) && (t as number) >= UNIX_SECONDS.min && (t as number) <= UNIX_SECONDS.max;
const referenceAggregate = typeboxValidator('aggregate', AggregateSchema, (x) => (isUnix(x.from) && isUnix(x.to) && (x.to as number) <= (x.from as number) ? ["'to' must be after 'from'"] : []));
const referenceStatus = typeboxValidator('status', StatusSchema, (x) => (typeof x.reason === 'string' && !REASON_PATTERN.test(x.reason) ? [`'reason' must be ${StatusSchema.properties.reason.description}`] : []));

// ---- Seeded payloads: good ones, and good ones with keys dropped, added or set to near-misses and junk. ----

type Rand = () => number;
const pick = <T,>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, min: number, max: number) => min + Math.floor(r() * (max - min + 1));
const str = (r: Rand, max: number, alphabet = 'abcz09-_ .,AZ\t\u0000é€😀/~') => Array.from({ length: int(r, 0, max) }, () => pick(r, [...alphabet])).join('');
const junk = (r: Rand): unknown => pick(r, [
  () => undefined, () => null, () => true, () => false, () => int(r, -5, 5), () => r() * 10 - 5, () => Number.NaN, () => Infinity,
  () => str(r, 8), () => ({}), () => [], () => [1, 2], () => new Date(0), () => Buffer.from([1, 2]), () => 2 ** 53, () => -0, () => '1',
])();
const unix = (r: Rand) => pick(r, [int(r, 1_577_836_790, 1_577_836_810), int(r, 4_102_444_790, 4_102_444_810), int(r, 1_700_000_000, 1_800_000_000), 1_700_000_000.5]);
const EXTRA_KEYS = ['x', 'extra_key', '\u0000raw', 'positions', 'a/b', '~0', '', '__proto__', 'constructor', 'toString', 'a'.repeat(25), 'Count', 'v ', '0'];

function mutate(r: Rand, base: Record<string, unknown>, pools: Record<string, (r: Rand) => unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  const keys = Object.keys(pools);
  const changes = int(r, 0, 3);
  for (let i = 0; i < changes; i++) {
    const k = pick(r, keys);
    const how = r();
    if (how < 0.15) delete out[k];
    else if (how < 0.55) out[k] = pools[k]!(r);
    else out[k] = junk(r);
  }
  const extras = r() < 0.25 ? int(r, 1, 2) : 0;
  for (let i = 0; i < extras; i++) Object.defineProperty(out, pick(r, EXTRA_KEYS), { value: junk(r), enumerable: true, configurable: true, writable: true });
  if (r() < 0.1) {
    // A shuffled key order (the messages follow the schema's order, and for unknown keys the payload's).
    const entries = Object.entries(out).sort(() => r() - 0.5);
    return Object.fromEntries(entries);
  }
  return out;
}

const HEX = 'a'.repeat(64);
const goodAggregate = (r: Rand): Record<string, unknown> => {
  const from = int(r, 1_700_000_000, 1_800_000_000);
  return { v: 1, sensor: pick(r, ['dam-noord', 'abc', 'a'.repeat(63)]), seq: int(r, 0, 0xffff_ffff), from, to: from + pick(r, [10, 60, 300]), level: int(r, 0, 5), count: pick(r, [null, int(r, 0, 1_000_000)]) };
};
const aggregatePools: Record<string, (r: Rand) => unknown> = {
  v: (r) => pick(r, [0, 1, 2, '1', 1.0000001]), sensor: (r) => pick(r, ['ab', 'abc', 'Dam', '-ab', 'a'.repeat(63), 'a'.repeat(64), str(r, 10)]),
  seq: (r) => pick(r, [-1, 0, 0xffff_ffff, 0x1_0000_0000, 1.5, int(r, 0, 100)]), from: unix, to: unix,
  level: (r) => int(r, -1, 6), count: (r) => pick(r, [null, -1, 0, 1_000_000, 1_000_001, 2.5, int(r, 0, 50)]),
};
const goodStatus = (r: Rand): Record<string, unknown> => {
  const s: Record<string, unknown> = { v: 1, sensor: 'dam-noord', state: pick(r, ['starting', 'registering', 'expiring', 'expired', 'fault', 'offline']), expiresAt: '2027-06-30', firmware: '0.1.0', minimiser: HEX, bundle: 'b'.repeat(64), since: int(r, 1_700_000_000, 1_800_000_000) };
  if (r() < 0.4) s.reason = pick(r, ['radar gave no frames for 30 s', 'ok, fine.', '']);
  if (r() < 0.4) s.radar = { firmware: 'V2.04.23101915', bluetooth: 'off', zoneFilter: 'inside' };
  if (r() < 0.3) s.corrupt = int(r, 0, 5);
  return s;
};
const statusPools: Record<string, (r: Rand) => unknown> = {
  v: (r) => pick(r, [0, 1, '1']), sensor: (r) => pick(r, ['ab', 'dam-noord', 'Dam']),
  state: (r) => pick(r, ['starting', 'expired', 'offline', 'asleep', 'OFFLINE']), expiresAt: (r) => pick(r, ['2027-02-28', '2027-02-29', '2027-2-1', '2028-02-29', '2027-13-01', 20270101]),
  firmware: (r) => pick(r, ['1.0.0', 'v1+b', '', 'a'.repeat(32), 'a'.repeat(33), '1 0']), minimiser: (r) => pick(r, [HEX, 'A'.repeat(64), 'a'.repeat(63), 'g'.repeat(64)]),
  bundle: (r) => pick(r, [HEX, 'f'.repeat(65)]), since: unix,
  reason: (r) => pick(r, [str(r, 170), 'a'.repeat(160), 'a'.repeat(161), 'tab\there', 'ok, fine.', undefined, 'é'.repeat(160)]),
  radar: (r) => pick(r, [{ firmware: 'V1.02', bluetooth: 'off', zoneFilter: 'inside' }, { firmware: 'V1.02', bluetooth: 'off' }, { firmware: 'V1.02', bluetooth: 'maybe', zoneFilter: 'off' }, { firmware: 'V1.02', bluetooth: 'on', zoneFilter: 'off', x: 1 }, [], null]),
  corrupt: (r) => pick(r, [0, 3, -1, 0x1_0000_0000, undefined, 1.5]),
};

function agree(n: number, seed: number, make: (r: Rand) => Record<string, unknown>, pools: Record<string, (r: Rand) => unknown>, ours: (x: unknown) => Validation<unknown>, reference: (x: unknown) => Validation<unknown>) {
  const r = mulberry32(seed);
  let refused = 0;
  for (let i = 0; i < n; i++) {
    const x = r() < 0.1 ? make(r) : mutate(r, make(r), pools);
    const a = ours(x);
    const b = reference(x);
    if (!b.ok) refused++;
    expect(a.ok, `payload #${i}`).toBe(b.ok);
    if (!a.ok && !b.ok) expect(a.errors, `payload #${i}`).toEqual(b.errors);
  }
  return refused;
}

describe('the generated checkers agree with TypeBox (seeded: the same payloads every run)', () => {
  it('3,000 Aggregates: the same verdict and the same messages, in the same order', () => {
    const refused = agree(3000, 14_08_01, goodAggregate, aggregatePools, validateAggregate, referenceAggregate);
    expect(refused).toBeGreaterThan(1000); // not vacuous: both verdicts occur often
    expect(refused).toBeLessThan(2900);
  });

  it('3,000 Statuses: the same verdict and the same messages, in the same order', () => {
    const refused = agree(3000, 14_08_02, goodStatus, statusPools, validateStatus, referenceStatus);
    expect(refused).toBeGreaterThan(1000);
    expect(refused).toBeLessThan(2900);
  });

  it('a few by hand', () => {
    for (const x of [null, [], 'x', new Map(), Object.create({ v: 1 })]) {
      expect(validateAggregate(x)).toEqual(referenceAggregate(x));
      expect(validateStatus(x)).toEqual(referenceStatus(x));
    }
    expect(validateAggregate({ v: 1, extra_key: 1, '\u0000raw': 2 })).toEqual({ ok: false, errors: [
      "missing key 'sensor'", "missing key 'seq'", "missing key 'from'", "missing key 'to'", "missing key 'level'", "missing key 'count'",
      "unexpected key 'extra_key'", 'unexpected key (unprintable)',
    ] });
  });
});
