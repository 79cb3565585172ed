// What the contract says about one response: its documented status, headers and body schema, checked
// with Ajv (JSON Schema 2020-12) against the bundled spec. Problems name the operation and the field.
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';

type Json = Record<string, any>;
export const spec = JSON.parse(readFileSync(new URL('../generated/openapi.json', import.meta.url), 'utf8')) as Json;

const ajv = new Ajv2020({ strict: false, allErrors: true });
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ ...spec, $id: 'doc' });

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  op: Json;
}
export const operations = new Map<string, Operation>();
for (const [path, item] of Object.entries(spec.paths as Json)) {
  for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
    if (item[method])
      operations.set(item[method].operationId, {
        operationId: item[method].operationId,
        method: method.toUpperCase(),
        path,
        op: item[method],
      });
  }
}
const deref = (o: Json | undefined): Json | undefined =>
  o?.$ref
    ? deref(
        o.$ref
          .split('/')
          .slice(1)
          .reduce((a: Json, k: string) => a?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec),
      )
    : o;

function validator(schema: Json) {
  return schema.$ref ? ajv.getSchema(`doc${schema.$ref}`)! : ajv.compile(schema);
}

/** `access_profile.budgets[0].max_limit`, the way a reader names a field. */
function fieldOf(e: ErrorObject): string {
  const parts = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  if (e.keyword === 'additionalProperties')
    parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  const name = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
  return name || '(body)';
}

/** Problems of one response against the operation's documented `status`: empty when it conforms. */
export function responseProblems(
  operationId: string,
  expectedStatus: number,
  response: Response,
  body: unknown,
): string[] {
  const op = operations.get(operationId);
  if (!op) return [`${operationId} is not an operation of the spec`];
  const status = response.status;
  const problems: string[] = [];
  if (status !== expectedStatus)
    problems.push(`status ${status}, expected ${expectedStatus}; body ${JSON.stringify(body)?.slice(0, 300)}`);
  const documented = deref(op.op.responses?.[String(status)]);
  if (!documented) return [...problems, `status ${status} is not documented`];
  for (const [name, h] of Object.entries((documented.headers ?? {}) as Json)) {
    const header = deref(h)!;
    const value = response.headers.get(name);
    if (value === null) {
      // Only headers the spec marks required must be there (RateLimit, say, is sent only while limits are on).
      if (header.required) problems.push(`header ${name} is missing`);
      continue;
    }
    if (header.schema) {
      const validate = validator(header.schema);
      // Header values are text; an integer header is checked as the number it spells.
      const typed = header.schema.type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (!validate(typed))
        problems.push(
          `header ${name} ${JSON.stringify(value)}: ${ajv.errorsText(validate.errors, { dataVar: 'value' })}`,
        );
    }
  }
  const schema = documented.content?.['application/json']?.schema;
  if (schema) {
    const validate = validator(schema);
    if (!validate(body)) {
      for (const e of validate.errors ?? [])
        problems.push(
          `body field ${fieldOf(e)} ${e.message}${e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : ''}`,
        );
    }
  }
  return problems;
}
