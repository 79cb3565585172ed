// The dependency patches in patches/ are applied by the install (postinstall: patch-package), so CI runs
// the code the patches describe, not the upstream files. The route lookup patch replaces a linear scan
// with a keyed one: it must find exactly what the scan found, for every routing option.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToRegexp } from 'path-to-regexp';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { applyOpenApiMetadata } = require('express-openapi-validator/dist/middlewares/openapi.metadata.js') as {
  applyOpenApiMetadata: (
    context: unknown,
    responseApiDoc: unknown,
  ) => (req: FakeRequest, res: unknown, next: (e?: unknown) => void) => void;
};

const eov = (file: string) =>
  readFileSync(new URL(`../../node_modules/express-openapi-validator/dist/${file}`, import.meta.url), 'utf8');

// Routes in the order the validator keeps them. The literal `/things/latest` comes after the
// parameterized `/things/:id`, so a lookup that tried literals first would answer differently.
const ROUTES: Array<[expressRoute: string, openApiRoute: string]> = [
  ['/things', '/things'],
  ['/things/:id', '/things/{id}'],
  ['/things/latest', '/things/latest'],
  ['/Mixed/Case', '/Mixed/Case'],
  ['/things/:id/parts/:part', '/things/{id}/parts/{part}'],
  ['/about', '/about'],
];

const PATHS = [
  '/things',
  '/things/',
  '/THINGS',
  '/things/latest',
  '/things/latest/',
  '/things/LATEST',
  '/things/42',
  '/things/42/',
  '/things/a%20b',
  '/things/%E0%A4%A',
  '/things/%2F',
  '/mixed/case',
  '/Mixed/Case',
  '/MIXED/CASE/',
  '/things/1/parts/2',
  '/things/1/parts/',
  '/about',
  '/about//',
  '/About',
  '/\u212About',
  '/things/\u212A',
  '/nothing',
  '/',
  '',
];

interface FakeRequest {
  path: string;
  baseUrl: string;
  url: string;
  originalUrl: string;
  method: string;
  params?: Record<string, string>;
  openapi?: { openApiRoute: string; expressRoute: string; pathParams: Record<string, string> };
  app: { enabled: (setting: string) => boolean };
}

function context() {
  const paths: Record<string, Record<string, unknown>> = {};
  const expressRouteMap: Record<string, Record<string, unknown>> = {};
  for (const [expressRoute, openApiRoute] of ROUTES) {
    const get = { operationId: openApiRoute };
    paths[openApiRoute] = { get };
    expressRouteMap[expressRoute] = {
      basePath: '',
      _expressRoute: expressRoute,
      _openApiRoute: openApiRoute,
      GET: get,
    };
  }
  return {
    apiDoc: { paths },
    expressRouteMap,
    openApiRouteMap: {},
    ignoreUndocumented: false,
    useRequestUrl: false,
    serial: 0,
    routePair: (route: string) => ({
      expressRoute: route,
      openApiRoute: (expressRouteMap[route] as { _openApiRoute: string })._openApiRoute,
    }),
    shouldIgnoreRoute: () => false,
    isManagedRoute: () => true,
  };
}

/** Upstream's lookup (5.6.2): every route's matcher, in order, the first match wins. */
function linearLookup(
  path: string,
  strict: boolean,
  sensitive: boolean,
): { openApiRoute: string; pathParams: Record<string, string> } | 'malformed' | null {
  for (const [expressRoute, openApiRoute] of ROUTES) {
    const { regexp, keys } = pathToRegexp(expressRoute, { sensitive, strict } as never);
    const m = regexp.exec(path);
    if (!m) continue;
    try {
      const values = m.slice(1).map(decodeURIComponent);
      return { openApiRoute, pathParams: Object.fromEntries(keys.map((k, i) => [k.name, values[i]!])) };
    } catch {
      return 'malformed';
    }
  }
  return null;
}

