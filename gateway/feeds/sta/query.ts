/**
 * SensorThings API query options (OGC 18-088, clause 9.3): parsing and evaluation of $filter, $orderby, $top,
 * $skip, $count, $select and $expand. What is supported is supported fully; anything else is a 400 with a clear
 * reason (clause 9.3.3.5: the filter grammar is OData's; this server implements its comparison subset).
 *
 *   $filter    comparisons  eq ne gt ge lt le  between a property and a literal (either side), joined with
 *              and, or, not and parentheses. Literals: ISO 8601 date-times (2025-06-01T12:00:00Z), numbers,
 *              'strings', null, true, false. Arithmetic, functions (substringof, year, geo.*…) and lambda
 *              operators are refused.
 *   time       an instant compares as usual. A window (phenomenonTime, half-open [start, end)) against an
 *              instant t: lt / le  end ≤ t (the whole window before t); gt  start > t; ge  start ≥ t;
 *              eq  start = end = t; ne  not eq.
 */

export class StaError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type Literal = { kind: 'time'; ms: number } | { kind: 'number'; value: number } | { kind: 'string'; value: string } | { kind: 'null' } | { kind: 'boolean'; value: boolean };
export type FilterNode =
  | { type: 'and'; left: FilterNode; right: FilterNode }
  | { type: 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; expr: FilterNode }
  | { type: 'cmp'; property: string; op: CompareOp; literal: Literal };

const OPS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const FLIP: Record<CompareOp, CompareOp> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };
const UNSUPPORTED = 'this server supports comparisons (eq, ne, gt, ge, lt, le) between a property and a literal, joined with and, or, not and parentheses';
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

