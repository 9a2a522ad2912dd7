/**
 * Sensor manifest: what a technician fills in (YAML or JSON). Validated against the published schema
 * (shared/schema/manifest.ts, docs/schemas/manifest.json) plus the few cross-field rules, every error reported at
 * once, unknown and retired keys refused by name. Defaults are applied only where the contract gives one.
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { LEVEL_LETTERS } from './density.ts';
import { DAY_MS, MAX_EXPIRY_DAYS } from './expiry.ts';
import { levelBandWidths } from './level-bands.ts';
import { DEFAULT_MINIMISATION, type Minimisation, type PointMm } from './minimisation.ts';
import './schema/kit.ts'; // the date and uri formats
import { ManifestSchema, ZONE_DESCRIPTION } from './schema/manifest.ts';
import { type ARCHES, DEFAULT_HEARTBEAT_SECONDS, type DRIVERS, isIntIn, MAX_HEARTBEAT_SECONDS, POSITION_DRIVERS } from './schema/rules.ts';

export { DEFAULT_MINIMISATION, MIN_GRANULARITY, MIN_K_FLOOR, MIN_WINDOW_SECONDS, type Minimisation, type OutputMode, type PointMm } from './minimisation.ts';

export type DriverName = (typeof DRIVERS)[number];
export { MAX_EXPIRY_DAYS } from './expiry.ts';
export { ARCHES, DEFAULT_HEARTBEAT_SECONDS, DEFAULT_RETENTION_DAYS, DRIVERS, MAX_HEARTBEAT_SECONDS, POSITION_DRIVERS, RETENTION_DAYS } from './schema/rules.ts';

export interface Manifest {
  id: string;
  areaId?: string;
  driver: DriverName;
  owner: { name: string; organisation: string; email: string; phone?: string };
  purpose: string;
  legalGround: string;
  dpiaRef: string;
  location: { lat: number; lon: number; description: string };
  area: { m2: number; zone?: PointMm[] };
  levelScheme: string;
  minimisation: Minimisation;
  /** Re-publish an unchanged result at least this often, seconds (≥ the window; default DEFAULT_HEARTBEAT_SECONDS). */
  heartbeatSeconds?: number;
  /** The gateway deletes this sensor's history older than this many days (default DEFAULT_RETENTION_DAYS). */
  retentionDays?: number;
  expiresAt: string;
  registerUrl: string;
  gatewayUrl: string;
  /** Optional: the device the bundle is for; `drukte provision` warns when it builds for another architecture. */
  board?: Board;
}

export type Arch = (typeof ARCHES)[number];
export interface Board {
  arch: Arch;
  /** Free text for people, e.g. "Raspberry Pi 4, Raspberry Pi OS 64-bit". */
  model?: string;
}

export interface ManifestError {
  path: string;
  message: string;
}

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; errors: ManifestError[] };

/** Keys that once existed or that people reach for, refused with a pointer to what to use instead. */
const RETIRED_KEYS: Record<string, string> = {
  expiry: "'expiry' is not a manifest key; use 'expiresAt: YYYY-MM-DD'",
  k: "'k' is not a manifest key; use 'minimisation.kFloor'",
  window: "'window' is not a manifest key; use 'minimisation.windowSeconds'",
  positions: 'publishing positions is not possible in drukte; remove this key',
};
/** What to do, added to the schema's words where the fix is a tool rather than a value. */
const HOW_TO_FIX: Record<string, string> = {
  registerUrl: '`drukte provision --gateway URL` fills it in from the gateway',
  gatewayUrl: '`drukte provision --gateway URL` fills it in from the gateway',
};
const TOP_KEYS = Object.keys(ManifestSchema.properties);
const MANIFEST = TypeCompiler.Compile(ManifestSchema);

