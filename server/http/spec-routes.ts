// The routes of the bundled spec: path template, method, operationId, required permission and
// parameter types. Read once at start; auth, coercion and routing all use this one table.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationId } from './operations.js';

// Found by walking up from this module, so it holds from server/ (tsx) and from dist/ (built).
function findBundledSpec(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'generated', 'openapi.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('generated/openapi.json not found: run npm run generate');
  }
}

let found: string | undefined;
/**
 * Where the bundled spec is, found on first use (at start): a missing one then stops the start with its
 * one-line message, not an error thrown while the server's code loads.
 */
export function bundledSpecPath(): string {
  found ??= findBundledSpec();
  return found;
}

interface ParameterSpec {
  name: string;
  in: string;
  schema?: { type?: string; default?: unknown; $ref?: string };
}
export interface SpecRoute {
  method: 'get' | 'post' | 'put' | 'delete';
  template: string;
  regex: RegExp;
  /** The path parameters' names, in the order of the regex's groups. */
  pathParamNames: string[];
  operationId: OperationId;
  permission: string | null;
  secured: boolean;
  parameters: ParameterSpec[];
  /** The JSON request body's schema (a `$ref` into components), when the operation takes one. */
  bodySchema: unknown;
}

export type SpecDoc = {
  info: { version: string };
  security?: unknown[];
  paths: Record<string, Record<string, unknown>>;
  components: { parameters?: Record<string, ParameterSpec>; schemas?: Record<string, unknown> };
};

export function loadSpec(): SpecDoc {
  return JSON.parse(readFileSync(bundledSpecPath(), 'utf8')) as SpecDoc;
}

export function specRoutes(doc: SpecDoc): SpecRoute[] {
  const routes: SpecRoute[] = [];
  const resolveParam = (p: ParameterSpec & { $ref?: string }): ParameterSpec =>
    p.$ref ? doc.components.parameters![p.$ref.split('/').pop()!]! : p;
  for (const [template, item] of Object.entries(doc.paths)) {
    const shared = ((item.parameters as ParameterSpec[]) ?? []).map(resolveParam);
    for (const method of ['get', 'post', 'put', 'delete'] as const) {
      const op = item[method] as
        | {
            operationId: OperationId;
            security?: unknown[];
            parameters?: ParameterSpec[];
            'x-required-permission'?: string;
            requestBody?: { content?: { 'application/json'?: { schema?: unknown } } };
          }
        | undefined;
      if (!op) continue;
      const own = (op.parameters ?? []).map(resolveParam);
      const security = op.security ?? doc.security ?? [];
      routes.push({
        method,
        template,
        regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
        pathParamNames: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        operationId: op.operationId,
        permission: op['x-required-permission'] ?? null,
        secured: security.length > 0,
        parameters: [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own],
        bodySchema: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  // Static segments before parameters, so /api/access-profiles/audit-logs wins over /{id}.
  const weight = (t: string) =>
    t
      .split('/')
      .map((s) => (s.startsWith('{') ? '1' : '0'))
      .join('');
  return routes.sort(
    (a, b) => weight(a.template).localeCompare(weight(b.template)) || a.template.localeCompare(b.template),
  );
}

/**
 * The operation for a method and path: the most specific path template first (static segments win), then
 * its method. `DELETE /api/access-profiles/audit-logs` is no operation (405), not `DELETE …/{id}`.
 */
export function matchRoute(routes: SpecRoute[], method: string, path: string): SpecRoute | undefined {
  const m = method.toLowerCase();
  const template = routes.find((r) => r.regex.test(path))?.template;
  return template === undefined ? undefined : routes.find((r) => r.template === template && r.method === m);
}

/** Path and query values typed as the spec says (integers, booleans), with defaults applied. */
export function coerceParameters(
  route: SpecRoute,
  source: Record<string, unknown>,
  where: 'path' | 'query',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of route.parameters) {
    if (p.in !== where) continue;
    const raw = source[p.name];
    const type = p.schema?.type;
    if (raw === undefined) {
      if (p.schema?.default !== undefined) out[p.name] = p.schema.default;
      continue;
    }
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (type === 'integer' || type === 'number') out[p.name] = Number(value);
    else if (type === 'boolean') out[p.name] = value === true || value === 'true';
    else out[p.name] = value;
  }
  return out;
}
