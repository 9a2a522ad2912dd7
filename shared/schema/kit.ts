/**
 * The schema library and the few building blocks every contract uses.
 *
 * Why TypeBox (@sinclair/typebox 0.34): a TypeBox schema *is* a JSON Schema (draft 2020-12 compatible object), so
 * what we publish in docs/schemas/ is exactly what the gateway checks, and `Static<>` gives the TypeScript type from
 * the same object; zod 4 needs a conversion step (z.toJSONSchema) between the two.
 */
import { FormatRegistry, Type, type SchemaOptions, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { DATE_PATTERN, EMAIL_PATTERN, HEX64_PATTERN, ID_PATTERN, isIsoDate } from '../patterns.ts';
import { isUrl, textPattern, URL_SCHEMES, type TextBounds } from './rules.ts';

// Standard formats, checked the way the gateway reads them (JSON Schema validators elsewhere use their own).
if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', isIsoDate);
if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', isUrl);

export const Id = (o: SchemaOptions = {}) => Type.String({ pattern: ID_PATTERN.source, ...o });
export const Email = (o: SchemaOptions = {}) => Type.String({ pattern: EMAIL_PATTERN.source, ...o });
export const Hex64 = (o: SchemaOptions = {}) => Type.String({ pattern: HEX64_PATTERN.source, ...o });
export const IsoDate = (o: SchemaOptions = {}) => Type.String({ pattern: DATE_PATTERN.source, format: 'date', ...o });
export const Url = (o: SchemaOptions = {}) => Type.String({ format: 'uri', pattern: `^(?:${URL_SCHEMES.join('|')}):`, ...o });
/** Text with at least `min` characters once trimmed, at most `max` as given (rules.ts isText). */
export const Text = (b: TextBounds, o: SchemaOptions = {}) => Type.String({ minLength: b.min, maxLength: b.max, pattern: textPattern(b.min), ...o });
export const IntIn = (b: { min: number; max: number }, o: SchemaOptions = {}) => Type.Integer({ minimum: b.min, maximum: b.max, ...o });

export interface SchemaProblem {
  /** Dotted path, e.g. `owner.email`, `area.zone[2]`; '' for the whole value. */
  path: string;
  /** The failing rule's own words (a node's `description`), or TypeBox's. */
  message: string;
  kind: 'unknown-key' | 'missing' | 'invalid';
}

/** `/area/zone/2` → `area.zone[2]`. */
export function dotted(pointer: string): string {
  return pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** A schema with its compiled checker: `check` is the fast yes/no, `problems` says what is wrong (slow path). */
export class Contract<T extends TSchema> {
  private readonly compiled: TypeCheck<T>;
  constructor(readonly name: string, readonly schema: T) {
    this.compiled = TypeCompiler.Compile(schema);
  }

  check(x: unknown): boolean {
    return this.compiled.Check(x);
  }

  /** Every problem, one per path (the first found), in document order. */
  problems(x: unknown): SchemaProblem[] {
    const out: SchemaProblem[] = [];
    const seen = new Set<string>();
    for (const e of Value.Errors(this.schema, x)) {
      const path = dotted(e.path);
      if ([...seen].some((s) => s === path || (s !== '' && (path.startsWith(`${s}.`) || path.startsWith(`${s}[`))))) continue;
      seen.add(path);
      const kind = e.type === 42 ? 'unknown-key' : e.type === 45 ? 'missing' : 'invalid'; // ValueErrorType
      out.push({ path, message: (kind !== 'unknown-key' && e.schema.description) || e.message, kind });
    }
    return out;
  }
}
