// The contract for people and tools, without a key: the bundled spec and its HTML reference page,
// compressed and cacheable (a strong ETag of the content; revalidated after five minutes).
import compression from 'compression';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import { bundledSpecPath, type SpecDoc } from './spec-routes.js';

/** Serves what `load` returns, read and hashed on the first request for it, not at start. */
function cacheable(load: () => string, type: string): RequestHandler {
  let cached: { body: string; etag: string } | null = null;
  return (req, res) => {
    if (!cached) {
      const body = load();
      cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    const { body, etag } = cached;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'public, max-age=300, must-revalidate');
    const given = req.headers['if-none-match'];
    if (given?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      res.status(304).end();
      return;
    }
    res.type(type).send(body);
  };
}

export function docsRouter(doc: SpecDoc, securityHeaders: { page: RequestHandler; spec: RequestHandler }): Router {
  // The 2.7 MB reference page is read (and hashed) on its first request, not at every start; a missing
  // page still stops the start, as before.
  const pagePath = join(dirname(bundledSpecPath()), 'docs.html');
  if (!existsSync(pagePath)) throw new Error(`${pagePath} not found: run npm run generate`);
  const router = Router({ strict: true, caseSensitive: true });
  router.get(
    '/openapi.json',
    securityHeaders.spec,
    compression(),
    cacheable(() => JSON.stringify(doc), 'application/json'),
  );
  router.get(
    '/docs',
    securityHeaders.page,
    compression(),
    cacheable(() => readFileSync(pagePath, 'utf8'), 'text/html'),
  );
  return router;
}