function isObj(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/**
 * Validate a parsed manifest. `provisionedAt` (ms) bounds the expiry: not in the past, at most 2 years ahead.
 * Pass null to check the date's form only (e.g. replaying a recording with an expired sensor's manifest).
 *
 * The rules are the published schema (shared/schema/manifest.ts), its descriptions the messages; below it only the
 * rules JSON Schema cannot say: the zone for position radars, heartbeat ≥ window, the minimisation's cross-field
 * rules (minimisationProblems) and the expiry bound.
 */
export function validateManifest(parsed: unknown, provisionedAt: number | null): ManifestResult {
  if (!isObj(parsed)) return { ok: false, errors: [{ path: '', message: 'the manifest must be a map of keys (YAML or JSON object)' }] };
  // YAML reads an unquoted date as a Date.
  const input = parsed.expiresAt instanceof Date ? { ...parsed, expiresAt: parsed.expiresAt.toISOString().slice(0, 10) } : parsed;
  const errors = MANIFEST.Check(input) ? [] : schemaErrors(input);
  const err = (path: string, message: string) => errors.push({ path, message });
  const bad = (field: string) => errors.some((e) => e.path === field || e.path.startsWith(`${field}.`) || e.path.startsWith(`${field}[`));
  const i = input as Record<string, any>;

  if (!bad('area') && i.area.zone === undefined && (POSITION_DRIVERS as unknown[]).includes(i.driver)) err('area.zone', `required for this radar: ${ZONE_DESCRIPTION}`);
  const minimisation: Minimisation = { ...DEFAULT_MINIMISATION, ...(bad('minimisation') ? {} : i.minimisation) };
  if (i.driver === 'ld2410') minimisation.output = 'level'; // presence radar: level only (hardware minimisation)
  const hb = i.heartbeatSeconds;
  if (hb !== undefined && !isIntIn(hb, { min: minimisation.windowSeconds, max: MAX_HEARTBEAT_SECONDS })) {
    errors.splice(0, errors.length, ...errors.filter((e) => e.path !== 'heartbeatSeconds'));
    err('heartbeatSeconds', `must be an integer from the window (${minimisation.windowSeconds}) to ${MAX_HEARTBEAT_SECONDS}; leave it out for the default ${DEFAULT_HEARTBEAT_SECONDS}`);
  }
  if (!bad('minimisation')) for (const e of minimisationProblems(minimisation, bad('area') ? null : i.area.m2)) err(e.path, e.message);
  if (!bad('expiresAt') && provisionedAt !== null) {
    const days = (Date.parse(`${i.expiresAt}T00:00:00Z`) - provisionedAt) / DAY_MS;
    if (days <= 0) err('expiresAt', `${i.expiresAt} is not in the future`);
    else if (days > MAX_EXPIRY_DAYS) err('expiresAt', `${i.expiresAt} is more than 2 years after provisioning; choose a date before ${new Date(provisionedAt + MAX_EXPIRY_DAYS * DAY_MS).toISOString().slice(0, 10)}`);
  }
  if (errors.length) return { ok: false, errors };

  const manifest: Manifest = {
    id: i.id,
    ...(i.areaId ? { areaId: i.areaId } : {}),
    driver: i.driver,
    owner: { name: i.owner.name, organisation: i.owner.organisation, email: i.owner.email, ...(i.owner.phone ? { phone: i.owner.phone } : {}) },
    purpose: i.purpose.trim(),
    legalGround: i.legalGround.trim(),
    dpiaRef: i.dpiaRef.trim(),
    location: { lat: i.location.lat, lon: i.location.lon, description: i.location.description.trim() },
    area: { m2: i.area.m2, ...(i.area.zone ? { zone: i.area.zone.map(([x, y]: PointMm) => [x, y]) } : {}) },
    levelScheme: i.levelScheme ?? 'fruin-walkway',
    minimisation,
    ...(hb !== undefined ? { heartbeatSeconds: hb } : {}),
    ...(i.retentionDays !== undefined ? { retentionDays: i.retentionDays } : {}),
    expiresAt: i.expiresAt,
    registerUrl: i.registerUrl,
    gatewayUrl: i.gatewayUrl,
    ...(i.board ? { board: { arch: i.board.arch, ...(i.board.model ? { model: i.board.model.trim() } : {}) } } : {}),
  };
  return { ok: true, manifest };
}

/**
 * The schema's problems in the manifest's words, every one at once, unknown keys first, then in the schema's
 * order: "required: …" for a missing or wrong required field, "must be …" for an optional one or a list item, each
 * the `description` of the nearest described node on the path (one message per such node). An unknown key is
 * named only when it is printable (it is the technician's own typo, but could be anything).
 */
function schemaErrors(input: Record<string, unknown>): ManifestError[] {
  const out: (ManifestError & { rank: number[] })[] = [];
  const seen = new Set<string>();
  for (const e of leafErrors(Value.Errors(ManifestSchema, input))) {
    const steps = e.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.type === ValueErrorType.ObjectAdditionalProperties) {
      const key = steps.pop()!;
      const shown = /^[\x21-\x7e]{1,64}$/.test(key);
      const parent = dotted(steps);
      if (!parent && RETIRED_KEYS[key]) out.push({ path: key, message: RETIRED_KEYS[key]!, rank: [-1] });
      else if (!parent) out.push({ path: shown ? key : '', message: `unknown key${shown ? ` '${key}'` : ' (not shown: it holds unprintable characters)'}; allowed: ${TOP_KEYS.join(', ')}`, rank: [-1] });
      else out.push({ path: shown ? `${parent}.${key}` : parent, message: shown ? 'unknown key' : 'unknown key (not shown: it holds unprintable characters)', rank: [...described(steps).rank, -1] });
      continue;
    }
    const d = described(steps);
    if (seen.has(d.path)) continue;
    seen.add(d.path);
    const fix = HOW_TO_FIX[d.path];
    out.push({ path: d.path, message: `${d.required ? 'required:' : 'must be'} ${d.description}${fix ? `; ${fix}` : ''}`, rank: d.rank });
  }
  const before = (a: number[], b: number[]): number => (a.length && b.length ? a[0]! - b[0]! || before(a.slice(1), b.slice(1)) : a.length - b.length);
  return out.sort((a, b) => before(a.rank, b.rank)).map(({ path, message }) => ({ path, message }));
}

