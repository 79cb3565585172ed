// Invariants of the contract: every operation identified, documented, secured, permissioned, with
// 4xx and 5xx responses and examples; every example valid against its schema; requests strict.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Json = Record<string, any>;
const doc = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')) as Json;
const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;
const operations = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((m) => ({
    path,
    method: m,
    op: item[m] as Json,
    shared: (item.parameters ?? []) as Json[],
  })),
);
const deref = (o: Json): Json =>
  o?.$ref
    ? deref(
        o.$ref
          .split('/')
          .slice(1)
          .reduce((a: Json, k: string) => a[k], doc),
      )
    : o;

const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS with a default export: NodeNext sees the module object.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ ...doc, $id: 'doc' });
const validatorFor = (schema: Json) => (schema.$ref ? ajv.getSchema(`doc${schema.$ref}`)! : ajv.compile(schema));

describe('spec invariants', () => {
  it.each(operations.map((o) => [o.op.operationId, o] as const))(
    "When the error answers of %s are read, then each 404 and 409 example is named after its code, and the first is the operation's own",
    (_, { op }) => {
      for (const status of ['404', '409']) {
        const response = op.responses[status] ? deref(op.responses[status]) : undefined;
        if (!response) continue;
        const examples = Object.entries(deref(response.content['application/json']).examples as Json).map(
          ([name, e]) => [name, deref(e as Json).value] as const,
        );
        expect(examples.length, `${op.operationId} ${status}`).toBeGreaterThan(0);
        for (const [name, value] of examples)
          expect([name, value.status_code], `${op.operationId} ${status}`).toEqual([value.error.code, Number(status)]);
      }
    },
  );

  it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    'When %s is read, then every status the server can send it is documented',
    (_name, { op }) => {
      const codes = Object.keys(op.responses);
      const secured = !(Array.isArray(op.security) && op.security.length === 0);
      const expected = [
        '405',
        '408',
        '431',
        '500',
        ...(secured ? ['401', '403', '429'] : []),
        ...(op.requestBody ? ['400', '413', '415'] : []),
      ];
      expect(codes).toEqual(expect.arrayContaining(expected));
      for (const [code, r] of Object.entries(op.responses as Json)) {
        const headers = deref(r).headers ?? {};
        expect(deref(headers['X-Request-Id'] ?? {}).required, `${code} X-Request-Id`).toBe(true);
        if (code === '401') expect(deref(headers['WWW-Authenticate'] ?? {}).required, 'WWW-Authenticate').toBe(true);
        if (code === '429') expect(deref(headers['Retry-After'] ?? {}).required, 'Retry-After').toBe(true);
      }
    },
  );

  it('When an integer is a request id, offset or version, then its maximum is 2^53-1 (what every store holds exactly)', () => {
    for (const name of ['ProfileId', 'RoleId', 'TemplateProfileId', 'Version', 'Offset']) {
      expect(doc.components.parameters[name].schema.maximum, name).toBe(Number.MAX_SAFE_INTEGER);
    }
  });

  it('When the spec is bundled, then it has the API operations and unique operationIds', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.length).toBeGreaterThanOrEqual(36);
  });

  it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    'When reading %s, then it is documented, secured and exemplified',
    (_name, { op, path }) => {
      expect(op.summary, 'summary').toBeTruthy();
      expect(op.description, 'description').toBeTruthy();
      expect(op.tags?.length, 'tag').toBeGreaterThan(0);
      const codes = Object.keys(op.responses);
      expect(
        codes.some((c) => c.startsWith('4')),
        '4xx',
      ).toBe(true);
      expect(
        codes.some((c) => c.startsWith('5')),
        '5xx',
      ).toBe(true);
      if (['/health', '/livez', '/readyz'].includes(path)) {
        expect(op.security).toEqual([]);
      } else {
        expect(op.security ?? doc.security).toEqual([{ bearerAuth: [] }]);
        expect(op['x-required-permission']).toMatch(
          /^(AccessProfiles|APIKeys|Roles|Users):(View|Create|Update|Delete)$/,
        );
        expect(op.description).toContain(op['x-required-permission']);
      }
      for (const [code, r] of Object.entries(op.responses as Json)) {
        const content = deref(r as Json).content?.['application/json'];
        if (content) expect(Object.keys(content.examples ?? {}).length, `examples of ${code}`).toBeGreaterThan(0);
      }
      const body = op.requestBody?.content?.['application/json'];
      if (body) expect(Object.keys(body.examples ?? {}).length, 'request examples').toBeGreaterThan(0);
    },
  );

  it('When every example is checked against its schema (JSON Schema 2020-12), then all are valid', () => {
    const failures: string[] = [];
    const check = (where: string, schema: Json, value: unknown) => {
      const validate = validatorFor(schema);
      if (!validate(value)) failures.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    };
    for (const { path, method, op, shared } of operations) {
      const name = `${method.toUpperCase()} ${path}`;
      for (const [code, r] of Object.entries(op.responses as Json)) {
        const content = deref(r as Json).content?.['application/json'];
        for (const [ex, e] of Object.entries((content?.examples ?? {}) as Json))
          check(`${name} ${code} ${ex}`, content.schema, deref(e as Json).value);
      }
      const body = op.requestBody?.content?.['application/json'];
      for (const [ex, e] of Object.entries((body?.examples ?? {}) as Json))
        check(`${name} request ${ex}`, body.schema, deref(e as Json).value);
      for (const p of [...shared, ...(op.parameters ?? [])].map(deref))
        if (p.example !== undefined) check(`${name} parameter ${p.name}`, p.schema, p.example);
    }
    expect(failures).toEqual([]);
  });

  it('When a request body schema has objects, then every object is strict (additionalProperties: false)', () => {
    const loose: string[] = [];
    const seen = new Set<Json>();
    const walk = (schema: Json, at: string) => {
      schema = deref(schema);
      if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
      seen.add(schema);
      if (schema.type === 'object' || schema.properties) if (schema.additionalProperties !== false) loose.push(at);
      for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v as Json, `${at}.${k}`);
      if (schema.items) walk(schema.items, `${at}[]`);
      for (const key of ['oneOf', 'anyOf', 'allOf']) for (const s of schema[key] ?? []) walk(s, at);
    };
    for (const { path, method, op } of operations) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (schema) walk(schema, `${method.toUpperCase()} ${path}`);
    }
    expect(loose).toEqual([]);
  });

  it('When generated/ is regenerated from spec/, then nothing differs', () => {
    expect(() => execFileSync(process.execPath, ['scripts/generate.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
