/**
 * The payload checkers as source code (issue 14, item 8): TypeBox's compiler emits the checking function of a schema
 * (`TypeCompiler.Code`); this module wraps that code, for Aggregate and Status, into a plain TypeScript module,
 * shared/generated/payload-checks.ts, which shared/payloads.ts uses. So the rule is still written once (in
 * shared/schema/payloads.ts) while the sensor ships the checkers' code, not the schema library: no TypeBox, no
 * compiling and no `new Function` on the device. `npm run schemas` writes the file, `npm run schemas -- --check`
 * and tests/shared/payload-checks.test.ts fail when it is stale.
 *
 * What is emitted per payload: the whole-payload check, and per key its own check, whether it is required and its
 * description (the validator's message); shared/payloads.ts works out a refused payload's errors from those, in the
 * order TypeBox's error iterator gives them (missing keys, unexpected keys, then each key in schema order).
 *
 * Runs at build time only (cli/schemas.ts, tests): never imported by the firmware or the gateway.
 */
import { Kind, Type, type TObject, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { REASON_PATTERN } from '../patterns.ts';
import { AggregateSchema, StatusSchema } from './payloads.ts';

export const GENERATED_PAYLOAD_CHECKS = 'shared/generated/payload-checks.ts';

/**
 * The schema the checker is generated from. TypeBox emits `pattern` without the u flag, so the one Unicode pattern
 * (REASON_PATTERN) is left out of the generated check and tested by shared/payloads.ts itself (as before).
 */
export function checkedSchema(schema: TObject): TObject {
  return Type.Object(Object.fromEntries(Object.entries(schema.properties).map(([k, p]) => [k, p.pattern === REASON_PATTERN.source ? Type.Optional(Type.String({ maxLength: p.maxLength as number })) : p])), { additionalProperties: false });
}

/** The formats the generated code may call, and what implements each on the device (must be what kit.ts registers). */
const FORMATS: Record<string, { name: string; from: string }> = { date: { name: 'isIsoDate', from: '../patterns.ts' } };

/** One schema's check as a typed function expression (its regular expressions in a closure). */
function checkFunction(schema: TSchema, what: string): string {
  const code = TypeCompiler.Code(schema, [], { language: 'typescript' });
  if (code.split('return function check(value: any): boolean {').length !== 2) throw new Error(`codegen: unexpected TypeCompiler output for ${what}`);
  // The emitted code may only call what this module provides: format() for the formats above, nothing else.
  if (/\b(kind|hash)\(/.test(code)) throw new Error(`codegen: ${what} needs TypeBox at run time (kind/hash), not supported`);
  for (const m of code.matchAll(/\bformat\('([^']*)'/g)) if (!FORMATS[m[1]!]) throw new Error(`codegen: ${what} uses format '${m[1]}', which has no implementation here`);
  const indented = code.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
  return `((): ((value: unknown) => boolean) => {\n${indented}\n})()`;
}

/**
 * A key whose value is itself an object (Status.radar): TypeBox's error iterator reports a missing or unknown key
 * inside it as a missing or unexpected key at the top, and shared/payloads.ts says the same, so its keys are emitted
 * too. Anything that nests deeper (objects in unions or arrays, objects in objects) is not supported here.
 */
function nestedObject(p: TSchema, what: string): string | null {
  const nests = (s: unknown): boolean => typeof s === 'object' && s !== null && (((s as TSchema)[Kind] === 'Object') || Object.values(s).some(nests));
  if (p[Kind] !== 'Object') {
    if (nests(p)) throw new Error(`codegen: ${what} has an object nested in it, not supported`);
    return null;
  }
  const o = p as TObject;
  if (Object.values(o.properties).some(nests)) throw new Error(`codegen: ${what} nests objects two deep, not supported`);
  return `{ keys: ${JSON.stringify(Object.keys(o.properties))}, required: ${JSON.stringify(o.required ?? [])}, closed: ${o.additionalProperties === false} }`;
}

function checkerSource(constName: string, title: string, schema: TObject): string {
  const checked = checkedSchema(schema);
  const required = new Set(checked.required ?? []);
  const props = Object.entries(checked.properties).map(([key, p]) => [
    '    {',
    `      key: ${JSON.stringify(key)},`,
    `      required: ${required.has(key)},`,
    `      description: ${JSON.stringify(schema.properties[key]!.description ?? '')},`,
    ...(nestedObject(p, `${title}.${key}`) ? [`      object: ${nestedObject(p, `${title}.${key}`)},`] : []),
    `      check: ${checkFunction(p, `${title}.${key}`).split('\n').join('\n      ')},`,
    '    },',
  ].join('\n'));
  return [
    `/** ${title}: ${schema.title ?? ''} */`,
    `export const ${constName}: PayloadChecker = {`,
    `  check: ${checkFunction(checked, title).split('\n').join('\n  ')},`,
    '  properties: [',
    ...props,
    '  ],',
    '};',
  ].join('\n');
}

/** The full text of shared/generated/payload-checks.ts. */
export function payloadChecksSource(): string {
  const checkers = [checkerSource('AGGREGATE_CHECKER', 'Aggregate', AggregateSchema), checkerSource('STATUS_CHECKER', 'Status', StatusSchema)];
  const used = Object.entries(FORMATS).filter(([n]) => checkers.some((c) => c.includes(`format('${n}'`)));
  const imports = used.map(([, f]) => `import { ${f.name} } from '${f.from}';`);
  return [
    '// GENERATED by shared/schema/codegen.ts from shared/schema/payloads.ts. Do not edit: regenerate with `npm run schemas`',
    '// (`npm run schemas -- --check` and tests/shared/payload-checks.test.ts fail when this file is stale).',
    '//',
    "// TypeBox's compiled checks (TypeCompiler.Code) as plain code: the sensor ships this instead of the schema library;",
    '// nothing here is evaluated or compiled at run time.',
    '/* eslint-disable @typescript-eslint/no-explicit-any -- the emitted checks read an unknown value by key */',
    ...imports,
    '',
    'export interface PayloadProperty {',
    '  key: string;',
    '  required: boolean;',
    "  /** Reads after \"'key' must be \": the validator's message. */",
    '  description: string;',
    '  /** The key\'s own check (called only when the key is present, or required). */',
    '  check: (value: unknown) => boolean;',
    '  /** When the value is an object: its keys, the required ones, and whether others are refused. */',
    '  object?: { keys: readonly string[]; required: readonly string[]; closed: boolean };',
    '}',
    '',
    'export interface PayloadChecker {',
    '  /** The whole payload, exactly as the schema says (closed: no other keys). */',
    '  check: (value: unknown) => boolean;',
    '  /** Every key of the contract, in schema order. */',
    '  properties: readonly PayloadProperty[];',
    '}',
    '',
    ...(used.length ? [
      '/** What the schemas\' `format` keywords call (the same functions shared/schema/kit.ts registers with TypeBox). */',
      'function format(name: string, value: unknown): boolean {',
      ...used.map(([n, f]) => `  if (name === ${JSON.stringify(n)}) return ${f.name}(value);`),
      '  return false;',
      '}',
      '',
    ] : []),
    checkers.join('\n\n'),
    '',
  ].join('\n');
}