/** A union (e.g. `minimisation: {…} | null`) given a map or a list reports what is wrong inside it, not "no variant matched". */
function* leafErrors(errors: Iterable<ValueError>): Generator<ValueError> {
  for (const e of errors) {
    const variants = (e.schema.anyOf ?? []) as TSchema[];
    const shaped = e.type === ValueErrorType.Union && e.value !== null && typeof e.value === 'object' ? variants.findIndex((v) => v.type === (Array.isArray(e.value) ? 'array' : 'object')) : -1;
    if (shaped >= 0) yield* leafErrors(e.errors[shaped]!);
    else yield e;
  }
}

const dotted = (steps: readonly string[]) => steps.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');

/**
 * The deepest node on a path that has a description, its dotted path, whether its parent object requires it, and its
 * place in the schema (property and item indexes, for reporting in the schema's order).
 */
function described(steps: readonly string[]): { path: string; description: string; required: boolean; rank: number[] } {
  let node: TSchema = ManifestSchema;
  let best = { path: '', description: '', required: true, rank: [] as number[] };
  const rank: number[] = [];
  for (const [n, step] of steps.entries()) {
    const shaped: TSchema = ((node.anyOf as TSchema[] | undefined)?.find((v) => v.properties || v.items)) ?? node;
    const item = /^\d+$/.test(step);
    const next = (item ? shaped.items : shaped.properties?.[step]) as TSchema | undefined;
    if (!next) break;
    rank.push(item ? Number(step) : Object.keys(shaped.properties as object).indexOf(step));
    if (next.description) best = { path: dotted(steps.slice(0, n + 1)), description: next.description, required: !item && (shaped.required as string[] | undefined)?.includes(step) === true, rank: [...rank] };
    node = next;
  }
  return best;
}

/**
 * Minimisation settings that would make an aggregate say more than intended (issue 9, item 6):
 *
 * - granularity > k floor: rounding down would publish "0 people" for k … granularity−1 people (k 3, granularity 10:
 *   3–9 people shown as 0). The granularity must not exceed k.
 * - a level-only sensor whose area makes a level band hold fewer whole people (≥ k) than the granularity: the level
 *   alone would then pin the count down more finely than the granularity (on 10 m², level B means exactly 4 people).
 *   The gateway cannot check a level-only sensor's level against a count, so the band itself must be wide enough.
 */
export function minimisationProblems(m: Minimisation, areaM2: number | null): ManifestError[] {
  const out: ManifestError[] = [];
  if (m.granularity > m.kFloor) {
    out.push({ path: 'minimisation.granularity', message: `${m.granularity} is larger than the k floor (${m.kFloor}): ${m.kFloor}–${m.granularity - 1} people would be published as 0; choose a granularity ≤ ${m.kFloor}` });
  }
  if (m.output === 'level' && areaM2 !== null) {
    const widths = levelBandWidths({ areaM2, kFloor: m.kFloor });
    const narrow = widths.map((w, level) => ({ w, level })).filter(({ w, level }) => level > 0 && w > 0 && w < m.granularity);
    if (narrow.length) {
      const list = narrow.map(({ w, level }) => `${LEVEL_LETTERS[level]} = ${w} ${w === 1 ? 'person' : 'people'}`).join(', ');
      out.push({ path: 'area.m2', message: `on ${areaM2} m² a level says more than the granularity (${m.granularity}) allows: ${list}; choose a larger area, a smaller granularity or output level+count` });
    }
  }
  return out;
}

/** The most people a device can ever report in one frame (LD2450: 3 tracked targets; LD2410: presence only). */
export const DEVICE_MAX_PEOPLE: Readonly<Record<DriverName, number>> = { ld2450: 3, ld2410: 1, 'ti-people': 250, beam: Number.POSITIVE_INFINITY };

/** Settings that are allowed but useless: a k floor the device can never reach publishes nothing but level 0. */
export function minimisationWarnings(m: Manifest): string[] {
  const max = DEVICE_MAX_PEOPLE[m.driver];
  if (m.minimisation.kFloor <= max) return [];
  return [`minimisation.kFloor ${m.minimisation.kFloor} is higher than a ${m.driver} can ever count (at most ${max}): this sensor will only ever publish level 0, "fewer than ${m.minimisation.kFloor}"`];
}

export function formatManifestErrors(errors: ManifestError[]): string {
  return errors.map((e) => `  ✗ ${e.path || '(manifest)'}: ${e.message}`).join('\n');
}
