// fast-check arbitraries drawn from the bundled OpenAPI document: valid values of a request schema, and
// invalid ones made by one mutation of a valid value (wrong type, missing required field, unknown field,
// too long / too short / pattern-breaking string, out-of-range number, enum violation, too many items,
// deep nesting). Covers the JSON Schema subset the request schemas use.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  default?: unknown;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: Schema;
  $ref?: string;
}
interface Doc {
  paths: Record<
    string,
    Record<
      string,
      | {
          operationId?: string;
          parameters?: Parameter[];
          requestBody?: { content: Record<string, { schema: Schema }> };
        }
      | Parameter[]
    >
  >;
  components: { schemas: Record<string, Schema>; parameters: Record<string, Parameter> };
}

export const spec = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../generated/openapi.json', import.meta.url)), 'utf8'),
) as Doc;

export function deref(s: Schema): Schema {
  let cur = s;
  for (let i = 0; cur.$ref && i < 20; i++) cur = spec.components.schemas[cur.$ref.split('/').pop()!]!;
  return cur;
}

function operation(operationId: string) {
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!Array.isArray(op) && op.operationId === operationId)
        return { path, method, op, shared: (item.parameters as Parameter[] | undefined) ?? [] };
    }
  }
  throw new Error(`no operation ${operationId}`);
}

export function requestSchema(operationId: string): Schema {
  const { op } = operation(operationId);
  if (Array.isArray(op)) throw new Error('unreachable');
  return op.requestBody!.content['application/json']!.schema;
}

export function queryParameters(operationId: string): Parameter[] {
  const { op, shared } = operation(operationId);
  if (Array.isArray(op)) throw new Error('unreachable');
  return [...shared, ...(op.parameters ?? [])]
    .map((p) => (p.$ref ? spec.components.parameters[p.$ref.split('/').pop()!]! : p))
    .filter((p) => p.in === 'query');
}

// ---- types ----
type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'null';

/** The JSON types a schema accepts (a union over oneOf/anyOf branches); undefined = anything. */
export function allowedTypes(schema: Schema): Set<JsonType> | undefined {
  const s = deref(schema);
  if (s.oneOf || s.anyOf) {
    const out = new Set<JsonType>();
    for (const b of s.oneOf ?? s.anyOf!) {
      const t = allowedTypes(b);
      if (!t) return undefined;
      for (const x of t) out.add(x);
    }
    return out;
  }
  if (s.type) return new Set((Array.isArray(s.type) ? s.type : [s.type]) as JsonType[]);
  if (s.enum) return new Set(s.enum.map((v) => (v === null ? 'null' : typeof v)) as JsonType[]);
  return undefined;
}

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as JsonType;
}

function accepts(types: Set<JsonType>, v: unknown): boolean {
  const t = typeOf(v);
  return types.has(t) || (t === 'integer' && types.has('number'));
}

/** The branch of a oneOf/anyOf (or type union) a concrete value falls in, for walking into it. */
function branchFor(schema: Schema, value: unknown): Schema {
  const s = deref(schema);
  const branches = s.oneOf ?? s.anyOf;
  if (!branches) return s;
  for (const b of branches) {
    const t = allowedTypes(b);
    if (!t || accepts(t, value)) return deref(b);
  }
  return s;
}

// ---- valid values ----
const MAX_ITEMS = 3;
const MAX_STRING = 24;

function stringArb(s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? MAX_STRING, Math.max(min, MAX_STRING));
  if (s.format === 'date-time') {
    return fc
      .date({ min: new Date(Date.now() + 86_400_000), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString());
  }
  if (s.pattern) {
    const re = new RegExp(s.pattern, 'u');
    const anchored = s.pattern.startsWith('^');
    const base = anchored ? fc.stringMatching(re) : fc.string({ minLength: Math.max(min, 1), maxLength: max });
    return base.filter((x) => x.length >= min && x.length <= max && re.test(x) && !x.includes('\u0000'));
  }
  return fc.string({ minLength: min, maxLength: max }).filter((x) => !x.includes('\u0000'));
}