function patchedLookup(
  path: string,
  strict: boolean,
  sensitive: boolean,
  middleware = applyOpenApiMetadata(context(), null),
) {
  const req: FakeRequest = {
    path,
    baseUrl: '',
    url: path,
    originalUrl: `${path}?q=1`,
    method: 'GET',
    app: { enabled: (s) => (s === 'strict routing' ? strict : s === 'case sensitive routing' ? sensitive : false) },
  };
  try {
    let passed = false;
    middleware(req, {}, (e) => {
      if (e) throw e;
      passed = true;
    });
    expect(passed).toBe(true);
    return req.openapi ? { openApiRoute: req.openapi.openApiRoute, pathParams: req.openapi.pathParams } : null;
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === 404) return null;
    if (status === 400 && /malformed/.test((e as Error).message)) return 'malformed';
    throw e;
  }
}

describe('dependency patches', () => {
  it('When the project is installed, then every patch of express-openapi-validator is applied', () => {
    expect(
      readdirSync(new URL('../../patches/', import.meta.url))
        .filter((f) => f.endsWith('.patch'))
        .sort(),
    ).toEqual([
      'express-openapi-validator+5.6.2+001+keyed-route-lookup.patch',
      'express-openapi-validator+5.6.2+002+context-once-loaded.patch',
      'express-openapi-validator+5.6.2+003+one-mutator-per-operation.patch',
      'express-openapi-validator+5.6.2+004+compile-components-once.patch',
      'express-openapi-validator+5.6.2+005+compile-on-load.patch',
      'express-openapi-validator+5.6.2+006+api-spec-validator-only-when-used.patch',
      'express-openapi-validator+5.6.2+007+response-formats-option.patch',
      'express-openapi-validator+5.6.2+008+preprocess-without-compiling.patch',
      'express-openapi-validator+5.6.2+009+skip-bundle-of-bundled-document.patch',
      'express-openapi-validator+5.6.2+010+one-validator-per-operation-without-body.patch',
      'express-openapi-validator+5.6.2+011+ajv-code-options.patch',
    ]);
    expect(eov('middlewares/openapi.metadata.js')).toContain('function routeTable(strict, sensitive)');
    expect(eov('openapi.validator.js')).toContain('const withContext = (next, use) =>');
    expect(eov('middlewares/openapi.request.validator.js')).toContain('// One mutator per operation');
    expect(eov('middlewares/util.js')).toContain('function withSharedDocument(ajv, schema)');
    expect(eov('openapi.validator.js')).toContain('middlewares.loaded = pContext.then(');
  });

  for (const strict of [true, false]) {
    for (const sensitive of [true, false]) {
      it(`When routing is ${strict ? 'strict' : 'not strict'} and ${sensitive ? 'case sensitive' : 'case insensitive'}, then the keyed lookup finds what the linear scan finds, for every path`, () => {
        const middleware = applyOpenApiMetadata(context(), null);
        for (const path of PATHS) {
          expect({ path, found: patchedLookup(path, strict, sensitive, middleware) }).toEqual({
            path,
            found: linearLookup(path, strict, sensitive),
          });
        }
      });
    }
  }

  it('When a parameterized route comes before a literal one that also matches, then the earlier route wins, as before', () => {
    expect(patchedLookup('/things/latest', true, true)).toEqual({
      openApiRoute: '/things/{id}',
      pathParams: { id: 'latest' },
    });
    expect(patchedLookup('/about', true, true)).toEqual({ openApiRoute: '/about', pathParams: {} });
  });
});