type Token = { t: 'lp' | 'rp' } | { t: 'word'; v: string } | { t: 'str'; v: string };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') i++;
    else if (c === '(') (out.push({ t: 'lp' }), i++);
    else if (c === ')') (out.push({ t: 'rp' }), i++);
    else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw new StaError(400, '$filter: a string literal is not closed');
        if (s[i] === "'" && s[i + 1] === "'") (v += "'", (i += 2));
        else if (s[i] === "'") break;
        else v += s[i++];
      }
      i++;
      out.push({ t: 'str', v });
    } else {
      const m = /^[^\s()']+/.exec(s.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function literal(tok: Token | undefined): Literal | null {
  if (!tok || tok.t === 'lp' || tok.t === 'rp') return null;
  if (tok.t === 'str') return { kind: 'string', value: tok.v };
  const v = (tok as { v: string }).v;
  if (v === 'null') return { kind: 'null' };
  if (v === 'true' || v === 'false') return { kind: 'boolean', value: v === 'true' };
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return { kind: 'number', value: Number(v) };
  if (DATETIME.test(v)) {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new StaError(400, `$filter: ${v} is not a valid date-time`);
    return { kind: 'time', ms };
  }
  return null;
}

const isProperty = (tok: Token | undefined): tok is { t: 'word'; v: string } => tok?.t === 'word' && /^[A-Za-z@][A-Za-z0-9_@.]*(\/[A-Za-z][A-Za-z0-9_]*)*$/.test(tok.v) && literal(tok) === null && !OPS.includes(tok.v) && !['and', 'or', 'not'].includes(tok.v);

/** Parse a $filter expression (throws StaError 400 with the reason). */
export function parseFilter(text: string): FilterNode {
  const toks = tokenize(text);
  let p = 0;
  const peekWord = (w: string) => toks[p]?.t === 'word' && (toks[p] as { v: string }).v === w;
  /** A left-associative chain of `operand (word operand)*`. */
  const chain = (word: 'or' | 'and', operand: () => FilterNode) => (): FilterNode => {
    let left = operand();
    while (peekWord(word)) {
      p++;
      left = { type: word, left, right: operand() };
    }
    return left;
  };
  const and = chain('and', () => unary());
  const or = chain('or', and);
  function unary(): FilterNode {
    if (peekWord('not')) {
      p++;
      return { type: 'not', expr: unary() };
    }
    if (toks[p]?.t === 'lp') {
      p++;
      const e = or();
      if (toks[p]?.t !== 'rp') throw new StaError(400, '$filter: a parenthesis is not closed');
      p++;
      return e;
    }
    return comparison();
  }
  function comparison(): FilterNode {
    const a = toks[p];
    const op = toks[p + 1];
    const b = toks[p + 2];
    if (toks[p + 1]?.t === 'lp' && a?.t === 'word') throw new StaError(400, `$filter: the function ${a.v}() is not supported; ${UNSUPPORTED}`);
    if (!a || !op || op.t !== 'word' || !OPS.includes(op.v) || !b) {
      const near = a && (a.t === 'word' || a.t === 'str') ? ` near "${a.v}"` : '';
      if (op?.t === 'word' && ['add', 'sub', 'mul', 'div', 'mod'].includes(op.v)) throw new StaError(400, `$filter: arithmetic (${op.v}) is not supported; ${UNSUPPORTED}`);
      throw new StaError(400, `$filter: expected "property operator literal"${near}; ${UNSUPPORTED}`);
    }
    if (toks[p + 3]?.t === 'lp') throw new StaError(400, `$filter: functions are not supported; ${UNSUPPORTED}`);
    p += 3;
    const la = literal(a);
    const lb = literal(b);
    if (isProperty(a) && lb) return { type: 'cmp', property: a.v, op: op.v as CompareOp, literal: lb };
    if (isProperty(b) && la) return { type: 'cmp', property: b.v, op: FLIP[op.v as CompareOp], literal: la };
    throw new StaError(400, `$filter: a comparison needs one property and one literal (got "${a.t === 'word' || a.t === 'str' ? a.v : a.t}" and "${b.t === 'word' || b.t === 'str' ? b.v : b.t}"); ${UNSUPPORTED}`);
  }
  if (!toks.length) throw new StaError(400, '$filter is empty');
  const tree = or();
  if (p !== toks.length) {
    const t = toks[p]!;
    throw new StaError(400, `$filter: unexpected "${t.t === 'word' || t.t === 'str' ? t.v : t.t === 'lp' ? '(' : ')'}"; ${UNSUPPORTED}`);
  }
  return tree;
}

/** Every property a filter names. */
export function filterProperties(n: FilterNode): string[] {
  if (n.type === 'cmp') return [n.property];
  if (n.type === 'not') return filterProperties(n.expr);
  return [...filterProperties(n.left), ...filterProperties(n.right)];
}

/** An ISO 8601 instant or interval ("start/end") as [startMs, endMs]. */
export function timeOf(value: unknown): [number, number] | null {
  if (typeof value !== 'string') return null;
  const [a, b] = value.split('/');
  const start = Date.parse(a!);
  const end = b === undefined ? start : Date.parse(b);
  return Number.isNaN(start) || Number.isNaN(end) ? null : [start, end];
}

/** The time rule of the header, for a window [start, end) (an instant has start = end). */
export function compareTime([start, end]: [number, number], op: CompareOp, t: number): boolean {
  const instant = start === end;
  switch (op) {
    case 'eq': return start === t && end === t;
    case 'ne': return !(start === t && end === t);
    case 'lt': return instant ? start < t : end <= t;
    case 'le': return instant ? start <= t : end <= t;
    case 'gt': return start > t;
    case 'ge': return start >= t;
  }
}

function comparePrimitive(v: unknown, op: CompareOp, lit: Literal): boolean {
  if (lit.kind === 'null') {
    if (op === 'eq') return v === null || v === undefined;
    if (op === 'ne') return v !== null && v !== undefined;
    throw new StaError(400, `$filter: null can only be compared with eq or ne`);
  }
  if (v === null || v === undefined) return op === 'ne';
  const x = lit.kind === 'time' ? lit.ms : lit.value;
  if (typeof v !== typeof x) return op === 'ne';
  const a = v as number | string | boolean;
  switch (op) {
    case 'eq': return a === x;
    case 'ne': return a !== x;
    case 'gt': return a > x;
    case 'ge': return a >= x;
    case 'lt': return a < x;
    case 'le': return a <= x;
  }
}

/** Evaluate a filter on an entity (plain properties; time properties by the rule above). */
export function evaluate(n: FilterNode, entity: Record<string, unknown>, timeProps: ReadonlySet<string>): boolean {
  if (n.type === 'and') return evaluate(n.left, entity, timeProps) && evaluate(n.right, entity, timeProps);
  if (n.type === 'or') return evaluate(n.left, entity, timeProps) || evaluate(n.right, entity, timeProps);
  if (n.type === 'not') return !evaluate(n.expr, entity, timeProps);
  if (n.type !== 'cmp') return false;
  const v = entity[n.property];
  if (timeProps.has(n.property) && n.literal.kind === 'time') {
    const t = timeOf(v);
    return t === null ? n.op === 'ne' : compareTime(t, n.op, n.literal.ms);
  }
  if (timeProps.has(n.property) && n.literal.kind !== 'null') throw new StaError(400, `$filter: ${n.property} compares with a date-time such as 2025-06-01T12:00:00Z`);
  return comparePrimitive(v, n.op, n.literal);
}

export interface OrderItem {
  property: string;
  desc: boolean;
}

export function parseOrderBy(text: string): OrderItem[] {
  return text.split(',').map((part) => {
    const m = /^\s*([A-Za-z@][A-Za-z0-9_@.]*)(?:\s+(asc|desc))?\s*$/.exec(part);
    if (!m) throw new StaError(400, `$orderby: "${part.trim()}" is not "property [asc|desc]"`);
    return { property: m[1]!, desc: m[2] === 'desc' };
  });
}

export interface QueryOptions {
  filter: FilterNode | null;
  orderby: OrderItem[];
  top: number | null;
  skip: number;
  count: boolean;
  select: string[] | null;
  expand: ExpandItem[];
}

export interface ExpandItem {
  /** Navigation property, e.g. Datastreams. */
  name: string;
  options: QueryOptions;
}

const KNOWN = ['$filter', '$orderby', '$top', '$skip', '$count', '$select', '$expand', '$resultFormat'];

const nonNegative = (name: string, raw: string): number => {
  if (!/^\d{1,9}$/.test(raw)) throw new StaError(400, `${name} must be a non-negative integer`);
  return Number(raw);
};

/** Split on a separator at parenthesis depth 0. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === sep && depth === 0) (out.push(cur), (cur = ''));
    else cur += c;
  }
  if (depth !== 0) throw new StaError(400, '$expand: parentheses do not match');
  out.push(cur);
  return out;
}

/** $expand=Datastreams($top=1;$expand=Observations($orderby=phenomenonTime desc)),Locations or Datastreams/Observations. */
export function parseExpand(text: string): ExpandItem[] {
  return splitTop(text, ',').map((raw) => {
    const item = raw.trim();
    const open = item.indexOf('(');
    const path = (open < 0 ? item : item.slice(0, open)).trim();
    const inner = open < 0 ? '' : item.slice(open + 1, item.lastIndexOf(')'));
    if (!/^[A-Za-z]+(\/[A-Za-z]+)*$/.test(path)) throw new StaError(400, `$expand: "${item}" is not a navigation property`);
    const [first, ...restPath] = path.split('/');
    const params = new Map<string, string>();
    for (const opt of inner ? splitTop(inner, ';') : []) {
      const eq = opt.indexOf('=');
      if (eq < 0) throw new StaError(400, `$expand: option "${opt}" has no value`);
      params.set(opt.slice(0, eq).trim(), opt.slice(eq + 1));
    }
    const options = parseOptions(params);
    if (restPath.length) {
      // Datastreams/Observations: expand Datastreams, and within it Observations (with the options, if any).
      return { name: first!, options: { ...emptyOptions(), expand: parseExpand(`${restPath.join('/')}${inner ? `(${inner})` : ''}`) } };
    }
    return { name: first!, options };
  });
}

export function emptyOptions(): QueryOptions {
  return { filter: null, orderby: [], top: null, skip: 0, count: false, select: null, expand: [] };
}

/** Query options from the URL (or from an $expand's parentheses). Unknown $-options are a 400. */
export function parseOptions(params: { get(k: string): string | null | undefined; keys(): Iterable<string> }): QueryOptions {
  for (const k of params.keys()) if (k.startsWith('$') && !KNOWN.includes(k)) throw new StaError(400, `unknown query option ${k}; supported: ${KNOWN.slice(0, 7).join(', ')}`);
  const o = emptyOptions();
  const get = (k: string) => params.get(k) ?? null;
  if (get('$filter') !== null) o.filter = parseFilter(get('$filter')!);
  if (get('$orderby') !== null) o.orderby = parseOrderBy(get('$orderby')!);
  if (get('$top') !== null) o.top = nonNegative('$top', get('$top')!);
  if (get('$skip') !== null) o.skip = nonNegative('$skip', get('$skip')!);
  const count = get('$count');
  if (count !== null) {
    if (count !== 'true' && count !== 'false') throw new StaError(400, '$count must be true or false');
    o.count = count === 'true';
  }
  if (get('$select') !== null) o.select = get('$select')!.split(',').map((s) => s.trim()).filter(Boolean);
  if (get('$expand') !== null) o.expand = parseExpand(get('$expand')!);
  if (get('$resultFormat') !== null) throw new StaError(400, '$resultFormat is not supported (the dataArray extension is not implemented)');
  return o;
}