/** Valid values of `schema` (small: short strings, few items). */
export function validArb(schema: Schema): fc.Arbitrary<unknown> {
  const s = deref(schema);
  if (s.oneOf || s.anyOf) return fc.oneof(...(s.oneOf ?? s.anyOf!).map(validArb));
  if (s.enum) return fc.constantFrom(...s.enum);
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : ['string'];
  if (types.length > 1) return fc.oneof(...types.map((t) => validArb({ ...s, type: t })));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000_000);
      const max = Math.min(s.maximum ?? 1_000_000, 2 ** 31 - 1);
      return fc.integer({ min, max });
    }
    case 'number': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum : -1_000_000);
      const max = s.maximum ?? 1_000_000;
      return fc
        .double({ min, max, noNaN: true, noDefaultInfinity: true, minExcluded: s.exclusiveMinimum !== undefined })
        .map((n) => Math.round(n * 100) / 100 || Math.max(min + 0.01, 0.01));
    }
    case 'string':
      return stringArb(s);
    case 'array': {
      const item = validArb(s.items ?? {});
      const constraints = {
        minLength: s.minItems ?? 0,
        maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      };
      return s.uniqueItems
        ? fc.uniqueArray(item, { ...constraints, selector: (v) => JSON.stringify(v) })
        : fc.array(item, constraints);
    }
    case 'object': {
      const props = s.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = validArb(v);
      const rec = fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) }) as fc.Arbitrary<
        Record<string, unknown>
      >;
      return s.minProperties ? rec.filter((o) => Object.keys(o).length >= s.minProperties!) : rec;
    }
    default:
      return fc.constant(null);
  }
}

// ---- mutations ----
interface Node {
  path: (string | number)[];
  value: unknown;
  schema: Schema /* as the parent declares it */;
}

function nodes(value: unknown, schema: Schema, path: (string | number)[] = [], out: Node[] = []): Node[] {
  out.push({ path, value, schema });
  const s = branchFor(schema, value);
  if (Array.isArray(value) && s.items) {
    for (const [i, v] of value.entries()) nodes(v, s.items, [...path, i], out);
  } else if (value && typeof value === 'object' && s.properties) {
    for (const [k, v] of Object.entries(value)) if (s.properties[k]) nodes(v, s.properties[k]!, [...path, k], out);
  }
  return out;
}

function setAt(root: unknown, path: (string | number)[], fn: (v: unknown) => unknown): unknown {
  if (path.length === 0) return fn(root);
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (let i = 0; i < path.length - 1; i++) cur = cur[path[i]!] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  cur[last] = fn(cur[last]);
  return copy;
}

const deep = (depth: number, kind: number): unknown => {
  // Built iteratively: JSON.stringify of it recurses, so keep depth within what V8 serialises.
  let v: unknown = kind % 2 ? 1 : 'x';
  for (let i = 0; i < depth; i++) v = kind % 3 === 0 ? [v] : { a: v };
  return v;
};

export type Mutation =
  | 'wrongType'
  | 'missingRequired'
  | 'unknownField'
  | 'hugeString'
  | 'shortString'
  | 'patternViolation'
  | 'outOfRange'
  | 'enumViolation'
  | 'tooManyItems'
  | 'deepNesting'
  | 'emptyObject';
export const MUTATIONS: Mutation[] = [
  'wrongType',
  'missingRequired',
  'unknownField',
  'hugeString',
  'shortString',
  'patternViolation',
  'outOfRange',
  'enumViolation',
  'tooManyItems',
  'deepNesting',
  'emptyObject',
];

const WRONG_TYPE_SAMPLES: unknown[] = [123, 1.5, true, 'str', [], {}, null, -7, [1, 'a'], { k: 'v' }];

/**
 * Applies one mutation, chosen by `pick`, to a node chosen by `at`, that makes the value invalid for the
 * schema; returns null when that mutation does not apply anywhere (the caller picks again).
 */