describe('the patched validator on our spec (components compiled once, shared by every operation)', () => {
  it('When handlers answer bodies that break the spec, then the response validator still refuses them, operation after operation; valid bodies pass', async () => {
    const express = (await import('express')).default;
    const pino = (await import('pino')).default;
    const { specValidator } = await import('../../server/http/request-checks.js');
    const { loadSpec } = await import('../../server/http/spec-routes.js');
    const app = express();
    app.set('strict routing', true);
    app.use(express.json());
    app.use(specValidator(loadSpec(), { validateRequests: true, validateResponses: true }, pino({ level: 'silent' })));
    const answers = new Map<string, unknown>();
    app.get('/api/roles', (req, res) => void res.json(answers.get(req.path)));
    app.get('/api/access-profiles/:id', (_req, res) => void res.json(answers.get('/api/access-profiles/{id}')));
    app.use(
      (
        err: { status?: number; code?: string },
        _req: unknown,
        res: { status: (s: number) => { json: (b: unknown) => void } },
        _next: unknown,
      ) => {
        res.status(err.status ?? 500).json({ code: err.code ?? null });
      },
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const get = async (path: string) => (await fetch(base + path, { headers: { authorization: 'Bearer x' } })).status;
    try {
      answers.set('/api/roles', { roles: [], count: 0, total_count: 0, limit: 50, offset: 0 });
      const rolesValid = await get('/api/roles');
      answers.set('/api/roles', { roles: [{ id: 'not an integer' }], count: 1, total_count: 1, limit: 50, offset: 0 });
      const rolesInvalid = await get('/api/roles');
      // Answers' formats are checked in 'fast' mode (patch 007): by shape, so not-a-date is refused.
      const role = { id: 1, name: 'r', description: null, user_count: 0, created_at: 'yesterday' };
      answers.set('/api/roles', { roles: [role], count: 1, total_count: 1, limit: 50, offset: 0 });
      const rolesBadDate = await get('/api/roles');
      answers.set('/api/roles', {
        roles: [{ ...role, created_at: '2026-12-01T10:00:00.000Z' }],
        count: 1,
        total_count: 1,
        limit: 50,
        offset: 0,
      });
      const rolesGoodDate = await get('/api/roles');
      answers.set('/api/access-profiles/{id}', { access_profile: { id: 1 } });
      const profileInvalid = await get('/api/access-profiles/1');
      const requestInvalid = await get('/api/access-profiles/abc');
      expect({ rolesValid, rolesInvalid, rolesBadDate, rolesGoodDate, profileInvalid, requestInvalid }).toEqual({
        rolesBadDate: 500,
        rolesGoodDate: 200,
        rolesValid: 200,
        rolesInvalid: 500,
        profileInvalid: 500,
        requestInvalid: 400,
      });
    } finally {
      server.close();
    }
  });
});

describe('ajv code options (patch 011)', () => {
  const { AjvOptions } = require('express-openapi-validator/dist/framework/ajv/options.js') as {
    AjvOptions: new (o: unknown) => { request: { code?: object }; response: { code?: object } };
  };
  const { createRequestAjv, createResponseAjv } = require('express-openapi-validator/dist/framework/ajv/index.js') as {
    createRequestAjv: (doc: unknown, o: unknown) => { opts: { code: { optimize: number } } };
    createResponseAjv: (doc: unknown, o: unknown) => { opts: { code: { optimize: number } } };
  };
  const base = { serDes: [], formats: {}, validateRequests: {}, validateResponses: {} };
  const doc = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} };

  it('When ajvCode is given, then every ajv instance the validator builds gets its own copy of it', () => {
    const ajvCode = { optimize: false };
    const options = new AjvOptions({ ...base, ajvCode });
    expect(options.request.code).toEqual({ optimize: false });
    expect(options.request.code).not.toBe(ajvCode);
    expect(options.request.code).not.toBe(options.response.code);
    expect(createRequestAjv(doc, options.request).opts.code.optimize).toBe(0);
    expect(createResponseAjv(doc, options.response).opts.code.optimize).toBe(0);
  });

  it('When ajvCode is not given, then ajv keeps its default optimisation', () => {
    const options = new AjvOptions(base);
    expect(options.request.code).toBeUndefined();
    expect(createRequestAjv(doc, options.request).opts.code.optimize).toBe(1);
  });
});