export function mutate(
  valid: unknown,
  root: Schema,
  mutation: Mutation,
  at: number,
  pick: number,
): { value: unknown; path: string; mutation: Mutation } | null {
  const all = nodes(valid, root);
  const label = (p: (string | number)[]) =>
    p
      .map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`))
      .join('')
      .replace(/^\./, '') || '<root>';
  for (let k = 0; k < all.length; k++) {
    const node = all[(at + k) % all.length]!;
    const declared = deref(node.schema);
    const s = branchFor(node.schema, node.value);
    const types = allowedTypes(node.schema);
    const apply = (fn: (v: unknown) => unknown) => ({
      value: setAt(valid, node.path, fn),
      path: label(node.path),
      mutation,
    });
    switch (mutation) {
      case 'wrongType': {
        if (!types) break;
        const wrong = WRONG_TYPE_SAMPLES.filter((x) => !accepts(types, x) && !declared.enum?.includes(x));
        if (wrong.length) return apply(() => wrong[pick % wrong.length]);
        break;
      }
      case 'missingRequired': {
        const obj = node.value as Record<string, unknown>;
        const req = (s.required ?? []).filter((r) => obj && typeof obj === 'object' && !Array.isArray(obj) && r in obj);
        if (req.length)
          return apply((v) => {
            const o = { ...(v as Record<string, unknown>) };
            delete o[req[pick % req.length]!];
            return o;
          });
        break;
      }
      case 'unknownField': {
        if (
          node.value &&
          typeof node.value === 'object' &&
          !Array.isArray(node.value) &&
          s.additionalProperties === false
        ) {
          const key = [
            '__fuzz',
            'version',
            'is_active',
            'created_at',
            'current_usage',
            'scope',
            'key',
            'prefix',
            'Name',
          ][pick % 9]!;
          if (!(key in (s.properties ?? {})))
            return apply((v) => ({ ...(v as object), [key]: WRONG_TYPE_SAMPLES[pick % WRONG_TYPE_SAMPLES.length] }));
        }
        break;
      }
      case 'hugeString': {
        if (typeof node.value === 'string' && s.maxLength !== undefined && !s.enum) {
          const extra = [1, 17, 1000, 200_000][pick % 4]!;
          return apply(() => 'x'.repeat(s.maxLength! + extra));
        }
        break;
      }
      case 'shortString': {
        if (typeof node.value === 'string' && (s.minLength ?? 0) > 0 && !s.enum)
          return apply(() => ''.padEnd((s.minLength ?? 1) - 1, 'x'));
        break;
      }
      case 'patternViolation': {
        if (typeof node.value === 'string' && s.pattern && !s.format) {
          const re = new RegExp(s.pattern, 'u');
          const candidates = [' ', '   ', '-lead', 'a,b', 'sp ace', '.dot', 'ünï', '\t\n'].filter(
            (c) => !re.test(c) && c.length >= (s.minLength ?? 0) && c.length <= (s.maxLength ?? Infinity),
          );
          if (candidates.length) return apply(() => candidates[pick % candidates.length]);
        }
        if (typeof node.value === 'string' && s.format === 'date-time')
          return apply(() => ['tomorrow', '2026-13-01T00:00:00Z', '2026-01-01', ''][pick % 4]);
        break;
      }
      case 'outOfRange': {
        if (typeof node.value === 'number') {
          const options: number[] = [];
          if (s.minimum !== undefined) options.push(s.minimum - 1, s.minimum - 0.5);
          if (s.exclusiveMinimum !== undefined) options.push(s.exclusiveMinimum, s.exclusiveMinimum - 1);
          if (s.maximum !== undefined) options.push(s.maximum + 1, 1e308);
          if (deref(node.schema).type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer')))
            options.push(2.5);
          if (options.length) return apply(() => options[pick % options.length]);
        }
        break;
      }
      case 'enumViolation': {
        if (s.enum && typeof node.value === 'string') {
          const bad = ['', 'ALL', '1m', '2h', 'include ', 'AccessProfiles:*'].filter((b) => !s.enum!.includes(b));
          return apply(() => bad[pick % bad.length]);
        }
        break;
      }
      case 'tooManyItems': {
        if (Array.isArray(node.value) && s.maxItems !== undefined && s.maxItems <= 1000) {
          const item = node.value[0] ?? WRONG_TYPE_SAMPLES[pick % WRONG_TYPE_SAMPLES.length];
          return apply(() => Array.from({ length: s.maxItems! + 1 }, () => structuredClone(item)));
        }
        break;
      }
      case 'deepNesting': {
        if (types && !(types.has('array') && types.has('object'))) {
          return apply(() => deep([50, 500, 2000][pick % 3]!, pick));
        }
        break;
      }
      case 'emptyObject': {
        if (
          node.value &&
          typeof node.value === 'object' &&
          !Array.isArray(node.value) &&
          ((s.required?.length ?? 0) > 0 || (s.minProperties ?? 0) > 0)
        )
          return apply(() => ({}));
        break;
      }
    }
  }
  return null;
}

/** Invalid values of `schema`: one mutation of a valid value. */
export function invalidArb(
  schema: Schema,
  mutations: Mutation[] = MUTATIONS,
): fc.Arbitrary<{ value: unknown; path: string; mutation: Mutation }> {
  return fc
    .tuple(validArb(schema), fc.constantFrom(...mutations), fc.nat(), fc.nat())
    .map(([valid, mutation, at, pick]) => mutate(valid, schema, mutation, at, pick))
    .filter((m): m is NonNullable<typeof m> => m !== null);
}
